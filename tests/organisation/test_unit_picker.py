"""The shared unit picker of lists, dashboards and reports: the chosen unit,
the way up to it and its children (never every unit of the country), a
search as you type, and the unit asked for checked against the user's."""
from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from workflows.campaigns import list_exports
from workflows.core import memo
from workflows.organisation.models import Unit, UnitKind, upper_kind_ids, upper_level
from workflows.organisation.permissions import scope_of
from workflows.organisation.selectors import UNIT_SEARCH_LIMIT, unit_picked, unit_picker, unit_search

pytestmark = pytest.mark.django_db


class Nation:
    """The confederation; two provinces with their districts; a grassroots
    union under a province; another confederation nobody here oversees."""

    def __init__(self, admin):
        unit = factories.unit
        self.admin = admin
        self.country = unit(name="Tổng Liên đoàn Lao động Việt Nam", code="tld", kind="confederation", actor=admin)
        self.north = unit(name="Liên đoàn Lao động tỉnh Bắc Ninh", code="bac-ninh", kind="provincial_federation",
                          parent=self.country, actor=admin)
        self.south = unit(name="Liên đoàn Lao động tỉnh An Giang", code="an-giang", kind="provincial_federation",
                          parent=self.country, actor=admin)
        self.tu_son = unit(name="Liên đoàn Lao động khu vực Từ Sơn", code="tu-son", kind="district_federation",
                           parent=self.north, actor=admin)
        self.que_vo = unit(name="Liên đoàn Lao động khu vực Quế Võ", code="que-vo", kind="district_federation",
                           parent=self.north, actor=admin)
        self.long_xuyen = unit(name="Liên đoàn Lao động khu vực Long Xuyên", code="long-xuyen",
                               kind="district_federation", parent=self.south, actor=admin)
        self.grassroots = unit(name="Công đoàn cơ sở Công ty Khu vực Xanh", code="cdcs-xanh", kind="grassroots",
                               parent=self.north, actor=admin)
        self.abroad = unit(name="Liên đoàn Lao động khu vực Ngoài", code="ngoai", kind="confederation", actor=admin)
        self.abroad_district = unit(name="Liên đoàn Lao động khu vực Bên Ngoài", code="ben-ngoai",
                                    kind="district_federation", parent=self.abroad, actor=admin)
        self.national = factories.UserFactory(username="quan_ly_toan_quoc")
        factories.grant(self.country, self.national, "manager", actor=admin)
        self.north_supervisor = factories.UserFactory(username="giam_sat_bac_ninh")
        factories.grant(self.north, self.north_supervisor, "supervisor", actor=admin)

    def districts_under_north(self, count: int) -> list:
        return [factories.unit(name=f"Liên đoàn Lao động khu vực số {n:02d}", code=f"khu-vuc-{n:02d}",
                               kind="district_federation", parent=self.north, actor=self.admin)
                for n in range(count)]


@pytest.fixture
def nation():
    return Nation(factories.UserFactory(username="quan_tri", is_superuser=True, is_staff=True))


