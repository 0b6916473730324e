"""The dashboard's figures counted once and shared for a moment
(``statistics.overview_cache``, ``DASHBOARD_SHARED_SECONDS``): who sees
them, when they are counted again, what the page says of them."""
import os
import re
import time

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.conftest import campaign_at
from tests.factories import EnterpriseFactory
from workflows.campaigns.flows import Stage
from workflows.core import clock, replica
from workflows.statistics import overview_cache

HOME = "statistics:home"
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def shared(settings):
    """Figures shared for a minute, in this process's memory, none kept from another test."""
    settings.DASHBOARD_SHARED_SECONDS = 60
    caches[overview_cache.CACHE].clear()
    yield settings
    caches[overview_cache.CACHE].clear()


def _figure(response, figure: str) -> int:
    match = re.search(rf'data-figure="{figure}"[^>]*>([\d.]+)<', response.content.decode())
    return int(match.group(1).replace(".", ""))


def _open(user, **query) -> tuple[Client, object, int]:
    client = Client()
    client.force_login(user)
    return (client, *_get(client, **query))


def _get(client, **query):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(HOME), query)
    assert response.status_code == 200
    return response, len(captured.captured_queries)


def _another(world, role: str):
    """One more user with ``role`` on the district (who may plan it as a supervisor, or not as a manager)."""
    user = factories.UserFactory()
    factories.grant(world.district, user, role, actor=world.admin)
    return user


def _one_more_campaign(world):
    campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))


def test_a_second_viewer_sees_the_figures_counted_for_the_first_and_when_they_were_counted(world, shared):
    # given the district's dashboard counted for its supervisor (2 campaigns), then one campaign more
    campaign_at(world, Stage.SURVEYED)
    _one_more_campaign(world)
    _client, first, counting = _open(world.supervisor, unit=world.district.pk)
    _one_more_campaign(world)

    # when another supervisor of the district opens the same page, then asks to count again
    manager, second, sharing = _open(_another(world, "supervisor"), unit=world.district.pk)
    again, _queries = _get(manager, unit=world.district.pk, again="1")

    # then the first was counted (no note), the second shared (the time said, far fewer queries), the last counted
    assert _figure(first, "campaigns") == 2 and 'id="figures-time"' not in first.content.decode()
    assert _figure(second, "campaigns") == 2
    note = re.search(r'<p class="muted" id="figures-time">(.*?)</p>', second.content.decode(), re.S).group(1)
    assert second.context["shown"].shared is True and second.context["shown"].at == first.context["shown"].at
    assert re.search(r"\d\d:\d\d:\d\d", note) and "60" in note
    assert f'href="?unit={world.district.pk}&amp;again=1"' in note
    assert sharing <= counting - 10, (sharing, counting)
    assert _figure(again, "campaigns") == 3 and again.context["shown"].shared is False


def test_a_client_that_wrote_gets_the_figures_counted_again_and_leaves_them_for_the_others(world, shared):
    # given the district's dashboard counted for its supervisor
    campaign_at(world, Stage.SURVEYED)
    supervisor, before, _queries = _open(world.supervisor, unit=world.district.pk)
    assert _figure(before, "members_lost") == 0

    # when the supervisor records 4 members lost (a form sent) and opens the dashboard, then another supervisor
    time.sleep(0.01)  # the write's time is after the figures' (their clocks' resolution)
    posted = supervisor.post(reverse("statistics:movements"), {
        "unit": world.district.pk, "on": clock.today().strftime("%d/%m/%Y"), "kind": "lost", "members": "4"})
    mine, _queries = _get(supervisor, unit=world.district.pk)
    _client, theirs, _queries = _open(_another(world, "supervisor"), unit=world.district.pk)

    # then the writer's page was counted again with its change, and the other shares that count
    assert posted.status_code == 302
    assert posted.cookies[replica.WROTE_COOKIE]["max-age"] == 60
    assert _figure(mine, "members_lost") == 4 and mine.context["shown"].shared is False
    assert _figure(theirs, "members_lost") == 4 and theirs.context["shown"].shared is True


def test_who_may_see_the_unit_is_decided_before_the_shared_figures(world, shared):
    # given the district's figures shared by its supervisor's visit
    campaign_at(world, Stage.SURVEYED)
    _open(world.supervisor, unit=world.district.pk)

    # when the other district's supervisor and an officer ask for that unit
    other = Client()
    other.force_login(world.other_supervisor)
    refused = other.get(reverse(HOME), {"unit": world.district.pk})

    # then nothing of it: 404, as without the cache
    assert refused.status_code == 404
    assert b'data-figure="campaigns"' not in refused.content


