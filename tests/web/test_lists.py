"""What the list pages find, filter and sort."""
import datetime as dt

from django.urls import reverse

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns import services
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Task, TaskStatus
from workflows.core import clock
from workflows.enterprises.models import Enterprise


def names(response, key="rows"):
    return [row["campaign"].enterprise.name for row in response.context[key]]


def test_search_ignores_accents_and_finds_tax_codes(client, world):
    a = EnterpriseFactory(responsible_unit=world.district, name="Công ty TNHH Đông Á")
    b = EnterpriseFactory(responsible_unit=world.district, name="Hợp tác xã Dệt Phú Đô")
    campaign_at(world, Stage.SURVEYED, enterprise=a)
    campaign_at(world, Stage.SURVEYED, enterprise=b)
    client.force_login(world.supervisor)

    assert names(client.get(reverse("campaigns:list"), {"q": "cong ty"})) == ["Công ty TNHH Đông Á"]
    assert names(client.get(reverse("campaigns:list"), {"q": "DONG A"})) == ["Công ty TNHH Đông Á"]
    assert names(client.get(reverse("campaigns:list"), {"q": "phu do"})) == ["Hợp tác xã Dệt Phú Đô"]
    assert names(client.get(reverse("campaigns:list"), {"q": b.tax_code})) == ["Hợp tác xã Dệt Phú Đô"]
    response = client.get(reverse("enterprises:list"), {"q": "hop tac xa"})
    assert [e.name for e in response.context["page"]] == ["Hợp tác xã Dệt Phú Đô"]


def test_campaign_filters_stage_overdue_and_stalled(client, world):
    old = EnterpriseFactory(responsible_unit=world.district, name="Công ty Cũ")
    with clock.travel_to(dt.date(2026, 6, 1)):
        campaign_at(world, Stage.SURVEYED, enterprise=old)
    campaign_at(world, Stage.EMPLOYER_CONTACTED, enterprise=EnterpriseFactory(
        responsible_unit=world.district, name="Công ty Mới"))
    client.force_login(world.supervisor)

    assert names(client.get(reverse("campaigns:list"), {"stage": "employer_contacted"})) == ["Công ty Mới"]
    assert names(client.get(reverse("campaigns:list"), {"overdue": "1"})) == ["Công ty Cũ"]
    response = client.get(reverse("campaigns:list"), {"stalled": "1"})
    assert names(response) == ["Công ty Cũ"]
    assert [row["stalled"] for row in response.context["rows"]] == [True]
    assert names(client.get(reverse("campaigns:list"), {"sort": "name"})) == ["Công ty Cũ", "Công ty Mới"]
    assert names(client.get(reverse("campaigns:list"), {"sort": "-name"})) == ["Công ty Mới", "Công ty Cũ"]


def test_hostile_query_parameters_are_ignored(client, world):
    campaign_at(world, Stage.SURVEYED)
    client.force_login(world.supervisor)
    for params in [{"page": "-1"}, {"page": "99999999999999"}, {"unit": "abc"}, {"stage": "nope"},
                   {"sort": "password"}, {"q": "\x00" * 5000}, {"band": "'; drop table"}]:
        assert client.get(reverse("campaigns:list"), params).status_code == 200
        assert client.get(reverse("enterprises:list"), params).status_code == 200
        assert client.get(reverse("campaigns:my_tasks"), params).status_code == 200


def test_my_tasks_lists_mine_and_my_groups_queue_overdue_first(client, world):
    with clock.travel_to(dt.date(2026, 9, 1)):
        late = campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))
    fresh = campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))
    first = Task.objects.filter(campaign=fresh).order_by("due_on", "pk").first()
    services.task_reassign(task_id=first.pk, actor=world.supervisor, assignee_id=world.officer.pk)
    client.force_login(world.officer)

    response = client.get(reverse("campaigns:my_tasks"))
    rows = response.context["rows"]
    assert [r.task.campaign_id for r in rows] == [late.pk] * 3 + [fresh.pk] * 3
    assert [r.overdue for r in rows] == [True] * 3 + [False] * 3
    response = client.get(reverse("campaigns:my_tasks"), {"overdue": "1"})
    assert len(response.context["rows"]) == 3
    client.force_login(world.other_officer)
    assert len(client.get(reverse("campaigns:my_tasks")).context["rows"]) == 0


def test_completing_a_task_from_my_tasks_with_htmx_returns_the_row(client, world):
    campaign = campaign_at(world, Stage.SURVEYED)
    task = Task.objects.filter(campaign=campaign).order_by("pk").first()
    client.force_login(world.officer)

    response = client.post(reverse("campaigns:task_complete", args=[task.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert f'id="task-{task.pk}"' in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_registering_an_enterprise_shows_tax_code_errors_next_to_the_field(client, world):
    client.force_login(world.supervisor)
    data = {"tax_code": "0300588568", "name": "Công ty Sai Mã", "ownership_sector": "fdi", "workforce": "120",
            "responsible_unit": world.district.pk}

    response = client.post(reverse("enterprises:create"), data)

    assert response.status_code == 400
    assert response.context["form"].errors["tax_code"] == [
        "“0300588568” không phải là mã số thuế hợp lệ: chữ số kiểm tra không đúng."]
    assert Enterprise.objects.filter(name="Công ty Sai Mã").count() == 0
    response = client.post(reverse("enterprises:create"), {**data, "tax_code": "0300 588 569"})
    assert response.status_code == 302
    assert Enterprise.objects.get(name="Công ty Sai Mã").tax_code == "0300588569"