def _options(html: str) -> list[str]:
    """The values of the page's unit <select>, in order."""
    select = re.search(r'<select name="unit"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def _trail(html: str) -> list[tuple[str, str]]:
    """The way up: (link, unit id) of each unit above the chosen one."""
    nav = re.search(r'<nav class="unit-trail"[^>]*>(.*?)</nav>', html, re.S)
    return [(unescape(href), unit) for href, unit in re.findall(r'<a href="([^"]*)" data-unit="([^"]*)"',
                                                                nav.group(1))] if nav else []


def _ids(*units) -> list[str]:
    return [str(u.pk) for u in units]


# --- children only, and the way up ------------------------------------------------------------
def test_the_country_lists_its_provinces_not_their_districts(client, nation):
    client.force_login(nation.national)

    response = client.get(reverse("campaigns:list"))

    html = response.content.decode()
    assert response.status_code == 200
    # "All units" (chosen), the country, then its provinces by name; no district, no grassroots union
    assert _options(html) == ["", *_ids(nation.country, nation.south, nation.north)]
    for unit in (nation.tu_son, nation.que_vo, nation.long_xuyen, nation.grassroots, nation.abroad):
        assert unit.name not in html
    assert _trail(html) == []


def test_choosing_a_province_lists_its_districts_and_the_way_up(client, nation):
    client.force_login(nation.national)

    response = client.get(reverse("campaigns:list"), {"stage": "surveyed", "unit": nation.north.pk, "page": "2"})

    html = response.content.decode()
    picker = response.context["picker"]
    assert picker.chosen == nation.north
    assert response.context["filters"].unit_path == nation.north.path
    # the province, then its districts by name (Quế Võ before Từ Sơn); the grassroots union is never offered
    assert _options(html) == ["", *_ids(nation.north, nation.que_vo, nation.tu_son)]
    assert f'<option value="{nation.north.pk}" selected>' in html
    assert nation.grassroots.name not in html
    # all units, then the country, each keeping the page's other filters (a list goes back to its first page)
    assert _trail(html) == [("?stage=surveyed", ""), (f"?stage=surveyed&unit={nation.country.pk}",
                                                        str(nation.country.pk))]
    assert '<li aria-current="location">Liên đoàn Lao động tỉnh Bắc Ninh</li>' in html


def test_a_district_offers_itself_and_the_way_up_to_the_users_top_unit_only(client, nation):
    client.force_login(nation.north_supervisor)

    response = client.get(reverse("enterprises:list"), {"unit": nation.tu_son.pk})

    html = response.content.decode()
    assert _options(html) == ["", str(nation.tu_son.pk)]  # no district below it
    # the country is above the user's grants: not on the way up
    assert [unit for _link, unit in _trail(html)] == ["", str(nation.north.pk)]
    assert nation.country.name not in html


def test_a_required_unit_defaults_to_the_users_top_unit(client, nation):
    client.force_login(nation.north_supervisor)

    response = client.get(reverse("statistics:home"))

    assert response.status_code == 200
    assert response.context["unit"] == nation.north
    assert _options(response.content.decode()) == _ids(nation.north, nation.que_vo, nation.tu_son)  # no "All units"


# --- a unit outside the user's: ignored, never shown ----------------------------------------------
@pytest.mark.parametrize("url_name", ["campaigns:list", "campaigns:board", "enterprises:list"])
def test_a_forbidden_unit_in_the_query_is_ignored(client, nation, url_name):
    mine = factories.EnterpriseFactory(responsible_unit=nation.tu_son, name="Công ty Của Tôi")
    factories.EnterpriseFactory(responsible_unit=nation.long_xuyen, name="Công ty Của Người Khác")
    client.force_login(nation.north_supervisor)

    unfiltered = client.get(reverse(url_name))
    response = client.get(reverse(url_name), {"unit": nation.south.pk})
    unknown = client.get(reverse(url_name), {"unit": 2**31 - 1})

    html = response.content.decode()
    assert (response.status_code, unknown.status_code) == (200, 200)
    assert response.context["picker"].chosen is None
    assert response.context["filters"].unit_path == "" == unknown.context["filters"].unit_path
    assert nation.south.name not in html and nation.long_xuyen.name not in html
    assert _options(html) == _options(unfiltered.content.decode()) == [
        "", *_ids(nation.north, nation.que_vo, nation.tu_son)]
    if url_name == "enterprises:list":
        assert [row.enterprise.pk for row in response.context["rows"]] == [mine.pk]


@pytest.mark.parametrize("url_name", ["statistics:home", "statistics:report", "statistics:targets",
                                      "statistics:programmes", "people:summary"])
def test_a_forbidden_unit_of_a_page_about_one_unit_is_not_found(client, nation, url_name):
    client.force_login(nation.north_supervisor)

    response = client.get(reverse(url_name), {"unit": nation.south.pk})

    assert response.status_code == 404
    assert nation.south.name not in response.content.decode()


# --- search as you type -------------------------------------------------------------------------
def test_the_search_lists_matching_units_of_the_users_subtrees_only(client, nation):
    client.force_login(nation.north_supervisor)

    response = client.get(reverse("organisation:unit_search"), {
        "unit_q": "khu vực", "for": "overseen", "unit": nation.north.pk, "stage": "surveyed", "page": "3"})

    html = response.content.decode()
    assert response.status_code == 200
    links = re.findall(r'<a href="([^"]*)" data-unit="(\d+)">([^<]*)</a>', html)
    # Quế Võ and Từ Sơn; not the district of the other province, of the other confederation, nor a grassroots union
    assert [(unescape(href), name) for href, _pk, name in links] == [
        (f"?stage=surveyed&unit={nation.que_vo.pk}", nation.que_vo.name),
        (f"?stage=surveyed&unit={nation.tu_son.pk}", nation.tu_son.name)]
    for unit in (nation.long_xuyen, nation.abroad_district, nation.grassroots):
        assert unit.name not in html


def test_the_search_lists_twenty_units_at_most(client, nation):
    nation.districts_under_north(UNIT_SEARCH_LIMIT + 5)
    client.force_login(nation.national)

    response = client.get(reverse("organisation:unit_search"), {"unit_q": "số"})

    assert len(re.findall(r'data-unit="\d+"', response.content.decode())) == UNIT_SEARCH_LIMIT == 20


def test_the_search_without_javascript_lists_the_matches_on_the_page(client, nation):
    client.force_login(nation.national)

    response = client.get(reverse("enterprises:list"), {"unit_q": "Long Xuyên", "sector": "fdi"})

    html = response.content.decode()
    matches = re.search(r'<div id="unit-matches"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert [unescape(h) for h in re.findall(r'href="([^"]*)"', matches)] == [
        f"?sector=fdi&unit={nation.long_xuyen.pk}"]
    assert 'name="unit_q" value="Long Xuyên"' in html


