"""The campaign page reads one frozen dataclass from a selector
(``selectors.campaign_page``, issue 13 #3) instead of a context built in the
view: what the page shows and what each role may do there."""
from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import campaign_at
from workflows.campaigns import selectors
from workflows.campaigns.flows import Stage
from workflows.core import clock

#: role → (can_work, can_assign, may_assign, show_contacts, groups offered, a queue task's row:
#: (can_complete, can_claim, can_reassign), the transitions offered)
EXPECTED = {
    "officer": (True, False, False, True, 0, (True, True, False), ["form_committee", "hold", "abandon"]),
    "supervisor": (True, True, True, True, 2, (True, True, True), ["form_committee", "hold", "abandon"]),
    "manager": (False, False, False, False, 0, (False, False, False), []),
}


def _page(world, role, campaign):
    user = world.user(role)
    return selectors.campaign_page(user, selectors.campaign_visible(user, campaign.pk), today=clock.today())


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_the_campaign_page_says_what_each_role_may_do(world, role):
    # given a campaign whose employer was met
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)

    # when
    page = _page(world, role, campaign)

    # then
    assert dataclasses.is_dataclass(page) and page.__dataclass_params__.frozen
    assert (page.can_work, page.can_assign, page.may_assign, page.show_contacts, len(page.groups),
            (page.open_rows[0].can_complete, page.open_rows[0].can_claim, page.open_rows[0].can_reassign),
            [option.name for option in page.options]) == EXPECTED[role]
    assert (len(page.open_rows), len(page.closed_tasks), len(page.events), page.reached) == (3, 3, 3, 1)
    assert page.people == ((world.officer.pk, world.officer.get_full_name()),)


@pytest.mark.parametrize("role", ["other_officer", "other_supervisor", "anonymous"])
def test_who_may_not_see_the_campaign_gets_no_page(world, role):
    from django.contrib.auth.models import AnonymousUser

    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)

    assert selectors.campaign_visible(world.user(role) or AnonymousUser(), campaign.pk) is None


def test_a_closed_case_is_no_longer_worked_but_its_assignment_form_still_says_why(world):
    campaign = campaign_at(world, Stage.ABANDONED)

    page = _page(world, "supervisor", campaign)

    assert (page.can_work, page.can_assign, page.may_assign, page.options) == (False, False, True, ())
    assert page.open_rows == ()
    assert page.reached == -1
