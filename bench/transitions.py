"""Campaign transitions on PostgreSQL: the service layer, a hot row, the
viewflow.workflow peer, and the SQL floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdcs_bench python bench/transitions.py
    DATABASE_URL=… python bench/transitions.py --moves 2000 --processes 1,4,8 --hot-actors 8,32 --hot-seconds 10
    DATABASE_URL=… python bench/transitions.py --prepare 5000        # only open 5000 surveyed campaigns, then stop
    DATABASE_URL=… python bench/transitions.py --only service,hot     # some parts only

What it measures (every figure goes through ``bench.common.report``):

1. ``transitions_service`` — P processes (1, 4, 8; one connection each,
   ``connections.close_all()`` after the fork) each advance their own share
   of surveyed campaigns (partitioned by id, no overlap) with
   ``services.campaign_transition(name="contact_employer", data={held_on,
   outcome="supportive"}, expected_stage="surveyed")``: the transition that
   records the employer meeting and moves to "employer contacted" in one
   transaction.
   Throughput (moves/s over the wall time from the common start to the
   last process's end), p50/p95/p99 latency of each call, errors, and SQL
   statements per move (counted once with ``CaptureQueriesContext``, on a
   second move: the first one fills the process's reference-data caches).
   The latency includes the notification's job: with the bench settings'
   ORM broker that is one more INSERT into ``django_q_ormq``, in the move's
   own transaction (``core.jobs.after_commit``; until 01/12/2026 it was
   queued after the commit, a second commit a move). Each process makes one untimed
   warm-up move first (connection, translation catalogs); the actor is read
   once per process, so its scope query is cached as on one web request.
2. ``transitions_hot_row`` — 8 and 32 actors (processes) hammer ONE campaign
   for N seconds: each reads the stage and asks for the next legal move
   (hold or the guarded step forward from a working stage, resume from
   "on hold"), always with ``expected_stage``. Then the append-only history
   is checked: consecutive stage events chain (from_stage of k+1 = to_stage
   of k, from the stage before the run), every event is an edge of
   ``flows.TRANSITIONS`` (a resume returns to the held stage), the final
   stage is the last event's to_stage, one stage event per success, and the
   version moved by exactly the writes that bump it (tallied by the actors,
   and counted from the events). ``lost_updates`` = chain breaks + |successes
   − stage events| + |version delta − bumps tallied| + (final stage wrong);
   ``illegal_edges`` = events that are no edge. Both must be 0.
3. ``transitions_peer`` — the same moves on ``bench.peer.flows.PeerFlow``, a
   plain viewflow.workflow flow (Handle nodes, ``select_for_update_lock``) on
   viewflow's own tables: ``PeerFlow.surveyed.run(task, held_on=…,
   outcome=…)``. Its processes are started before the timing and deleted
   after the run (``--keep-peer`` keeps them).
4. ``transitions_floor`` — the same move as raw psycopg 3 statements (no ORM),
   on the same campaigns' tables, in two variants:
   - ``bare``: BEGIN; SELECT … FOR UPDATE (lock + read); one UPDATE (stage,
     version, stage_entered_at, and the meeting's date/outcome, which the
     composite service also writes); one INSERT of the two history rows
     (meeting + stage event, one multi-row statement); COMMIT. This is the
     minimum that keeps the row and its append-only history true. (After
     the timing, each process writes the tasks and counters it left out,
     so that the summary tables still agree with the rows.)
   - ``full``: bare + the same task and counter writes the service does —
     cancel the left stage's open tasks (UPDATE … RETURNING due_on), create
     the entered stage's template tasks (one INSERT), the four summary
     upserts (stage cohort, stage entries, stage duration, task due counts
     with the closed and opened dates netted in one statement) — and, before
     COMMIT, the same notification row in ``django_q_ormq`` (a real,
     signed django-q2 package for the same job), as the service writes it.
   The floor reads the stage task templates and the working-day calendar
   once per process (reference data); the service reads them on every move.
   psycopg's defaults apply (server-side binding, statements prepared after
   5 uses); Django's backend binds on the client.
5. ``transitions_compare`` — per process count: our moves/s, the peer's and
   the floors', with the ratios (targets printed, not asserted: ≥ 500/s with
   8 processes, p99 < 50 ms, ≥ 3× the peer, within 4× of the floor).

6. ``transitions_statements`` (``--only statements``: a few moves, no
   timing) — per kind of move (a step forward with its tasks, hold,
   resume, abandon), the statements between BEGIN and COMMIT (savepoints
   left out; target ≤ 9) and after the COMMIT, of the second move of its
   kind in this process, and of a first one with the caches emptied (a
   process that just started reads the reference data once).

7. ``transitions_interleaved`` (``--interleave ROUNDS``: only this) — for
   each process count, ROUNDS rounds in which our service, the peer, the
   full floor and the bare floor each make ``--moves // ROUNDS`` moves in
   turn (the order rotated every round), so that a machine whose load
   changes weighs on all of them alike. Per variant: moves/s over the sum
   of its rounds' wall times, p50/p95/p99, our ratio to it over the whole
   run and the median of the rounds' own ratios.

       DATABASE_URL=… python bench/transitions.py --interleave 4 --moves 600 --processes 1,4

Campaigns: by default only campaigns this script opened itself (enterprises
named ``PREPARED_PREFIX`` …, opened through ``enterprise_create`` and
``services.campaign_open`` on the units the actor supervises, round-robin);
when there are too few the run opens the shortfall first (untimed, its time
printed). ``--source any`` takes any surveyed campaign in the actor's scope.
The actor: ``--actor``, else the supervisor named in
``bench/results/generated.json`` (bench/generate.py), else the demo's
``giamsat``.

Every move is real: the run advances campaigns, writes history, tasks and
counters, and queues notifications (in the database, for django-q2).
Scripts, not tests: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import queue as queue_module
import random
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, Samples, database_url, report, setup  # noqa: E402

#: Enterprises opened by ``--prepare`` are named with this prefix.
PREPARED_PREFIX = "Công ty TNHH Thử tải chuyển bước"
#: The first nine digits of the tax codes ``--prepare`` gives them.
TAX_BASE = 700_000_000
TARGETS = {"per_second_8": 500, "p99_ms": 50, "peer_ratio": 3.0, "floor_within": 4.0}
#: Event kinds whose write bumps ``Campaign.version``.
BUMPING_KINDS = ("stage", "meeting", "committee", "counts", "assigned")
BARRIER_TIMEOUT = 600


# --- the actor --------------------------------------------------------------------
def actor_username(explicit: str | None) -> tuple[str, str]:
    """(username, where it came from)."""
    if explicit:
        return explicit, "--actor"
    path = RESULTS / "generated.json"
    if path.exists():
        try:
            name = _supervisor_in(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            name = None
        if name:
            return name, str(path.relative_to(RESULTS.parents[1]))
    return "giamsat", "the demo's supervisor"


#: Keys of generated.json's samples tried first, widest scope first.
PREFERRED_KEYS = ("province_supervisor_username", "supervisor_username", "supervisor", "child_supervisor_username")


def _supervisor_in(data, depth: int = 0) -> str | None:
    """A supervisor username in the generator's sample identities: one of
    ``PREFERRED_KEYS`` (in ``samples`` or at the top), else the first string
    under a key that names a supervisor, or the ``username`` of such an object."""
    if depth > 4:
        return None
    if depth == 0 and isinstance(data, dict):
        for where in (data.get("samples"), data):
            if isinstance(where, dict):
                for key in PREFERRED_KEYS:
                    if isinstance(where.get(key), str) and where[key]:
                        return where[key]
    if isinstance(data, dict):
        for key, value in data.items():
            if "supervisor" in str(key).lower():
                if isinstance(value, str) and value:
                    return value
                if isinstance(value, dict) and isinstance(value.get("username"), str):
                    return value["username"]
                if isinstance(value, list) and value:
                    first = value[0]
                    if isinstance(first, str):
                        return first
                    if isinstance(first, dict) and isinstance(first.get("username"), str):
                        return first["username"]
        for value in data.values():
            if isinstance(value, (dict, list)) and (found := _supervisor_in(value, depth + 1)):
                return found
    elif isinstance(data, list):
        for value in data[:20]:
            if found := _supervisor_in(value, depth + 1):
                return found
    return None


def load_actor(username: str, *, fallback: str | None = None):
    from django.contrib.auth import get_user_model

    from workflows.organisation.permissions import scope_of

    actor = get_user_model().objects.filter(username=username, is_active=True).first()
    if actor is None and fallback:
        print(f"warning: no user {username!r} in this database (generated.json is of another one?); "
              f"acting as {fallback!r}", flush=True)
        return load_actor(fallback)
    if actor is None:
        sys.exit(f"No active user {username!r} in this database (load_demo, bench/generate.py, or --actor).")
    if not scope_of(actor).supervised:
        sys.exit(f"{username!r} supervises no unit: the benchmark needs a supervisor.")
    return actor


# --- processes ----------------------------------------------------------------------
def fork_run(worker: Callable, payloads: Sequence, *, timeout: float | None = None) -> list:
    """Run ``worker(payload, barrier)`` in one forked process per payload,
    each with its own database connection; return their results in order.
    The worker calls ``barrier.wait()`` when ready: all start together."""
    from django.db import connections

    ctx = mp.get_context("fork")
    connections.close_all()  # never share the parent's socket with a child
    barrier = ctx.Barrier(len(payloads))
    results_queue = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(worker, i, payload, barrier, results_queue), daemon=True)
             for i, payload in enumerate(payloads)]
    for proc in procs:
        proc.start()
    results: dict[int, object] = {}
    deadline = None if timeout is None else time.monotonic() + timeout
    while len(results) < len(procs):
        try:
            index, result = results_queue.get(timeout=2)
            results[index] = result
        except queue_module.Empty:
            dead = [i for i, p in enumerate(procs) if not p.is_alive() and i not in results]
            if dead and results_queue.empty():
                time.sleep(0.5)
                if results_queue.empty():
                    for i in dead:
                        results[i] = {"fatal": f"process {i} died (exit code {procs[i].exitcode})"}
            if deadline and time.monotonic() > deadline:
                for i, p in enumerate(procs):
                    if i not in results:
                        p.terminate()
                        results[i] = {"fatal": f"process {i} timed out"}
    for proc in procs:
        proc.join(timeout=30)
    fatal = [r["fatal"] for r in results.values() if isinstance(r, dict) and "fatal" in r]
    if fatal:
        sys.exit("A benchmark process failed:\n" + "\n".join(fatal))
    return [results[i] for i in range(len(procs))]


def _child(worker, index, payload, barrier, results_queue) -> None:
    from django.db import connections

    connections.close_all()
    try:
        result = worker(payload, barrier)
    except BaseException:  # noqa: BLE001 - reported to the parent, which stops the run
        barrier.abort()
        result = {"fatal": traceback.format_exc()}
    finally:
        connections.close_all()
    results_queue.put((index, result))


def partition(ids: Sequence[int], parts: int) -> list[list[int]]:
    """Contiguous, non-overlapping runs of the sorted ids."""
    ids = sorted(ids)
    size, extra = divmod(len(ids), parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        out.append(ids[start:end])
        start = end
    return out


def combine(results: list[dict]) -> Samples:
    samples = Samples()
    for r in results:
        samples.merge(Samples(latencies=r["latencies"], errors=r["errors"]))
    samples.elapsed = max(r["end"] for r in results) - min(r["start"] for r in results)
    return samples


def error_kinds(results: list[dict]) -> str:
    kinds = Counter()
    for r in results:
        kinds.update(r.get("error_kinds", {}))
    return ", ".join(f"{k}×{n}" for k, n in kinds.most_common()) or ""


# --- preparing campaigns ----------------------------------------------------------------
def supervised_units(actor) -> list[int]:
    """Active, non-grassroots units the actor supervises (responsible units
    of the campaigns ``--prepare`` opens)."""
    from workflows.organisation.models import Unit
    from workflows.organisation.permissions import scope_of

    scope = scope_of(actor)
    units = (Unit.objects.filter(scope.subtree_q("path", scope.supervised), is_active=True,
                                 kind__is_grassroots=False).order_by("path").values_list("pk", flat=True))
    return list(units)


def surveyed_ids(actor, source: str, limit: int | None = None) -> list[int]:
    from workflows.campaigns.models import Campaign
    from workflows.organisation.permissions import scope_of

    scope = scope_of(actor)
    rows = Campaign.objects.filter(scope.subtree_q("responsible_unit__path", scope.supervised), stage="surveyed")
    if source == "prepared":
        rows = rows.filter(enterprise__name__startswith=PREPARED_PREFIX)
    rows = rows.order_by("pk").values_list("pk", flat=True)
    return list(rows[:limit] if limit else rows)


def prepare(count: int, actor, processes: int = 2) -> float:
    """Open ``count`` fresh campaigns in "surveyed" on new enterprises, through
    the services (enterprise_create, campaign_open); return the seconds taken."""
    from workflows.enterprises.models import Enterprise

    if count <= 0:
        return 0.0
    units = supervised_units(actor)
    if not units:
        sys.exit("The actor supervises no active unit to open campaigns in.")
    taken = (Enterprise.objects.filter(tax_code__startswith=str(TAX_BASE)[0], name__startswith=PREPARED_PREFIX)
             .order_by("-tax_code").values_list("tax_code", flat=True).first())
    base = int(taken[:9]) + 1 if taken else TAX_BASE
    processes = max(1, min(processes, count))
    shares = [count // processes + (1 if i < count % processes else 0) for i in range(processes)]
    payloads = [(actor.pk, units, base + i, processes, share) for i, share in enumerate(shares)]
    started = time.perf_counter()
    results = fork_run(_prepare_worker, payloads)
    opened = sum(r["opened"] for r in results)
    seconds = time.perf_counter() - started
    print(f"prepared {opened} surveyed campaigns in {seconds:.1f} s ({processes} processes)", flush=True)
    return seconds


def _prepare_worker(payload, barrier) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    from workflows.campaigns import services
    from workflows.core import notify
    from workflows.enterprises.services import EnterpriseData, enterprise_create
    from workflows.enterprises.validation import tax_code_check_digit
    from workflows.organisation.models import Unit

    actor_id, unit_ids, number, stride, share = payload
    actor = get_user_model().objects.get(pk=actor_id)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)}
    barrier.wait(timeout=BARRIER_TIMEOUT)
    opened = 0
    with notify.silenced():
        while opened < share:
            nine = f"{number:09d}"
            number += stride
            digit = tax_code_check_digit(nine)
            if digit is None:
                continue
            unit = units[unit_ids[(number // stride) % len(unit_ids)]]
            try:
                enterprise = enterprise_create(
                    tax_code=f"{nine}{digit}", responsible_unit=unit, actor=actor,
                    data=EnterpriseData(name=f"{PREPARED_PREFIX} {nine}", workforce=100 + number % 900))
            except ValidationError:  # the tax code is taken (by the generator, say): the next one
                continue
            services.campaign_open(enterprise_id=enterprise.pk, actor=actor)
            opened += 1
    return {"opened": opened}


# --- 1. the service layer ----------------------------------------------------------------
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def count_queries(call: Callable[[], object]) -> dict:
    """Run ``call`` once and sort its SQL: all statements, transaction control
    (BEGIN, COMMIT, savepoints), what ran between BEGIN and COMMIT (the
    move's own statements, savepoints left out) and after the commit."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        call()
    sqls = [q["sql"].strip() for q in ctx.captured_queries]
    control = [s for s in sqls if s.split(" ")[0].upper() in CONTROL]
    end = sqls.index("COMMIT") if "COMMIT" in sqls else len(sqls)
    start = sqls.index("BEGIN") + 1 if "BEGIN" in sqls[:end] else 0
    inside = [s for s in sqls[start:end] if s.split(" ")[0].upper() not in CONTROL]
    after = sqls[end + 1:]
    return {"statements": len(sqls), "control": len(control), "after_commit": len(after),
            "data": len(sqls) - len(control), "in_transaction": len(inside), "sql": sqls}


def _service_worker(payload, barrier) -> dict:
    from django.contrib.auth import get_user_model

    from workflows.core import clock
    from workflows.organisation.permissions import scope_of

    ids, actor_id, warm = payload
    actor = get_user_model().objects.get(pk=actor_id)
    scope_of(actor)
    held_on = clock.today()
    if warm:
        _contact_employer(warm, actor, held_on, expected_stage="surveyed")
    barrier.wait(timeout=BARRIER_TIMEOUT)
    return _timed_loop(ids, lambda cid: _contact_employer(cid, actor, held_on, expected_stage="surveyed"))


def _timed_loop(items, call) -> dict:
    latencies, kinds, messages = [], Counter(), []
    start = time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        try:
            call(item)
        except Exception as error:  # noqa: BLE001 - counted and reported
            kinds[type(error).__name__] += 1
            if len(messages) < 3:
                messages.append(f"{type(error).__name__}: {str(error)[:200]}")
            continue
        latencies.append(time.perf_counter() - t0)
    end = time.perf_counter()
    return {"latencies": latencies, "errors": sum(kinds.values()), "error_kinds": dict(kinds),
            "messages": messages, "start": start, "end": end}


def take(pool: list[int], count: int) -> list[int]:
    if len(pool) < count:
        sys.exit(f"Not enough surveyed campaigns left ({len(pool)} for {count}).")
    out = pool[:count]
    del pool[:count]
    return out


def bench_service(pool: list[int], actor, moves: int, processes: list[int]) -> tuple[list[dict], dict]:
    from workflows.core import clock

    warm, probe = take(pool, 2)
    _contact_employer(warm, actor, clock.today(), expected_stage="surveyed")  # the caches filled, as in a worker
    queries = count_queries(lambda: _contact_employer(probe, actor, clock.today(), expected_stage="surveyed"))
    rows = []
    for p in processes:
        warm = take(pool, p)
        shares = partition(take(pool, moves), p)
        results = fork_run(_service_worker, [(share, actor.pk, warm[i]) for i, share in enumerate(shares)])
        rows.append(_row("service", p, results, queries["statements"]))
    return rows, queries


def _row(scenario: str, processes: int, results: list[dict], statements) -> dict:
    samples = combine(results)
    figures = samples.figures()
    return {"scenario": scenario, "processes": processes, **figures, "sql_per_move": statements,
            "target_per_second": TARGETS["per_second_8"] if processes == 8 else None,
            "target_p99_ms": TARGETS["p99_ms"], "error_kinds": error_kinds(results),
            "first_errors": "; ".join(m for r in results for m in r.get("messages", []))[:300]}


# --- 2. the hot row ----------------------------------------------------------------------
def _contact_employer(campaign_id: int, actor, held_on: dt.date, **kwargs):
    from workflows.campaigns import services

    return services.campaign_transition(campaign_id=campaign_id, name="contact_employer", actor=actor,
                                        data={"held_on": held_on, "outcome": "supportive"}, **kwargs)


def next_move(row: dict, rng: random.Random, today: dt.date, rules=None):
    """(transition, its data, version bumps on success) for the campaign as
    read: resume from "on hold"; from a working stage, the guarded step
    forward (recording the guard data its form collects) or hold; from the
    founding congress, hold only (recognition would close the game)."""
    from workflows.campaigns import services
    from workflows.campaigns.flows import Rules, Stage

    rules = rules or Rules()
    stage = row["stage"]
    if stage == Stage.ON_HOLD:
        return "resume", {}, 1
    if stage not in (Stage.SURVEYED, Stage.EMPLOYER_CONTACTED, Stage.MOBILISING_COMMITTEE, Stage.FOUNDING_CONGRESS):
        return None, {}, 0
    if stage == Stage.FOUNDING_CONGRESS or rng.random() < 0.6:
        return "hold", {}, 1
    if stage == Stage.SURVEYED:
        return "contact_employer", {"held_on": today, "outcome": "supportive"}, 2
    if stage == Stage.EMPLOYER_CONTACTED:
        members = [services.CommitteeMemberData(f"Công nhân {i}", is_head=i == 0)
                   for i in range(max(3, rules.min_committee))]
        return "form_committee", {"members": members, "formed_on": today}, 2
    # Applications change only in the one successful step forward from here,
    # so the value read is the value under the lock when that step succeeds.
    applications = max(5, rules.min_members)
    bumps = 1 if row["applications"] == applications else 2
    return "hold_congress", {"applications": applications, "congress_on": today}, bumps


def hot_actor(campaign_id: int, actor_id: int, seconds: float, seed: int, wait: Callable[[], object]) -> dict:
    """One actor of the hot row: read, choose, write with ``expected_stage``,
    until ``seconds`` after the common start."""
    from django.contrib.auth import get_user_model

    from workflows.campaigns import services
    from workflows.campaigns.models import Campaign
    from workflows.campaigns.selectors import rules_in_force
    from workflows.core import clock
    from workflows.core.errors import Conflict
    from workflows.organisation.permissions import scope_of

    actor = get_user_model().objects.get(pk=actor_id)
    scope_of(actor)
    rng, today = random.Random(seed), clock.today()
    rules = rules_in_force(on=today)
    tally = {"successes": 0, "conflicts": 0, "bumps": 0, "reads": 0, "latencies": [], "error_kinds": Counter(),
             "messages": [], "moves": Counter()}
    wait()
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        row = Campaign.objects.filter(pk=campaign_id).values("stage", "applications").get()
        tally["reads"] += 1
        name, data, bumps = next_move(row, rng, today, rules)
        if name is None:
            break
        t0 = time.perf_counter()
        try:
            services.campaign_transition(campaign_id=campaign_id, name=name, actor=actor,
                                         expected_stage=row["stage"], data=data)
        except Conflict:
            tally["conflicts"] += 1
            continue
        except Exception as error:  # noqa: BLE001 - counted and reported
            tally["error_kinds"][type(error).__name__] += 1
            if len(tally["messages"]) < 3:
                tally["messages"].append(f"{type(error).__name__}: {str(error)[:200]}")
            continue
        tally["latencies"].append(time.perf_counter() - t0)
        tally["successes"] += 1
        tally["bumps"] += bumps
        tally["moves"][name] += 1
    tally["start"], tally["end"] = start, time.perf_counter()
    tally["error_kinds"], tally["moves"] = dict(tally["error_kinds"]), dict(tally["moves"])
    return tally


def _hot_worker(payload, barrier) -> dict:
    campaign_id, actor_id, seconds, seed = payload
    return hot_actor(campaign_id, actor_id, seconds, seed, lambda: barrier.wait(timeout=BARRIER_TIMEOUT))


def hot_row(campaign_id: int, actor_id: int, *, actors: int, seconds: float, mode: str = "process",
            seed: int = 1) -> dict:
    """Hammer one campaign with ``actors`` actors (``process``: forked
    processes; ``thread``: threads), each on its own connection, for
    ``seconds``; then check the history. Returns the tallies and the check."""
    from django.db import connections

    before = campaign_snapshot(campaign_id)
    if mode == "thread":
        barrier = threading.Barrier(actors)
        results: list[dict | None] = [None] * actors
        failures: list[str] = []

        def run(i: int) -> None:
            try:
                results[i] = hot_actor(campaign_id, actor_id, seconds, seed + i,
                                       lambda: barrier.wait(timeout=BARRIER_TIMEOUT))
            except BaseException:  # noqa: BLE001 - re-raised below
                barrier.abort()
                failures.append(traceback.format_exc())
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(actors)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 120)
        if failures or any(r is None for r in results):
            raise RuntimeError("a hot-row actor failed:\n" + "\n".join(failures))
    else:
        results = fork_run(_hot_worker, [(campaign_id, actor_id, seconds, seed + i) for i in range(actors)])
    tallies = {k: sum(r[k] for r in results) for k in ("successes", "conflicts", "bumps", "reads")}
    kinds, moves = Counter(), Counter()
    for r in results:
        kinds.update(r["error_kinds"])
        moves.update(r["moves"])
    samples = Samples(latencies=[x for r in results for x in r["latencies"]])
    samples.elapsed = max(r["end"] for r in results) - min(r["start"] for r in results)
    check = verify_history(campaign_id, before, successes=tallies["successes"], bumps=tallies["bumps"])
    return {**tallies, "other_errors": sum(kinds.values()), "error_kinds": dict(kinds), "moves": dict(moves),
            "samples": samples, "check": check,
            "messages": [m for r in results for m in r["messages"]][:3]}


