"""A past day's dashboard of a subtree too big for a page
(``workflows.statistics.kept_figures``): asked for with a POST, counted by a
job, kept, then shown to everyone who asks for the same figures from one
row — the very figures a small subtree's page counts at once."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.statistics.test_engine import at, move, plan_and_term, recognise
from workflows.core import clock
from workflows.statistics import kept_figures, selectors
from workflows.statistics.models import KeptFigures, KeptFiguresStatus

DAY = dt.date(2026, 5, 15)
TODAY = dt.date(2026, 5, 25)


def query(world, **more) -> dict:
    return {"unit": world.province.pk, "year": 2026, "as_of": "15/05/2026", **more}


def home(client, world, **more):
    with clock.travel_to(at(TODAY)):
        return client.get(reverse("statistics:home"), query(world, **more))


def ask(client, world, capture, *, execute=True, **more):
    url = f"{reverse('statistics:past_count')}?unit={world.province.pk}&year=2026&as_of=15/05/2026"
    url += "".join(f"&{name}={value}" for name, value in more.items())
    with clock.travel_to(at(TODAY)), capture(execute=execute):
        return client.post(url)


def asked_by_the_manager(client, world, capture) -> KeptFigures:
    """The province's past day asked for by its manager (signed in), its job not run yet."""
    client.force_login(world.manager)
    ask(client, world, capture, execute=False)
    return KeptFigures.objects.get()


@pytest.fixture
def past_world(world, province_supervisor, settings):
    """The province's history: a plan, a recognition before the day, members recruited before the day and
    entered after it, a recognition after the day; a page may count the history of no campaign."""
    plan_and_term(world, province_supervisor)
    recognise(world, dt.date(2026, 5, 4), workforce=60)
    move(world, world.district, dt.date(2026, 5, 5), 9, entered=dt.date(2026, 5, 20))
    move(world, world.district, dt.date(2026, 5, 6), 4)
    recognise(world, dt.date(2026, 5, 18), workforce=80)
    settings.REPORT_ON_SCREEN_MAX_CAMPAIGNS = 0
    return world


def test_a_past_day_too_long_for_a_page_is_counted_by_a_job_then_shown_from_one_row(
        client, past_world, settings, django_capture_on_commit_callbacks):
    world = past_world
    client.force_login(world.manager)
    # given: the page offers to count them, and a GET writes nothing
    page = home(client, world)
    html = page.content.decode()
    assert page.status_code == 200 and page.context["as_of"] is None
    assert 'id="as-of-as-file"' in html and 'id="kept-ask"' in html and "Tính số liệu tại ngày 15/05/2026" in html
    assert KeptFigures.objects.count() == 0

    # when the manager asks for them
    response = ask(client, world, django_capture_on_commit_callbacks)

    # then the job counted them and the dashboard shows them: the same figures as a page counts at once
    assert response.status_code == 302
    assert response["Location"] == (f"{reverse('statistics:home')}?unit={world.province.pk}&year=2026"
                                    "&as_of=15%2F05%2F2026")
    row = KeptFigures.objects.get()
    assert (row.kind, row.unit_id, row.parameters, row.language, row.can_plan, row.status, row.asked_by) == (
        "overview", world.province.pk, "span=year&year=2026&month=5&months=5&as_of=2026-05-15", "vi", False,
        KeptFiguresStatus.READY, world.manager)
    with CaptureQueriesContext(connection) as captured:
        kept = home(client, world)
    assert kept.status_code == 200 and kept.context["as_of"] == DAY
    kept_html = kept.content.decode()
    assert 'id="kept-counted"' in kept_html and "Số liệu tại ngày 15/05/2026 đã được một tác vụ nền tính" in kept_html
    assert 'id="as-of-as-file"' not in kept_html and 'id="kept-counting"' not in kept_html
    assert ">Tính lại</button>" in kept_html  # a button to count them again
    # no campaign's history read by the request: one row of kept figures
    assert not any("campaigns_campaignevent" in q["sql"] for q in captured.captured_queries)
    assert sum("statistics_keptfigures" in q["sql"] for q in captured.captured_queries) == 1
    settings.REPORT_ON_SCREEN_MAX_CAMPAIGNS = 20000
    counted = home(client, world)
    assert counted.context["as_of"] == DAY
    assert row.figures == counted.context["shown"].figures
    assert row.heading == counted.context["shown"].heading
    # the day's figures: the recognition of the 4th, the 4 members entered in time (not the 9 entered later)
    assert counted.context["board"].total.unions_founded == 1
    assert counted.context["board"].total.members_recruited == 4


