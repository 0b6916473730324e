"""The pieces the reliability drills share (bench/drills.py and
tests/bench/test_drills.py): campaigns opened through the services, a real
gunicorn whose workers can be killed, a small HTTP client that signs in
through the login form, the PostgreSQL cluster's controls, and the checks
that a drill ends with (stage = last stage event, version = version-bumping
events, every success still there).

Import it after Django is set up. Nothing here asserts: the checks return
figures and the problems they found; the callers decide.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from django.db import connection, connections

ROOT = Path(__file__).resolve().parents[1]

# Event kinds whose service bumps Campaign.version by one (services.py:
# _transition, campaign_assign, campaign_meeting_record,
# campaign_committee_record, campaign_counts_record).
VERSION_KINDS = ("stage", "assigned", "meeting", "committee", "counts")

# The forward path the drills drive, as the web screens name it.
FORWARD = [("contact_employer", "surveyed", "employer_contacted"),
           ("form_committee", "employer_contacted", "mobilising_committee"),
           ("hold_congress", "mobilising_committee", "founding_congress")]
NEXT_STEP = {from_stage: (name, to_stage) for name, from_stage, to_stage in FORWARD}
FORWARD_NAMES = {name for name, _, _ in FORWARD}

CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, TimeoutError, OSError)


# --- the database ------------------------------------------------------------------
def database_url(alias: str = "default") -> str:
    """The URL of the database Django is connected to (the test database
    inside pytest), for the processes a drill starts."""
    db = connections[alias].settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


# --- the world ---------------------------------------------------------------------
@dataclass
class DrillWorld:
    admin: object
    province: object
    district: object
    group: object
    supervisor: object
    officer: object
    password: str


def build_world(*, password: str = "drill-password", tag: str = "drill") -> DrillWorld:
    """A province, a district, a working group, and a supervisor of the
    district who signs in with ``password`` (hashed by the settings' first
    hasher: MD5 in the bench and test settings)."""
    from tests import factories

    admin = factories.UserFactory(username=f"{tag}-admin", is_superuser=True, is_staff=True)
    province = factories.unit(name=f"LĐLĐ tỉnh ({tag})", code=f"{tag}-province", kind="provincial_federation",
                              actor=admin)
    district = factories.unit(name=f"LĐLĐ khu vực ({tag})", code=f"{tag}-district", kind="district_federation",
                              parent=province, actor=admin)
    supervisor = factories.UserFactory(username=f"{tag}-supervisor")
    supervisor.set_password(password)
    supervisor.save(update_fields=["password"])
    factories.grant(district, supervisor, "supervisor", actor=admin)
    officer = factories.UserFactory(username=f"{tag}-officer")
    group = factories.working_group(district, f"Tổ công tác ({tag})", [officer], actor=admin)
    return DrillWorld(admin, province, district, group, supervisor, officer, password)


def due_tasks(world, *, officers: int, tasks: int, day: dt.date, batch_size: int = 2000):
    """``officers`` new officers of the world's group and ``tasks`` open
    tasks spread over them, all due on ``day``, in one quiet campaign (the
    material of the reminder benchmark and the job-worker drill)."""
    from tests.factories import EnterpriseFactory, UserFactory
    from tests.notifications.helpers import quiet_campaign
    from workflows.campaigns.models import Task
    from workflows.core import clock
    from workflows.organisation import services as org

    people = [UserFactory(username=f"canbo{n:05d}") for n in range(officers)]
    for person in people:
        org.working_group_member_add(group=world.group, user=person, actor=world.admin)
    campaign = quiet_campaign(world, on=day, enterprise=EnterpriseFactory(responsible_unit=world.district))
    now = clock.now()
    Task.objects.bulk_create([
        Task(campaign=campaign, stage=campaign.stage, title=f"Việc {n}", assignee=people[n % officers],
             working_group=world.group, due_on=day, created_by=world.supervisor, created_at=now)
        for n in range(tasks)], batch_size=batch_size)
    return people, campaign


def open_campaigns(world, count: int) -> list[int]:
    """``count`` new enterprises of the world's district, each with a
    campaign opened by its supervisor through ``services.campaign_open``
    (the way tests/conftest.py ``campaign_at`` starts one)."""
    from tests.factories import EnterpriseFactory
    from workflows.campaigns import services

    ids = []
    for _ in range(count):
        enterprise = EnterpriseFactory(responsible_unit=world.district, workforce=250)
        ids.append(services.campaign_open(enterprise_id=enterprise.pk, actor=world.supervisor,
                                          working_group_id=world.group.pk).pk)
    return ids


def transition_fields(name: str, today: dt.date) -> dict[str, str]:
    """What a person types into the transition form ``name``."""
    day = today.strftime("%d/%m/%Y")
    if name == "contact_employer":
        return {"held_on": day, "outcome": "supportive", "note": "drill"}
    if name == "form_committee":
        return {"members": "*Nguyễn Văn An; tổ trưởng; 0912345678\nTrần Thị Bình; công nhân\nLê Văn Cường; kỹ thuật",
                "formed_on": day, "note": "drill"}
    if name == "hold_congress":
        return {"applications": "7", "congress_on": day, "note": "drill"}
    raise ValueError(name)


def service_transition(campaign_id: int, name: str, actor, expected_stage: str, today: dt.date):
    """The same transition through the service the view calls."""
    from workflows.campaigns import services
    from workflows.campaigns.fields import CommitteeMemberData

    data = {
        "contact_employer": {"held_on": today, "outcome": "supportive"},
        "form_committee": {"formed_on": today,
                           "members": [CommitteeMemberData(f"Công nhân {i}", is_head=i == 0) for i in range(3)]},
        "hold_congress": {"applications": 7, "congress_on": today},
        "hold": {}, "resume": {},
    }[name]
    return services.campaign_transition(campaign_id=campaign_id, name=name, actor=actor,
                                        data={**data, "note": "drill"}, expected_stage=expected_stage)


# --- the checks --------------------------------------------------------------------
@dataclass
class ChainCheck:
    campaigns: int = 0
    stage_mismatches: list = field(default_factory=list)    # (pk, stage, last event's to_stage)
    version_mismatches: list = field(default_factory=list)  # (pk, version, version-bumping events)
    broken_chains: list = field(default_factory=list)       # (pk, event pk, from_stage, previous to_stage)
    stage_events: int = 0

    @property
    def problems(self) -> int:
        return len(self.stage_mismatches) + len(self.version_mismatches) + len(self.broken_chains)

    def figures(self) -> dict:
        return {"campaigns_checked": self.campaigns, "stage_events": self.stage_events,
                "stage_mismatches": len(self.stage_mismatches), "version_mismatches": len(self.version_mismatches),
                "broken_chains": len(self.broken_chains)}


def check_campaigns(campaign_ids) -> ChainCheck:
    """Every campaign's stage is the ``to_stage`` of its last stage event (the
    opening counts: it enters "surveyed"), each stage event leaves the stage
    the previous one entered, and the version is the number of events whose
    service bumped it."""
    from workflows.campaigns.models import Campaign, CampaignEvent

    ids = list(campaign_ids)
    result = ChainCheck(campaigns=len(ids))
    events = defaultdict(list)
    bumps = Counter()
    for pk, campaign_id, kind, from_stage, to_stage in (
            CampaignEvent.objects.filter(campaign_id__in=ids).order_by("at", "pk")
            .values_list("pk", "campaign_id", "kind", "from_stage", "to_stage").iterator(chunk_size=5000)):
        if kind in VERSION_KINDS:
            bumps[campaign_id] += 1
        if kind in ("opened", "stage"):
            events[campaign_id].append((pk, kind, from_stage, to_stage))
            result.stage_events += kind == "stage"
    for pk, stage, version in Campaign.objects.filter(pk__in=ids).values_list("pk", "stage", "version"):
        chain = events[pk]
        last = chain[-1][3] if chain else None
        if stage != last:
            result.stage_mismatches.append((pk, stage, last))
        if version != bumps[pk]:
            result.version_mismatches.append((pk, version, bumps[pk]))
        for previous, current in itertools.pairwise(chain):
            if current[2] != previous[3]:
                result.broken_chains.append((pk, current[0], current[2], previous[3]))
    return result


def stage_event_counts(campaign_ids) -> Counter:
    """(campaign, from_stage, to_stage) → how many stage events."""
    from workflows.campaigns.models import CampaignEvent

    return Counter(CampaignEvent.objects.filter(campaign_id__in=list(campaign_ids), kind="stage")
                   .values_list("campaign_id", "from_stage", "to_stage"))


# --- gunicorn ----------------------------------------------------------------------
class Gunicorn:
    """``gunicorn project.wsgi`` on 127.0.0.1:``port`` with ``workers`` sync
    workers, in its own process group; its workers are the master's
    children, found through /proc."""

    def __init__(self, *, port: int, db_url: str, workers: int = 2, log: Path | None = None,
                 settings: str = "project.settings.bench", timeout: int = 30):
        self.port, self.db_url, self.workers, self.settings, self.timeout = port, db_url, workers, settings, timeout
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, *, ready_within: float = 60) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": self.settings, "DATABASE_URL": self.db_url,
               "PYTHONPATH": str(ROOT)}
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        # the server writes to it until stop(): no with-block can hold it
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [gunicorn, "project.wsgi", "--bind", f"127.0.0.1:{self.port}", "-w", str(self.workers),
             "--timeout", str(self.timeout), "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        if out is not subprocess.DEVNULL:
            out.close()
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                status, _, _ = request("GET", self.port, "/accounts/login/", timeout=5)
                if status == 200:
                    return
            except CONNECTION_ERRORS:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {ready_within} s; see {self.log}")

    @property
    def master(self) -> int:
        return self.process.pid

    def worker_pids(self) -> list[int]:
        return children_of(self.master)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass


def children_of(pid: int) -> list[int]:
    """The live (not zombie) children of ``pid``, from /proc/<n>/stat."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                text = stat.read().decode(errors="replace")
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses.
        state, ppid = text[text.rindex(")") + 2:].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry))
    return sorted(found)


