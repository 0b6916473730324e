"""Campaigns opened from the enterprise's page keep their workers by name
unless the supervisor chooses figures only; a wrong choice is refused."""
from __future__ import annotations

import pytest
from django.urls import reverse

from workflows.campaigns.models import Campaign, Register


@pytest.mark.parametrize("posted,register", [({}, Register.NAMES), ({"register": "names"}, Register.NAMES),
                                             ({"register": "figures"}, Register.FIGURES)])
def test_the_enterprise_page_opens_a_campaign_by_name_unless_told_otherwise(client, world, posted, register):
    client.force_login(world.supervisor)

    response = client.post(reverse("campaigns:open", args=[world.enterprise.pk]),
                           {"working_group": world.group.pk, **posted})

    assert response.status_code == 302
    assert Campaign.objects.get(enterprise=world.enterprise).register == register


def test_the_form_offers_both_and_a_wrong_choice_writes_nothing(client, world):
    client.force_login(world.supervisor)
    page = client.get(reverse("enterprises:detail", args=[world.enterprise.pk])).content.decode()
    assert 'name="register"' in page and 'value="figures"' in page

    response = client.post(reverse("campaigns:open", args=[world.enterprise.pk]), {"register": "by-magic"})

    assert response.status_code == 400
    assert Campaign.objects.count() == 0