def test_the_page_shows_the_count_under_way_and_its_status_answers_until_it_is_done(
        client, past_world, django_capture_on_commit_callbacks):
    world = past_world
    # given: asked for, the job not run yet
    row = asked_by_the_manager(client, world, django_capture_on_commit_callbacks)
    assert row.status == KeptFiguresStatus.QUEUED

    # then: the page says so and asks for the status every two seconds; the status says "not yet"
    html = home(client, world).content.decode()
    status_url = reverse("statistics:kept_status", args=[row.pk])
    assert 'id="kept-counting"' in html and f'hx-get="{status_url}"' in html and 'id="kept-ask"' not in html
    with clock.travel_to(at(TODAY)):
        assert client.get(status_url).status_code == 204
    # asking again while it is counted starts no second job
    with clock.travel_to(at(TODAY)), django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"{reverse('statistics:past_count')}?unit={world.province.pk}&year=2026&as_of=15/05/2026")
    assert callbacks == [] and KeptFigures.objects.count() == 1

    # when the job runs, the status has the page reloaded
    with clock.travel_to(at(TODAY)):
        assert kept_figures.count(row.pk).status == KeptFiguresStatus.READY
        done = client.get(status_url)
    assert done.status_code == 200 and done["HX-Refresh"] == "true"
    # a second delivery of the job does nothing
    with clock.travel_to(at(TODAY)):
        assert kept_figures.count(row.pk) is None


def test_a_job_that_died_is_taken_over_and_a_failure_is_said(client, past_world, django_capture_on_commit_callbacks):
    world = past_world
    row = asked_by_the_manager(client, world, django_capture_on_commit_callbacks)
    # a job that claimed it and died: alive for a while, then taken over by the next ask
    started = clock.now()
    KeptFigures.objects.filter(pk=row.pk).update(status=KeptFiguresStatus.RUNNING, token="dead", started_at=started)
    with clock.travel_to(started + dt.timedelta(seconds=60)):
        assert kept_figures.count(row.pk) is None
    with clock.travel_to(started + dt.timedelta(seconds=kept_figures.STALLED_AFTER_SECONDS + 1)):
        assert kept_figures.count(row.pk).status == KeptFiguresStatus.READY
    # a failure: the page says so and offers to ask again
    KeptFigures.objects.filter(pk=row.pk).update(status=KeptFiguresStatus.FAILED, figures="", error="boom")
    html = home(client, world).content.decode()
    assert 'id="kept-failed"' in html and 'id="kept-ask"' in html and "boom" not in html


def test_another_unit_s_figures_answer_404_and_nothing_is_counted(
        client, past_world, django_capture_on_commit_callbacks):
    world = past_world
    row = asked_by_the_manager(client, world, django_capture_on_commit_callbacks)
    # the supervisor of another district sees neither the province's figures nor their status
    client.force_login(world.other_supervisor)
    assert ask(client, world, django_capture_on_commit_callbacks).status_code == 404
    with clock.travel_to(at(TODAY)):
        assert client.get(reverse("statistics:kept_status", args=[row.pk])).status_code == 404
        assert client.get(reverse("statistics:kept_status", args=[row.pk + 1000])).status_code == 404
        # the count is a POST
        assert client.get(reverse("statistics:past_count"), query(world)).status_code == 405
    assert KeptFigures.objects.get().status == KeptFiguresStatus.QUEUED