def campaign_snapshot(campaign_id: int) -> dict:
    from django.db.models import Max

    from workflows.campaigns.models import Campaign, CampaignEvent

    row = Campaign.objects.filter(pk=campaign_id).values("stage", "held_stage", "version").get()
    last = CampaignEvent.objects.filter(campaign_id=campaign_id).aggregate(last=Max("pk"))["last"] or 0
    return {**row, "last_event": last}


def legal_edge(from_stage: str, to_stage: str, held_stage: str) -> bool:
    """Is (from, to) an edge of ``flows.TRANSITIONS``? A resume must return
    to the stage the campaign was held in (when that is known)."""
    from workflows.campaigns import flows

    for spec in flows.TRANSITIONS.values():
        if from_stage not in spec.sources:
            continue
        if spec.target is not None and spec.target == to_stage:
            return True
        if spec.target is None and to_stage in flows.WORKING_STAGES and (not held_stage or to_stage == held_stage):
            return True
    return False


def verify_history(campaign_id: int, before: dict, *, successes: int, bumps: int) -> dict:
    """Check the campaign's events written since ``before`` (see the module
    docstring); every count here must be 0 for a consistent history."""
    from workflows.campaigns import flows
    from workflows.campaigns.flows import Stage
    from workflows.campaigns.models import Campaign, CampaignEvent, Task, TaskStatus
    from workflows.campaigns.selectors import stage_templates

    campaign = Campaign.objects.get(pk=campaign_id)
    events = list(CampaignEvent.objects.filter(campaign_id=campaign_id, pk__gt=before["last_event"])
                  .order_by("at", "pk").values("pk", "kind", "from_stage", "to_stage", "at"))
    stage_events = [e for e in events if e["kind"] == "stage"]
    chain_breaks = illegal = 0
    prev, held = before["stage"], before["held_stage"]
    for event in stage_events:
        if event["from_stage"] != prev:
            chain_breaks += 1
        if not legal_edge(event["from_stage"], event["to_stage"], held):
            illegal += 1
        if event["to_stage"] == Stage.ON_HOLD:
            held = event["from_stage"]
        elif event["from_stage"] == Stage.ON_HOLD:
            held = ""
        prev = event["to_stage"]
    # ``at`` is read under the row lock, so time order and insertion order agree
    order_mismatch = int([e["pk"] for e in events] != sorted(e["pk"] for e in events))
    final_ok = campaign.stage == prev and (campaign.stage != Stage.ON_HOLD or campaign.held_stage == held)
    version_delta = campaign.version - before["version"]
    bumping_events = sum(1 for e in events if e["kind"] in BUMPING_KINDS)
    # the open tasks are exactly one set of the current stage's template tasks
    open_tasks = Counter(Task.objects.filter(campaign_id=campaign_id, status=TaskStatus.OPEN)
                         .values_list("stage", flat=True))
    expected_tasks = (Counter({campaign.stage: stage_templates(campaign.stage).count()})
                      if campaign.stage in flows.WORKING_STAGES else Counter())
    lost = (chain_breaks + abs(successes - len(stage_events)) + abs(version_delta - bumps)
            + (0 if final_ok else 1))
    return {
        "stage_events": len(stage_events), "events": len(events), "chain_breaks": chain_breaks,
        "illegal_edges": illegal, "order_mismatch": order_mismatch, "final_stage": campaign.stage,
        "final_stage_ok": final_ok, "version_delta": version_delta, "bumps_tallied": bumps,
        "bumping_events": bumping_events, "version_ok": version_delta == bumps == bumping_events,
        "open_tasks_ok": +open_tasks == +expected_tasks, "lost_updates": lost,
    }