def busy_workers(workers: list[int], port: int) -> list[int]:
    """The workers holding an accepted client connection to ``port`` (an
    ESTABLISHED socket whose local port is ``port``): mid-request."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as lines:
                next(lines)
                for line in lines:
                    parts = line.split()
                    local, state, inode = parts[1], parts[3], parts[9]
                    if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                        inodes.add(inode)
        except OSError:
            continue
    busy = []
    for pid in workers:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                busy.append(pid)
                break
    return busy


def kill_workers(server: Gunicorn, *, kills: int, stop: threading.Event, rng, max_delay: float = 0.03,
                 wait_busy: float = 3.0, max_pause: float = 0.5) -> dict:
    """SIGKILL a gunicorn worker (never the master) ``kills`` times, each
    time one that is mid-request when one can be found within
    ``wait_busy`` seconds, after a random delay of up to ``max_delay`` s
    into the request; then wait for the master to respawn it, and let the
    load run for up to ``max_pause`` s (random) before the next kill."""
    done = mid_request = 0
    respawn = []
    while done < kills and not stop.is_set():
        deadline = time.monotonic() + wait_busy
        victim, busy = None, False
        while time.monotonic() < deadline and not stop.is_set():
            workers = server.worker_pids()
            if len(workers) < server.workers:
                time.sleep(0.01)
                continue
            candidates = busy_workers(workers, server.port)
            if candidates:
                victim, busy = rng.choice(candidates), True
                break
            time.sleep(0.002)
        if victim is None:
            workers = server.worker_pids()
            if not workers:
                time.sleep(0.05)
                continue
            victim = rng.choice(workers)
        time.sleep(rng.uniform(0, max_delay))
        if busy:
            busy = victim in busy_workers([victim], server.port)
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            continue
        killed_at = time.monotonic()
        done += 1
        mid_request += busy
        # the master notices (SIGCHLD), reaps it and forks a new one
        while not stop.is_set() and (victim in server.worker_pids() or len(server.worker_pids()) < server.workers):
            if server.process.poll() is not None:
                raise RuntimeError("the gunicorn master died")
            time.sleep(0.005)
        respawn.append(time.monotonic() - killed_at)
        stop.wait(rng.uniform(0, max_pause))
    return {"kills": done, "killed_mid_request": mid_request,
            "respawn_ms_max": round(max(respawn) * 1000, 1) if respawn else None}


# --- a client that signs in through the form -------------------------------------
def request(method: str, port: int, path: str, *, body: bytes | None = None, headers: dict | None = None,
            timeout: float = 30) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()} | {
            "set-cookie-all": response.msg.get_all("Set-Cookie") or []}, response.read()
    finally:
        conn.close()


class WebClient:
    """One person's browser: cookies, CSRF token, sign-in through the form."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, path: str, data: dict | None = None) -> tuple[int, dict, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if data is not None:
            body = urlencode({**data, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        status, response_headers, content = request(method, self.port, path, body=body, headers=headers)
        for line in response_headers["set-cookie-all"]:
            cookie = SimpleCookie()
            cookie.load(line)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return status, response_headers, content

    def get(self, path: str):
        return self._send("GET", path)

    def post(self, path: str, data: dict):
        return self._send("POST", path, data)

    def sign_in(self, username: str, password: str, *, attempts: int = 50) -> None:
        """GET the form (CSRF cookie and token), POST it; retried across
        killed workers."""
        for _ in range(attempts):
            try:
                status, _, content = self.get("/accounts/login/")
                if status != 200:
                    continue
                token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
                status, headers, _ = self._send_login(token.group(1).decode() if token else "", username, password)
                if status == 302 and "sessionid" in self.cookies:
                    return
            except CONNECTION_ERRORS:
                time.sleep(0.05)
        raise RuntimeError(f"{username} could not sign in")

    def _send_login(self, token: str, username: str, password: str):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Content-Type": "application/x-www-form-urlencoded"}
        body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password}).encode()
        status, response_headers, content = request("POST", self.port, "/accounts/login/", body=body,
                                                    headers=headers)
        for line in response_headers["set-cookie-all"]:
            cookie = SimpleCookie()
            cookie.load(line)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return status, response_headers, content


