"""A notification that asks for a review step is done once the step is done
(or is someone else's): marked read — the bell stops counting it — shown as
handled, and not e-mailed any more; the others stay as they were."""
from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from tests.factories import UserFactory
from tests.recognition.dossiers import submitted, waiting
from workflows.notifications.models import EmailStatus, Notification, NotificationKind
from workflows.notifications.selectors import unread_count
from workflows.notifications.services import Draft, notifications_close, notifications_create
from workflows.organisation import services as org
from workflows.recognition import notices, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(world):
    """A second officer of the district's other group: two verifiers."""
    user = UserFactory(username="colleague")
    org.working_group_member_add(group=world.other_group, user=user, actor=world.admin)
    return user


def review_rows(task) -> list[tuple[str, int, bool, bool]]:
    """(kind, recipient, unread, done) of the notifications about ``task``."""
    return sorted((kind, recipient, read_at is None, done_at is not None)
                  for kind, recipient, read_at, done_at in Notification.objects.filter(
                      step_key=f"review-step:{task.pk}").values_list("kind", "recipient_id", "read_at", "done_at"))


def test_the_invitations_to_verify_are_done_once_the_dossier_is_verified(client, world, colleague):
    # given: the two verifiers of the unit are invited, and the bell counts it
    campaign = submitted(world)
    task = waiting(campaign, "verify")
    assert review_rows(task) == sorted([("review_waiting", world.other_officer.pk, True, False),
                                        ("review_waiting", colleague.pk, True, False)])
    client.cookies["django_language"] = "en"
    client.force_login(colleague)
    assert b"data-unread>1</span>" in client.get(reverse("notifications:bell")).content

    # when: one of them verifies it
    services.dossier_verify(task_id=task.pk, actor=world.other_officer, complete=True)

    # then: both invitations are done and read; the bell drops; the list shows it handled
    assert review_rows(task) == sorted([("review_waiting", world.other_officer.pk, False, True),
                                        ("review_waiting", colleague.pk, False, True)])
    assert unread_count(colleague) == 0 and unread_count(world.other_officer) == 0
    assert b"data-unread" not in client.get(reverse("notifications:bell")).content
    page = client.get(reverse("notifications:list")).content.decode()
    assert page.count("data-done>handled</span>") == 1
    assert "Mark as read" not in page
    # the decision's invitation to the supervisor is new and open
    decide = waiting(campaign, "decide")
    assert review_rows(decide) == [("review_waiting", world.supervisor.pk, True, False)]


def test_taking_the_step_closes_the_others_invitations(world, colleague):
    campaign = submitted(world)
    task = waiting(campaign, "verify")

    services.review_task_take(task_id=task.pk, actor=colleague)

    assert review_rows(task) == sorted([("review_waiting", world.other_officer.pk, False, True),
                                        ("review_waiting", colleague.pk, True, False)])
    # handed over to the other verifier: the taker's is closed, the receiver is told
    services.review_task_reassign(task_id=task.pk, actor=world.supervisor, to_user_id=world.other_officer.pk)
    rows = review_rows(task)
    assert ("review_waiting", colleague.pk, False, True) in rows
    assert ("review_waiting", world.other_officer.pk, True, False) in rows  # the hand-over's notice
    assert unread_count(colleague) == 0 and unread_count(world.other_officer) == 1


def test_the_return_notice_is_done_once_the_dossier_is_resubmitted(world):
    campaign = submitted(world)
    services.dossier_verify(task_id=waiting(campaign, "verify").pk, actor=world.other_officer, complete=False,
                            comments="Thiếu chữ ký")
    correct = waiting(campaign, "correct")
    assert review_rows(correct) == [("review_returned", world.officer.pk, True, False)]
    assert unread_count(world.officer) == 1

    services.dossier_submit(campaign_id=campaign.pk, actor=world.officer)

    assert review_rows(correct) == [("review_returned", world.officer.pk, False, True)]
    assert unread_count(world.officer) == 0


def test_an_escalation_is_done_once_the_step_is_done(world):
    campaign = submitted(world)
    task = waiting(campaign, "verify")
    from workflows.recognition.models import Dossier

    notices.review_escalate(dossier=Dossier.objects.get(campaign=campaign), step_task=task)
    assert ("review_escalated", world.supervisor.pk, True, False) in review_rows(task)
    # someone takes the step: the escalation still stands
    services.review_task_take(task_id=task.pk, actor=world.other_officer)
    assert ("review_escalated", world.supervisor.pk, True, False) in review_rows(task)

    services.dossier_verify(task_id=task.pk, actor=world.other_officer, complete=True)

    assert ("review_escalated", world.supervisor.pk, False, True) in review_rows(task)


def test_closing_a_step_stops_the_e_mails_not_sent_yet_and_touches_nothing_else(world):
    pending, digest, sent, other = notifications_create(drafts=[
        Draft(world.officer.pk, NotificationKind.REVIEW_WAITING, {"step": "verify"}, key="a", step_key="review-step:1"),
        Draft(world.other_officer.pk, NotificationKind.REVIEW_WAITING, {"step": "verify"}, key="b",
              step_key="review-step:1"),
        Draft(world.supervisor.pk, NotificationKind.REVIEW_WAITING, {"step": "verify"}, key="c",
              step_key="review-step:1"),
        Draft(world.officer.pk, NotificationKind.REVIEW_WAITING, {"step": "verify"}, key="d", step_key="review-step:2"),
    ])
    Notification.objects.filter(pk=pending.pk).update(email_status=EmailStatus.PENDING)
    Notification.objects.filter(pk=digest.pk).update(email_status=EmailStatus.DIGEST)
    Notification.objects.filter(pk=sent.pk).update(email_status=EmailStatus.SENT, read_at=sent.created_at)

    assert notifications_close(step_key="review-step:1") == 3

    rows = {n.pk: n for n in Notification.objects.all()}
    assert [rows[n.pk].email_status for n in (pending, digest, sent)] == [EmailStatus.NONE, EmailStatus.NONE,
                                                                           EmailStatus.SENT]
    assert rows[sent.pk].read_at == sent.created_at  # read before: kept
    assert all(rows[n.pk].done_at is not None for n in (pending, digest, sent))
    assert (rows[other.pk].done_at, rows[other.pk].read_at) == (None, None)
    assert notifications_close(step_key="review-step:1") == 0


def test_the_migration_closes_the_notifications_of_steps_done_before_it(world):
    # given: review notifications written before steps were recorded on them
    campaign = submitted(world)
    verify = waiting(campaign, "verify")
    services.dossier_verify(task_id=verify.pk, actor=world.other_officer, complete=True)
    decide = waiting(campaign, "decide")
    Notification.objects.update(step_key="", done_at=None, read_at=None)

    # when
    migration = importlib.import_module("workflows.notifications.migrations.0003_step_done")
    migration.close_done_review_notifications(apps, None)

    # then: the verification's is done, the decision's (still waiting) open
    assert review_rows(verify) == [("review_waiting", world.other_officer.pk, False, True)]
    assert review_rows(decide) == [("review_waiting", world.supervisor.pk, True, False)]