def test_what_decides_the_figures_keeps_them_apart(client, past_world, province_supervisor,
                                                   django_capture_on_commit_callbacks):
    world = past_world
    # the manager in Vietnamese, the same in English, the province's supervisor (who plans it: links), a month
    client.force_login(world.manager)
    ask(client, world, django_capture_on_commit_callbacks)
    client.cookies["django_language"] = "en"
    ask(client, world, django_capture_on_commit_callbacks)
    english = home(client, world).content.decode()
    assert "The figures as they stood on 15/05/2026 were counted from the history by a job" in english
    client.cookies["django_language"] = "vi"
    ask(client, world, django_capture_on_commit_callbacks, span="month", month=5)
    client.force_login(province_supervisor)
    ask(client, world, django_capture_on_commit_callbacks)
    assert sorted(KeptFigures.objects.values_list("language", "can_plan", "parameters")) == [
        ("en", False, "span=year&year=2026&month=5&months=5&as_of=2026-05-15"),
        ("vi", False, "span=month&year=2026&month=5&months=5&as_of=2026-05-15"),
        ("vi", False, "span=year&year=2026&month=5&months=5&as_of=2026-05-15"),
        ("vi", True, "span=year&year=2026&month=5&months=5&as_of=2026-05-15")]
    assert set(KeptFigures.objects.values_list("status", flat=True)) == {KeptFiguresStatus.READY}
    headings = dict(KeptFigures.objects.filter(can_plan=False, parameters__startswith="span=year")
                    .values_list("language", "heading"))
    assert headings["en"].split(" · ")[1].strip() == "As it stood on 15/05/2026"
    assert headings["vi"].split(" · ")[1] != headings["en"].split(" · ")[1]


def test_one_user_has_at_most_three_days_counted_at_a_time_and_a_day_to_come_is_refused(
        client, past_world, django_capture_on_commit_callbacks):
    world = past_world
    client.force_login(world.manager)
    for day in ("11/05/2026", "12/05/2026", "13/05/2026"):
        ask(client, world, django_capture_on_commit_callbacks, execute=False, as_of=day)
    response = ask(client, world, django_capture_on_commit_callbacks, execute=False, as_of="14/05/2026")
    assert response.status_code == 302
    assert KeptFigures.objects.count() == 3
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["3 lần tính bạn đã yêu cầu vẫn đang chạy: hãy chờ đến khi một lần xong, rồi yêu cầu lại."]
    # today is not a past day: nothing to count by a job
    response = ask(client, world, django_capture_on_commit_callbacks, as_of="25/05/2026")
    assert [str(m) for m in response.wsgi_request._messages][-1].startswith("Chỉ số liệu tại một ngày đã qua")
    assert KeptFigures.objects.count() == 3


def test_kept_figures_are_deleted_after_the_days_kept(client, past_world, settings, django_capture_on_commit_callbacks):
    world = past_world
    client.force_login(world.manager)
    ask(client, world, django_capture_on_commit_callbacks)
    asked = KeptFigures.objects.get().asked_at
    settings.PAST_FIGURES_KEEP_DAYS = 30
    with clock.travel_to(asked + dt.timedelta(days=29)):
        assert kept_figures.expire() == 0
    with clock.travel_to(asked + dt.timedelta(days=31)):
        assert kept_figures.expire() == 1
    assert KeptFigures.objects.count() == 0


def test_a_past_day_too_long_for_a_page_weighs_its_subtree_once(client, past_world):
    """The page weighs the day's subtree (``as_of_too_long``) and hands it to the figures it counts."""
    world = past_world
    client.force_login(world.manager)
    with CaptureQueriesContext(connection) as alone:
        assert selectors.as_of_too_long(world.province) is not None
    [weigh] = [q["sql"] for q in alone.captured_queries]

    with CaptureQueriesContext(connection) as page:
        response = home(client, world)

    assert response.status_code == 200 and response.context["as_of"] is None  # the figures of now, offered
    assert [q["sql"] for q in page.captured_queries].count(weigh) == 1