# --- the PostgreSQL cluster --------------------------------------------------------
@dataclass
class Cluster:
    version: str
    name: str
    port: int


def find_cluster(port: int) -> Cluster | None:
    """The local cluster listening on ``port`` (pg_lsclusters), if any."""
    if not shutil.which("pg_lsclusters"):
        return None
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] == str(port):
            return Cluster(parts[0], parts[1], port)
    return None


def cluster_control_problem(port: int) -> str | None:
    """Why this process cannot stop and start the cluster on ``port``, or
    None when it can (pg_ctlcluster present, the cluster local, and we are
    root or its owner)."""
    if not shutil.which("pg_ctlcluster"):
        return "pg_ctlcluster is not installed (not a Debian/Ubuntu PostgreSQL)"
    cluster = find_cluster(port)
    if cluster is None:
        return f"no local cluster listens on port {port} (pg_lsclusters)"
    owner = None
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        parts = line.split()
        if parts[:2] == [cluster.version, cluster.name]:
            owner = parts[4]
    import pwd

    me = pwd.getpwuid(os.geteuid()).pw_name
    if os.geteuid() != 0 and me != owner:
        return f"running as {me}, neither root nor the cluster's owner ({owner}): cannot run pg_ctlcluster"
    return None


def pg_ctl(cluster: Cluster, action: str, *extra: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster.version, cluster.name, action, *extra],
                   check=True, capture_output=True, timeout=120)


