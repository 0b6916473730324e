"""The administrators' webhook pages: subscribe (the secret shown once),
the subscription with its delivery log, change, switch off and on, a test
event, a new secret, send a given-up delivery again, delete. Other roles
do not see them; an administrator sees only their units' subscriptions."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import build_world
from tests.factories import UserFactory, unit
from workflows.organisation import services as org
from workflows.organisation.models import ChangeAction, ChangeRecord
from workflows.organisation.permissions import Role
from workflows.webhooks import services
from workflows.webhooks.models import Delivery, DeliveryStatus, Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reference_data):
    return build_world()


def test_an_administrator_subscribes_and_sees_the_secret_once(client, world, receiver,
                                                              django_capture_on_commit_callbacks):
    client.force_login(world.administrator)
    # the administration home links to the webhooks
    assert reverse("administration:webhooks:list") in client.get(reverse("administration:home")).content.decode()
    page = client.get(reverse("administration:webhooks:create"))
    assert page.status_code == 200
    units = page.content.decode()
    assert world.province.name in units and world.district.name in units

    response = client.post(reverse("administration:webhooks:create"), {
        "unit": world.province.pk, "url": receiver.url, "kinds": ["campaign.moved", "task.overdue"],
        "description": "Cơ sở dữ liệu đoàn viên"})

    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.secret in response.content.decode()
    assert (subscription.unit, subscription.url, subscription.kinds, subscription.created_by) == (
        world.province, receiver.url, ["campaign.moved", "task.overdue"], world.administrator)
    # the secret is never shown again
    detail = client.get(reverse("administration:webhooks:detail", args=[subscription.pk]))
    assert detail.status_code == 200 and subscription.secret not in detail.content.decode()
    listing = client.get(reverse("administration:webhooks:list")).content.decode()
    assert receiver.url in listing and subscription.secret not in listing

    # a test event reaches the receiver and shows in the log
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("administration:webhooks:ping", args=[subscription.pk])).status_code == 302
    assert [r.json["type"] for r in receiver.received] == ["ping"]
    log = client.get(reverse("administration:webhooks:detail", args=[subscription.pk])).content.decode()
    assert str(Delivery.objects.get().key) in log and "HTTP 200" in log


def test_the_form_refuses_bad_input_and_keeps_it(client, world):
    client.force_login(world.administrator)
    response = client.post(reverse("administration:webhooks:create"), {
        "unit": world.province.pk, "url": "ftp://example.vn/x", "kinds": [], "description": "x" * 10})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Chọn ít nhất một sự kiện" in body or "Choose at least one event" in body
    assert "ftp://example.vn/x" in body
    assert Subscription.objects.count() == 0


def test_change_switch_renew_and_delete(client, world, receiver):
    subscription, secret = services.subscription_create(actor=world.administrator, unit_id=world.district.pk,
                                                        url=receiver.url, kinds=["campaign.moved"])
    client.force_login(world.administrator)
    detail = reverse("administration:webhooks:detail", args=[subscription.pk])

    # change: a stale version is refused (409) and changes nothing
    edit = reverse("administration:webhooks:edit", args=[subscription.pk])
    assert client.get(edit).status_code == 200
    stale = client.post(edit, {"url": receiver.url, "kinds": ["campaign.opened"], "version": 7})
    assert stale.status_code == 409
    assert client.post(edit, {"url": receiver.url, "kinds": ["campaign.opened", "dossier.decided"],
                              "description": "Báo cáo", "version": 0}).status_code == 302
    subscription.refresh_from_db()
    assert (subscription.kinds, subscription.description, subscription.version) == (
        ["campaign.opened", "dossier.decided"], "Báo cáo", 1)

    # switch off and on
    switch = reverse("administration:webhooks:switch", args=[subscription.pk])
    assert client.post(switch, {"active": "0", "version": 1}).status_code == 302
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.disabled_reason == "administrator"
    assert client.post(switch, {"active": "1", "version": 2}).status_code == 302
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.disabled_reason == ""

    # a new secret, shown once
    renewed = client.post(reverse("administration:webhooks:secret", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert renewed.status_code == 200 and subscription.secret != secret
    assert subscription.secret in renewed.content.decode()
    assert client.get(detail).status_code == 200

    # delete, after a page that asks
    delete = reverse("administration:webhooks:delete", args=[subscription.pk])
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    assert not Subscription.objects.exists()
    # the district's administration history says who did what (never the secret)
    history = list(ChangeRecord.objects.filter(action=ChangeAction.WEBHOOK_CHANGED, unit=world.district)
                   .order_by("pk").values_list("actor_id", "after"))
    assert [after.get("active") for _actor, after in history] == [None, None, False, True, None, None]
    assert {actor for actor, _after in history} == {world.administrator.pk}
    assert secret not in str(history) and subscription.secret not in str(history)


def test_a_given_up_delivery_is_sent_again_from_the_log(client, world, receiver,
                                                        django_capture_on_commit_callbacks):
    subscription, _secret = services.subscription_create(actor=world.administrator, unit_id=world.district.pk,
                                                         url=receiver.url, kinds=["campaign.moved"])
    receiver.plan = [500]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.ping_send(subscription_id=subscription.pk, actor=world.administrator)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED  # a test event is tried once
    client.force_login(world.administrator)
    log = client.get(reverse("administration:webhooks:detail", args=[subscription.pk]) + "?status=failed")
    assert "HTTP 500" in log.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("administration:webhooks:retry", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    # sending it again once more is refused: it was delivered
    assert client.post(reverse("administration:webhooks:retry", args=[delivery.pk])).status_code == 409


@pytest.mark.parametrize("role", ["officer", "supervisor", "manager"])
def test_other_roles_do_not_see_webhooks(client, world, role):
    subscription, _secret = services.subscription_create(actor=world.administrator, unit_id=world.district.pk,
                                                         url="https://bao-cao.example.vn/h", kinds=["task.overdue"])
    client.force_login(world.user(role))
    assert client.get(reverse("administration:webhooks:list")).status_code in (403, 404)
    assert client.get(reverse("administration:webhooks:create")).status_code in (403, 404)
    assert client.get(reverse("administration:webhooks:detail", args=[subscription.pk])).status_code == 404
    assert client.post(reverse("administration:webhooks:delete", args=[subscription.pk])).status_code == 404
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_an_administrator_of_another_district_sees_only_theirs(client, world):
    theirs, _secret = services.subscription_create(actor=world.administrator, unit_id=world.district.pk,
                                                   url="https://tu-son.example.vn/h", kinds=["task.overdue"])
    other_admin = UserFactory(username="que_vo_admin")
    org.unit_role_grant(unit=world.other_district, user=other_admin, role=Role.ADMINISTRATOR, actor=world.admin)
    mine, _secret = services.subscription_create(actor=other_admin, unit_id=world.other_district.pk,
                                                 url="https://que-vo.example.vn/h", kinds=["task.overdue"])
    client.force_login(other_admin)
    listing = client.get(reverse("administration:webhooks:list")).content.decode()
    assert "que-vo.example.vn" in listing and "tu-son.example.vn" not in listing
    assert client.get(reverse("administration:webhooks:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("administration:webhooks:detail", args=[mine.pk])).status_code == 200
    # and they cannot subscribe for a unit they do not administer
    response = client.post(reverse("administration:webhooks:create"), {
        "unit": world.district.pk, "url": "https://x.example.vn/h", "kinds": ["task.overdue"]})
    assert response.status_code == 400 and Subscription.objects.count() == 2


def test_the_list_page_reads_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    for n in range(5):
        services.subscription_create(actor=world.administrator, unit_id=world.district.pk,
                                     url=f"https://he-thong-{n}.example.vn/h", kinds=["task.overdue"])
    client.force_login(world.administrator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("administration:webhooks:list"))
    assert response.content.decode().count("example.vn/h</a>") == 5


def test_the_new_subscription_page_picks_the_unit_it_does_not_list_them_all(client, world,
                                                                           django_assert_max_num_queries):
    # A national tree has a hundred thousand units: the page shows the picker
    # (the unit, its children, a search), never a <select> of every unit.
    grassroots = unit(name="Công đoàn cơ sở Công ty Sông Cầu", code="cdcs-song-cau", kind="grassroots",
                      parent=world.district, actor=world.admin)
    client.force_login(world.administrator)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("administration:webhooks:create"))
    body = page.content.decode()
    assert page.status_code == 200
    # the province is chosen (the administrator's top unit); the form posts it
    assert f'<input type="hidden" name="unit" value="{world.province.pk}"' in body
    assert f"<strong>{world.province.name}</strong>" in body
    # the province and its districts by name (Quế Võ, Từ Sơn)
    options = re.findall(r'<option value="(\d+)"', body)
    assert options == [str(u.pk) for u in (world.province, world.other_district, world.district)]
    assert grassroots.name not in body
    assert 'name="unit_q"' in body and '"for": "administered"' in body

    # another unit chosen with the picker: the form posts that one
    page = client.get(reverse("administration:webhooks:create"), {"unit": world.district.pk})
    assert f'<input type="hidden" name="unit" value="{world.district.pk}"' in page.content.decode()
    response = client.post(reverse("administration:webhooks:create") + f"?unit={world.district.pk}", {
        "unit": world.district.pk, "url": "https://tu-son.example.vn/h", "kinds": ["task.overdue"]})
    assert response.status_code == 200
    assert Subscription.objects.get().unit == world.district


def test_a_unit_outside_the_administrators_reach_is_refused_with_a_clear_error(client, world):
    other_admin = UserFactory(username="que_vo_admin")
    org.unit_role_grant(unit=world.other_district, user=other_admin, role=Role.ADMINISTRATOR, actor=world.admin)
    client.force_login(other_admin)
    # asked for on the page: as if none was asked for (their own unit), nothing of it shown
    page = client.get(reverse("administration:webhooks:create"), {"unit": world.district.pk})
    body = page.content.decode()
    assert page.status_code == 200 and world.district.name not in body
    assert f'<input type="hidden" name="unit" value="{world.other_district.pk}"' in body
    # posted: refused, said plainly, and the page's own unit shown again
    for posted in (world.district.pk, world.province.pk, 10**9, "x", ""):
        response = client.post(reverse("administration:webhooks:create"), {
            "unit": posted, "url": "https://x.example.vn/h", "kinds": ["task.overdue"]})
        body = response.content.decode()
        assert response.status_code == 400
        assert ("Bạn không được đăng ký nhận sự kiện của đơn vị đó" in body
                or "You may not subscribe to that unit's events" in body)
        assert f'<input type="hidden" name="unit" value="{world.other_district.pk}"' in body
        assert world.district.name not in body
    assert Subscription.objects.count() == 0


def test_a_superuser_picks_among_every_unit(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("administration:webhooks:create"))
    body = page.content.decode()
    assert re.findall(r'<option value="(\d+)"', body) == [
        str(u.pk) for u in (world.province, world.other_district, world.district)]
    assert client.get(reverse("organisation:unit_search"), {"unit_q": "que vo", "for": "administered"}
                      ).content.decode().count(world.other_district.name) == 1
    response = client.post(reverse("administration:webhooks:create"), {
        "unit": world.other_district.pk, "url": "https://que-vo.example.vn/h", "kinds": ["task.overdue"]})
    assert response.status_code == 200
    assert Subscription.objects.get().unit == world.other_district
