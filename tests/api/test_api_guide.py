"""The Python examples of the API guide (docs/api.md) run as written
against a live server: a guide whose examples do not work is worse than
none."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from tests.conftest import campaign_at
from workflows.api import selectors
from workflows.api.models import TokenScope
from workflows.api.tokens import token_create
from workflows.campaigns.flows import Stage

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
EXAMPLES = re.findall(r"^```python\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), flags=re.M | re.S)


def _example(marker: str) -> str:
    found = [code for code in EXAMPLES if marker in code]
    assert len(found) == 1, f"one Python example of the guide reads {marker}"
    return found[0]


def _needs(url_name: str) -> None:
    try:
        reverse(url_name, kwargs={"pk": 1, "name": "hold"} if url_name == "api:campaign-transition" else None)
    except NoReverseMatch:
        pytest.skip(f"the endpoint {url_name} does not exist yet")


def _run(code: str, monkeypatch, **environment) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, str(value))
    exec(compile(code, str(GUIDE), "exec"), {"__name__": "__guide__"})  # noqa: S102 — our own documentation


@pytest.fixture
def live(transactional_db, reference_data, live_server):
    return f"{live_server.url}/api/v1"


def test_the_guide_has_the_five_python_examples():
    assert len(EXAMPLES) == 5


def test_the_schema_example_works(live, world, monkeypatch, capsys):
    _, key = token_create(user=world.officer, name="guide", scope=TokenScope.READ, days=1)

    _run(_example("/schema/"), monkeypatch, CDCS_API=live, CDCS_TOKEN=key)

    assert capsys.readouterr().out.startswith("CĐCS API — ")


def test_the_list_my_tasks_example_works(live, world, monkeypatch, capsys):
    _needs("api:task-mine")
    campaign_at(world, Stage.SURVEYED)
    expected = selectors.tasks_mine(world.officer).count()
    _, key = token_create(user=world.officer, name="guide", scope=TokenScope.READ, days=1)

    _run(_example("/tasks/mine/"), monkeypatch, CDCS_API=live, CDCS_TOKEN=key)

    lines = capsys.readouterr().out.splitlines()
    assert expected >= 1
    assert len(lines) == expected


def test_the_move_a_campaign_example_works(live, world, monkeypatch, capsys):
    _needs("api:campaign-transition")
    campaign = campaign_at(world, Stage.SURVEYED)
    before = campaign.version
    _, key = token_create(user=world.officer, name="guide", scope=TokenScope.WRITE, days=1)

    _run(_example("/transitions/"), monkeypatch, CDCS_API=live, CDCS_TOKEN=key, CDCS_CAMPAIGN=campaign.pk)

    out = capsys.readouterr().out.splitlines()
    campaign.refresh_from_db()
    assert campaign.version > before
    assert out == [f'now: surveyed version "{before}"',
                   f'moved to: employer_contacted version "{campaign.version}"']
    assert campaign.stage == Stage.EMPLOYER_CONTACTED


def test_the_move_a_campaign_example_shows_a_refusal(live, world, monkeypatch, capsys):
    """A read-only token: the example prints the problem (403) instead of failing."""
    _needs("api:campaign-transition")
    campaign = campaign_at(world, Stage.SURVEYED)
    _, key = token_create(user=world.officer, name="guide", scope=TokenScope.READ, days=1)

    _run(_example("/transitions/"), monkeypatch, CDCS_API=live, CDCS_TOKEN=key, CDCS_CAMPAIGN=campaign.pk)

    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("refused: 403 Forbidden ")
    campaign.refresh_from_db()
    assert campaign.stage == Stage.SURVEYED


def test_the_webhook_receiver_example_verifies_and_handles_each_event_once(world, receiver, capsys,
                                                                           monkeypatch,
                                                                           django_capture_on_commit_callbacks):
    """The guide's receiver, served on 127.0.0.1, gets real deliveries: it
    handles each event once, answers a repeat without handling it again,
    and refuses a body that was tampered with."""
    import threading
    from http.server import ThreadingHTTPServer

    from workflows.webhooks import jobs, services
    from workflows.webhooks.models import Delivery, DeliveryStatus

    code = _example("webhook-signature")
    subscription, secret = services.subscription_create(actor=world.administrator, unit_id=world.province.pk,
                                                        url=receiver.url, kinds=["campaign.moved"])
    monkeypatch.setenv("CDCS_WEBHOOK_SECRET", secret)
    guide = {"__name__": "__guide__"}
    exec(compile(code, str(GUIDE), "exec"), guide)  # noqa: S102 — our own documentation
    server = ThreadingHTTPServer(("127.0.0.1", 0), guide["Endpoint"])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        services.subscription_update(subscription_id=subscription.pk, actor=world.administrator,
                                     url=f"http://127.0.0.1:{server.server_address[1]}/", kinds=["campaign.moved"])
        with django_capture_on_commit_callbacks(execute=True):
            campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)
        delivery = Delivery.objects.get()
        assert delivery.status == DeliveryStatus.DELIVERED
        # the same delivery once more (as after a worker died before recording the answer)
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING)
        jobs.delivery_send(delivery.pk)
        assert capsys.readouterr().out.splitlines() == [f"received: campaign.moved {campaign.pk}"]
        assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [204, 204]
        # a forged body: refused
        from workflows.webhooks import sending

        forged = sending.post(f"http://127.0.0.1:{server.server_address[1]}/", secret="whsec_" + "A" * 44,
                              message_id=str(delivery.key), timestamp=int(__import__("time").time()), body=b"{}")
        assert forged.status_code == 401
    finally:
        server.shutdown()
        server.server_close()


def test_the_registry_import_example_works(live, world, monkeypatch, capsys, tmp_path):
    _needs("api:enterpriseimport-list")
    from tests.enterprises.sheets import VI_HEADERS, csv_bytes
    from tests.factories import next_tax_code
    from workflows.enterprises.models import Enterprise

    good = next_tax_code()
    rows = [VI_HEADERS, ["", "Công ty Mới", good, "", "", "", "", "", "120", "", ""],
            ["", "", next_tax_code(), "", "", "", "", "", "30", "", ""]]
    path = tmp_path / "danh-sach.csv"
    path.write_bytes(csv_bytes(rows))
    _, key = token_create(user=world.supervisor, name="guide", scope=TokenScope.WRITE, days=1)

    _run(_example("/enterprise-imports/"), monkeypatch, CDCS_API=live, CDCS_TOKEN=key, CDCS_UNIT=world.district.pk,
         CDCS_FILE=path)

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("checked: {'rows_total': 2, 'created': 1, ")
    assert out[1] == "  row 3: Thiếu tên doanh nghiệp."  # the answers are in Vietnamese by default
    assert out[2] == "committed — 1 added, 0 updated"
    assert Enterprise.objects.filter(tax_code=good).count() == 1