def pg_isready(port: int, *, host: str = "127.0.0.1", within: float = 60) -> float:
    """Wait until the server accepts connections; returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if subprocess.run(["pg_isready", "-q", "-h", host, "-p", str(port)], check=False).returncode == 0:
            return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL on {host}:{port} not ready after {within} s")


def terminate_backends() -> int:
    """The stand-in for a stop, for trying the drill without touching the
    cluster: end every other connection to this database only."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


# --- the drills' load ---------------------------------------------------------------
def next_step(stage: str) -> tuple[str, str] | None:
    """The transition a client takes next from ``stage``: the forward path
    to the founding congress, then hold and resume, over and over."""
    if stage in NEXT_STEP:
        return NEXT_STEP[stage]
    if stage == "founding_congress":
        return "hold", "on_hold"
    if stage == "on_hold":
        return "resume", "founding_congress"
    return None


def current_stage(campaign_id: int) -> str:
    """What the database says (the drill's oracle, read after an error)."""
    from workflows.campaigns.models import Campaign

    return Campaign.objects.values_list("stage", flat=True).get(pk=campaign_id)


@dataclass
class Tally:
    """One client's outcome counts; merged at the end."""

    successes: list = field(default_factory=list)  # (campaign, from_stage, to_stage[, event pk, version, at])
    connection_errors: int = 0
    conflicts: int = 0
    other: Counter = field(default_factory=Counter)
    committed_unanswered: int = 0  # an error answered, the oracle then found the move made
    latencies: list = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        self.successes += other.successes
        self.connection_errors += other.connection_errors
        self.conflicts += other.conflicts
        self.other += other.other
        self.committed_unanswered += other.committed_unanswered
        self.latencies += other.latencies


