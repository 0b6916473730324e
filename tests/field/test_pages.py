"""The installable web app's answers: the manifest, the service worker
(Workbox from our own static files), the officer's working set, the outbox
page, and signing out that tells the browser to erase what it kept."""
from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

from tests.conftest import ROLES, campaign_at
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import Task, TaskStatus
from workflows.core import clock
from workflows.people import surveys


def _static_file(url: str) -> str:
    assert url.startswith("/static/"), url
    found = finders.find(url.removeprefix("/static/"))
    assert found, url
    return found


def test_the_manifest_makes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")
    manifest = json.loads(response.content)

    assert response["Content-Type"] == "application/manifest+json"
    assert {k: manifest[k] for k in ("short_name", "start_url", "scope", "display", "lang", "theme_color",
                                     "background_color")} == {
        "short_name": "CĐCS", "start_url": "/", "scope": "/", "display": "standalone", "lang": "vi",
        "theme_color": "#1d4e89", "background_color": "#ffffff"}
    assert manifest["name"]
    sizes = []
    for icon in manifest["icons"]:
        with Image.open(_static_file(icon["src"])) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
            assert (image.format, icon["type"]) == ("PNG", "image/png")
        sizes.append((icon["sizes"], icon["purpose"]))
    assert sizes == [("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")]


def test_every_page_links_the_manifest_and_the_field_scripts(client, world):
    client.force_login(world.officer)
    html = client.get(reverse("campaigns:my_tasks")).content.decode()

    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    for script in ("vendor/idb/umd.js", "field/outbox.js", "field/field.js"):
        assert f'src="/static/{script}"' in html
        _static_file(f"/static/{script}")
    assert 'id="field-app"' in html and f'data-user="{world.officer.pk}"' in html


def test_the_service_worker_is_served_from_the_root_with_workbox_from_our_static_files(client):
    response = client.get("/sw.js")
    body = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert (response["Service-Worker-Allowed"], response["Cache-Control"]) == ("/", "no-cache")
    assert "http://" not in body and "https://" not in body  # nothing from a CDN
    modules = json.loads(re.search(r"var MODULES = (\{.*?\});", body).group(1))
    assert sorted(modules) == ["workbox-core", "workbox-precaching", "workbox-routing", "workbox-strategies"]
    for url in [*modules.values(), *re.findall(r'importScripts\("([^"]+)"', body),
                *re.findall(r'"(/static/[^"]+)"', body)]:
        _static_file(url)
    shell = json.loads(re.search(r"precacheAndRoute\((\[.*?\])\);", body).group(1))
    assert {entry["url"] for entry in shell} >= {"/static/css/app.css", "/static/vendor/pico/pico.min.css",
                                                 "/static/field/field.js", "/field/offline/"}
    assert all(entry["revision"] for entry in shell)


def test_the_offline_page_holds_no_personal_data_and_needs_no_sign_in(client):
    response = client.get("/field/offline/")
    assert response.status_code == 200
    assert b"data-offline-page" in response.content and b"csrf" not in response.content


def _working_set(client):
    response = client.get("/field/working-set/")
    assert response["Cache-Control"].startswith("max-age=0")
    return response


