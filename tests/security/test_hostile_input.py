"""Hostile input: malformed, oversized, empty and odd-Unicode values thrown
at every form and at the query parameters of every list.

The rule the tests hold the screens to: never a 500; a refused form (400) or
a lost race (409) says why in an ``errorlist``; anything but a success
redirect writes nothing. Each example runs in a savepoint that is rolled back
afterwards, so every example meets the same campaign at the same stage and a
valid example that goes through does not change what the next one sees.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import models, transaction
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode
from hypothesis import HealthCheck, event, given, settings, strategies as st

from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory, next_tax_code
from tests.security.test_access_matrix import routes, snapshot
from workflows.campaigns import services
from workflows.campaigns.flows import TRANSITIONS, AbandonReason, MeetingOutcome, Stage
from workflows.campaigns.models import Campaign, CampaignEvent, CommitteeMember, Task, TaskStatus
from workflows.campaigns.selectors import CAMPAIGN_SORTS, WORKFORCE_BANDS
from workflows.core import clock
from workflows.core.params import param_int
from workflows.enterprises.models import Enterprise, OwnershipSector, WorkforceSource
from workflows.notifications.models import EmailChoice
from workflows.organisation.models import Unit, WorkingGroup
from workflows.organisation.selectors import units_overseen_by
from workflows.statistics import services as statistics_services
from workflows.statistics.models import Metric, MovementKind, Programme, ProgrammeBasis

#: Examples hypothesis draws per test: 10 in the suite (the list pages alone: 75 pages × 10 queries × 7 roles);
#: ``make fuzz`` runs these tests and the review's with HOSTILE_EXAMPLES=200, outside CI's time.
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "10"))
HOSTILE = settings(max_examples=EXAMPLES, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

ROLES = ("officer", "supervisor", "manager")
ALLOWED = (200, 302, 400, 404, 409)
SUCCESS = (302,)

# --- hostile values ---------------------------------------------------------------
ODD_TEXT = [
    "", " ", "\t\r\n ", "\x00", "Công ty\x00TNHH", "x" * 100_000, "Nguyễn Văn An\n" * 8_000,
    "\u202eTNHH May\u202c", "\u200d", "\u200b\u200c\u200d\ufeff", "👩\u200d👩\u200d👧\u200d👦" * 3,
    "e" + "\u0301" * 50, unicodedata.normalize("NFD", "Công ty Cổ phần Dệt may Đồng Nai Việt Nam"),
    "한" * 255, "ǅǆ İstanbul ß ﬃ", "\u00a0\u2028\u2029\u0085", "\x1b[31m\x07\x08", "\U0010ffff\ufffe",
    "<script>alert(1)</script>", "'; DROP TABLE campaigns; --", "%s %(name)s {{ x }} {% now %}",
    "ｆｕｌｌｗｉｄｔｈ", "Đ" * 255, "a" * 256, "1" * 65,
]
ODD_NUMBERS = [
    "-1", "-0", "0", "3", "5", "25", "9" * 50, "1e9", "1E3", "NaN", "inf", "½", "²", "٣", "５", " 7 ", "3.0",
    "3,5", "0x10", "+5", "1_000", "1000001", "2147483648", "5\x00", "",
]
ODD_DATES = [
    "31/02/2026", "00/00/0000", "2026-13-01", "01/01/9999", "31/12/9999", "01/01/0001", "0001-01-01",
    "29/02/2025", "32/01/2026", "1/1/26", "2026/01/01", "01-01-2026", "１２/０１/２０２６", "01/01/10000",
    "today", "01/01/2026\x00",
]


def _one_of_list(values: list[str]) -> st.SearchStrategy[str]:
    # By index: a strategy's repr then stays short although some values are 100k characters long.
    return st.sampled_from(range(len(values))).map(values.__getitem__)


def any_text() -> st.SearchStrategy[str]:
    return st.one_of(_one_of_list(ODD_TEXT),
                     st.text(st.characters(exclude_categories=("Cs",)), max_size=30))


def number(*plausible: int) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([str(n) for n in plausible] or ["1"]), st.sampled_from(ODD_NUMBERS),
                     st.integers().map(str), any_text())


def date() -> st.SearchStrategy[str]:
    today = clock.today()
    near = st.dates(min_value=today - dt.timedelta(days=400), max_value=today + dt.timedelta(days=400))
    return st.one_of(st.just(today.strftime("%d/%m/%Y")), near.map(lambda d: d.strftime("%d/%m/%Y")),
                     near.map(dt.date.isoformat), st.sampled_from(ODD_DATES), any_text())


def choice(values) -> st.SearchStrategy[str]:
    values = [str(v) for v in values]
    odd = ["", "x", values[0].upper(), values[0] + " ", " " + values[0], values[0] + "\x00", "\u202e" + values[0]]
    return st.one_of(st.sampled_from(values), st.sampled_from(odd), any_text())


def members() -> st.SearchStrategy[str]:
    line = st.one_of(
        st.sampled_from(["Nguyễn Văn An; tổ trưởng chuyền may; 0912345678", "*Trần Thị Bình; công nhân",
                         "Lê Văn Cường", "*", "**Hai đầu", "; ; ", ";;;;;", "x" * 121, "Tên; việc; " + "9" * 21,
                         unicodedata.normalize("NFD", "Phạm Thị Dung; kế toán")]),
        any_text())
    return st.one_of(st.lists(line, max_size=6).map("\n".join), _one_of_list(ODD_TEXT))


class _Omitted:
    def __repr__(self) -> str:
        return "<left out>"


_OMIT = _Omitted()


def form_data(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy[dict]:
    """Each field given once, given twice (the last one wins), or left out;
    sometimes with keys the form does not know."""
    def one(strategy):
        return st.one_of(strategy, strategy, strategy, st.just(_OMIT), st.lists(strategy, min_size=2, max_size=3))

    known = st.fixed_dictionaries({name: one(s) for name, s in fields.items()})
    unknown = st.dictionaries(st.text(max_size=8), any_text(), max_size=2)
    return st.builds(lambda k, u: {**u, **{name: v for name, v in k.items() if v is not _OMIT}}, known, unknown)


# --- the scene --------------------------------------------------------------------
@dataclass
class Scene:
    world: object
    clients: dict[str, Client]
    campaigns: dict[str, object]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def enterprise(world, name: str | None = None):
    return EnterpriseFactory(responsible_unit=world.district, **({"name": name} if name else {}))


def scene(world, *stages: str) -> Scene:
    campaigns = {stage: campaign_at(world, stage, enterprise=enterprise(world)) for stage in stages}
    return Scene(world, {role: signed_in(world.user(role)) for role in ROLES}, campaigns)


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def malformed_rows() -> list[tuple]:
    """Rows a successful post must not leave behind: a value longer than its
    column (PostgreSQL refuses it, SQLite keeps it) or a tax code that is not
    ten ASCII digits (another script's digits would register a code twice)."""
    found = []
    for model in (Enterprise, Unit, WorkingGroup, Campaign, CommitteeMember, Task, CampaignEvent):
        limits = {f.name: f.max_length for f in model._meta.concrete_fields
                  if isinstance(f, models.CharField) and f.max_length}
        for row in model.objects.values("pk", *limits):
            found += [(model.__name__, row["pk"], name) for name, limit in limits.items()
                      if len(row[name] or "") > limit]
    found += [("Enterprise", pk, "tax_code") for pk, code in Enterprise.objects.values_list("pk", "tax_code")
              if not re.fullmatch(r"[0-9]{10}(-[0-9]{3})?", code)]
    return found


def post_and_check(client: Client, url: str, data: dict, *, success=SUCCESS, **extra):
    before = snapshot()
    response = client.post(url, data, **extra)
    status = response.status_code
    event(f"answered {status}")  # --hypothesis-show-statistics: how often a valid post got through
    assert status in ALLOWED + success, (url, status)
    if status in (400, 409):
        assert 'class="errorlist' in response.content.decode(), (url, status, "refused without a message")
    if status in success:
        assert "/accounts/login/" not in response.get("Location", "")
        assert malformed_rows() == []
    else:
        assert snapshot() == before, (url, status, "written although refused")
    return response


# --- campaign transitions ---------------------------------------------------------
def _stamp(campaign) -> dict[str, st.SearchStrategy]:
    return {"expected_stage": choice([campaign.stage, *Stage.values]), "note": any_text()}


TRANSITION_CASES = {
    # name: (stage it leaves, roles that may take it, its own fields)
    "contact_employer": (Stage.SURVEYED, ("officer", "supervisor"), lambda s, c: {
        "held_on": date(), "outcome": choice(MeetingOutcome.values)}),
    "form_committee": (Stage.EMPLOYER_CONTACTED, ("officer", "supervisor"), lambda s, c: {
        "members": members(), "formed_on": date()}),
    "hold_congress": (Stage.MOBILISING_COMMITTEE, ("officer", "supervisor"), lambda s, c: {
        "applications": number(5, 7), "congress_on": date()}),
    "recognise": (Stage.FOUNDING_CONGRESS, ("supervisor",), lambda s, c: {
        "decision_number": st.one_of(st.just("12/QĐ-LĐLĐ"), any_text()), "decision_date": date(),
        "admitted_members": number(5, 6)}),
    "hold": (Stage.SURVEYED, ("officer", "supervisor"), lambda s, c: {}),
    "resume": (Stage.ON_HOLD, ("officer", "supervisor"), lambda s, c: {}),
    "abandon": (Stage.SURVEYED, ("supervisor",), lambda s, c: {"reason": choice(AbandonReason.values)}),
    "committee_fell_apart": (Stage.MOBILISING_COMMITTEE, ("supervisor",), lambda s, c: {}),
    "congress_called_off": (Stage.FOUNDING_CONGRESS, ("supervisor",), lambda s, c: {}),
}


def test_every_transition_has_a_hostile_input_case():
    assert sorted(TRANSITION_CASES) == sorted(TRANSITIONS)


@pytest.fixture
def transition_scene(world, name) -> Scene:
    """A campaign at the stage the transition leaves; for recognition also
    one whose enterprise has the longest name the registry accepts, since
    the new grassroots union is named after it."""
    s = scene(world, TRANSITION_CASES[name][0])
    if name == "recognise":
        s.campaigns["long name"] = campaign_at(
            world, Stage.FOUNDING_CONGRESS, enterprise=enterprise(world, "Công ty TNHH Thương mại " + "Đ" * 231))
    return s


@pytest.mark.parametrize("name", sorted(TRANSITION_CASES))
@HOSTILE
@given(data=st.data())
def test_transition_forms_refuse_hostile_input_with_a_message_and_write_nothing(transition_scene, name, data):
    s = transition_scene
    _stage, roles, own_fields = TRANSITION_CASES[name]
    campaign = s.campaigns[data.draw(st.sampled_from(sorted(s.campaigns)), label="campaign")]
    role = data.draw(st.sampled_from(roles), label="role")
    post = data.draw(form_data({**_stamp(campaign), **own_fields(s, campaign)}), label="post")
    htmx = data.draw(st.booleans(), label="htmx")
    url = reverse("campaigns:transition", args=[campaign.pk, name])
    with rolled_back():
        response = post_and_check(s.clients[role], url, post, success=(302, 204),
                                  **({"headers": {"HX-Request": "true"}} if htmx else {}))
        if name == "recognise":
            # recognition goes through the dossier review: the form hands over to it and writes nothing
            dossier = reverse("recognition:dossier", args=[campaign.pk])
            assert response.get("HX-Redirect", response.get("Location")) == dossier
            assert Campaign.objects.get(pk=campaign.pk).stage == Stage.FOUNDING_CONGRESS
            return
        if response.status_code == 204:
            assert response["HX-Redirect"] == reverse("campaigns:detail", args=[campaign.pk])
        if response.status_code in (204, 302):
            assert Campaign.objects.get(pk=campaign.pk).stage == (TRANSITIONS[name].target or campaign.held_stage)


# --- the other forms --------------------------------------------------------------
@dataclass(frozen=True)
class FormCase:
    url: Callable[[Scene, object], str]
    fields: Callable[[Scene, object], dict[str, st.SearchStrategy]]
    roles: tuple[str, ...]


def _people(s: Scene) -> list[int]:
    w = s.world
    return [w.officer.pk, w.other_officer.pk, w.supervisor.pk, w.manager.pk, w.other_supervisor.pk]


def _open_tasks(campaign) -> list[int]:
    return list(campaign.tasks.filter(status=TaskStatus.OPEN).values_list("pk", flat=True))


def _enterprise_fields(s: Scene) -> dict[str, st.SearchStrategy]:
    return {
        "name": st.one_of(st.just("Công ty TNHH Điện tử Hòa Bình"), any_text()),
        "address": any_text(), "province": any_text(), "commune": any_text(), "industrial_zone": any_text(),
        "ownership_sector": choice(OwnershipSector.values), "industry": any_text(),
        "workforce": number(0, 250, 10**6), "workforce_as_of": date(),
        "workforce_source": choice(["", *WorkforceSource.values]),
    }


def _tax_code() -> st.SearchStrategy[str]:
    code = next_tax_code()
    wide = code.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    arabic = code.translate({ord(d): 0x0660 + int(d) for d in "0123456789"})
    return st.one_of(st.sampled_from([code, f"{code[:4]} {code[4:]}", f"{code}-001", f"{code}-000", code[:-1] + "x",
                                      wide, arabic, f"{code}\n", "0" * 10, "-" * 14]), any_text())


def _programme(s: Scene) -> Programme:
    """The district's year plan, with a milestone, that target posts save into."""
    found = Programme.objects.filter(unit=s.world.district).first()
    if found is None:
        year = clock.today().year
        found = statistics_services.programme_create(
            unit_id=s.world.district.pk, name="Kế hoạch năm", basis_kind=ProgrammeBasis.YEAR_PLAN,
            start=dt.date(year, 1, 1), end=dt.date(year, 12, 31), actor=s.world.supervisor,
            milestones=[(dt.date(year, 6, 30), "Sáu tháng")])
    return found


def _due_days(s: Scene) -> list[dt.date]:
    programme = _programme(s)
    return [programme.end, *programme.milestones.values_list("on", flat=True)]


def _edit_stamp(s: Scene) -> st.SearchStrategy[str]:
    seen = s.world.enterprise.updated_at
    return st.one_of(st.just(seen.isoformat()), st.sampled_from([
        seen.replace(tzinfo=None).isoformat(), (seen + dt.timedelta(microseconds=1)).isoformat(),
        "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00", "2026-02-31T00:00:00", "2026-01-01T25:00:00+00:00",
        "2026-01-01T00:00:00+99:00"]), any_text())


FORM_CASES = {
    "campaigns:meeting": FormCase(
        lambda s, c: reverse("campaigns:meeting", args=[c.pk]),
        lambda s, c: {"held_on": date(), "outcome": choice(MeetingOutcome.values), "attendees": any_text(),
                      "note": any_text()},
        ("officer", "supervisor")),
    "campaigns:counts": FormCase(
        lambda s, c: reverse("campaigns:counts", args=[c.pk]),
        lambda s, c: {"version": number(c.version), "workforce": number(300), "core_group": number(4),
                      "applications": number(6), "note": any_text()},
        ("officer", "supervisor")),
    "campaigns:committee": FormCase(
        lambda s, c: reverse("campaigns:committee", args=[c.pk]),
        lambda s, c: {"version": number(c.version), "members": members(), "formed_on": date()},
        ("officer", "supervisor")),
    "campaigns:note": FormCase(
        lambda s, c: reverse("campaigns:note", args=[c.pk]),
        lambda s, c: {"text": st.one_of(st.just("Đã gặp giám đốc nhân sự."), any_text())},
        ("officer", "supervisor")),
    "campaigns:task_add": FormCase(
        lambda s, c: reverse("campaigns:task_add", args=[c.pk]),
        lambda s, c: {"title": st.one_of(st.just("Gọi lại cho công đoàn ngành"), any_text()), "due_on": date(),
                      "assignee": number(*_people(s))},
        ("officer", "supervisor")),
    "campaigns:assign": FormCase(
        lambda s, c: reverse("campaigns:assign", args=[c.pk]),
        lambda s, c: {"version": number(c.version), "note": any_text(),
                      "working_group": number(s.world.group.pk, s.world.other_group.pk)},
        ("supervisor",)),
    "campaigns:task_reassign": FormCase(
        lambda s, c: reverse("campaigns:task_reassign", args=[c.tasks.order_by("status", "pk").first().pk]),
        lambda s, c: {"assignee": number(*_people(s)), "note": any_text()},
        ("supervisor",)),
    "organisation:officer_tasks": FormCase(
        lambda s, c: reverse("organisation:officer_tasks", args=[s.world.officer.pk]),
        lambda s, c: {"to_user": number(*_people(s)), "scope": choice(["all", "selected"]),
                      "tasks": st.lists(number(*_open_tasks(c)), max_size=4), "note": any_text(),
                      "confirmed": choice(["1", "on", "true", "", "0", "false"])},
        ("supervisor",)),
    "enterprises:create": FormCase(
        lambda s, c: reverse("enterprises:create"),
        lambda s, c: {**_enterprise_fields(s), "tax_code": _tax_code(),
                      "responsible_unit": number(s.world.district.pk, s.world.other_district.pk,
                                                 s.world.province.pk)},
        ("supervisor",)),
    "statistics:targets": FormCase(
        lambda s, c: reverse("statistics:targets"),
        lambda s, c: {"unit": number(s.world.district.pk, s.world.province.pk),
                      "programme": number(_programme(s).pk, 0), "metric": choice(Metric.values),
                      "due_on": st.one_of(st.sampled_from([f"{d:%d/%m/%Y}" for d in _due_days(s)]), date()),
                      "sector": choice([*OwnershipSector.values, ""]), "min_workforce": number(25, 0, 10, 7),
                      "social_insurance_only": choice(["on", "", "1"]), "industrial_zone": any_text(),
                      f"value-{s.world.district.pk}": st.one_of(st.just("1.500"), number(6500, 10**7)),
                      f"value-{s.world.other_district.pk}": number(100)},
        ("supervisor",)),
    "statistics:movements": FormCase(
        lambda s, c: reverse("statistics:movements"),
        lambda s, c: {"unit": number(s.world.district.pk, s.world.province.pk), "on": date(),
                      "kind": choice(MovementKind.values), "members": number(12, 10**6), "note": any_text()},
        ("supervisor",)),
    "notifications:preferences": FormCase(
        lambda s, c: reverse("notifications:preferences"),
        lambda s, c: {"email": choice(EmailChoice.values)},
        ("officer", "supervisor", "manager")),
    "notifications:read": FormCase(
        lambda s, c: reverse("notifications:read"),
        lambda s, c: {"notification": number(1, 2, 3), "id": number(1, 2, 3), "pk": number(1, 2, 3)},
        ("officer", "supervisor", "manager")),
    "enterprises:edit": FormCase(
        lambda s, c: reverse("enterprises:edit", args=[s.world.enterprise.pk]),
        lambda s, c: {**_enterprise_fields(s), "updated_at": _edit_stamp(s)},
        ("supervisor",)),
}

#: The campaigns the forms are posted against: one being worked, one put on
#: hold, one closed (a page left open while someone else moved the case).
FORM_STAGES = (Stage.EMPLOYER_CONTACTED, Stage.ON_HOLD, Stage.ABANDONED)


@pytest.fixture
def form_scene(world) -> Scene:
    s = scene(world, *FORM_STAGES)
    working = s.campaigns[Stage.EMPLOYER_CONTACTED]
    for task in working.tasks.filter(status=TaskStatus.OPEN)[:2]:  # the officer holds work to hand over
        services.task_claim(task_id=task.pk, actor=world.officer)
    return s


@pytest.mark.parametrize("name", sorted(FORM_CASES))
@HOSTILE
@given(data=st.data())
def test_forms_refuse_hostile_input_with_a_message_and_write_nothing(form_scene, name, data):
    s, case = form_scene, FORM_CASES[name]
    campaign = s.campaigns[data.draw(st.sampled_from(FORM_STAGES), label="campaign at")]
    role = data.draw(st.sampled_from(case.roles), label="role")
    post = data.draw(form_data(case.fields(s, campaign)), label="post")
    with rolled_back():
        post_and_check(s.clients[role], case.url(s, campaign), post)


# --- list pages -------------------------------------------------------------------
FILTER_NAMES = ["q", "stage", "unit", "group", "sector", "band", "overdue", "stalled", "open", "sort", "page",
                "campaign", "week", "union", "to", "next"]
FILTER_VALUES = [*Stage.values, *OwnershipSector.values, *WORKFORCE_BANDS, *CAMPAIGN_SORTS,
                 "1", "on", "true", "yes", "open", "none", "no", "-1", "0", "99999999999"]
PAGES = sorted(name for name, kwargs in routes() if not kwargs and name not in {"logout", "set_language"})


def query() -> st.SearchStrategy[dict]:
    value = st.one_of(st.sampled_from(FILTER_VALUES), number(1, 2), date(), any_text())
    return st.dictionaries(st.one_of(st.sampled_from(FILTER_NAMES), st.text(max_size=10)),
                           st.one_of(value, st.lists(value, min_size=2, max_size=3)), max_size=8)


#: Pages that bind their choice form to the query and answer a bad choice
#: with 400 and the form's errors, rather than ignoring it.
QUERY_FORM_PAGES = {"statistics:targets"}
#: What a page's poll asks of a unit in the query: a reload (200), "not yet" (204), or "stop asking" (286,
#: htmx's), never anything of a unit outside the role's scope (404, as without it).
POLLS = {"statistics:figures_fresh": {200, 204, 286}}


@pytest.fixture
def clients(world) -> dict[str, Client]:
    return {role: signed_in(world.user(role)) for role in ROLES}


@pytest.fixture
def plain_answers(world, clients, page) -> dict[str, int]:
    """What each role gets from the page without any query parameter (405:
    a route that only takes POST)."""
    campaign_at(world, Stage.EMPLOYER_CONTACTED)
    answers = {role: client.get(reverse(page)).status_code for role, client in clients.items()}
    assert set(answers.values()) <= {200, 302, 401, 404, 405}, answers
    return answers


@pytest.fixture
def units_in_scope(world) -> dict[str, set[int]]:
    return {role: set(units_overseen_by(world.user(role)).values_list("pk", flat=True)) for role in ROLES}


def answers_allowed(page: str, plain: int, params: dict, units: set[int]) -> set[int]:
    """The plain answer; 404 as well when ``unit`` names a unit outside the
    role's scope (the overview screens refuse it like an object id rather
    than show another unit); 400 where the query binds a form."""
    allowed = {plain}
    unit_id = param_int(QueryDict(urlencode(params, doseq=True)), "unit")
    if page in POLLS and unit_id in units:
        allowed |= POLLS[page]
    if plain == 200 and unit_id is not None and unit_id not in units:
        allowed.add(404)
    if plain == 200 and page in QUERY_FORM_PAGES:
        allowed.add(400)
    if plain == 200 and page.startswith("api:"):
        # the API refuses a filter value it cannot read (django-filter) with a problem, and a unit it
        # cannot find or may not read like a missing object
        allowed.add(400)
        if "unit" in params:
            allowed.add(404)
    return allowed


@pytest.mark.parametrize("page", PAGES)
@HOSTILE
@given(params=query())
def test_list_pages_answer_hostile_query_parameters_as_without_them(clients, plain_answers, units_in_scope, page,
                                                                   params):
    before = snapshot()
    for role, client in clients.items():
        response = client.get(reverse(page), params)
        status = response.status_code
        assert status in answers_allowed(page, plain_answers[role], params, units_in_scope[role]), (role, status)
        if status == 400 and page.startswith("api:"):
            assert response["Content-Type"] == "application/problem+json", (role, page)
            assert response.json()["detail"], (role, page, "refused without a message")
        elif status == 400:
            assert 'class="errorlist' in response.content.decode(), (role, page, "refused without a message")
    assert snapshot() == before


# --- sign-in ----------------------------------------------------------------------
@HOSTILE
@given(username=st.one_of(st.just("supervisor"), any_text()), password=any_text(),
       next_url=st.sampled_from(["", "/", "//evil.example/", "javascript:alert(1)", "/campaigns/\x00", "\u202e/"]))
def test_sign_in_refuses_hostile_credentials_with_a_message(client, world, username, password, next_url):
    response = client.post(reverse("login"), {"username": username, "password": password, "next": next_url})

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- where a form sends the user next (issue 12, #9) -----------------------------------
NEXT_URLS = ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "\\\\evil.example", "///evil.example",
             "/\t/evil.example", "javascript:alert(1)", "data:text/html,x", "http://testserver/", "/campaigns/\x00",
             "/campaigns/\r\nLocation: https://evil.example/", "\u202e//evil.example", "/tasks/?page=2"]


@pytest.fixture
def queued_task(world) -> Task:
    campaign = campaign_at(world, Stage.SURVEYED, enterprise=enterprise(world))
    return Task.objects.filter(campaign=campaign, assignee=None).order_by("pk").first()


@HOSTILE
@given(next_url=st.one_of(st.sampled_from(NEXT_URLS), any_text()), action=st.sampled_from(["claim", "complete"]))
def test_task_forms_send_the_user_only_to_a_path_of_the_site(world, queued_task, next_url, action):
    client = signed_in(world.officer)
    with rolled_back():
        response = client.post(reverse(f"campaigns:task_{action}", args=[queued_task.pk]), {"next": next_url})
        location = response["Location"]
    assert response.status_code == 302
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert location in (next_url, reverse("campaigns:my_tasks"))


# --- bulk reassignment: a receiver posted by hand (issue 12, #4) -------------------
OUTSIDE_REACH = ["other_officer", "other_supervisor", "manager", "admin", "officer"]


@pytest.fixture
def officer_holding_tasks(world) -> list[int]:
    campaign = campaign_at(world, Stage.SURVEYED, enterprise=enterprise(world))
    tasks = list(Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).values_list("pk", flat=True))
    for pk in tasks:
        services.task_claim(task_id=pk, actor=world.officer)
    return tasks


@HOSTILE
@given(who=st.one_of(st.sampled_from(OUTSIDE_REACH), any_text(), st.integers().map(str)),
       scope=choice(["all", "selected"]), confirmed=choice(["1", "on", ""]))
def test_bulk_reassign_refuses_a_receiver_outside_the_supervisors_reach(world, officer_holding_tasks, who, scope,
                                                                        confirmed):
    # the district's supervisor may give the officer's tasks only to himself
    # (the group has no other officer); anyone else, or anything else, is refused
    to_user = str(world.user(who).pk) if who in OUTSIDE_REACH else who
    if to_user == str(world.supervisor.pk):
        return
    client = signed_in(world.supervisor)
    with rolled_back():
        response = post_and_check(client, reverse("organisation:officer_tasks", args=[world.officer.pk]), {
            "to_user": to_user, "scope": scope, "tasks": officer_holding_tasks[:2], "confirmed": confirmed},
            success=())
    assert response.status_code == 400