def web_client_run(port: int, username: str, password: str, campaigns, *, steps: int, stop: threading.Event,
                   today: dt.date) -> Tally:
    """Sign in through the form, then take campaigns off the ``campaigns``
    queue and POST ``steps`` transitions to each. After a dropped
    connection or an unexpected answer, ask the database where the case is
    and go on from there."""
    import queue

    tally = Tally()
    client = WebClient(port)
    try:
        client.sign_in(username, password)
        while not stop.is_set():
            try:
                pk = campaigns.get_nowait()
            except queue.Empty:
                return tally
            stage, attempts = current_stage(pk), 0
            while attempts < steps * 3 and not stop.is_set() and (step := next_step(stage)):
                attempts += 1
                name, to_stage = step
                fields = transition_fields(name, today) if name in FORWARD_NAMES else {"note": "drill"}
                data = {"expected_stage": stage, **fields}
                started = time.perf_counter()
                try:
                    status, headers, _ = client.post(f"/campaigns/{pk}/move/{name}/", data)
                except CONNECTION_ERRORS:
                    tally.connection_errors += 1
                    time.sleep(0.02)
                    now = current_stage(pk)
                    tally.committed_unanswered += now == to_stage
                    stage = now
                    continue
                if status == 302 and headers.get("location", "").rstrip("/").endswith(f"/campaigns/{pk}"):
                    tally.latencies.append(time.perf_counter() - started)
                    tally.successes.append((pk, stage, to_stage))
                    stage = to_stage
                    if sum(1 for s in tally.successes if s[0] == pk) >= steps:
                        break
                    continue
                if status == 302 and "/accounts/login/" in headers.get("location", ""):
                    tally.other["signed_out"] += 1
                    client.sign_in(username, password)
                elif status == 409:
                    tally.conflicts += 1
                else:
                    tally.other[str(status)] += 1
                stage = current_stage(pk)
    finally:
        connection.close()
    return tally