def test_the_working_set_is_the_officers_own_open_campaigns(client, world):
    campaign = campaign_at(world, Stage.SURVEYED)
    closed = campaign_at(world, Stage.ABANDONED, enterprise=_enterprise(world))
    client.force_login(world.officer)

    found = _working_set(client).json()

    pk = campaign.pk
    assert found["user"] == world.officer.pk
    assert found["cases"] == [{"id": pk, "version": campaign.version, "stage": "surveyed",
                               "name": world.enterprise.name}]
    assert found["urls"] == ["/", "/tasks/", "/field/outbox/", f"/campaigns/{pk}/", f"/campaigns/{pk}/workers/",
                             f"/campaigns/{pk}/field/", f"/campaigns/{pk}/conversations/add/",
                             f"/surveys/visits/add/{world.enterprise.pk}/"]  # the closed campaign's: not kept
    open_tasks = list(Task.objects.filter(campaign=campaign, status=TaskStatus.OPEN).order_by("pk")
                      .values_list("pk", flat=True))
    assert [t["id"] for t in found["tasks"]] == open_tasks and open_tasks
    assert {t["campaign"] for t in found["tasks"]} == {pk}
    assert closed.pk not in [c["id"] for c in found["cases"]]
    patterns = {c["kind"]: re.compile(c["pattern"]) for c in found["captures"]}
    assert patterns["task_complete"].match(f"/tasks/{open_tasks[0]}/complete/").group(1) == str(open_tasks[0])
    assert patterns["quick_conversation"].match(f"/campaigns/{pk}/field/7/conversation/").groups() == (str(pk), "7")
    assert patterns["conversation"].match(f"/campaigns/{pk}/conversations/add/")
    assert patterns["visit"].match(f"/surveys/visits/add/{world.enterprise.pk}/").groups() == (
        str(world.enterprise.pk),)


def test_a_new_visit_to_a_working_set_enterprise_changes_the_signature(client, world):
    campaign_at(world, Stage.SURVEYED)
    client.force_login(world.officer)
    before = _working_set(client).json()["signature"]

    surveys.survey_visit_record(enterprise_id=world.enterprise.pk, actor=world.supervisor,
                                data=surveys.VisitData(visited_on=clock.today(), workforce=300))

    assert _working_set(client).json()["signature"] != before  # the kept visit form (its base) is fetched again


def _enterprise(world):
    from tests import factories
    return factories.EnterpriseFactory(responsible_unit=world.district)


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous", "officer")])
def test_nobody_else_keeps_the_officers_cases_on_their_device(client, world, role):
    campaign_at(world, Stage.SURVEYED)
    client.force_login(world.user(role))

    found = _working_set(client).json()

    assert (found["cases"], found["tasks"], found["urls"]) == ([], [], ["/", "/tasks/", "/field/outbox/"])


def test_a_signed_out_device_gets_no_working_set(client):
    assert client.get("/field/working-set/").status_code == 401


def test_the_outbox_page_is_for_signed_in_users(client, world):
    assert client.get("/field/outbox/").status_code == 302
    client.force_login(world.officer)
    response = client.get("/field/outbox/")
    kinds = json.loads(re.search(r'data-kinds="([^"]+)"', response.content.decode()).group(1).replace("&quot;", '"'))
    assert response.status_code == 200
    assert sorted(kinds) == ["assessment", "conversation", "meeting", "note", "quick_conversation", "task_complete",
                            "visit"]
    assert b'data-action="apply"' in response.content and b'data-action="discard"' in response.content


def test_signing_out_tells_the_browser_to_erase_what_it_kept(client, world):
    client.force_login(world.officer)
    response = client.post(reverse("logout"))

    assert response.status_code == 200  # the signed-out page, as before
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session


def test_the_visit_form_names_its_enterprise_and_base_visit_without_thousands_separators(client, world):
    """The field app reads them back as numbers: "12.345" (how ``{{ n }}`` shows 12345) is another number, and a
    visit to any enterprise past the thousandth was refused offline as "not among those kept" (CI's flaky test)."""
    from tests import factories
    from workflows.people.models import SurveyVisit

    enterprise = factories.EnterpriseFactory(pk=12345, responsible_unit=world.district)
    campaign_at(world, Stage.SURVEYED, enterprise=enterprise)
    visit = surveys.survey_visit_record(enterprise_id=enterprise.pk, actor=world.supervisor,
                                        data=surveys.VisitData(visited_on=clock.today(), workforce=300))
    SurveyVisit.objects.filter(pk=visit.pk).update(id=23456)
    client.force_login(world.officer)

    html = client.get(f"/surveys/visits/add/{enterprise.pk}/").content.decode()

    assert 'data-field-enterprise="12345"' in html and 'data-field-base-visit="23456"' in html
