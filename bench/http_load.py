"""The app served by gunicorn, driven over HTTP by N concurrent clients
(threads, each a cookie-keeping http.client browser signed in through the
real login form):

1. transitions: POST the "record employer contact" form of campaigns at
   *surveyed* (/campaigns/<pk>/move/contact_employer/, CSRF token, the
   stage seen, the meeting date dd/mm/yyyy and outcome); a success is the
   302 to the campaign. Signed in as officers of the campaigns' groups.
   Target: 200 transitions/s with p95 < 100 ms (printed, never asserted).
2. page views, one page after the other, N clients each: My tasks and the
   campaign list (officer), the board (province supervisor), the dashboard
   of the whole country (national manager).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdcs_helper_c \\
        .venv/bin/python -m bench.http_load --clients 8 --workers 3 --seconds 20
        [--page-seconds 10] [--pages tasks,campaigns,board,dashboard] [--threads 1]
        [--reset-demo-passwords] [--create-enterprises] [--no-top-up] [--follow]

Named http_load.py, not http.py: a module bench/http.py would shadow the
standard library's ``http`` package for every script run as
``python bench/<script>.py`` (sys.path[0] is bench/), and Django imports
http.cookies at once.

gunicorn is started here (project.settings.bench, the same DATABASE_URL, a
free port in 18000–18099) and stopped at the end; its log goes to
bench/results/gunicorn-<port>.log. Each run moves the campaigns it posts on
to *employer contacted*; before it, the pool of surveyed campaigns is topped
up through the real services (see bench/transition_pool.py).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, ROOT, Samples, database_url, report, setup  # noqa: E402
from bench.httpclient import Browser  # noqa: E402

HOST = "127.0.0.1"
PORTS = range(18000, 18100)
TARGET_RATE, TARGET_P95_MS = 200.0, 100.0


# --- gunicorn -------------------------------------------------------------------------
def free_port(preferred: int | None) -> int:
    for port in ([preferred] if preferred else []) + list(PORTS):
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    sys.exit("no free port in 18000–18099")


class Server:
    def __init__(self, port: int, workers: int, threads: int, timeout: int):
        self.port = port
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.log_path = RESULTS / f"gunicorn-{port}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 — gunicorn writes to it until stop() closes it
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings.bench", "PYTHONUNBUFFERED": "1"}
        command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "project.wsgi", "-w", str(workers),
                   "--bind", f"{HOST}:{port}", "--timeout", str(timeout), "--backlog", "2048"]
        if threads > 1:
            command += ["--threads", str(threads)]
        self.command = " ".join(command)
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, seconds: float = 60.0) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            if self.process.poll() is not None:
                self.stop()
                sys.exit(f"gunicorn exited ({self.process.returncode}); see {self.log_path}:\n"
                         + self.log_path.read_text()[-2000:])
            try:
                browser = Browser(HOST, self.port, timeout=5)
                status, _h, _c = browser.get("/accounts/login/")
                browser.close()
                if status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        sys.exit(f"gunicorn did not answer in {seconds:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


# --- load --------------------------------------------------------------------------------
class Phase:
    """What one scenario's clients record (shared, under a lock)."""

    def __init__(self, name: str):
        self.name = name
        self.samples = Samples()
        self.statuses: Counter = Counter()
        self.first_error = ""
        self.lock = threading.Lock()

    def record(self, seconds: float, status: int, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.statuses[status] += 1
            if ok:
                self.samples.add(seconds)
            else:
                self.samples.errors += 1
                if not self.first_error:
                    self.first_error = f"{status} {detail}"[:300]


def run_clients(clients: int, prepare, work, seconds: float) -> float:
    """Start ``clients`` threads: each runs ``prepare(i)`` (sign-ins, not
    timed), then all start ``work(i, state, deadline)`` together. Returns the
    seconds from the start to the last client's end."""
    failures: list[BaseException] = []
    window: dict[str, float] = {}

    def release() -> None:  # runs once, before any client is let go
        window["started"] = time.perf_counter()
        window["deadline"] = window["started"] + seconds

    barrier = threading.Barrier(clients + 1, action=release)

    def thread(i: int) -> None:
        try:
            state = prepare(i)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
            barrier.abort()
            return
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return
        work(i, state, window["deadline"])

    threads = [threading.Thread(target=thread, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        for t in threads:
            t.join(5)
        raise SystemExit(f"a client could not start: {failures[0]!r}" if failures else "a client failed") from None
    for t in threads:
        t.join()
    return time.perf_counter() - window["started"]


def transitions(args, moves, password: str, port: int) -> list[Phase]:
    """Every client signs in as each officer of the pool, then clients take
    campaigns from one queue and post their transition until the time is up
    or the pool is empty."""
    work_queue: queue.SimpleQueue = queue.SimpleQueue()
    for move in moves:
        work_queue.put(move)
    officers = sorted({m.username for m in moves})
    logins, posts, follows = Phase("sign-in (GET + POST form)"), Phase("transition contact_employer"), \
        Phase("campaign page after the move")
    fields = {"expected_stage": "surveyed", "held_on": dt.date.today().strftime("%d/%m/%Y"),
              "outcome": "supportive", "note": "bench"}

    def prepare(i: int) -> dict[str, Browser]:
        browsers = {}
        for username in officers:
            browser = Browser(HOST, port)
            logins.record(browser.login(username, password), 302, True)
            browsers[username] = browser
        return browsers

    def work(i: int, browsers: dict[str, Browser], deadline: float) -> None:
        while time.perf_counter() < deadline:
            try:
                move = work_queue.get_nowait()
            except queue.Empty:
                return
            browser = browsers[move.username]
            path = f"/campaigns/{move.campaign_id}/move/contact_employer/"
            t0 = time.perf_counter()
            try:
                status, headers, content = browser.post(path, fields)
            except OSError as error:
                posts.record(time.perf_counter() - t0, 0, False, repr(error))
                continue
            seconds = time.perf_counter() - t0
            location = headers.get("location", "")
            ok = status == 302 and location.rstrip("/").endswith(f"/campaigns/{move.campaign_id}")
            posts.record(seconds, status, ok, f"{path} → {location or content[:200]!r}")
            if ok and args.follow:
                t0 = time.perf_counter()
                status, _h, _c = browser.get(location)
                follows.record(time.perf_counter() - t0, status, status == 200, location)

    elapsed = run_clients(args.clients, prepare, work, args.seconds)
    posts.samples.elapsed = follows.samples.elapsed = elapsed
    logins.samples.elapsed = 0.0  # sign-ins are sequential per client: no rate
    left = work_queue.qsize()
    if left == 0 and elapsed < args.seconds - 0.5:
        print(f"  the pool ran out after {elapsed:.1f} s ({len(moves)} campaigns): more with --top-up / "
              f"--create-enterprises")
    return [posts] + ([follows] if args.follow else []) + [logins]


def page_views(args, name: str, username: str, path: str, password: str, port: int) -> Phase:
    phase = Phase(f"GET {path} ({name}, {username})")

    def prepare(i: int) -> Browser:
        browser = Browser(HOST, port)
        browser.login(username, password)
        status, _h, content = browser.get(path)  # one warm-up each (and a check)
        if status != 200:
            raise RuntimeError(f"{username}: GET {path} answered {status}: {content[:300]!r}")
        return browser

    def work(i: int, browser: Browser, deadline: float) -> None:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                status, _h, content = browser.get(path)
            except OSError as error:
                phase.record(time.perf_counter() - t0, 0, False, repr(error))
                continue
            phase.record(time.perf_counter() - t0, status, status == 200, repr(content[:200]))

    phase.samples.elapsed = run_clients(args.clients, prepare, work, args.page_seconds)
    return phase


def row(phase: Phase, *, target: str = "—", meets: str = "—") -> dict:
    figures = phase.samples.figures()
    return {"scenario": phase.name, **figures,
            "statuses": " ".join(f"{k}:{v}" for k, v in sorted(phase.statuses.items())),
            "target": target, "meets": meets}


class WaitSampler:
    """Samples pg_stat_activity every 50 ms while a phase runs: what the
    server's backends of this database are waiting for (Lock:transactionid
    is a row lock held by another transaction — contention on shared rows)."""

    def __init__(self, url: str):
        self.url, self.counts, self.samples = url, Counter(), 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(5)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
            while not self.stopping.wait(0.05):
                rows = db.execute(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state <> 'idle' AND backend_type = 'client backend'").fetchall()
                self.samples += 1
                for state, kind, event in rows:
                    self.counts[f"{kind}:{event}" if kind else f"CPU ({state})"] += 1

    def summary(self) -> str:
        if not self.samples:
            return "no samples"
        return ", ".join(f"{name} {n / self.samples:.2f}" for name, n in self.counts.most_common(6))


# --- in process: where a transition's time goes -------------------------------------------
def profile_transitions(moves, count: int) -> None:
    """Post ``count`` transitions through the test Client (no HTTP, no
    gunicorn): time, SQL queries per transition, then a cProfile of them."""
    import cProfile
    import io
    import logging
    import pstats

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.reads import shape

    logging.getLogger("django-q").setLevel(logging.WARNING)  # "Enqueued …" per transition
    fields = {"expected_stage": "surveyed", "held_on": dt.date.today().strftime("%d/%m/%Y"),
              "outcome": "supportive", "note": "bench"}
    clients: dict[str, Client] = {}
    users = get_user_model().objects.in_bulk({m.username for m in moves}, field_name="username")
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    moves = moves[:count]
    half = len(moves) // 2
    samples, queries, sql_ms, last = Samples(), [], [], []
    for move in moves[:half]:
        with CaptureQueriesContext(connection) as context:
            t0 = time.perf_counter()
            response = clients[move.username].post(f"/campaigns/{move.campaign_id}/move/contact_employer/", fields)
            samples.add(time.perf_counter() - t0)
        if response.status_code != 302:
            samples.errors += 1
        queries.append(len(context.captured_queries))
        sql_ms.append(sum(float(q["time"]) for q in context.captured_queries) * 1000)
        last = context.captured_queries
    figures = samples.figures()
    print(f"in process, {figures['count']} transitions: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
          f"errors {figures['errors']}, queries {min(queries, default=0)}–{max(queries, default=0)}, "
          f"SQL time p50 {sorted(sql_ms)[len(sql_ms) // 2] if sql_ms else 0:.1f} ms")
    print("queries of the last one:")
    for q in last:
        print(f"  {float(q['time']) * 1000:6.2f} ms  {q['sql'][:170]}")
    repeated = [(n, text) for text, n in Counter(shape(q["sql"]) for q in last).most_common(5) if n > 1]
    for n, text in repeated:
        print(f"  repeated {n}×: {text[:200]}")
    profiler = cProfile.Profile()
    profiler.enable()
    for move in moves[half:]:
        clients[move.username].post(f"/campaigns/{move.campaign_id}/move/contact_employer/", fields)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    out.write(f"--- cProfile of {len(moves) - half} transitions: cumulative\n")
    stats.sort_stats("cumulative").print_stats(r"workflows|views|services|counters|flows|middleware|auth|session|"
                                               r"template|client_cursor|connection\.py", 45)
    out.write("--- own time\n")
    stats.sort_stats("tottime").print_stats(20)
    print(out.getvalue())


# --- main ----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread if > 1)")
    parser.add_argument("--seconds", type=float, default=20.0, help="transition phase length")
    parser.add_argument("--page-seconds", type=float, default=10.0, help="length of each page's phase")
    parser.add_argument("--pages", default="tasks,campaigns,board,dashboard")
    parser.add_argument("--port", type=int, default=None, help="18000–18099; the first free one otherwise")
    parser.add_argument("--officers", type=int, default=16, help="at most this many officers post transitions")
    parser.add_argument("--top-up", type=int, default=None,
                        help="surveyed campaigns wanted (default: 1.25 × 200/s × --seconds); 0: none")
    parser.add_argument("--no-top-up", action="store_true", help="do not open campaigns for the pool")
    parser.add_argument("--create-enterprises", action="store_true",
                        help="register new enterprises when the registered ones do not fill the pool")
    parser.add_argument("--follow", action="store_true", help="GET the campaign page after each transition")
    parser.add_argument("--skip-transitions", action="store_true")
    parser.add_argument("--reset-demo-passwords", action="store_true",
                        help="demo data only: give the demo users the password 'bench' (MD5)")
    parser.add_argument("--identities", type=Path, default=None)
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--profile-transitions", type=int, default=0, metavar="N",
                        help="instead of the HTTP run: post N transitions in process, count their queries "
                             "and profile them")
    args = parser.parse_args()

    url = database_url()
    setup()
    from django.db import connections

    from bench.identities import check_passwords, identities, reset_passwords
    from bench.transition_pool import pool, top_up

    ids = identities(args.identities)
    print(f"identities from {ids.source}: officer {ids.officer}, province supervisor {ids.province_supervisor}, "
          f"manager {ids.manager}, root unit {ids.root_unit_id}; database {url.rsplit('/', 1)[-1]}")
    if args.reset_demo_passwords:
        if ids.source != "demo":
            sys.exit("--reset-demo-passwords is for the demo data only")
        from workflows.organisation.models import WorkingGroupUserObjectPermission

        officers = set(WorkingGroupUserObjectPermission.objects.values_list("user__username", flat=True))
        print(f"  passwords reset to '{ids.password}' (MD5): "
              f"{reset_passwords(set(ids.usernames) | officers, ids.password)} users")
    bad = check_passwords(ids.usernames, ids.password)
    if bad:
        sys.exit(f"these users do not sign in with {ids.password!r}: {', '.join(bad)}"
                 + (" (try --reset-demo-passwords)" if ids.source == "demo" else ""))

    moves = []
    if not args.skip_transitions:
        wanted = args.top_up if args.top_up is not None else int(1.25 * TARGET_RATE * args.seconds)
        if args.profile_transitions:
            wanted = args.profile_transitions
        moves = pool(ids.password, wanted=wanted, officer_first=ids.officer)
        if len(moves) < wanted and not args.no_top_up:
            print(f"  pool: {len(moves)} surveyed campaigns with a bench officer, {wanted} wanted")
            top_up(ids.password, missing=wanted - len(moves), create_enterprises=args.create_enterprises)
            moves = pool(ids.password, wanted=wanted, officer_first=ids.officer)
        keep = sorted({m.username for m in moves}, key=lambda u: u != ids.officer)[:args.officers]
        moves = [m for m in moves if m.username in keep]
        print(f"  pool: {len(moves)} surveyed campaigns, posted by {len(keep)} officers")
    if args.profile_transitions:
        return profile_transitions(moves, args.profile_transitions)
    pages = {
        "tasks": ("My tasks", ids.officer, "/tasks/"),
        "campaigns": ("campaign list", ids.officer, "/campaigns/"),
        "board": ("board", ids.province_supervisor, "/campaigns/board/"),
        "dashboard": ("dashboard, whole country", ids.manager, f"/overview/?unit={ids.root_unit_id}"),
        "dashboard-province": ("dashboard, province", ids.province_supervisor,
                               f"/overview/?unit={ids.province_unit_id}"),
    }
    chosen = [p for p in args.pages.split(",") if p]
    unknown = [p for p in chosen if p not in pages]
    if unknown:
        sys.exit(f"unknown pages {unknown}; choose among {', '.join(pages)}")
    connections.close_all()

    port = free_port(args.port)
    server = Server(port, args.workers, args.threads, timeout=60)
    print(f"  {server.command}  (ready in {server.wait_ready():.1f} s)")
    rows, phases = [], []
    try:
        if moves:
            print(f"transitions: {args.clients} clients, up to {args.seconds:g} s …", flush=True)
            with WaitSampler(url) as waits:
                posts, *others = transitions(args, moves, ids.password, port)
            print(f"  PostgreSQL backends busy (mean per sample, by wait): {waits.summary()}")
            phases += [posts, *others]
            figures = posts.samples.figures()
            meets = "yes" if (figures["per_second"] or 0) >= TARGET_RATE and (figures["p95_ms"] or 1e9) < \
                TARGET_P95_MS else "NO"
            rows.append(row(posts, target=f">={TARGET_RATE:g}/s p95<{TARGET_P95_MS:g}ms", meets=meets))
            rows += [row(p) for p in others]
        for key in chosen:
            name, username, path = pages[key]
            print(f"page {path} ({name}): {args.clients} clients, {args.page_seconds:g} s …", flush=True)
            with WaitSampler(url) as waits:
                phases.append(page_views(args, name, username, path, ids.password, port))
            print(f"  PostgreSQL backends busy (mean per sample, by wait): {waits.summary()}")
            rows.append(row(phases[-1]))
    finally:
        server.stop()
    for r in rows:
        r.update({"clients": args.clients, "workers": args.workers, "threads": args.threads})
    report("http", rows, machine=not args.no_save)
    print(f"Targets: transitions ≥ {TARGET_RATE:g}/s with p95 < {TARGET_P95_MS:g} ms (printed, not asserted).")
    for phase in phases:
        if phase.samples.errors:
            print(f"errors in {phase.name}: {dict(phase.statuses)}; the first: {phase.first_error}")


if __name__ == "__main__":
    main()
