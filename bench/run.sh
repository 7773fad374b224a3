#!/usr/bin/env bash
# forum's benchmarks (issue #7), side by side with Isso's; prints one table.
#
#   bench/run.sh            the sizes of BENCHMARKS.md: about 20 minutes on 2 cores
#   bench/run.sh --quick    small sizes, one run each: about 2 minutes
#
# Prepares what it needs in scratch places: wrk (apt), gunicorn (pip, if missing), Isso in
# its own virtual environment, and a PostgreSQL server of its own on loopback (when the
# Debian packages are there and we are root, as in .ci/run). Everything it writes goes to
# $FORUM_BENCH_WORK (default /tmp/forum-bench). Set FORUM_BENCH_PG_URL to use another
# PostgreSQL (its public schema is dropped), FORUM_BENCH_NO_PEER=1 to skip Isso.
set -euo pipefail
cd "$(dirname "$0")/.."

work=${FORUM_BENCH_WORK:-/tmp/forum-bench}
mkdir -p "$work"
export FORUM_BENCH_WORK=$work
# Byte-compile once and keep it, as an installed package would (some shells disable it).
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX="$work/pycache"
export PIP_DISABLE_PIP_VERSION_CHECK=1

python3 -c "import forum" 2>/dev/null || python3 -m pip install -q -e .
python3 -c "import gunicorn" 2>/dev/null || python3 -m pip install -q gunicorn
if ! command -v wrk >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
fi

args=("$@")
if [[ -z "${FORUM_BENCH_NO_PEER:-}" ]]; then
  isso="$work/isso-venv"
  if [[ ! -x "$isso/bin/isso" ]]; then
    python3 -m venv "$isso"
    "$isso/bin/pip" install -q isso
  fi
  args+=(--isso "$isso")
fi

pg_dir=""
stop_postgres() {
  if [[ -n "$pg_dir" ]]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap stop_postgres EXIT
if [[ -z "${FORUM_BENCH_PG_URL:-}" ]] && [[ $(id -u) == 0 ]] && ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  pg_dir=$(mktemp -d /tmp/forum-bench-pg.XXXXXX)
  pg_port=${FORUM_BENCH_PG_PORT:-54337}
  chown postgres "$pg_dir"
  runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir" -A trust -U forum >/dev/null
  # Durable as shipped (fsync on): these numbers are what a real server would see.
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir" -l "$pg_dir/log" -w start \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1" >/dev/null
  runuser -u postgres -- "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U forum forum_bench
  export FORUM_BENCH_PG_URL="postgresql://forum@127.0.0.1:$pg_port/forum_bench"
fi
[[ -n "${FORUM_BENCH_PG_URL:-}" ]] && args+=(--pg-url "$FORUM_BENCH_PG_URL")

# The whole run is bounded: a stuck step cannot hold the machine.
timeout "${FORUM_BENCH_TIMEOUT:-3600}" python3 bench/run.py "${args[@]}"
