"""The bell, the list, marking read and the e-mail preference: each user
reaches their own notifications only (another user's answers 404 and
changes nothing), state changes are POST with CSRF, and the list costs the
same queries for 5 or 50 notifications."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from workflows.notifications.models import EmailChoice, Notification, NotificationPreference
from workflows.notifications.services import Draft, notifications_create


def notify(user, count: int = 1, **fields) -> list[Notification]:
    return notifications_create(drafts=[
        Draft(user.pk, "campaign_assigned", {"enterprise": f"Công ty Số {n}", "group": "Tổ công tác số 1"},
              url="/campaigns/", **fields) for n in range(count)])


def read_state() -> list[tuple[int, bool]]:
    return [(pk, read_at is None) for pk, read_at in Notification.objects.order_by("pk").values_list("pk", "read_at")]


@pytest.fixture
def officer_client(client, world):
    client.force_login(world.officer)
    return client


def test_the_bell_counts_the_unread_notifications_of_the_user(officer_client, world):
    # given: two unread and one read for the officer, one for someone else
    mine = notify(world.officer, 3)
    Notification.objects.filter(pk=mine[0].pk).update(read_at=mine[0].created_at)
    notify(world.other_officer)

    # when
    response = officer_client.get(reverse("notifications:bell"))

    # then
    assert response.status_code == 200
    assert b'data-unread>2</span>' in response.content
    assert b'hx-trigger="every 60s, notifications-changed from:body"' in response.content
    # the link is named by its text (the count it shows, then "unread"), never by a label htmx could leave behind
    link = response.content.decode().split('id="notification-bell-link"')[1].split("</a>")[0]
    assert "aria-label" not in link
    assert re.sub(r"<[^>]+>|\s+", " ", link.split(">", 1)[1]).split() == ["Thông", "báo", "2", "chưa", "đọc"]


def test_every_page_carries_the_bell_which_loads_itself(officer_client):
    response = officer_client.get(reverse("campaigns:my_tasks"))

    assert response.status_code == 200
    assert response.content.count(b'id="notification-bell"') == 1
    assert b'hx-trigger="load"' in response.content


def test_the_list_shows_the_user_s_notifications_only(officer_client, world):
    # given
    notify(world.officer, 2)
    notify(world.other_officer)

    # when
    response = officer_client.get(reverse("notifications:list"))

    # then
    assert response.status_code == 200
    assert [n.recipient_id for n in response.context["page"]] == [world.officer.pk] * 2
    assert response.context["unread"] == 2
    assert "Công ty Số 1" in response.content.decode()


def test_marking_one_read(officer_client, world):
    # given
    first, second = notify(world.officer, 2)

    # when
    response = officer_client.post(reverse("notifications:read"), {"notification": first.pk})

    # then
    assert (response.status_code, response["Location"]) == (302, reverse("notifications:list"))
    assert read_state() == [(first.pk, False), (second.pk, True)]


def test_marking_one_read_with_htmx_refreshes_the_row_and_tells_the_bell(officer_client, world):
    # given
    (notification,) = notify(world.officer)

    # when
    response = officer_client.post(reverse("notifications:read"), {"notification": notification.pk},
                                   HTTP_HX_REQUEST="true")

    # then
    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    assert f'id="notification-{notification.pk}"'.encode() in response.content
    assert read_state() == [(notification.pk, False)]


def test_opening_a_notification_marks_it_read_and_goes_where_it_points(officer_client, world):
    (notification,) = notify(world.officer)

    response = officer_client.post(reverse("notifications:read"), {"notification": notification.pk, "open": "1"})

    assert (response.status_code, response["Location"]) == (302, "/campaigns/")
    assert read_state() == [(notification.pk, False)]


@pytest.mark.parametrize("data", [{"notification": "other"}, {"notification": "999999"}, {"notification": "abc"},
                                  {}], ids=["another-user-s", "missing", "garbage", "none"])
def test_another_user_s_notification_answers_404_and_stays_unread(officer_client, world, data):
    # given: a notification of another officer
    (theirs,) = notify(world.other_officer)
    if data.get("notification") == "other":
        data = {"notification": theirs.pk}
    before = read_state()

    # when
    response = officer_client.post(reverse("notifications:read"), {**data, "open": "1"})

    # then
    assert response.status_code == 404
    assert read_state() == before


def test_marking_all_read_touches_only_the_user_s(officer_client, world):
    # given
    mine = notify(world.officer, 3)
    (theirs,) = notify(world.other_officer)

    # when
    response = officer_client.post(reverse("notifications:read_all"))

    # then
    assert response.status_code == 302
    assert read_state() == [(n.pk, False) for n in mine] + [(theirs.pk, True)]


@pytest.mark.parametrize("name", ["notifications:read", "notifications:read_all"])
def test_marking_read_is_post_only_and_checks_csrf(world, name):
    # given: a browser that signs in and sends no CSRF token
    (notification,) = notify(world.officer)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.officer)

    # when
    got = browser.get(reverse(name), {"notification": notification.pk})
    posted = browser.post(reverse(name), {"notification": notification.pk})

    # then
    assert (got.status_code, posted.status_code) == (405, 403)
    assert read_state() == [(notification.pk, True)]


@pytest.mark.parametrize("name", ["notifications:list", "notifications:bell", "notifications:preferences"])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_preference_page(officer_client, world):
    # when: the page, then the choice of the digest
    page = officer_client.get(reverse("notifications:preferences"))
    saved = officer_client.post(reverse("notifications:preferences"), {"email": "digest"})

    # then
    assert page.status_code == 200
    assert page.context["form"].initial == {"email": EmailChoice.EACH}
    assert (saved.status_code, saved["Location"]) == (302, reverse("notifications:preferences"))
    assert list(NotificationPreference.objects.values_list("user", "email")) == [(world.officer.pk, "digest")]


def test_a_preference_that_is_not_a_choice_changes_nothing(officer_client, world):
    response = officer_client.post(reverse("notifications:preferences"), {"email": "weekly"})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert NotificationPreference.objects.count() == 0


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_costs_the_same_queries_for_5_or_50(officer_client, world, count):
    # given: warmed up (session, user, grants) on an empty list
    officer_client.get(reverse("notifications:list"))
    notify(world.officer, count)

    # when
    with CaptureQueriesContext(connection) as queries:
        response = officer_client.get(reverse("notifications:list"))

    # then: session, user, grants (the navigation), count, page, unread count
    assert response.status_code == 200
    assert len(response.context["page"]) == min(count, 30)
    assert len(queries) == 6, [q["sql"] for q in queries]
