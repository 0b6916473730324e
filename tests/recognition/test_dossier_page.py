"""The dossier page reads one frozen dataclass (``selectors.dossier_page``)
whose rights are decided by ``permissions.dossier_rights`` (issue 13 #3):
before, the view built twelve permission flags itself (radon E35)."""
from __future__ import annotations

import dataclasses

import pytest

from tests.recognition.dossiers import submitted
from workflows.core import clock
from workflows.recognition import selectors

#: While the verification waits in the queue, role → (may take it, may verify now, may hand it over,
#: kept from the review by separation of duties, sees the campaign's page, the verification form shown)
EXPECTED = {
    "officer": (False, False, False, True, True, False),  # submitted it and works the case
    "other_officer": (True, True, False, False, False, True),  # an officer of the recognising unit
    "supervisor": (False, False, True, False, True, False),
    "manager": (False, False, False, False, True, False),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_the_dossier_page_says_what_each_role_may_do_while_the_verification_waits(world, role):
    # given a submitted dossier
    campaign = submitted(world)

    # when
    page = selectors.dossier_page(world.user(role), campaign, today=clock.today())

    # then
    rights = page.rights
    assert dataclasses.is_dataclass(page) and page.__dataclass_params__.frozen
    assert (rights.can_take, rights.can_act, rights.can_hand_over, rights.kept_from_review,
            rights.can_view_campaign, rights.show_verify_form) == EXPECTED[role]
    assert (rights.step, rights.mine, rights.in_queue, rights.may_prepare, rights.show_submit_form,
            rights.show_upload_form) == ("verify", False, True, False, False, False)
    assert (page.status_label, page.missing, page.show_decision) == ("Waiting for verification", (), False)
    assert page.hand_over_to == (((world.other_officer.pk, world.other_officer.get_full_name()),)
                                 if role == "supervisor" else ())


def test_before_submission_the_officer_prepares_and_submits(world):
    from tests.conftest import campaign_at
    from workflows.campaigns.flows import Stage

    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)

    page = selectors.dossier_page(world.officer, campaign, today=clock.today())

    assert (page.dossier, page.step, page.version, page.rights.step) == (None, None, 0, "")
    assert (page.rights.show_upload_form, page.rights.show_submit_form, page.rights.can_resubmit) == (
        True, True, False)
    assert len(page.missing) == len([item for item in page.checklist if item.required])
