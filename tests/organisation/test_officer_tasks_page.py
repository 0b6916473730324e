"""The bulk reassignment page (an officer's open tasks): who is offered to
receive them, how they are grouped, what the confirmation says, and that a
receiver outside the supervisor's reach is refused with nothing written."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factories import EnterpriseFactory, UserFactory
from workflows.campaigns import services
from workflows.campaigns.models import CampaignEvent, Task, TaskStatus
from workflows.organisation import services as org


# --- helpers ---------------------------------------------------------------------
class _Picker(HTMLParser):
    """The ``to_user`` select: [(optgroup label or None, [(value, text, selected)])]."""

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[tuple[str | None, list[tuple[str, str, bool]]]] = []
        self._inside = False
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "select" and values.get("name") == "to_user":
            self._inside = True
            self.groups.append((None, []))
        elif self._inside and tag == "optgroup":
            self.groups.append((values["label"], []))
        elif self._inside and tag == "option":
            self._option = [values.get("value"), "", "selected" in values]

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            self.groups[-1][1].append((self._option[0], self._option[1].strip(), self._option[2]))
            self._option = None
        elif tag == "optgroup" and self._inside:
            self.groups.append((None, []))
        elif tag == "select" and self._inside:
            self._inside = False

    def offered(self) -> list[tuple[str | None, list[tuple[str, str, bool]]]]:
        return [(label, options) for label, options in self.groups if options]


def picker_of(response) -> list:
    parser = _Picker()
    parser.feed(response.content.decode())
    return parser.offered()


def vi(msgid: str) -> str:
    with translation.override("vi"):
        return translation.gettext(msgid)


def supervisors_label(unit) -> str:
    return vi("%(unit)s — supervisors") % {"unit": unit.name}


def name(user) -> str:
    return user.get_full_name() or user.get_username()


def written() -> dict:
    return {
        "tasks": list(Task.objects.order_by("pk").values_list("pk", "status", "assignee", "working_group")),
        "events": CampaignEvent.objects.count(),
    }


def claimed_by(officer, campaign) -> list[Task]:
    tasks = list(Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("pk"))
    for task in tasks:
        services.task_claim(task_id=task.pk, actor=officer)
    return tasks


def campaign_of(world, group, *, actor=None):
    return services.campaign_open(enterprise_id=EnterpriseFactory(responsible_unit=world.district).pk,
                                  actor=actor or world.supervisor, working_group_id=group.pk)


@pytest.fixture
def officers_tasks(world, colleague, province_supervisor):
    """The officer holds the open tasks of one campaign of ``world.group``."""
    return claimed_by(world.officer, campaign_of(world, world.group))


def url_of(world) -> str:
    return reverse("organisation:officer_tasks", args=[world.officer.pk])


# --- what is offered -------------------------------------------------------------
def test_the_picker_starts_empty_and_offers_only_who_may_take_the_tasks_by_unit_and_group(
        client, world, colleague, province_supervisor, officers_tasks):
    # given: the other group's officer, the other district's supervisor, the
    # manager and the supervisor above exist but may not be given these tasks
    client.force_login(world.supervisor)

    # when
    response = client.get(url_of(world))

    # then: nobody is chosen; the district's supervisor, then the group's other officer
    assert response.status_code == 200
    assert picker_of(response) == [
        (None, [("", vi("— Choose a person —"), True)]),
        (supervisors_label(world.district), [(str(world.supervisor.pk), name(world.supervisor), False)]),
        (f"{world.district.name} — {world.group.name}", [(str(colleague.pk), name(colleague), False)]),
    ]


def test_the_supervisor_above_is_offered_the_people_of_the_subtree_and_himself(
        client, world, colleague, province_supervisor, officers_tasks):
    # given
    client.force_login(province_supervisor)

    # when
    response = client.get(url_of(world))

    # then
    assert [(label, [value for value, _text, _selected in options])
            for label, options in picker_of(response)[1:]] == [
        (supervisors_label(world.province), [str(province_supervisor.pk)]),
        (supervisors_label(world.district), [str(world.supervisor.pk)]),
        (f"{world.district.name} — {world.group.name}", [str(colleague.pk)]),
    ]


# --- refusals --------------------------------------------------------------------
OUTSIDERS = {
    "officer of another group": lambda w, extra: w.other_officer,
    "supervisor of another district": lambda w, extra: w.other_supervisor,
    "supervisor of the unit above": lambda w, extra: extra["province_supervisor"],
    "manager": lambda w, extra: w.manager,
    "administrator": lambda w, extra: w.admin,
    "the officer who leaves": lambda w, extra: w.officer,
    "an inactive colleague": lambda w, extra: extra["inactive"],
}


@pytest.mark.parametrize("outsider", list(OUTSIDERS))
def test_a_receiver_outside_the_reach_is_refused_even_posted_by_hand(
        client, world, colleague, province_supervisor, officers_tasks, outsider):
    # given
    inactive = UserFactory(username="left", is_active=True)
    org.working_group_member_add(group=world.group, user=inactive, actor=world.admin)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    receiver = OUTSIDERS[outsider](world, {"province_supervisor": province_supervisor, "inactive": inactive})
    client.force_login(world.supervisor)
    before = written()

    # when: the confirmed form, posted by hand
    response = client.post(url_of(world), {"to_user": receiver.pk, "scope": "all", "confirmed": "1"})

    # then
    assert response.status_code == 400
    assert vi("This person may not be given these tasks: choose someone from the list.") in response.content.decode()
    assert written() == before


def test_no_receiver_chosen_is_refused(client, world, officers_tasks):
    # given
    client.force_login(world.supervisor)
    before = written()

    # when
    response = client.post(url_of(world), {"to_user": "", "scope": "all", "confirmed": "1"})

    # then
    assert response.status_code == 400
    assert vi("Choose who receives the tasks.") in response.content.decode()
    assert written() == before


def test_a_receiver_who_works_only_some_of_the_tasks_is_refused_before_the_confirmation(
        client, world, colleague, officers_tasks):
    # given: the officer also works a campaign of the other group
    org.working_group_member_add(group=world.other_group, user=world.officer, actor=world.admin)
    theirs = claimed_by(world.officer, campaign_of(world, world.other_group))
    client.force_login(world.supervisor)
    before = written()

    # when: all of them to the colleague, who is not in the other group
    response = client.post(url_of(world), {"to_user": colleague.pk, "scope": "all"})

    # then: refused, counting the other group's tasks; no confirmation
    assert response.status_code == 400
    assert 'id="confirm"' not in response.content.decode()
    errors = re.search(r'<ul class="errorlist">(.*?)</ul>', response.content.decode(), re.S).group(1)
    assert re.findall(r"\d+", errors) == [str(len(theirs))]
    assert written() == before


# --- the confirmation ------------------------------------------------------------
def test_the_confirmation_counts_the_tasks_and_names_the_receiver_of_the_same_group(
        client, world, colleague, officers_tasks):
    # given
    client.force_login(world.supervisor)
    before = written()

    # when
    response = client.post(url_of(world), {"to_user": colleague.pk, "scope": "all"})

    # then: asked, not moved; nothing said about another group
    page = response.content.decode()
    assert response.status_code == 200
    confirm = re.search(r'<article id="confirm".*?</article>', page, re.S).group(0)
    assert name(colleague) in confirm and str(len(officers_tasks)) in confirm
    assert 'id="other-group"' not in confirm
    assert written() == before


def test_the_confirmation_says_when_the_receiver_is_not_in_the_tasks_group_and_the_move_is_made(
        client, world, colleague, officers_tasks):
    # given: the supervisor gives the tasks to himself
    client.force_login(world.supervisor)

    # when
    asked = client.post(url_of(world), {"to_user": world.supervisor.pk, "scope": "all"})
    done = client.post(url_of(world), {"to_user": world.supervisor.pk, "scope": "all", "confirmed": "1"})

    # then
    other_group = re.search(r'<p id="other-group">(.*?)</p>', asked.content.decode(), re.S)
    assert other_group is not None and world.group.name in other_group.group(1)
    assert done.status_code == 302
    assert list(Task.objects.filter(pk__in=[t.pk for t in officers_tasks]).values_list("assignee", flat=True)) \
        == [world.supervisor.pk] * len(officers_tasks)


# --- queries ---------------------------------------------------------------------
def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_page_reads_the_same_bounded_queries_for_few_and_many_tasks_and_people(
        client, world, colleague, officers_tasks):
    # given
    client.force_login(world.supervisor)
    small = queries_for(client, url_of(world))

    # when: ten more campaigns, two groups, twelve more people
    org.working_group_member_add(group=world.other_group, user=world.officer, actor=world.admin)
    for i in range(6):
        for group in (world.group, world.other_group):
            org.working_group_member_add(group=group, user=UserFactory(username=f"more{group.pk}-{i}"),
                                         actor=world.admin)
    for _ in range(5):
        for group in (world.group, world.other_group):
            claimed_by(world.officer, campaign_of(world, group))
    large = queries_for(client, url_of(world))

    # then: session, user, grants, groups, officer, tasks (their places: counted per group, the groups with the
    # units of their cases, those units' paths; the officer's count, a page's ids and rows), the officers and the
    # supervisors who may receive them, and room for the layout's own
    assert small == large
    assert large <= 13