def test_the_search_of_a_planning_page_keeps_to_the_units_the_user_plans(client, nation):
    manager_and_supervisor = nation.national
    factories.grant(nation.south, manager_and_supervisor, "supervisor", actor=nation.admin)
    client.force_login(manager_and_supervisor)

    response = client.get(reverse("organisation:unit_search"), {"unit_q": "khu vực", "for": "supervised"})

    assert re.findall(r'data-unit="(\d+)"', response.content.decode()) == _ids(nation.long_xuyen)


def test_the_search_needs_a_signed_in_user(client, nation):
    response = client.get(reverse("organisation:unit_search"), {"unit_q": "khu vực"})

    assert response.status_code == 302
    assert nation.tu_son.name not in response.content.decode()


# --- accents, đ and case aside ------------------------------------------------------------------
@pytest.fixture
def cities(nation):
    """Hà Nội and Đồng Nai under the country; a Hà Nội of the other
    confederation (nobody here oversees it); a grassroots union named after Hà Nội."""
    unit, admin = factories.unit, nation.admin
    return {
        "ha_noi": unit(name="Liên đoàn Lao động Thành phố Hà Nội", code="ha-noi", kind="provincial_federation",
                       parent=nation.country, actor=admin),
        "dong_nai": unit(name="Liên đoàn Lao động tỉnh Đồng Nai", code="dong-nai", kind="provincial_federation",
                         parent=nation.country, actor=admin),
        "ha_noi_abroad": unit(name="Liên đoàn Lao động khu vực Hà Nội Ngoài", code="ha-noi-ngoai",
                              kind="district_federation", parent=nation.abroad, actor=admin),
        "grassroots": unit(name="Công đoàn cơ sở Công ty Bia Hà Nội", code="cdcs-bia-ha-noi", kind="grassroots",
                           parent=nation.country, actor=admin),
    }


def _found(response) -> list[str]:
    return re.findall(r'data-unit="(\d+)"', response.content.decode())


