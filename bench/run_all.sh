#!/usr/bin/env bash
# One full benchmark run, the one bench/RESULTS.md records:
#
#   bash bench/run_all.sh            # national scale (1.0): about 45 minutes on 2 cores
#   bash bench/run_all.sh 0.01       # a quick look
#   SKIP_GENERATE=1 bash bench/run_all.sh   # reuse the data set already in the database
#
# Needs `make install-dev` and PostgreSQL on 127.0.0.1:5432 (user postgres, a
# superuser: the generator loads as a replica). It drops and recreates the
# database $BENCH_DB (default cdcs_bench); the job benchmarks and the drills
# make and drop databases of their own. The last drill STOPS THE WHOLE
# POSTGRESQL CLUSTER for a few seconds (pg_ctlcluster … stop -m immediate):
# run it on a machine nobody else is using. Everything printed goes to
# bench/results/run-<UTC time>.log; every figure also to bench/results/*.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-1.0}
BENCH_DB=${BENCH_DB:-cdcs_bench}
PY=.venv/bin/python
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$BENCH_DB"
mkdir -p bench/results
LOG="bench/results/run-$(date -u +%Y%m%dT%H%M%SZ).log"

run() { echo; echo "== $*"; "$@"; }

{
  echo "== machine: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB," \
       "$(psql -h 127.0.0.1 -U postgres -tAc 'select version()' | cut -d, -f1), $($PY --version)," \
       "commit $(git rev-parse --short HEAD)"
  if [ -z "${SKIP_GENERATE:-}" ]; then
    dropdb -h 127.0.0.1 -U postgres --if-exists "$BENCH_DB"
    createdb -h 127.0.0.1 -U postgres "$BENCH_DB"
    run $PY manage.py migrate -v0
    run $PY bench/generate.py --scale "$SCALE"
  fi
  run $PY bench/transitions.py --moves 2000
  run $PY -m bench.reads --explain
  run $PY -m bench.http_load --clients 8 --workers 3 --seconds 20
  run $PY bench/jobs.py
  run $PY bench/drills.py web-kill --kills 100
  run $PY bench/drills.py worker-kill --tasks 10000 --job-timeout 30
  run $PY bench/drills.py pg-stop
} 2>&1 | tee "$LOG"
