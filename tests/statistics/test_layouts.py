"""The official report layouts (``layouts``), their files and pages, on a
province built through the services: a congress term and a resolution's
programme overlapping, a range target, an FDI-only target, an allocation
larger than what was received, a negative net, a unit without a target and
a late entry."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import campaign_at
from tests.exports.helpers import ask, prepared
from tests.factories import EnterpriseFactory
from workflows.core import clock
from workflows.statistics import layouts, reports, services
from workflows.statistics.engine import Filters
from workflows.statistics.indicators import TargetValue
from workflows.statistics.models import EstimateKind, Metric, MovementKind, ProgrammeBasis
from workflows.statistics.periods import Period

PERIOD = Period.between(dt.date(2026, 1, 1), dt.date(2026, 11, 20))
TODAY = dt.date(2026, 11, 25)


def build_province(world, boss):
    """The province's programmes, targets and figures (see the module's docstring)."""
    with clock.travel_to(dt.date(2026, 1, 5)):
        term = services.programme_create(unit_id=world.province.pk, name="Nhiệm kỳ 2023–2028",
                                         basis_kind=ProgrammeBasis.CONGRESS_RESOLUTION, start=dt.date(2023, 10, 1),
                                         end=dt.date(2028, 9, 30), actor=boss)
        resolution = services.programme_create(unit_id=world.province.pk, name="Chương trình 01",
                                               basis_kind=ProgrammeBasis.RESOLUTION_PLAN,
                                               start=dt.date(2026, 1, 1), end=dt.date(2030, 12, 31), actor=boss)
        plan = services.programme_create(unit_id=world.province.pk, name="Kế hoạch năm 2027",
                                         basis_kind=ProgrammeBasis.YEAR_PLAN, start=dt.date(2027, 1, 1),
                                         end=dt.date(2027, 12, 31), actor=boss)
        common = {"unit_id": world.province.pk, "actor": boss}
        services.targets_set(programme_id=term.pk, metric=Metric.NET_MEMBERS, received=(6000, 7000),
                             allocations={world.district.pk: 4000}, **common)  # Quế Võ has no term target
        services.targets_set(programme_id=term.pk, metric=Metric.NEW_UNIONS, received=30,
                             allocations={world.district.pk: 20}, **common)
        for metric in (Metric.NET_MEMBERS, Metric.NEW_MEMBERS):  # allocated 2.300, more than the 1.000 received
            services.targets_set(programme_id=resolution.pk, metric=metric, received=1000,
                                 allocations={world.district.pk: 1500, world.other_district.pk: 800}, **common)
        services.targets_set(programme_id=resolution.pk, metric=Metric.NEW_UNIONS, received=5, allocations={},
                             filters=Filters(sector="fdi"), **common)
        services.targets_set(programme_id=plan.pk, metric=Metric.NEW_MEMBERS, received=900,
                             allocations={world.district.pk: 700, world.other_district.pk: 300}, **common)
    with clock.travel_to(dt.date(2026, 5, 4)):
        campaign_at(world, "recognised", enterprise=EnterpriseFactory(responsible_unit=world.district,
                                                                      ownership_sector="fdi", workforce=40))
    with clock.travel_to(dt.date(2026, 6, 30)):
        services.movement_record(unit_id=world.district.pk, on=dt.date(2026, 6, 10), kind=MovementKind.RECRUITED,
                                 members=1326, actor=world.supervisor)
        services.movement_record(unit_id=world.other_district.pk, on=dt.date(2026, 6, 15), kind=MovementKind.LOST,
                                 members=182, actor=world.other_supervisor)
        services.estimate_record(unit_id=world.district.pk, kind=EstimateKind.WORKFORCE_INCREASE, year=2027,
                                 value=3000, source="Khảo sát", as_of=dt.date(2026, 6, 30), actor=world.supervisor)
    with clock.travel_to(dt.date(2026, 11, 22)):  # entered after the 20/11 cut-off, for a day inside the period
        services.movement_record(unit_id=world.district.pk, on=dt.date(2026, 11, 10), kind=MovementKind.RECRUITED,
                                 members=100, actor=world.supervisor)
    with clock.travel_to(TODAY):  # after the period
        services.movement_record(unit_id=world.district.pk, on=TODAY, kind=MovementKind.RECRUITED, members=7,
                                 actor=world.supervisor)
    return term, resolution, plan


@pytest.fixture
def province(world, province_supervisor):
    return build_province(world, province_supervisor)


def term_table(world, province, period=PERIOD):
    choice = layouts.programmes_chosen(layouts.TERM, world.province, period, [])
    return layouts.build(layouts.TERM, world.province, period, today=TODAY, programmes=choice.chosen,
                         next_year_programme=choice.next_year)


def T(low, high=None):
    return TargetValue(low, high)


def test_the_term_layout_shows_both_programmes_and_next_years_allocation(world, province):
    term, resolution, plan = province

    table = term_table(world, province)

    assert [p.pk for p in table.programmes] == [term.pk, resolution.pk]  # the year plan is not a term's
    assert table.next_year_programme == plan
    with translation.override("en"):
        table = term_table(world, province)
    assert [(c.text, c.colspan, c.rowspan) for c in table.header_rows[0]] == [
        ("No.", 1, 2), ("Unit", 1, 2), ("Nhiệm kỳ 2023–2028", 2, 1), ("Chương trình 01", 2, 1),
        ("Results in the period", 4, 1), ("Nhiệm kỳ 2023–2028", 1, 1), ("Chương trình 01", 1, 1),
        ("Plan of 2027", 1, 1), ("Workforce", 4, 1)]
    assert table.headers[10] == "% of the target"
    district, other = table.rows
    assert district[:14] == (1, "Liên đoàn Lao động khu vực Từ Sơn", T(4000), T(20), T(1500), None,
                             1431, 0, 1431, 1, Decimal("35.77"), Decimal("95.40"), T(700),
                             285)  # 250 workers without a union, 40 less the union's 5 members
    assert other[:13] == (2, "Liên đoàn Lao động khu vực Quế Võ", None, None, T(800), None, 0, 182, -182, 0,
                          None, Decimal("0.00"), T(300))
    assert table.total[:13] == (None, "Total", T(6000, 7000), T(30), T(1000), None, 1431, 182, 1249, 1,
                                Decimal("20.81"), Decimal("124.90"), T(1000))  # the allocations' sum, not 900
    assert district[14:] == ("", 3000, "Khảo sát, 30/06/2026")
    assert str(table.total[2]) == "6.000–7.000"


def test_the_cut_off_leaves_out_what_was_entered_later(world, province):
    table = term_table(world, province, PERIOD.cut(dt.date(2026, 11, 20)))

    district, _other = table.rows
    assert district[6:12] == (1331, 0, 1331, 1, Decimal("33.27"), Decimal("88.73"))
    assert table.total[8] == 1149
    assert table.total[10:12] == (Decimal("19.15"), Decimal("114.90"))


def test_the_review_shows_received_and_own_allocation(world, province):
    _term, resolution, _plan = province

    table = layouts.build(layouts.REVIEW, world.province, PERIOD, today=TODAY, programmes=[resolution])

    district, other = table.rows
    # new members, unions, FDI unions | members: received, %, own allocation, % | unions ... | FDI unions
    assert district[2:] == (1431, 1, 1, T(1500), Decimal("95.40"), None, None, None, None, None, None, None, None)
    assert other[2:] == (0, 0, 0, T(800), Decimal("0.00"), None, None, None, None, None, None, None, None)
    assert table.total[2:] == (1431, 1, 1, T(1000), Decimal("143.10"), T(2300), Decimal("62.21"),
                               None, None, None, None, T(5), Decimal("20.00"))


def test_the_coverage_layout_counts_enterprises_by_threshold_and_sector(world, province):
    table = layouts.build(layouts.COVERAGE, world.province, PERIOD, today=TODAY, programmes=[])

    district, other = table.rows
    # ≥20: enterprises, with a union, %; ≥25 …; ≥25 paying social insurance …; state …; private …; FDI …
    assert district[2:8] == (2, 1, Decimal("50.00"), 2, 1, Decimal("50.00"))
    assert district[8:11] == (0, 0, Decimal("0.00"))
    assert district[11:20] == (0, 0, Decimal("0.00"), 1, 0, Decimal("0.00"), 1, 1, Decimal("100.00"))
    assert other[2:5] == (0, 0, Decimal("0.00"))
    assert table.total[2:5] == (2, 1, Decimal("50.00"))


QUERY = {"layout": "term", "span": "range", "start": "01/01/2026", "end": "20/11/2026", "number": "15",
         "place": "Bắc Ninh"}


def test_the_xlsx_has_the_official_heading_and_exact_cells(client, world, province,
                                                           django_capture_on_commit_callbacks):
    client.force_login(world.manager)
    with clock.travel_to(TODAY):
        response, district_file = prepared(client, django_capture_on_commit_callbacks, "report_xlsx",
                                           {**QUERY, "unit": world.district.pk})
        _response, province_file = prepared(client, django_capture_on_commit_callbacks, "report_xlsx", QUERY)

    sheet = load_workbook(io.BytesIO(district_file)).active
    assert sheet["A1"].value == "LIÊN ĐOÀN LAO ĐỘNG TỈNH BẮC NINH"
    assert (sheet["A2"].value, sheet["A2"].font.b) == ("LIÊN ĐOÀN LAO ĐỘNG KHU VỰC TỪ SƠN", True)
    assert sheet["A3"].value == "Số: 15"
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-term-tu-son-20260101-20261120.xlsx"'
    sheet = load_workbook(io.BytesIO(province_file)).active
    right = [c for c in sheet[1] if c.value][-1]
    assert right.value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert [c.value for c in sheet[2] if c.value] == ["LIÊN ĐOÀN LAO ĐỘNG TỈNH BẮC NINH", "Độc lập - Tự do - Hạnh phúc"]
    assert [c.value for c in sheet[3] if c.value] == ["Số: 15", "Bắc Ninh, ngày 25 tháng 11 năm 2026"]
    assert sheet["A5"].font.b is True
    assert [c.value for c in sheet[7]][2:4] == ["Nhiệm kỳ 2023–2028", None]
    assert [c.value for c in sheet[8]][2:4] == [sheet["C8"].value, sheet["D8"].value]
    district = [c.value for c in sheet[9]]
    assert district[:13] == [1, "Liên đoàn Lao động khu vực Từ Sơn", 4000, 20, 1500, None, 1431, 0, 1431, 1,
                             0.3577, 0.954, 700]
    assert sheet["K9"].number_format == "0.00%"
    assert sheet["G9"].number_format == "#,##0"
    total = [c.value for c in sheet[11]]
    assert total[2:5] == ["6.000–7.000", 30, 1000]
    assert total[10:13] == [0.2081, 1.249, 1000]
    assert sheet["C11"].font.b is True


def test_the_csv_prints_vietnamese_numbers(client, world, province, django_capture_on_commit_callbacks):
    client.force_login(world.manager)
    with clock.travel_to(TODAY):
        response, content = prepared(client, django_capture_on_commit_callbacks, "report_csv", QUERY)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert content.startswith("\ufeff".encode())
    lines = content.decode("utf-8-sig").splitlines()
    district = lines[4].split(";")
    assert district[:13] == ["1", "Liên đoàn Lao động khu vực Từ Sơn", "4.000", "20", "1.500", "", "1.431", "0",
                             "1.431", "1", "35,77%", "95,40%", "700"]
    total = lines[6].split(";")
    assert total[2:4] == ["6.000–7.000", "30"]
    assert total[12] == "1.000"


def test_the_pdf_carries_the_heading_title_and_figures(client, world, province, django_capture_on_commit_callbacks):
    client.force_login(world.manager)
    with clock.travel_to(TODAY):
        response, content = prepared(client, django_capture_on_commit_callbacks, "report_pdf", QUERY)

    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    text = " ".join(text.split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "NGƯỜI LẬP BIỂU" in text and "TM. BAN THƯỜNG VỤ" in text
    assert "Bắc Ninh, ngày 25 tháng 11 năm 2026" in text
    assert "6.000–7.000" in text
    assert "4.000 20 1.500 1.431 0 1.431 1 35,77% 95,40% 700" in text


def test_the_page_shows_the_table_and_links_to_the_files(client, world, province):
    client.force_login(world.manager)
    with clock.travel_to(TODAY):
        response = client.get(reverse("statistics:report"), {**QUERY, "programme": [province[0].pk]})

    assert response.status_code == 200
    assert [p.pk for p in response.context["table"].programmes] == [province[0].pk]
    body = response.context["body"]
    assert body[0][:4] == ["1", "Liên đoàn Lao động khu vực Từ Sơn", "4.000", "20"]
    html = response.content.decode()
    query = response.context["query"]
    assert html.count(f'action="{reverse("exports:start")}?{query}"'.replace("&", "&amp;")) == 3
    for kind in ("report_xlsx", "report_pdf", "report_csv"):
        assert f'name="kind" value="{kind}"' in html


@pytest.mark.parametrize("params", [
    {"span": "nonsense", "year": "99999", "month": "13", "start": "32/13/2026", "end": "x", "layout": "zzz",
     "programme": ["abc", "999999"], "entered_by": "yesterday", "number": "\x00" * 500},
    {"span": "range", "start": "20/11/2026", "end": "01/01/2026"},
    {"span": "programme", "programme_to": "123456", "day": "2026-02-30"},
    {"span": "first_months", "months": "0", "layout": "coverage"},
    {"span": "month", "month": "2", "year": "2026", "layout": "review"},
])
def test_garbage_means_the_defaults(client, world, params, django_capture_on_commit_callbacks):
    client.force_login(world.manager)
    with clock.travel_to(TODAY):
        assert client.get(reverse("statistics:report"), params).status_code == 200
        response, _content = prepared(client, django_capture_on_commit_callbacks, "report_csv", params)
    assert response.status_code == 200


def test_the_period_of_a_programme_to_a_day(client, world, province):
    client.force_login(world.manager)
    term = province[0]
    with clock.travel_to(TODAY):
        response = client.get(reverse("statistics:report"), {"span": "programme", "programme_to": term.pk,
                                                              "day": "20/11/2026"})
    period = response.context["report"].period
    assert (period.start, period.end) == (dt.date(2023, 10, 1), dt.date(2026, 11, 20))


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries.captured_queries)


def test_the_page_costs_the_same_queries_as_the_data_grows(client, world, province):
    client.force_login(world.manager)
    urls = [(reverse("statistics:report"), QUERY), (reverse("statistics:report"), {**QUERY, "layout": "review"}),
            (reverse("statistics:report"), {**QUERY, "layout": "coverage"}),
            (reverse("statistics:report"), {**QUERY, "layout": "first_year"})]
    with clock.travel_to(TODAY):
        campaign_at(world, "recognised", enterprise=EnterpriseFactory(responsible_unit=world.district))
        _queries(client, *urls[0])  # the reference data read once, as a server process keeps it
        small = [_queries(client, url, params) for url, params in urls]
        for i in range(5):
            campaign_at(world, "recognised", enterprise=EnterpriseFactory(responsible_unit=world.district,
                                                                          ownership_sector="fdi"))
            services.movement_record(unit_id=world.other_district.pk, on=dt.date(2026, 3, 1 + i),
                                     kind=MovementKind.LOST, members=1, actor=world.other_supervisor)
        large = [_queries(client, url, params) for url, params in urls]
    assert small == large


@pytest.mark.parametrize("role,unit,status", [
    ("anonymous", "province", 302), ("officer", "province", 404), ("other_supervisor", "province", 404),
    ("supervisor", "province", 404), ("supervisor", "district", 200), ("other_supervisor", "district", 404),
    ("manager", "province", 200), ("manager", "other_district", 200), ("province_supervisor", "province", 200),
])
@pytest.mark.parametrize("name", ["report", "report_xlsx", "report_csv", "report_pdf"])
def test_the_reports_answer_only_in_scope(client, world, province_supervisor, role, unit, status, name,
                                          django_capture_on_commit_callbacks):
    world.province_supervisor = province_supervisor
    user = world.user(role)
    if user:
        client.force_login(user)
    with clock.travel_to(TODAY):
        if name == "report":
            response, run = client.get(reverse("statistics:report"), {"unit": getattr(world, unit).pk}), None
        else:  # the file: asked for from the page (a run, then its status page), or 404
            response, run = ask(client, django_capture_on_commit_callbacks, name, {"unit": getattr(world, unit).pk})
    if name == "report":
        assert response.status_code == status
    elif status == 200:
        run.refresh_from_db()
        assert (response.status_code, run.status) == (302, "ready")
        assert client.get(reverse("exports:download", args=[run.pk])).status_code == 200
    else:
        assert (response.status_code, run) == (status, None)
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


def test_the_heading_names_the_place_and_a_blank_number():
    table = layouts.Table("term", "T", "P", "Liên đoàn Lao động khu vực Từ Sơn", "Liên đoàn Lao động tỉnh Bắc Ninh",
                          ((), ()), (), (), (), ())
    head = reports.heading(table, number="", place=layouts.place_of(table.unit_name, table.upper_unit_name),
                           day=dt.date(2026, 5, 15))
    assert head.number == "Số:    /BC-"
    assert head.place_date == "Bắc Ninh, ngày 15 tháng 05 năm 2026"


# --- the first year of the new grassroots unions -----------------------------------------------
def build_first_year(world):
    """Three unions recognised in Từ Sơn on 02/02/2026: one standing on its own
    (every core milestone, dues in time, an agreement), one launched with late
    dues, one failed on 01/06/2026 (5 members lost)."""
    from workflows.campaigns.models import FailureReason, Task
    from workflows.campaigns.services import task_complete

    with clock.travel_to(dt.date(2026, 2, 2)):
        standing, late, failed = (campaign_at(world, "recognised", enterprise=EnterpriseFactory(
            responsible_unit=world.district, workforce=30)) for _i in range(3))

    def done(campaign, milestone, day):
        task = Task.objects.get(campaign=campaign, milestone=milestone)
        task_complete(task_id=task.pk, actor=world.officer, note="Biên bản", done_on=day)

    with clock.travel_to(TODAY):
        for milestone, day in [("launch", dt.date(2026, 2, 20)), ("committee_trained", dt.date(2026, 3, 10)),
                               ("dues_set_up", dt.date(2026, 3, 10)), ("dues_remitted", dt.date(2026, 4, 1)),
                               ("dialogue", dt.date(2026, 6, 15)), ("agreement", dt.date(2026, 10, 1))]:
            done(standing, milestone, day)
        done(late, "launch", dt.date(2026, 3, 1))
        done(late, "dues_remitted", dt.date(2026, 9, 15))  # after the 6 months (02/08/2026)
        services.follow_up_failed(campaign_id=failed.pk, actor=world.supervisor,
                                  reason=FailureReason.NEVER_ACTIVE, on=dt.date(2026, 6, 1), members_lost=5)
    return standing, late, failed


def test_the_first_year_layout_counts_the_new_unions_and_their_shares(world):
    build_first_year(world)

    table = layouts.build(layouts.FIRST_YEAR, world.province, PERIOD, today=TODAY, programmes=[])

    district, other = table.rows
    # new; launched, %; dues in time, %; agreement, %; standing, %; failed in the period
    third = Decimal("33.33")
    assert district[2:] == (3, 2, Decimal("66.66"), 1, third, 1, third, 1, third, 1)
    assert other[2:] == (0, 0, Decimal("0.00"), 0, Decimal("0.00"), 0, Decimal("0.00"), 0, Decimal("0.00"), 0)
    assert table.total[2:] == district[2:]
    assert table.formats[2:5] == ("integer", "integer", "percent")


def test_the_first_year_counts_what_was_done_by_the_periods_end(world):
    build_first_year(world)

    table = layouts.build(layouts.FIRST_YEAR, world.province, Period.between(dt.date(2026, 1, 1),
                                                                             dt.date(2026, 3, 31)),
                          today=TODAY, programmes=[])

    # by 31/03: both launches, no dues yet, no agreement, not standing, not failed yet
    assert table.rows[0][2:] == (3, 2, Decimal("66.66"), 0, Decimal("0.00"), 0, Decimal("0.00"), 0,
                                 Decimal("0.00"), 0)


def test_the_first_year_report_page_answers(client, world, django_capture_on_commit_callbacks):
    build_first_year(world)
    client.force_login(world.manager)

    with clock.travel_to(TODAY):
        page = client.get(reverse("statistics:report"), {**QUERY, "layout": "first_year"})
        sheet, _content = prepared(client, django_capture_on_commit_callbacks, "report_xlsx",
                                   {**QUERY, "layout": "first_year"})

    assert page.status_code == 200
    assert sheet.status_code == 200


def test_a_report_counted_from_the_history_of_a_large_subtree_is_a_file_only(client, world, province, settings,
                                                                              django_capture_on_commit_callbacks):
    # given a page limit below the province's campaigns (a country's million, in small)
    settings.REPORT_ON_SCREEN_MAX_CAMPAIGNS = 0  # the province has one campaign
    client.force_login(world.manager)
    days = {**QUERY, "span": "range", "start": "01/01/2026", "end": "20/11/2026"}
    with clock.travel_to(TODAY):
        response = client.get(reverse("statistics:report"), days)
        whole_year = client.get(reverse("statistics:report"), {**QUERY, "span": "year", "year": "2026",
                                                                "layout": "first_year"})

    # then a period of days has no table on screen, says why, and keeps its buttons
    html = response.content.decode()
    assert response.status_code == 200 and response.context["table"] is None
    assert 'id="report-table"' not in html and 'id="report-as-file"' in html
    assert html.count('name="kind" value="report_') == 3
    # while a whole year of a layout without filtered columns is counted from the summary tables, on screen
    assert whole_year.context["table"] is not None and 'id="report-table"' in whole_year.content.decode()
    # and the file of the same query is whole
    with clock.travel_to(TODAY):
        _answer, content = prepared(client, django_capture_on_commit_callbacks, "report_csv", days)
    assert "Liên đoàn Lao động khu vực Từ Sơn" in content.decode("utf-8-sig")


def test_a_report_too_long_for_a_page_is_counted_by_a_job_and_kept_for_the_same_query(
        client, world, province, settings, django_capture_on_commit_callbacks):
    # given the page limit below the province's campaigns, and the page's figures of a period of days
    settings.REPORT_ON_SCREEN_MAX_CAMPAIGNS = 0
    client.force_login(world.manager)
    days = {**QUERY, "span": "range", "start": "01/01/2026", "end": "20/11/2026"}
    with clock.travel_to(TODAY):
        before = client.get(reverse("statistics:report"), days)
    assert 'id="kept-ask"' in before.content.decode()
    assert "Tính báo cáo này để hiện trên trang" in before.content.decode()
    ask_url = before.content.decode().split('id="kept-ask"')[0].rsplit('action="', 1)[1].split('"')[0]

    # when the manager asks for it on the page, and its job runs
    with clock.travel_to(TODAY), django_capture_on_commit_callbacks(execute=True):
        answer = client.post(ask_url.replace("&amp;", "&"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("statistics:report") + "?")

    # then the page shows the report kept, from one row, the same table a page counts under the limit
    with clock.travel_to(TODAY), CaptureQueriesContext(connection) as captured:
        # the same day written otherwise: the same report
        kept = client.get(reverse("statistics:report"), {**days, "start": "1/1/2026"})
    html = kept.content.decode()
    assert kept.status_code == 200 and 'id="report-table"' in html and 'id="kept-counted"' in html
    assert 'id="report-as-file"' not in html
    assert not any("campaigns_campaignevent" in q["sql"] for q in captured.captured_queries)
    settings.REPORT_ON_SCREEN_MAX_CAMPAIGNS = 20000
    with clock.travel_to(TODAY):
        counted = client.get(reverse("statistics:report"), days)
    table = counted.content.decode().split('<div class="official-head">')[1].split("</table></div>")[0]
    assert html.split('<div class="official-head">')[1].split("</table></div>")[0] == table
    assert "Liên đoàn Lao động khu vực Từ Sơn" in table
    # another document number is another report (its heading); another user who may not see it: 404
    settings.REPORT_ON_SCREEN_MAX_CAMPAIGNS = 0
    with clock.travel_to(TODAY):
        other = client.get(reverse("statistics:report"), {**days, "number": "16"})
    assert 'id="kept-ask"' in other.content.decode() and 'id="report-table"' not in other.content.decode()
    client.force_login(world.other_supervisor)
    with clock.travel_to(TODAY):
        assert client.post(f'{ask_url.replace("&amp;", "&")}&unit={world.province.pk}').status_code == 404