@pytest.mark.parametrize(("typed", "found"), [
    ("ha noi", "ha_noi"), ("Ha Noi", "ha_noi"), ("HÀ NỘI", "ha_noi"), ("Hà Nội", "ha_noi"), ("  ha   NOI ", "ha_noi"),
    ("thanh pho noi", "ha_noi"),  # every word, wherever it is in the name
    ("dong nai", "dong_nai"), ("Đồng Nai", "dong_nai"), ("đong nai", "dong_nai"), ("ĐỒNG NAI", "dong_nai"),
    ("Dồng Nãi", "dong_nai"),  # wrong accents are no accents
])
def test_the_search_finds_a_unit_by_its_words_typed_without_accents(client, nation, cities, typed, found):
    client.force_login(nation.national)

    response = client.get(reverse("organisation:unit_search"), {"unit_q": typed})

    assert response.status_code == 200
    # never the Hà Nội the user does not oversee, nor the grassroots union
    assert _found(response) == _ids(cities[found])
    assert cities["ha_noi_abroad"].name not in response.content.decode()


@pytest.mark.parametrize("typed", ["ha noi ngoai", "ngoai", "bia ha noi", "hanoi", "ha noi x"])
def test_the_search_finds_nothing_the_user_may_not_pick(client, nation, cities, typed):
    client.force_login(nation.national)

    response = client.get(reverse("organisation:unit_search"), {"unit_q": typed})

    html = response.content.decode()
    assert _found(response) == []
    assert "Không tìm thấy đơn vị nào." in html  # "No unit found."
    assert cities["ha_noi_abroad"].name not in html and cities["grassroots"].name not in html


def test_the_search_without_javascript_folds_too(client, nation, cities):
    client.force_login(nation.north_supervisor)  # Bắc Ninh only: Hà Nội is not theirs
    theirs = client.get(reverse("enterprises:list"), {"unit_q": "ha noi"})
    client.force_login(nation.national)

    response = client.get(reverse("enterprises:list"), {"unit_q": "ha noi"})

    assert [o.pk for o in response.context["picker"].matches] == [cities["ha_noi"].pk]
    assert theirs.context["picker"].matches == ()
    assert cities["ha_noi"].name not in theirs.content.decode()


@pytest.fixture
def one_request():
    """Inside one request: the upper-level unit kinds read once, by the page anyway (``core.memo``)."""
    with memo.scope():
        upper_kind_ids()
        yield


def test_the_folded_search_reads_one_query_whatever_the_number_of_units(nation, cities, one_request):
    user = nation.national
    scope_of(user)  # read once per request, by the page anyway

    with CaptureQueriesContext(connection) as few:
        assert [o.pk for o in unit_search(user, "HA NOI")] == [cities["ha_noi"].pk]
    for n in range(30):
        factories.unit(name=f"Liên đoàn Lao động quận {n:02d} Hà Nội", code=f"quan-{n:02d}",
                       kind="district_federation", parent=cities["ha_noi"], actor=nation.admin)
    with CaptureQueriesContext(connection) as many:
        found = unit_search(user, "ha noi")

    assert len(few) == len(many) == 1
    # the first twenty by their folded names: the city ("lien doan lao dong thanh pho ...") after the districts
    assert [o.name for o in found] == [f"Liên đoàn Lao động quận {n:02d} Hà Nội" for n in range(UNIT_SEARCH_LIMIT)]


def test_the_search_endpoint_reads_as_many_queries_folded_or_not(client, nation, cities):
    client.force_login(nation.national)
    url = reverse("organisation:unit_search")
    client.get(url, {"unit_q": "khu vực"})  # warm the per-process caches

    counts = []
    for typed in ("Hà Nội", "ha noi", "dong nai", "Long Xuyên"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"unit_q": typed})
        counts.append(len(queries))
        assert len(_found(response)) == 1

    assert len(set(counts)) == 1


# --- bounded queries ---------------------------------------------------------------------------
@pytest.mark.parametrize("asked", ["none", "province", "district", "forbidden"])
def test_the_picker_reads_two_queries_whatever_the_number_of_units(nation, asked, one_request):
    nation.districts_under_north(40)
    user = nation.national
    scope_of(user)  # read once per request, by the page anyway
    unit_id = {"none": None, "province": nation.north.pk, "district": nation.tu_son.pk,
               "forbidden": nation.abroad.pk}[asked]

    with CaptureQueriesContext(connection) as queries:
        picker = unit_picker(user, unit_id, all_units=True)

    assert len(queries) == 2
    assert picker.chosen == {"none": None, "province": nation.north, "district": nation.tu_son,
                             "forbidden": None}[asked]
    assert len(picker.options) == {"none": 3, "province": 43, "district": 1, "forbidden": 3}[asked]


