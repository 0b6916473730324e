"""Every screen renders for the roles that may see it."""
import pytest
from django.urls import reverse

from tests.conftest import campaign_at
from workflows.campaigns.flows import Stage


@pytest.fixture
def campaign(world):
    return campaign_at(world, Stage.EMPLOYER_CONTACTED)


@pytest.mark.parametrize("role", ["officer", "supervisor", "manager"])
def test_main_pages_render(client, world, campaign, role):
    client.force_login(world.user(role))
    pages = [reverse("campaigns:list"), reverse("campaigns:board"), reverse("campaigns:detail", args=[campaign.pk]),
             reverse("enterprises:list"), reverse("enterprises:detail", args=[campaign.enterprise_id])]
    if role != "manager":
        pages.append(reverse("campaigns:my_tasks"))
    if role == "supervisor":
        pages += [reverse("organisation:groups"), reverse("enterprises:create"),
                  reverse("organisation:officer_tasks", args=[world.officer.pk]),
                  reverse("enterprises:edit", args=[campaign.enterprise_id])]
    if role in ("supervisor", "manager"):
        pages.append(reverse("statistics:home"))
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url


def test_transition_forms_render(client, world, campaign):
    client.force_login(world.supervisor)
    for name in ["form_committee", "hold", "abandon"]:
        response = client.get(reverse("campaigns:transition", args=[campaign.pk, name]))
        assert response.status_code == 200, name
    response = client.get(reverse("campaigns:transition", args=[campaign.pk, "recognise"]))
    assert response.status_code == 404