def test_a_user_who_may_plan_and_one_who_may_not_get_their_own_link_to_the_targets(world, shared):
    # given the district's figures counted for its supervisor, who may plan it (the link to its targets)
    targets_link = f'{reverse("statistics:targets")}?unit={world.district.pk}'
    _client, planner, _queries = _open(world.supervisor, unit=world.district.pk)

    # when the province's manager, who may not plan it, opens the same page
    _client, reader, _queries = _open(world.manager, unit=world.district.pk)

    # then each has the page for them: the link only for the planner
    assert targets_link in planner.content.decode()
    assert reader.context["shown"].shared is False
    assert targets_link not in reader.content.decode()


def test_each_language_has_its_own_figures(world, shared, settings):
    _client, vietnamese, _queries = _open(world.supervisor, unit=world.district.pk)
    english_client = Client()
    english_client.force_login(world.manager)
    english_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english, _queries = _get(english_client, unit=world.district.pk)

    assert "Theo đơn vị" in vietnamese.content.decode() and "By unit" not in vietnamese.content.decode()
    assert english.context["shown"].shared is False
    assert "By unit" in english.content.decode()


def test_figures_are_counted_again_once_their_time_is_over(world, shared):
    shared.DASHBOARD_SHARED_SECONDS = 1
    campaign_at(world, Stage.SURVEYED)
    client, first, _queries = _open(world.supervisor, unit=world.district.pk)
    _one_more_campaign(world)
    kept, _queries = _get(client, unit=world.district.pk)
    time.sleep(1.2)
    later, _queries = _get(client, unit=world.district.pk)

    assert (_figure(first, "campaigns"), _figure(kept, "campaigns"), _figure(later, "campaigns")) == (1, 1, 2)
    assert later.context["shown"].shared is False


def test_without_sharing_every_request_counts_and_a_form_leaves_no_mark(world, settings):
    # the suite's setting (and DASHBOARD_SHARED_SECONDS=0 in production): no cache, no cookie without a replica
    settings.DASHBOARD_SHARED_SECONDS = 0
    settings.REPLICA_READS = False
    campaign_at(world, Stage.SURVEYED)
    client, first, _queries = _open(world.supervisor, unit=world.district.pk)
    _one_more_campaign(world)
    second, _queries = _get(client, unit=world.district.pk)
    posted = client.post(reverse("statistics:movements"), {
        "unit": world.district.pk, "on": clock.today().strftime("%d/%m/%Y"), "kind": "lost", "members": "1"})

    assert (_figure(first, "campaigns"), _figure(second, "campaigns")) == (1, 2)
    assert 'id="figures-time"' not in second.content.decode()
    assert posted.status_code == 302 and replica.WROTE_COOKIE not in posted.cookies


def test_the_figures_are_shared_by_every_worker_through_redis(world, shared):
    # given the figures' cache on the Redis server of this machine (REDIS_URL's setting)
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis server at {REDIS_TEST_URL} (CI starts one)")
    shared.CACHES = {**shared.CACHES, overview_cache.CACHE: {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_TEST_URL,
        "KEY_PREFIX": f"cdcs-test-{os.getpid()}"}}
    caches[overview_cache.CACHE].clear()
    try:
        campaign_at(world, Stage.SURVEYED)
        _client, first, _queries = _open(world.supervisor, unit=world.district.pk)
        _one_more_campaign(world)
        # when another supervisor opens the page (in another worker: nothing in this one's memory)
        _client, second, _queries = _open(_another(world, "supervisor"), unit=world.district.pk)
    finally:
        caches[overview_cache.CACHE].clear()

    # then it took the count kept in Redis
    assert second.context["shown"].shared is True
    assert _figure(first, "campaigns") == _figure(second, "campaigns") == 1


def _fresh(client, unit, since):
    return client.get(reverse("statistics:figures_fresh"), {"unit": unit.pk, "since": since})


def _counted_then_older(world, shared, *, fresh: int, kept: int, wait: float):
    """The district's figures counted for its supervisor (1 campaign), shared for ``fresh`` seconds and kept for
    ``kept``; then one campaign more and ``wait`` seconds. The supervisor's client and the first page."""
    shared.DASHBOARD_SHARED_SECONDS, shared.DASHBOARD_STALE_SECONDS = fresh, kept
    campaign_at(world, Stage.SURVEYED)
    client, first, _queries = _open(world.supervisor, unit=world.district.pk)
    _one_more_campaign(world)
    time.sleep(wait)
    return client, first