def test_a_list_page_reads_as_many_queries_with_forty_more_units(client, nation):
    client.force_login(nation.national)
    url = reverse("campaigns:list")
    client.get(url, {"unit": nation.north.pk})  # warm the per-process caches

    with CaptureQueriesContext(connection) as before:
        client.get(url, {"unit": nation.north.pk})
    nation.districts_under_north(40)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url, {"unit": nation.north.pk})

    assert len(after) == len(before)
    assert len(response.context["picker"].options) == 43
    assert len(_options(response.content.decode())) == 44


def test_an_export_checks_its_unit_with_one_row(nation, one_request):
    user = nation.north_supervisor
    scope_of(user)

    with CaptureQueriesContext(connection) as queries:
        mine = list_exports.unit_path_of(user, {"unit": str(nation.tu_son.pk)})
        theirs = unit_picked(user, nation.long_xuyen.pk)
        grassroots = unit_picked(user, nation.grassroots.pk)

    assert (mine, theirs, grassroots) == (nation.tu_son.path, None, None)
    assert len(queries) == 3


# --- the pages still filter by the unit chosen ----------------------------------------------------
def test_the_registry_and_the_dashboard_keep_to_the_unit_chosen(client, nation):
    in_tu_son = factories.EnterpriseFactory(responsible_unit=nation.tu_son)
    factories.EnterpriseFactory(responsible_unit=nation.que_vo)
    client.force_login(nation.national)

    registry = client.get(reverse("enterprises:list"), {"unit": nation.tu_son.pk})
    dashboard = client.get(reverse("statistics:home"), {"unit": nation.tu_son.pk})
    report = client.get(reverse("statistics:report"), {"unit": nation.que_vo.pk})

    assert [row.enterprise.pk for row in registry.context["rows"]] == [in_tu_son.pk]
    assert dashboard.context["unit"] == nation.tu_son
    assert dashboard.context["parent"].unit == nation.north  # the link up
    assert report.context["report"].unit == nation.que_vo
    assert _options(report.content.decode()) == _ids(nation.que_vo)


# --- the upper-level kinds, read once per request ---------------------------------------------------------
def test_a_kind_no_longer_grassroots_shows_its_units_from_the_next_request(client, nation):
    """The upper-level kinds are written into the pickers' statements (``upper_level``) and read once per
    request: a change of kinds is seen by the next request, whichever process answers it."""
    client.force_login(nation.national)
    url = reverse("campaigns:list")
    parent = Unit.objects.get(path=nation.grassroots.path[:-Unit.steplen])
    assert str(nation.grassroots.pk) not in _options(client.get(url, {"unit": parent.pk}).content.decode())

    UnitKind.objects.filter(pk=nation.grassroots.kind_id).update(is_grassroots=False)

    assert str(nation.grassroots.pk) in _options(client.get(url, {"unit": parent.pk}).content.decode())


@pytest.mark.postgres
def test_the_upper_level_kinds_are_constants_of_the_statement(nation):
    """A constant array the planner weighs against its statistics (a district's thousands of CĐCS are not
    read one by one to find its few upper-level children), read once in a request."""
    ids = sorted(UnitKind.objects.filter(is_grassroots=False).values_list("pk", flat=True))
    assert ids
    assert "'{" + ",".join(map(str, ids)) + "}'::bigint[]" in str(Unit.objects.filter(upper_level()).query)
    with memo.scope(), CaptureQueriesContext(connection) as queries:
        assert upper_kind_ids() == upper_kind_ids() == tuple(ids)
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as outside:  # a job, a command: read each time
        upper_kind_ids()
        upper_kind_ids()
    assert len(outside) == 2