def web_kill_drill(world, campaign_ids: list[int], *, port: int, db_url: str, kills: int, clients: int,
                   steps: int = 7, workers: int = 2, seed: int = 1, log: Path | None = None,
                   max_delay: float = 0.03, max_pause: float = 0.5) -> tuple[dict, Tally, ChainCheck, list]:
    """Clients transition the campaigns over HTTP while a real gunicorn's
    workers are SIGKILLed ``kills`` times mid-request. Returns the figures,
    the merged tally, the chain check, and the successes whose transition
    is missing (must be empty)."""
    import queue
    import random

    from workflows.core import clock

    rng = random.Random(seed)
    work = queue.Queue()
    for pk in campaign_ids:
        work.put(pk)
    server = Gunicorn(port=port, db_url=db_url, workers=workers, log=log)
    server.start()
    stop = threading.Event()
    tallies: list[Tally] = []
    kill_figures: dict = {}
    today = clock.today()

    def client_thread():
        tallies.append(web_client_run(port, world.supervisor.username, world.password, work, steps=steps,
                                      stop=stop, today=today))

    def killer():
        kill_figures.update(kill_workers(server, kills=kills, stop=stop, rng=rng, max_delay=max_delay,
                                         max_pause=max_pause))

    started = time.perf_counter()
    try:
        threads = [threading.Thread(target=client_thread, daemon=True) for _ in range(clients)]
        for thread in threads:
            thread.start()
        kill_thread = threading.Thread(target=killer, daemon=True)
        kill_thread.start()
        while kill_thread.is_alive() and any(t.is_alive() for t in threads):
            time.sleep(0.05)
        # The kills are over and the workers are booted again: let the clients
        # finish their work (bounded), so that a loaded machine, on which every
        # kill fell before the first answer, still shows answered transitions.
        deadline = time.perf_counter() + 60
        while any(t.is_alive() for t in threads) and time.perf_counter() < deadline:
            time.sleep(0.05)
        stop.set()
        kill_thread.join(timeout=60)
        for thread in threads:
            thread.join(timeout=120)
    finally:
        stop.set()
        server.stop()
    elapsed = time.perf_counter() - started
    tally = Tally()
    for one in tallies:
        tally.merge(one)
    connections.close_all()
    check = check_campaigns(campaign_ids)
    missing = missing_successes(tally.successes, campaign_ids)
    figures = {**kill_figures, "clients": clients, "workers": workers, "seconds": round(elapsed, 1),
               "successes": len(tally.successes), "connection_errors": tally.connection_errors,
               "conflicts": tally.conflicts, "other_answers": sum(tally.other.values()),
               "committed_unanswered": tally.committed_unanswered, **check.figures(),
               "success_missing": len(missing)}
    return figures, tally, check, missing


def missing_successes(successes, campaign_ids) -> list:
    """Successes (campaign, from, to, ...) with no stage event to match:
    per (campaign, from, to), more successes than events."""
    events = stage_event_counts(campaign_ids)
    answered = Counter(s[:3] for s in successes)
    return [(key, n, events[key]) for key, n in answered.items() if events[key] < n]


def service_client_run(world, campaign_ids: list[int], *, stop: threading.Event, today: dt.date,
                       pause: float = 0.0) -> Tally:
    """Transition ``campaign_ids`` (this client's own) through the services,
    round and round, until ``stop``. A success is recorded only after the
    commit returned, with the event's pk and the version it made; every
    database error (the server gone, the connection cut) is a failure, and
    the connection is dropped so that the next attempt opens a new one."""
    from django.core.exceptions import ValidationError
    from django.db import DatabaseError, InterfaceError, transaction

    from workflows.campaigns.models import CampaignEvent
    from workflows.core.errors import Conflict, DomainError

    tally = Tally()
    stages: dict[int, str | None] = dict.fromkeys(campaign_ids)
    try:
        while not stop.is_set():
            for pk in campaign_ids:
                if stop.is_set():
                    break
                try:
                    if stages[pk] is None:
                        stages[pk] = current_stage(pk)
                    step = next_step(stages[pk])
                    if step is None:
                        continue
                    name, to_stage = step
                    started = time.perf_counter()
                    with transaction.atomic():
                        campaign = service_transition(pk, name, world.supervisor, stages[pk], today)
                        event_pk = (CampaignEvent.objects.filter(campaign_id=pk, kind="stage")
                                    .order_by("-pk").values_list("pk", flat=True)[0])
                    # committed: only now is it a success
                    tally.latencies.append(time.perf_counter() - started)
                    tally.successes.append((pk, stages[pk], to_stage, event_pk, campaign.version,
                                            time.monotonic()))
                    stages[pk] = to_stage
                except Conflict:
                    tally.conflicts += 1
                    stages[pk] = None
                except (DomainError, ValidationError) as error:
                    tally.other[type(error).__name__] += 1
                    stages[pk] = None
                except (DatabaseError, InterfaceError):
                    tally.connection_errors += 1
                    stages[pk] = None
                    with contextlib.suppress(Exception):  # the socket is gone already
                        connection.close()
                    time.sleep(0.05)
                if pause:
                    time.sleep(pause)
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    return tally