def test_figures_a_little_old_are_shown_at_once_and_counted_again_after_the_page_is_sent(world, shared):
    # given figures shared for a second and kept for a minute, counted with 1 campaign, then one more campaign
    client, _first = _counted_then_older(world, shared, fresh=1, kept=60, wait=1.1)

    # when the page is opened past its second (the test client closes the response, as a server does once it
    # has sent it), then the page asks whether newer figures are kept, then it is opened again
    old, _queries = _get(client, unit=world.district.pk)
    asked_old = _fresh(client, world.district, old.context["shown"].stamp)
    new, _queries = _get(client, unit=world.district.pk)
    asked_new = _fresh(client, world.district, new.context["shown"].stamp)

    # then the old figures were shown at once, saying so and asking every 2 seconds; counted again after the page
    # was sent, the page was told to reload, and the new ones are shared and say nothing more
    assert _figure(old, "campaigns") == 1 and old.context["shown"].stale is True
    notice = re.search(r'<p class="notice" id="figures-counting"[^>]*>(.*?)</p>', old.content.decode(), re.S)
    assert notice and "đang được tính lại" in notice.group(1)
    assert 'hx-trigger="every 2s"' in old.content.decode()
    assert f'{reverse("statistics:figures_fresh")}?unit={world.district.pk}&amp;since=' in old.content.decode()
    assert asked_old.status_code == 200 and asked_old["HX-Refresh"] == "true"
    assert _figure(new, "campaigns") == 2
    assert (new.context["shown"].shared, new.context["shown"].stale) == (True, False)
    assert new.context["shown"].at > old.context["shown"].at
    assert 'id="figures-counting"' not in new.content.decode()
    assert asked_new.status_code == 286  # nothing newer is being counted: htmx stops asking


def test_figures_being_counted_again_by_another_request_are_not_counted_twice(world, shared):
    # given old figures (1 campaign) that a request in progress is counting again, then one more campaign
    client, first = _counted_then_older(world, shared, fresh=1, kept=60, wait=1.1)
    name = overview_cache.key(*_parts_of(first))
    caches[overview_cache.CACHE].add(f"{name}:counting", 1)

    # when two more requests open the page
    second, _queries = _get(client, unit=world.district.pk)
    third, _queries = _get(client, unit=world.district.pk)

    # then both showed the old figures, and neither counted them again (the other request will)
    assert [_figure(r, "campaigns") for r in (second, third)] == [1, 1]
    assert third.context["shown"].at == first.context["shown"].at and third.context["shown"].stale is True


def _parts_of(response):
    """The shared figures' key parts of a dashboard response (``views._figures_parts``)."""
    context = response.context
    return (context["unit"].pk, context["span"], context["year"], context["month"], context["months"],
            context["as_of"], clock.today(), int(context["can_plan"]))


def test_figures_older_than_kept_are_counted_before_the_page(world, shared):
    client, _first = _counted_then_older(world, shared, fresh=1, kept=2, wait=2.1)

    later, _queries = _get(client, unit=world.district.pk)

    assert _figure(later, "campaigns") == 2
    assert (later.context["shown"].shared, later.context["shown"].stale) == (False, False)


def test_asking_whether_figures_are_fresh_checks_the_unit_and_stops_when_it_is_no_use(world, shared):
    shared.DASHBOARD_SHARED_SECONDS, shared.DASHBOARD_STALE_SECONDS = 1, 60
    client, first, _queries = _open(world.supervisor, unit=world.district.pk)
    other = Client()
    other.force_login(world.other_supervisor)
    stamp = first.context["shown"].stamp
    counting = f"{overview_cache.key(*_parts_of(first))}:counting"

    assert _fresh(other, world.district, stamp).status_code == 404
    assert _fresh(client, world.district, stamp).status_code == 286  # nobody counts them: htmx stops asking
    caches[overview_cache.CACHE].add(counting, 1)  # a request in progress counts them again
    assert _fresh(client, world.district, stamp).status_code == 204  # not yet: asked again in 2 seconds
    assert _fresh(client, world.district, str(time.time() - 3600)).status_code == 200  # newer ones are kept
    for wrong in ("yesterday", "nan", "inf"):
        assert _fresh(client, world.district, wrong).status_code == 286
    caches[overview_cache.CACHE].delete(overview_cache.key(*_parts_of(first)))
    assert _fresh(client, world.district, stamp).status_code == 204  # being counted, nothing kept meanwhile
    caches[overview_cache.CACHE].clear()
    assert _fresh(client, world.district, stamp).status_code == 286  # nothing kept: the page counts when reloaded