def bench_hot_row(actor, counts: list[int], seconds: float) -> list[dict]:
    rows = []
    for n in counts:
        prepare(1, actor, processes=1)
        campaign_id = max(surveyed_ids(actor, "prepared"))
        result = hot_row(campaign_id, actor.pk, actors=n, seconds=seconds, mode="process")
        check, figures = result["check"], result["samples"].figures()
        attempts = result["successes"] + result["conflicts"] + result["other_errors"]
        rows.append({
            "actors": n, "seconds": figures["seconds"], "attempts": attempts, "successes": result["successes"],
            "successes_per_second": figures["per_second"], "conflicts": result["conflicts"],
            "other_errors": result["other_errors"], "p50_ms": figures["p50_ms"], "p99_ms": figures["p99_ms"],
            "stage_events": check["stage_events"], "version_delta": check["version_delta"],
            "lost_updates": check["lost_updates"], "illegal_edges": check["illegal_edges"],
            "chain_breaks": check["chain_breaks"], "version_ok": check["version_ok"],
            "final_stage_ok": check["final_stage_ok"], "open_tasks_ok": check["open_tasks_ok"],
            "final_stage": check["final_stage"], "campaign": campaign_id,
            "moves": ", ".join(f"{k.removeprefix('campaign_')}×{v}" for k, v in sorted(result["moves"].items())),
            "error_kinds": ", ".join(f"{k}×{v}" for k, v in result["error_kinds"].items()),
        })
    return rows