def check_service_successes(successes) -> dict:
    """Every success recorded with its event pk and version is still there:
    the event row exists, of that campaign, from and to those stages; and
    no campaign's version is below the highest version a success saw."""
    from workflows.campaigns.models import Campaign, CampaignEvent

    events = {pk: (campaign_id, kind, from_stage, to_stage) for pk, campaign_id, kind, from_stage, to_stage in
              CampaignEvent.objects.filter(pk__in=[s[3] for s in successes])
              .values_list("pk", "campaign_id", "kind", "from_stage", "to_stage")}
    lost = [s for s in successes if events.get(s[3]) != (s[0], "stage", s[1], s[2])]
    highest: dict[int, int] = {}
    for s in successes:
        highest[s[0]] = max(highest.get(s[0], 0), s[4])
    versions = dict(Campaign.objects.filter(pk__in=list(highest)).values_list("pk", "version"))
    behind = [(pk, versions.get(pk), v) for pk, v in highest.items() if (versions.get(pk) or -1) < v]
    return {"lost": lost, "versions_behind": behind}


def pg_stop_drill(world, campaign_ids: list[int], *, clients: int, stop_cluster, before: float = 3.0,
                  after: float = 3.0) -> tuple[dict, Tally, ChainCheck, dict]:
    """``clients`` threads transition their share of the campaigns through
    the services; after ``before`` s, ``stop_cluster()`` runs (the real
    immediate stop and start, or a stand-in) and returns its own figures;
    the load goes on ``after`` s more once the server answers again. Then
    every success is looked for."""
    from workflows.core import clock

    stop = threading.Event()
    tallies: list[Tally] = []
    today = clock.today()
    shares = [campaign_ids[i::clients] for i in range(clients)]
    threads = [threading.Thread(target=lambda s=s: tallies.append(
        service_client_run(world, s, stop=stop, today=today)), daemon=True) for s in shares]
    started = time.perf_counter()
    outage: dict = {}
    back_at = float("inf")
    try:
        for thread in threads:
            thread.start()
        time.sleep(before)
        outage = stop_cluster()
        back_at = time.monotonic()
        time.sleep(after)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    elapsed = time.perf_counter() - started
    connections.close_all()
    tally = Tally()
    for one in tallies:
        tally.merge(one)
    check = check_campaigns(campaign_ids)
    found = check_service_successes(tally.successes)
    figures = {**outage, "clients": clients, "seconds": round(elapsed, 1), "successes": len(tally.successes),
               "successes_after_outage": sum(1 for s in tally.successes if s[5] > back_at),
               "failures": tally.connection_errors, "conflicts": tally.conflicts, **check.figures(),
               "success_missing": len(found["lost"]), "versions_behind": len(found["versions_behind"])}
    return figures, tally, check, found


# --- a database of the drill's own -----------------------------------------------------
class FreshDatabase:
    """``<DATABASE_URL's name>_<suffix>``, created and migrated for one run
    (Django's test-database machinery), dropped afterwards unless ``keep``."""

    def __init__(self, suffix: str, *, keep: bool = False):
        self.suffix, self.keep = suffix, keep
        self.old_name = None

    def __enter__(self) -> str:
        settings_dict = connection.settings_dict
        self.old_name = settings_dict["NAME"]
        settings_dict.setdefault("TEST", {})["NAME"] = f"{self.old_name}_{self.suffix}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        return database_url()

    def __exit__(self, *exc) -> None:
        connections.close_all()
        if not self.keep:
            connection.creation.destroy_test_db(self.old_name, verbosity=0)
        else:
            print(f"kept the database {connection.settings_dict['NAME']}")
