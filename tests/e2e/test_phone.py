"""Officers in the field (issue 18): the main pages on a 375 × 812 phone, for
each role — no sideways scrolling, every tap target at least 44 × 44 px
(measured in the page), the bottom navigation shown and the site menu
collapsed, and axe-core (from npm, node_modules/axe-core) finds no serious
or critical violation; then the undo after completing a task, the date
picker, and several dossier documents sent in one POST.

Screenshots: test-results/screenshots/phone-<role>-<page>.png."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError, expect

from tests.campaigns.membership import names_campaign
from tests.conftest import build_world, campaign_at
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import EnterpriseFactory
from workflows.campaigns.flows import DocumentKind, Stage
from workflows.campaigns.models import CampaignEvent, EventKind, Task, TaskStatus
from workflows.core import clock
from workflows.notifications.kinds import NotificationKind
from workflows.notifications.services import Draft, notifications_create
from workflows.recognition.models import DossierDocument

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}
MIN_TAP = 44

#: What a tap target is (issue 18): links, buttons, submit inputs, summaries,
#: selects, inputs (a checkbox or radio is tapped through its label, which is
#: measured instead). Excluded, and only these: a link inside a paragraph of
#: running text (``p a``: the sentence is the target's context and WCAG 2.5.8
#: exempts inline targets), and elements that are not shown (no box, or
#: ``visibility: hidden``).
TAP_TARGETS_JS = """
() => {
  const targets = new Set(document.querySelectorAll(
    'a[href], button, input[type=submit], summary, select, ' +
    'input:not([type=hidden]):not([type=checkbox]):not([type=radio])'));
  document.querySelectorAll('input[type=checkbox], input[type=radio]').forEach((box) => {
    if (box.classList.contains('site-menu-toggle')) { return; }  // its labels are measured
    box.labels && box.labels.forEach((label) => targets.add(label));
  });
  document.querySelectorAll('label[for="site-menu-toggle"]').forEach((label) => targets.add(label));
  const small = [];
  targets.forEach((el) => {
    if (el.matches('p a')) { return; }
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || box.width === 0 || box.height === 0) { return; }
    if (box.width < MIN - 0.5 || box.height < MIN - 0.5) {
      small.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
                 ` "${(el.innerText || el.value || el.name || '').trim().slice(0, 40)}"` +
                 ` ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  });
  return small;
}
""".replace("MIN", str(MIN_TAP))

AXE_JS = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}
"""


@pytest.fixture
def phone_of(browser, live_server):
    """A phone (375 × 812, touch) signed in as ``username``; the CSP is
    bypassed only so that the test may inject axe-core."""
    contexts = []

    def open_as(username: str):
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="vi-VN", is_mobile=True,
                                      has_touch=True, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def field_world():
    """The district's working group with a campaign at the founding congress
    (its dossier), a campaign whose workers are entered by name (the
    conversation and assessment forms), an enterprise to visit, and a
    notification for each person."""
    world = build_world()
    congress = campaign_at(world, Stage.FOUNDING_CONGRESS)
    people, workers = names_campaign(world, enterprise=EnterpriseFactory(
        responsible_unit=world.district, name="Công ty TNHH May Mặc Phố Nối"), workers=3)
    to_visit = EnterpriseFactory(responsible_unit=world.district, name="Công ty Cổ phần Bao Bì Đình Bảng")
    notifications_create(drafts=[
        Draft(recipient_id=user.pk, kind=NotificationKind.TASK_ASSIGNED, params={"count": 2, "tasks": []},
              url=f"/campaigns/{congress.pk}/", campaign_id=congress.pk, key=f"phone-{user.pk}")
        for user in (world.officer, world.supervisor, world.manager, world.administrator)])
    return world, congress, people, workers[0], to_visit


def pages_of(role: str, congress, people, worker, to_visit) -> list[tuple[str, str]]:
    """(name, URL) of the main pages of each role."""
    case = [("campaign", f"/campaigns/{congress.pk}/"), ("campaigns", "/campaigns/"), ("board", "/campaigns/board/")]
    field = [("meeting-form", f"/campaigns/{people.pk}/#record"),
             ("visit-form", f"/surveys/visits/add/{to_visit.pk}/"),
             ("conversation-form", f"/campaigns/{people.pk}/conversations/add/"),
             ("assessment-form", f"/campaigns/{people.pk}/workers/{worker.pk}/"),
             ("quick-record", f"/campaigns/{people.pk}/field/{worker.pk}/"),
             ("dossier", f"/campaigns/{congress.pk}/dossier/")]
    return {
        "officer": [("my-tasks", "/tasks/"), *case, *field, ("notifications", "/notifications/")],
        "supervisor": [("my-tasks", "/tasks/"), *case, *field, ("notifications", "/notifications/"),
                       ("dashboard", "/overview/")],
        "manager": [*case, ("dossier", f"/campaigns/{congress.pk}/dossier/"), ("notifications", "/notifications/"),
                    ("dashboard", "/overview/")],
        "administrator": [("administration", "/administration/"), ("notifications", "/notifications/")],
    }[role]


def open_record_forms(page) -> None:
    """The campaign page keeps its forms (note, meeting, counts) folded: open them to measure them."""
    for summary in page.locator("main details:not([open]) > summary").all():
        if summary.is_visible():
            summary.click()


def check_phone_page(page, name: str) -> list[str]:
    """What is wrong with the page on a phone (empty: nothing)."""
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"{name}: scrolls sideways ({width} px)")
    problems += [f"{name}: tap target too small: {t}" for t in page.evaluate(TAP_TARGETS_JS)]
    if not page.locator("nav.bottom-nav").is_visible():
        problems.append(f"{name}: no bottom navigation")
    outside = page.evaluate("""() => [...document.querySelectorAll('nav.bottom-nav li')]
      .map((li) => li.getBoundingClientRect()).filter((box) => box.left < 0 || box.right > window.innerWidth).length""")
    if outside:
        problems.append(f"{name}: {outside} item(s) of the bottom navigation cut off at the screen's edge")
    if page.locator("nav.site .site-sections").is_visible() or page.locator("nav.site .site-tools").is_visible():
        problems.append(f"{name}: the site menu is not collapsed")
    page.add_script_tag(path=str(AXE))
    problems += [f"{name}: axe: {v}" for v in page.evaluate(AXE_JS)]
    return problems


@pytest.mark.parametrize("role", ["officer", "supervisor", "manager", "administrator"])
def test_the_main_pages_fit_a_phone_and_pass_axe(phone_of, reference_data, role):
    world, congress, people, worker, to_visit = field_world()
    page = phone_of(role)
    problems = []
    for name, url in pages_of(role, congress, people, worker, to_visit):
        response = page.goto(url)
        assert response.status == 200, (name, url, response.status)
        if name == "meeting-form":
            open_record_forms(page)
        screenshot(page, f"phone-{role}-{name}")
        problems += check_phone_page(page, name)
    assert problems == [], "\n".join(problems)


def test_the_bottom_bar_holds_the_main_destinations_and_menu_opens_the_rest(phone_of, reference_data):
    field_world()
    page = phone_of("supervisor")
    page.goto("/tasks/")
    bottom = page.locator("nav.bottom-nav a")
    # the first four of the site's sections for a supervisor, in the site menu's order
    assert [bottom.nth(i).get_attribute("href") for i in range(bottom.count())] == [
        "/tasks/", "/campaigns/", "/campaigns/board/", "/enterprises/"]
    expect(page.locator("nav.bottom-nav a[aria-current=page]")).to_have_attribute("href", "/tasks/")
    expect(page.locator("nav.site .site-sections")).to_be_hidden()
    page.locator("nav.bottom-nav label[for=site-menu-toggle]").click()
    expect(page.locator("nav.site .site-sections")).to_be_visible()
    expect(page.locator("nav.site .site-sections a[href='/organisation/groups/']")).to_be_visible()
    expect(page.locator("nav.site .site-tools button[type=submit]")).to_be_visible()  # sign out
    screenshot(page, "phone-supervisor-menu")
    page.locator("nav.site .site-sections a[href='/organisation/groups/']").click()
    page.wait_for_url("**/organisation/groups/")
    expect(page.locator("nav.site .site-sections")).to_be_hidden()


def _first_open_task(world, campaign) -> Task:
    return Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN, assignee__isnull=True).order_by("pk").first()


def test_completing_a_task_offers_an_undo_that_reopens_it(phone_of, reference_data):
    world = build_world()
    campaign = campaign_at(world, Stage.SURVEYED)
    task = _first_open_task(world, campaign)
    page = phone_of("officer")
    page.goto("/tasks/")
    card = page.locator(f"#task-{task.pk}")
    expect(card).to_have_attribute("data-status", "open")
    screenshot(page, "phone-officer-task-cards")

    card.locator("button[data-complete]").click()
    expect(card).to_have_attribute("data-status", "done")
    toast = page.locator("#toast")
    expect(toast.locator("button[data-undo]")).to_be_visible()
    screenshot(page, "phone-officer-undo-toast")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE

    toast.locator("button[data-undo]").click()
    expect(card).to_have_attribute("data-status", "open")
    expect(toast.locator("button[data-undo]")).to_have_count(0)
    task.refresh_from_db()
    assert (task.status, task.closed_by_id, task.closed_at) == (TaskStatus.OPEN, None, None)
    kinds = list(CampaignEvent.objects.filter(campaign=campaign, data__task=task.pk)
                 .order_by("at", "pk").values_list("kind", "actor_id"))
    assert kinds == [(EventKind.TASK_DONE, world.officer.pk), (EventKind.TASK_REOPENED, world.officer.pk)]
    page.goto(f"/campaigns/{campaign.pk}/")
    expect(page.locator("#timeline li.task_reopened")).to_have_count(1)
    expect(page.locator("#timeline li.task_done")).to_have_count(1)


def test_the_undo_toast_goes_after_eight_seconds(phone_of, reference_data):
    world = build_world()
    campaign = campaign_at(world, Stage.SURVEYED)
    task = _first_open_task(world, campaign)
    page = phone_of("officer")
    page.goto("/tasks/")
    page.clock.install()
    page.locator(f"#task-{task.pk} button[data-complete]").click()
    expect(page.locator("#toast button[data-undo]")).to_be_visible()
    page.clock.run_for(7_000)
    expect(page.locator("#toast button[data-undo]")).to_be_visible()
    page.clock.run_for(1_500)
    expect(page.locator("#toast button[data-undo]")).to_have_count(0)


def test_without_javascript_the_page_after_completing_offers_the_undo(browser, live_server, reference_data):
    world = build_world()
    campaign = campaign_at(world, Stage.SURVEYED)
    task = _first_open_task(world, campaign)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="vi-VN", is_mobile=True,
                                  has_touch=True, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")  # (without JavaScript the header's language form shows its own button)
        page.fill("input[name=username]", "officer")
        page.fill("input[name=password]", "mật-khẩu-thử-nghiệm")
        page.click("main button[type=submit]")
        page.wait_for_url("**/tasks/")
        page.goto("/tasks/")
        page.locator(f"#task-{task.pk} button[data-complete]").click()
        page.wait_for_url("**/tasks/")
        expect(page.locator(f"#task-{task.pk}")).to_have_count(0)  # My tasks lists open tasks
        page.locator("#toast button[data-undo]").click()
        page.wait_for_url("**/tasks/")
        expect(page.locator(f"#task-{task.pk}")).to_have_attribute("data-status", "open")
    finally:
        context.close()
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert CampaignEvent.objects.filter(campaign=campaign, kind=EventKind.TASK_REOPENED,
                                        data__task=task.pk).count() == 1


def test_a_date_is_picked_and_shown_as_dd_mm_yyyy(phone_of, reference_data):
    world = build_world()
    campaign = campaign_at(world, Stage.SURVEYED)
    due = clock.today() + dt.timedelta(days=9)
    page = phone_of("officer")
    page.goto(f"/campaigns/{campaign.pk}/")
    page.get_by_text("Thêm công việc").click()  # "Add a task"
    form = page.locator(f"form[action='/campaigns/{campaign.pk}/tasks/add/']")
    date_input = form.locator("input[name=due_on]")
    assert date_input.get_attribute("type") == "date"
    form.locator("input[name=title]").fill("Gặp tổ trưởng chuyền may 3")
    date_input.fill(due.isoformat())  # what the picker gives the page
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/campaigns/{campaign.pk}/"))
    row = page.locator("#campaign-tasks tr", has_text="Gặp tổ trưởng chuyền may 3")
    expect(row.locator("td.task-when")).to_have_text(due.strftime("%d/%m/%Y"))
    assert Task.objects.get(campaign=campaign, title="Gặp tổ trưởng chuyền may 3").due_on == due


def test_two_dossier_documents_go_in_one_post(phone_of, reference_data, tmp_path):
    world = build_world()
    campaign = campaign_at(world, Stage.FOUNDING_CONGRESS)
    minutes = tmp_path / "bien-ban-dai-hoi.pdf"
    minutes.write_bytes(b"%PDF-1.4\n% bien ban\n")
    photo = tmp_path / "anh-chup-danh-sach.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    page = phone_of("officer")
    page.goto(f"/campaigns/{campaign.pk}/dossier/")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    file_input = page.locator(f"#doc-{DocumentKind.CONGRESS_MINUTES} input[type=file]")
    assert "image/*" in file_input.get_attribute("accept")  # a phone offers its camera
    file_input.set_input_files(str(minutes))
    page.locator(f"#doc-{DocumentKind.MEMBER_LIST} input[type=file]").set_input_files(str(photo))
    screenshot(page, "phone-officer-dossier-chosen")
    page.locator("#upload-all").click()
    expect(page.locator(f"#doc-{DocumentKind.CONGRESS_MINUTES}")).to_have_class("present")
    expect(page.locator(f"#doc-{DocumentKind.MEMBER_LIST}")).to_have_class("present")
    assert posts == [f"{page.url.split('/campaigns/')[0]}/campaigns/{campaign.pk}/dossier/upload/"]
    names = sorted(DossierDocument.objects.filter(dossier__campaign=campaign, superseded_at__isnull=True)
                   .values_list("kind", "file_name"))
    assert names == sorted([(DocumentKind.CONGRESS_MINUTES, "bien-ban-dai-hoi.pdf"),
                            (DocumentKind.MEMBER_LIST, "anh-chup-danh-sach.jpg")])


def test_the_keyboard_focus_is_always_visible(phone_of, reference_data):
    build_world()
    page = phone_of("officer")
    page.goto("/tasks/")
    expect(page.locator("#notification-bell-link[data-refreshed]")).to_have_count(1)  # the bell's first refresh
    seen = []
    for _ in range(8):  # the first targets of the page, in tab order: brand, bell, menu, filters…
        page.keyboard.press("Tab")
        seen.append(page.evaluate("""() => {
          const el = document.activeElement, style = getComputedStyle(el);
          return [el.tagName.toLowerCase(), style.outlineStyle, style.outlineWidth, style.outlineColor];
        }"""))
    assert len(seen) == 8
    assert {tuple(ring) for _, *ring in seen} == {("solid", "3px", "rgb(11, 94, 215)")}, seen


def test_the_bell_keeps_the_keyboard_focus_when_it_refreshes(phone_of, reference_data):
    """The bell is swapped whole by htmx (on load, every minute, after a
    notification changes): a keyboard user standing on it stays on it."""
    build_world()
    page = phone_of("officer")
    page.goto("/tasks/")
    expect(page.locator("#notification-bell-link[data-refreshed]")).to_have_count(1)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "notification-bell-link"
    # the bell loaded is swapped in, then htmx gives it its triggers: an event sent in between is heard by
    # nobody (a loaded machine showed it); send it again until the bell asks for itself
    for attempt in range(3):
        try:
            with page.expect_response(lambda response: "/notifications/bell" in response.url, timeout=5000):
                page.evaluate("htmx.trigger(document.body, 'notifications-changed')")
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    page.wait_for_function("document.activeElement.id === 'notification-bell-link'", timeout=5000)
    ring = page.evaluate("""() => { const style = getComputedStyle(document.activeElement);
                                    return [style.outlineStyle, style.outlineWidth, style.outlineColor]; }""")
    assert ring == ["solid", "3px", "rgb(11, 94, 215)"]