# --- 3. the viewflow.workflow peer --------------------------------------------------------
def _peer_start_worker(payload, barrier) -> dict:
    from bench.peer.flows import PeerFlow

    count, label = payload
    barrier.wait(timeout=BARRIER_TIMEOUT)
    return {"started": [PeerFlow.start.run(enterprise=f"{label} {i}").pk for i in range(count)]}


def _peer_worker(payload, barrier) -> dict:
    from viewflow.workflow.models import Task

    from bench.peer.flows import PeerFlow
    from workflows.core import clock

    task_ids, warm = payload
    held_on = clock.today()

    def move(task_id: int) -> None:
        PeerFlow.surveyed.run(Task.objects.get(pk=task_id), held_on=held_on, outcome="supportive")

    if warm:
        move(warm)
    barrier.wait(timeout=BARRIER_TIMEOUT)
    return _timed_loop(task_ids, move)


def peer_start(needed: int) -> list[int]:
    """Start ``needed`` peer processes; the ids of their waiting "surveyed" tasks."""
    from viewflow.workflow.models import Task

    from bench.peer.flows import PeerFlow

    workers = 2
    started = time.perf_counter()
    fork_run(_peer_start_worker, [(needed // workers + (1 if i < needed % workers else 0), f"peer-{i}")
                                  for i in range(workers)])
    print(f"started {needed} peer processes in {time.perf_counter() - started:.1f} s", flush=True)
    return list(Task.objects.filter(process__flow_class=PeerFlow, flow_task=PeerFlow.surveyed, status="NEW")
                .order_by("pk").values_list("pk", flat=True))


def peer_delete() -> None:
    from viewflow.workflow.models import Process, Task

    from bench.peer.flows import PeerFlow

    ids = list(Process.objects.filter(flow_class=PeerFlow).values_list("pk", flat=True))
    Task.previous.through.objects.filter(to_task__process_id__in=ids).delete()
    Task.objects.filter(process_id__in=ids).delete()
    Process.objects.filter(pk__in=ids).delete()


def bench_peer(moves: int, processes: list[int], *, keep: bool) -> tuple[list[dict], int]:
    from viewflow.workflow.models import Task

    from bench.peer.flows import PeerFlow

    waiting = peer_start(1 + sum(moves + p for p in processes))
    probe = take(waiting, 1)[0]
    from workflows.core import clock

    queries = count_queries(lambda: PeerFlow.surveyed.run(Task.objects.get(pk=probe), held_on=clock.today(),
                                                          outcome="supportive"))
    rows = []
    for p in processes:
        warm = take(waiting, p)
        shares = partition(take(waiting, moves), p)
        results = fork_run(_peer_worker, [(share, warm[i]) for i, share in enumerate(shares)])
        rows.append(_row("viewflow peer", p, results, queries["statements"]))
    if not keep:
        peer_delete()
    return rows, queries["statements"]


# --- 4. the SQL floor ---------------------------------------------------------------------
class Floor:
    """One transition as raw psycopg 3 statements (see the module docstring)."""

    def __init__(self, actor_id: int, *, full: bool) -> None:
        import psycopg
        from django.utils import timezone
        from django.utils.translation import gettext as _

        from workflows.campaigns.flows import Stage
        from workflows.campaigns.selectors import stage_templates
        from workflows.core import clock
        from workflows.organisation.workdays import WorkingCalendar

        self.full, self.actor_id = full, actor_id
        self.conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        self.today = clock.today()
        self.templates = list(stage_templates(Stage.EMPLOYER_CONTACTED).values_list(
            "pk", "title", "description", "due_in_working_days"))
        longest = max((t[3] for t in self.templates), default=0)
        self.calendar = WorkingCalendar.load(self.today - dt.timedelta(days=800),
                                             self.today + dt.timedelta(days=longest * 2 + 45))
        self.due_dates = [self.calendar.add(self.today, t[3]) for t in self.templates]
        self.closing_note = _("Cancelled: the campaign moved from “%(from)s” to “%(to)s”.") % {
            "from": Stage.SURVEYED.label, "to": Stage.EMPLOYER_CONTACTED.label}
        self.timezone = timezone.get_current_timezone()
        self.statements = 0
        #: The bare floor's moves whose task and counter writes are still owed.
        self.debts: list[tuple] = []

    def _x(self, cursor, sql: str, params=()):
        self.statements += 1
        return cursor.execute(sql, params)

    def move(self, campaign_id: int) -> None:
        from psycopg.types.json import Jsonb

        from workflows.core import clock
        from workflows.core.errors import Conflict

        now = clock.now()
        today = self.today
        with self.conn.transaction(), self.conn.cursor() as cur:
            self.statements += 2  # BEGIN, COMMIT
            row = self._x(cur, "SELECT stage, stage_entered_at, responsible_unit_id, working_group_id, employer_met_on "
                               "FROM campaigns_campaign WHERE id = %s FOR UPDATE", (campaign_id,)).fetchone()
            if row is None or row[0] != "surveyed":
                raise Conflict.stale()
            _, entered_at, unit_id, group_id, met_on = row
            entered_on = entered_at.astimezone(self.timezone).date()
            days = self.calendar.between(entered_on, max(entered_on, today))
            meeting = met_on is None or today >= met_on
            self._x(cur, "UPDATE campaigns_campaign SET stage = 'employer_contacted', version = version + 2, "
                         "stage_entered_at = %s, employer_met_on = CASE WHEN %s THEN %s ELSE employer_met_on END, "
                         "employer_meeting_outcome = CASE WHEN %s THEN %s ELSE employer_meeting_outcome END "
                         "WHERE id = %s", (now, meeting, today, meeting, "supportive", campaign_id))
            self._x(cur, "INSERT INTO campaigns_campaignevent (campaign_id, unit_id, kind, at, actor_id, from_stage, "
                         "to_stage, note, data) VALUES (%s, %s, 'meeting', %s, %s, '', '', '', %s), "
                         "(%s, %s, 'stage', %s, %s, 'surveyed', 'employer_contacted', '', %s) RETURNING id",
                    (campaign_id, unit_id, now, self.actor_id,
                     Jsonb({"held_on": today.isoformat(), "outcome": "supportive", "attendees": ""}),
                     campaign_id, unit_id, now, self.actor_id, Jsonb({"days_in_stage": days})))
            event_id = cur.fetchall()[-1][0]
            if self.full:
                self._tasks_and_counters(cur, campaign_id, unit_id, group_id, entered_on, days, now)
                self._enqueue(event_id)  # in the transaction, as the service's (core.jobs.after_commit)
            else:
                self.debts.append((campaign_id, unit_id, group_id, entered_on, days, now))

    def settle(self) -> None:
        """After the timing: the task and counter writes the bare floor left
        out, so that the database stays consistent (summary tables = rows)."""
        for debt in self.debts:  # one transaction each, as the moves: rows in the same order, no deadlock
            with self.conn.transaction(), self.conn.cursor() as cur:
                self._tasks_and_counters(cur, *debt)
        self.debts = []

    def _tasks_and_counters(self, cur, campaign_id, unit_id, group_id, entered_on, days, now) -> None:
        today, month = self.today, self.today.replace(day=1)
        closed = [r[0] for r in self._x(
            cur, "UPDATE campaigns_task SET status = 'cancelled', closed_by_id = %s, closed_at = %s, "
                 "closing_note = %s WHERE campaign_id = %s AND stage = 'surveyed' AND status = 'open' "
                 "RETURNING due_on", (self.actor_id, now, self.closing_note, campaign_id)).fetchall()]
        if self.templates:
            values, params = [], []
            for (template_id, title, description, _days), due_on in zip(self.templates, self.due_dates, strict=True):
                values.append("(%s, 'employer_contacted', %s, %s, %s, NULL, %s, %s, 'open', %s, %s, NULL, NULL, '')")
                params += [campaign_id, title, description, template_id, group_id, due_on, self.actor_id, now]
            self._x(cur, "INSERT INTO campaigns_task (campaign_id, stage, title, description, template_id, "
                         "assignee_id, working_group_id, due_on, status, created_by_id, created_at, closed_by_id, "
                         "closed_at, closing_note) VALUES " + ", ".join(values), params)
        self._x(cur, "INSERT INTO statistics_stagecohort (unit_id, stage, entered_on, campaigns) VALUES "
                     "(%s, 'employer_contacted', %s, 1), (%s, 'surveyed', %s, -1) "
                     "ON CONFLICT (unit_id, stage, entered_on) DO UPDATE SET "
                     "campaigns = statistics_stagecohort.campaigns + EXCLUDED.campaigns",
                (unit_id, today, unit_id, entered_on))
        self._x(cur, "INSERT INTO campaigns_stageentries (unit_id, month, stage, campaigns) "
                     "VALUES (%s, %s, 'employer_contacted', 1) ON CONFLICT (unit_id, month, stage) DO UPDATE SET "
                     "campaigns = campaigns_stageentries.campaigns + EXCLUDED.campaigns",
                (unit_id, month))
        self._x(cur, "INSERT INTO statistics_stageduration (unit_id, month, stage, working_days, stints) "
                     "VALUES (%s, %s, 'surveyed', %s, 1) ON CONFLICT (unit_id, month, stage, working_days) "
                     "DO UPDATE SET stints = statistics_stageduration.stints + EXCLUDED.stints",
                (unit_id, month, days))
        deltas = Counter(self.due_dates)
        deltas.subtract(closed)
        deltas = sorted((d, n) for d, n in deltas.items() if n)
        if deltas:
            self._x(cur, "INSERT INTO statistics_taskduecount (unit_id, due_on, open_tasks) VALUES "
                         + ", ".join(["(%s, %s, %s)"] * len(deltas))
                         + " ON CONFLICT (unit_id, due_on) DO UPDATE SET "
                           "open_tasks = statistics_taskduecount.open_tasks + EXCLUDED.open_tasks",
                    [x for d, n in deltas for x in (unit_id, d, n)])

    def _enqueue(self, event_id: int) -> None:
        from django.utils import timezone
        from django_q.conf import Conf
        from django_q.humanhash import uuid
        from django_q.signing import SignedPackage

        tag = uuid()
        pack = SignedPackage.dumps({"id": tag[1], "name": tag[0],
                                    "func": "workflows.notifications.jobs.notify_stage_changed",
                                    "args": (event_id,), "kwargs": {}, "started": timezone.now()})
        with self.conn.cursor() as cur:
            self._x(cur, "INSERT INTO django_q_ormq (key, payload, lock) VALUES (%s, %s, now())",
                    (Conf.CLUSTER_NAME, pack))


def _floor_worker(payload, barrier) -> dict:
    ids, actor_id, full, warm = payload
    floor = Floor(actor_id, full=full)
    if warm:
        floor.move(warm)
    barrier.wait(timeout=BARRIER_TIMEOUT)
    floor.statements = 0
    result = _timed_loop(ids, floor.move)
    result["statements"] = floor.statements
    floor.settle()
    floor.conn.close()
    return result


def bench_floor(pool: list[int], actor, moves: int, processes: list[int], *, full: bool) -> list[dict]:
    rows = []
    for p in processes:
        warm = take(pool, p)
        shares = partition(take(pool, moves), p)
        results = fork_run(_floor_worker, [(share, actor.pk, full, warm[i]) for i, share in enumerate(shares)])
        done = sum(len(r["latencies"]) for r in results)
        statements = round(sum(r["statements"] for r in results) / done, 1) if done else None
        rows.append(_row("floor full" if full else "floor bare", p, results, statements))
    return rows


# --- 7. interleaved: ours, the peer and the floors in turn ---------------------------------
INTERLEAVED = ("service", "viewflow peer", "floor full", "floor bare")


def bench_interleaved(pool: list[int], actor, moves: int, processes: list[int], rounds: int, *,
                      keep_peer: bool) -> list[dict]:
    """For each process count, ``rounds`` rounds of ``moves // rounds`` moves
    of each variant in turn (``INTERLEAVED``, the order rotated every
    round), so that the machine's load weighs on all of them alike. A
    variant's throughput is its moves over the sum of its rounds' wall
    times; ``median_ratio_*`` is the median of the rounds' own ratios."""
    from statistics import median

    per_round = max(1, moves // rounds)
    waiting = peer_start(sum(rounds * (per_round + p) for p in processes))
    runs = {
        "service": lambda share, warm: fork_run(_service_worker, [(s, actor.pk, w)
                                                                  for s, w in zip(share, warm, strict=True)]),
        "viewflow peer": lambda share, warm: fork_run(_peer_worker, list(zip(share, warm, strict=True))),
        "floor full": lambda share, warm: fork_run(_floor_worker, [(s, actor.pk, True, w)
                                                                   for s, w in zip(share, warm, strict=True)]),
        "floor bare": lambda share, warm: fork_run(_floor_worker, [(s, actor.pk, False, w)
                                                                   for s, w in zip(share, warm, strict=True)]),
    }
    rows = []
    for p in processes:
        samples = {name: Samples() for name in INTERLEAVED}
        rates: dict[str, list[float]] = {name: [] for name in INTERLEAVED}
        for r in range(rounds):
            order = INTERLEAVED[r % len(INTERLEAVED):] + INTERLEAVED[:r % len(INTERLEAVED)]
            for name in order:
                source = waiting if name == "viewflow peer" else pool
                warm, share = take(source, p), partition(take(source, per_round), p)
                results = runs[name](share, warm)
                combined = combine(results)
                samples[name].merge(combined)
                samples[name].elapsed += combined.elapsed
                rates[name].append(len(combined.latencies) / combined.elapsed if combined.elapsed else 0.0)
        ours = samples["service"].figures()
        for name in INTERLEAVED:
            figures = samples[name].figures()
            row = {"processes": p, "variant": name, "rounds": rounds, **figures}
            if name != "service":
                row["ours_to_it"] = round(ours["per_second"] / figures["per_second"], 2) \
                    if figures["per_second"] else None
                row["median_round_ratio"] = round(median(
                    a / b for a, b in zip(rates["service"], rates[name], strict=True) if b), 2)
            rows.append(row)
    if not keep_peer:
        peer_delete()
    return rows


# --- 6. statements a move, by kind ---------------------------------------------------------
#: The kinds of move counted: (label, transition, its form's data); each leaves the campaign
#: where the next one starts.
MOVE_KINDS = (("step forward with tasks (contact_employer)", "contact_employer", "meeting"),
              ("hold", "hold", None), ("resume", "resume", None),
              ("abandon", "abandon", {"reason": "employer_refused"}))
STATEMENTS_TARGET = 9


def bench_statements(pool: list[int], actor) -> list[dict]:
    """The statements of each kind of move (``MOVE_KINDS``) on two campaigns
    in turn: the first takes it once (the caches filled), the second is
    counted; then a third, with the caches emptied, counts a cold one."""
    from workflows.campaigns import services
    from workflows.core import clock
    from workflows.organisation.reference_stamp import caches_clear

    first, second, cold = take(pool, 3)

    def take_move(campaign_id: int, name: str, data) -> None:
        data = {"held_on": clock.today(), "outcome": "supportive"} if data == "meeting" else data
        services.campaign_transition(campaign_id=campaign_id, name=name, actor=actor, data=data)

    rows = []
    for label, name, data in MOVE_KINDS:
        take_move(first, name, data)
        counted = count_queries(lambda name=name, data=data: take_move(second, name, data))
        rows.append({"move": label, "in_transaction": counted["in_transaction"],
                     "after_commit": counted["after_commit"], "all_statements": counted["statements"],
                     "target_in_transaction": f"<= {STATEMENTS_TARGET}",
                     "met": counted["in_transaction"] <= STATEMENTS_TARGET})
    caches_clear()
    label, name, data = MOVE_KINDS[0]
    counted = count_queries(lambda: take_move(cold, name, data))
    rows.append({"move": f"{label}, first of a process (caches empty)", "in_transaction": counted["in_transaction"],
                 "after_commit": counted["after_commit"], "all_statements": counted["statements"],
                 "target_in_transaction": "(reads the reference data once)", "met": None})
    return rows


# --- the run -----------------------------------------------------------------------------
PARTS = ("service", "floor", "peer", "hot", "statements")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moves", type=int, default=500, help="stage moves per scenario (default 500)")
    parser.add_argument("--processes", default="1,4,8", help="process counts (default 1,4,8)")
    parser.add_argument("--hot-actors", default="8,32", help="actors on the hot row (default 8,32)")
    parser.add_argument("--hot-seconds", type=float, default=8, help="seconds per hot-row run (default 8)")
    parser.add_argument("--only", default=",".join(PARTS), help=f"parts to run, of {','.join(PARTS)}")
    parser.add_argument("--actor", help="the supervisor to act as (default: generated.json, else giamsat)")
    parser.add_argument("--source", choices=("prepared", "any"), default="prepared",
                        help="which surveyed campaigns to move (default: those this script opened)")
    parser.add_argument("--prepare", type=int, metavar="N",
                        help="open N fresh surveyed campaigns for the actor, then stop")
    parser.add_argument("--prepare-processes", type=int, default=2)
    parser.add_argument("--keep-peer", action="store_true", help="keep the peer's viewflow processes")
    parser.add_argument("--interleave", type=int, metavar="ROUNDS", default=0,
                        help="only run ours, the peer and the floors in turn, ROUNDS rounds per process count")
    parser.add_argument("--prepared-ab", type=int, metavar="ROUNDS", default=0,
                        help="only compare, in this process, service moves with and without the prepared "
                             "statements (PREPARED_STATEMENTS), --moves // ROUNDS of each in turn a round")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="only profile N service moves in this process (cProfile, the 30 costliest calls)")
    args = parser.parse_args(argv)

    database_url()
    setup()
    import logging

    logging.getLogger("django-q").setLevel(logging.WARNING)
    from django.db import connection

    username, origin = actor_username(args.actor)
    actor = load_actor(username, fallback=None if args.actor else "giamsat")
    username = actor.get_username()
    print(f"database {connection.settings_dict['NAME']}, actor {username} ({origin}), {os.cpu_count()} CPUs",
          flush=True)
    if args.prepare is not None:
        prepare(args.prepare, actor, args.prepare_processes)
        return
    if args.profile:
        profile_service(actor, args.profile, args.source)
        return
    if args.prepared_ab:
        report("transitions_prepared_ab", prepared_ab(actor, args.prepared_ab, args.moves, args.source))
        return
    if args.interleave:
        processes = [int(p) for p in args.processes.split(",") if p.strip()]
        per_round = max(1, args.moves // args.interleave)
        needed = 3 * sum(args.interleave * (per_round + p) for p in processes)
        pool = surveyed_ids(actor, args.source)
        if len(pool) < needed:
            prepare(needed - len(pool), actor, args.prepare_processes)
            pool = surveyed_ids(actor, args.source)
        report("transitions_interleaved", bench_interleaved(pool, actor, args.moves, processes, args.interleave,
                                                            keep_peer=args.keep_peer))
        return

    processes = [int(p) for p in args.processes.split(",") if p.strip()]
    hot_counts = [int(p) for p in args.hot_actors.split(",") if p.strip()]
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = parts - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    per_kind = args.moves * len(processes) + sum(processes)
    needed = (((per_kind + 2) if "service" in parts else 0) + (2 * per_kind if "floor" in parts else 0)
              + (3 if "statements" in parts else 0))
    pool = surveyed_ids(actor, args.source)
    prepare_seconds = 0.0
    if len(pool) < needed:
        if args.source == "any":
            sys.exit(f"{len(pool)} surveyed campaigns in scope, {needed} needed: lower --moves or --prepare.")
        print(f"{len(pool)} prepared surveyed campaigns, {needed} needed: opening {needed - len(pool)}", flush=True)
        prepare_seconds = prepare(needed - len(pool), actor, args.prepare_processes)
        pool = surveyed_ids(actor, args.source)
    run = {"moves": args.moves, "actor": username, "cpus": os.cpu_count(), "database": connection.settings_dict["NAME"]}

    by_scenario: dict[tuple[str, int], dict] = {}
    if "service" in parts:
        rows, queries = bench_service(pool, actor, args.moves, processes)
        by_scenario.update({(r["scenario"], r["processes"]): r for r in rows})
        report("transitions_service", [{**r, **run} for r in rows])
        report("transitions_queries", [{
            "service": "campaign_contact_employer", "statements": queries["statements"],
            "transaction_control": queries["control"], "data_statements": queries["data"],
            "in_transaction": queries["in_transaction"], "after_commit": queries["after_commit"],
            "note": "the django-q2 ORM-broker INSERT of the notification job is in the transaction"}])
    if "statements" in parts:
        report("transitions_statements", bench_statements(pool, actor))
    if "floor" in parts:
        for full in (False, True):
            rows = bench_floor(pool, actor, args.moves, processes, full=full)
            by_scenario.update({(r["scenario"], r["processes"]): r for r in rows})
            report("transitions_floor", [{**r, **run} for r in rows])
    if "peer" in parts:
        rows, _statements = bench_peer(args.moves, processes, keep=args.keep_peer)
        by_scenario.update({(r["scenario"], r["processes"]): r for r in rows})
        report("transitions_peer", [{**r, **run} for r in rows])
    if "hot" in parts:
        report("transitions_hot_row", [{**r, "actor": username} for r in bench_hot_row(actor, hot_counts,
                                                                                        args.hot_seconds)])
    if "service" in parts and ({"floor", "peer"} & parts):
        compare = []
        for p in processes:
            ours = by_scenario[("service", p)]["per_second"]
            row = {"processes": p, "ours_per_second": ours, "ours_p99_ms": by_scenario[("service", p)]["p99_ms"]}
            for key, scenario in (("peer", "viewflow peer"), ("floor_bare", "floor bare"),
                                  ("floor_full", "floor full")):
                theirs = by_scenario.get((scenario, p), {}).get("per_second")
                row[f"{key}_per_second"] = theirs
                row[f"ours_to_{key}"] = round(ours / theirs, 2) if ours and theirs else None
            row.update({"target_per_second": TARGETS["per_second_8"] if p == 8 else None,
                        "target_p99_ms": TARGETS["p99_ms"], "target_ours_to_peer": f">= {TARGETS['peer_ratio']}",
                        "target_ours_to_floor": f">= {1 / TARGETS['floor_within']:.2f} (within 4x)"})
            compare.append(row)
        report("transitions_compare", compare)
    if prepare_seconds:
        print(f"(opening the missing campaigns took {prepare_seconds:.1f} s, not part of any figure)")


def prepared_ab(actor, rounds: int, moves: int, source: str) -> list[dict]:
    """Service moves in this one process with the move's statements prepared
    on the server and without (``PREPARED_STATEMENTS``), ``moves // rounds``
    of each in turn per round (the order swapped every round), after a few
    of each to prepare them: the cost of planning every statement every time."""
    import statistics

    from django.conf import settings

    from workflows.core import clock

    per_round = max(1, moves // rounds)
    pool = surveyed_ids(actor, source)
    needed = 2 * rounds * per_round + 12
    if len(pool) < needed:
        prepare(needed - len(pool), actor, 2)
        pool = surveyed_ids(actor, source)
    held_on, ids = clock.today(), iter(pool)
    timed: dict[bool, list[float]] = {True: [], False: []}
    original = getattr(settings, "PREPARED_STATEMENTS", True)
    try:
        for on in (True, False):  # warm-up: the statements prepared, the caches filled
            settings.PREPARED_STATEMENTS = on
            for _ in range(6):
                _contact_employer(next(ids), actor, held_on, expected_stage="surveyed")
        for i in range(rounds):
            for on in ((True, False) if i % 2 == 0 else (False, True)):
                settings.PREPARED_STATEMENTS = on
                for _ in range(per_round):
                    campaign_id = next(ids)
                    started = time.perf_counter()
                    _contact_employer(campaign_id, actor, held_on, expected_stage="surveyed")
                    timed[on].append(time.perf_counter() - started)
    finally:
        settings.PREPARED_STATEMENTS = original
    rows = []
    for on, samples in timed.items():
        ordered = sorted(samples)
        rows.append({"variant": "prepared" if on else "client-side binding", "moves": len(samples),
                     "mean_ms": round(statistics.mean(samples) * 1000, 2),
                     "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
                     "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2)})
    rows[0]["ratio_to_client_side"] = round(rows[0]["mean_ms"] / rows[1]["mean_ms"], 2)
    return rows


def profile_service(actor, moves: int, source: str) -> None:
    """cProfile ``moves`` service moves in this process: where a move's time goes."""
    import cProfile
    import io
    import pstats

    from workflows.core import clock

    pool = surveyed_ids(actor, source)
    if len(pool) < moves + 1:
        prepare(moves + 1 - len(pool), actor, 1)
        pool = surveyed_ids(actor, source)
    held_on = clock.today()
    _contact_employer(pool[0], actor, held_on, expected_stage="surveyed")  # warm-up
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for campaign_id in pool[1:moves + 1]:
        _contact_employer(campaign_id, actor, held_on, expected_stage="surveyed")
    profiler.disable()
    elapsed = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)  # where the time is spent, not passed through
    print(f"{moves} moves in {elapsed:.2f} s ({elapsed / moves * 1000:.1f} ms each, under the profiler)")
    print(out.getvalue())


if __name__ == "__main__":
    main()
