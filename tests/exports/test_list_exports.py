"""The campaign list and My tasks as files (issue 19, #3): the file has
exactly the rows the list shows to the user who asked, with its filters and
its order, the list's columns with dates as dates (dd/mm/yyyy), text never
taken for a formula; the export reads the filters the way the list does."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import campaign_at
from tests.enterprises.sheets import xlsx_rows
from tests.exports.helpers import prepared
from tests.factories import EnterpriseFactory
from workflows.campaigns import list_exports, services, views as campaign_views
from workflows.campaigns.models import Task, TaskStatus
from workflows.core import clock
from workflows.enterprises import exports as registry_exports, views as enterprise_views


@pytest.fixture
def campaigns(world):
    """Campaigns of both groups of the district (one enterprise named like a
    formula), at several stages; one of another district."""
    today = clock.today()
    made = [campaign_at(world, "surveyed", enterprise=EnterpriseFactory(responsible_unit=world.district,
                                                                        name="=1+2", workforce=300)),
            campaign_at(world, "employer_contacted",
                        enterprise=EnterpriseFactory(responsible_unit=world.district, name="Công ty May Từ Sơn")),
            campaign_at(world, "mobilising_committee",
                        enterprise=EnterpriseFactory(responsible_unit=world.district, name="Công ty Điện tử Đông")),
            services.campaign_open(enterprise_id=EnterpriseFactory(responsible_unit=world.district,
                                                                   name="Công ty Giày Nam").pk,
                                   actor=world.supervisor, working_group_id=world.other_group.pk)]
    services.campaign_open(enterprise_id=EnterpriseFactory(responsible_unit=world.other_district,
                                                           name="Công ty Quế Võ").pk, actor=world.other_supervisor)
    # the officer takes the tasks of the first campaign; an ad-hoc task due tomorrow
    for task in Task.objects.filter(campaign=made[0], status=TaskStatus.OPEN):
        services.task_claim(task_id=task.pk, actor=world.officer)
    services.task_add(campaign_id=made[1].pk, actor=world.officer, title="+gọi điện cho giám đốc",
                      due_on=today + dt.timedelta(days=1), assignee_id=world.officer.pk)
    return made


def listed_campaigns(client, params=None) -> list[tuple]:
    page = client.get(reverse("campaigns:list"), params or {})
    assert page.status_code == 200
    return [(c.enterprise.name, c.enterprise.tax_code) for c in page.context["page"].paginator.object_list]


def shown(name: str) -> str:
    return "'" + name if name[:1] in "=+-@" else name


@pytest.mark.parametrize("role", ["supervisor", "manager", "officer", "other_officer", "other_supervisor"])
@pytest.mark.parametrize("params", [{}, {"stage": "surveyed"}, {"sort": "name", "group": "GROUP"}])
def test_the_campaign_file_has_the_rows_of_the_list_for_the_user(client, world, campaigns, role, params,
                                                                 django_capture_on_commit_callbacks):
    params = {k: (str(world.group.pk) if v == "GROUP" else v) for k, v in params.items()}
    client.force_login(getattr(world, role))

    _response, body = prepared(client, django_capture_on_commit_callbacks, "campaigns", params)

    rows = xlsx_rows(body)
    assert [(row[0], row[1]) for row in rows[1:]] == [(shown(n), t) for n, t in listed_campaigns(client, params)]


def test_the_campaign_file_has_the_lists_columns_and_dates_as_days(client, world, campaigns,
                                                                   django_capture_on_commit_callbacks):
    client.force_login(world.supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    _response, body = prepared(client, django_capture_on_commit_callbacks, "campaigns", {"sort": "name"})

    sheet = load_workbook(io.BytesIO(body)).active
    assert [c.value for c in sheet[1]] == [
        "Enterprise", "Tax code", "Stage", "Stalled", "First year", "Overdue tasks", "Unit", "Working group",
        "Workforce", "Applications", "In stage since", "Opened on"]
    formula = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "'=1+2")
    campaign = campaigns[0]
    assert (formula[0].data_type, formula[2].value, formula[8].value) == ("s", "Surveyed", 300)
    assert formula[10].value == dt.datetime.combine(timezone.localtime(campaign.stage_entered_at).date(), dt.time())
    assert formula[11].value == dt.datetime.combine(timezone.localtime(campaign.opened_at).date(), dt.time())
    assert (formula[10].number_format, formula[11].number_format) == ("DD/MM/YYYY", "DD/MM/YYYY")
    assert formula[6].value == world.district.name and formula[7].value == world.group.name


def listed_tasks(client, params=None) -> list[tuple]:
    page = client.get(reverse("campaigns:my_tasks"), params or {})
    assert page.status_code == 200
    paginator = page.context["page"].paginator
    return [(t.title, t.campaign.enterprise.name) for t in paginator.object_list[0:paginator.count]]


@pytest.mark.parametrize("role", ["officer", "other_officer", "supervisor"])
@pytest.mark.parametrize("params", [{}, {"stage": "surveyed"}, {"week": "1"}, {"overdue": "1"}])
def test_the_task_file_has_the_rows_of_my_tasks_for_the_user(client, world, campaigns, role, params,
                                                             django_capture_on_commit_callbacks):
    client.force_login(getattr(world, role))

    _response, body = prepared(client, django_capture_on_commit_callbacks, "tasks", params)

    rows = xlsx_rows(body)
    assert [(row[2], row[3]) for row in rows[1:]] == [(shown(t), shown(e)) for t, e in listed_tasks(client, params)]


def test_the_task_file_writes_due_days_as_dates_and_neutralises_titles(client, world, campaigns,
                                                                      django_capture_on_commit_callbacks):
    client.force_login(world.officer)

    _response, body = prepared(client, django_capture_on_commit_callbacks, "tasks")

    sheet = load_workbook(io.BytesIO(body)).active
    called = next(row for row in sheet.iter_rows(min_row=2) if row[2].value == "'+gọi điện cho giám đốc")
    assert called[0].value.date() == clock.today() + dt.timedelta(days=1)
    assert called[0].number_format == "DD/MM/YYYY"
    assert called[1].value is None  # not overdue
    assert called[3].value == "Công ty May Từ Sơn"
    assert len(list(sheet.iter_rows(min_row=2))) == len(listed_tasks(client))


# --- the export reads the filters as the list does -----------------------------------------------
QUERIES = ["", "q=may&stage=surveyed&unit=UNIT&group=GROUP&sector=fdi&band=0-24&overdue=1&stalled=1&open=1"
           "&sort=-workforce", "stage=nonsense&unit=999999&group=x&sort=;drop&band=9", "week=1&campaign=12",
           "overdue=on&union=yes&campaign=open"]


@pytest.mark.parametrize("query", QUERIES)
def test_the_exports_read_the_lists_filters_as_the_list_views_do(world, query):
    query = query.replace("UNIT", str(world.district.pk)).replace("GROUP", str(world.group.pk))
    request = RequestFactory().get("/?" + query)
    request.user = world.supervisor
    params = QueryDict(query)
    # the unit: one row checked by the export, the picker's choice on the page
    unit_path = list_exports.unit_path_of(world.supervisor, params)
    picked = campaign_views._filter_choices(request)[0].path

    assert unit_path == picked == (world.district.path if "unit=" in query and "999999" not in query else "")
    assert list_exports.campaign_filters(params, unit_path) == campaign_views._campaign_filters(request, picked)
    assert list_exports.inbox_filters(params) == campaign_views._inbox_filters(request)
    assert registry_exports.registry_filters(params, unit_path) == enterprise_views._list_filters(request, picked)


# --- the buttons ----------------------------------------------------------------------------------
@pytest.mark.parametrize("url_name, kind", [("campaigns:list", "campaigns"), ("campaigns:my_tasks", "tasks"),
                                            ("enterprises:list", "registry")])
def test_each_list_offers_its_file_with_its_filters(client, world, url_name, kind):
    client.force_login(world.supervisor)

    page = client.get(reverse(url_name), {"stage": "surveyed", "page": "1"}).content.decode()

    assert f'action="{reverse("exports:start")}?stage=surveyed"' in page
    assert f'name="kind" value="{kind}"' in page
