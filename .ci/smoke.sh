#!/usr/bin/env bash
# The newcomer path, as a new user walks it: from this checkout, `./setup.sh` (which unpacks the PostgreSQL
# binaries into its own cache under .run/ and installs Prometheus when it can), then a query through the
# public API that must return the producer's lines, `./setup.sh status`, `./setup.sh check-dashboards` when
# Prometheus runs, `./setup.sh down`, and a check that no port of the stack is still open. Exits non-zero at
# the first step that fails (the stack is stopped either way). CI runs it before the tests; run it yourself
# with `.ci/smoke.sh` (it stops a stack already running from this checkout first, keeping its data).
#
# Settings: SMOKE_FRESH=yes (default in CI) also deletes .run/postgres-binaries first, so the binaries are
# unpacked as on a new machine; SMOKE_TIMEOUT (seconds to wait for lines and for the dashboards, 180).
set -euo pipefail
cd "$(dirname "$0")/.."

TIMEOUT="${SMOKE_TIMEOUT:-180}"
FRESH="${SMOKE_FRESH:-${CI:+yes}}"
PORTS=(5432 5433 5434 5435 5436 5437 9092 9093 6379 8080 8081 8082 8083 8084 8091 8092 8093 9090)

step() { printf '\n== smoke: %s\n' "$*"; }
fail() { printf '\nsmoke: FAILED: %s\n' "$*" >&2; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# With STACK_API_TOKEN set, the coordinator wants it (./setup.sh passes it on).
AUTH=()
[ -z "${STACK_API_TOKEN:-}" ] || AUTH=(-H "Authorization: Bearer $STACK_API_TOKEN")

stack_up=""
finish() {
  local rc=$?
  if [ -n "$stack_up" ] && [ "$rc" != 0 ]; then
    ./setup.sh status || true
    ./setup.sh down || true
  fi
  exit "$rc"
}
trap finish EXIT

step "stop what a previous run of this checkout left running"
./setup.sh down
if [ "$FRESH" = "yes" ]; then
  rm -rf .run/postgres-binaries
  echo "deleted .run/postgres-binaries: the binaries are unpacked as on a new machine"
fi

step "./setup.sh"
stack_up="yes"
started=$SECONDS
./setup.sh || fail "./setup.sh did not bring the stack up"
echo "smoke: ./setup.sh took $((SECONDS - started)) s"

step "a second ./setup.sh is a no-op"
second="$(./setup.sh 2>&1)" || fail "the second ./setup.sh failed: $second"
if printf '%s\n' "$second" | grep -q '^  started '; then
  printf '%s\n' "$second"
  fail "the second ./setup.sh started something again"
fi

step "a query returns the producer's lines (POST /api/query/logs)"
deadline=$((SECONDS + TIMEOUT))
answer=""
while :; do
  from="$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)"
  to="$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)"
  answer="$(curl -s -m 10 "${AUTH[@]}" -X POST localhost:8080/api/query/logs -H 'Content-Type: application/json' \
            -d "{\"startTime\":\"$from\",\"endTime\":\"$to\",\"limit\":20}" || true)"
  lines="$(printf '%s' "$answer" | grep -o '"message":' | wc -l)"
  [ "$lines" -gt 0 ] && break
  [ "$SECONDS" -lt "$deadline" ] || fail "no line came back within ${TIMEOUT}s; last answer: ${answer:0:600}"
  sleep 1
done
sent="$(curl -s -m 5 localhost:8084/api/producer/status || true)"
echo "smoke: $lines lines in the answer; producer: ${sent:0:300}"
printf '%s' "$answer" | grep -q '"partial":false' || fail "the answer is partial: ${answer:0:600}"
printf '%s' "$answer" | grep -q '"service":"' || fail "the lines carry no service: ${answer:0:600}"

step "the web UI: the page, its scripts and its histogram's endpoint"
page="$(curl -s -m 10 localhost:8080/ || true)"
printf '%s' "$page" | grep -q '<title>logquery</title>' || fail "GET / is not the web UI's page: ${page:0:300}"
code="$(curl -s -m 10 -o /dev/null -w '%{http_code}' localhost:8080/ui/app.js)"
[ "$code" = 200 ] || fail "GET /ui/app.js answered $code, not 200"
volume="$(curl -s -m 10 "${AUTH[@]}" -X POST localhost:8080/api/query/volume -H 'Content-Type: application/json' \
          -d "{\"startTime\":\"$from\",\"endTime\":\"$to\"}" || true)"
printf '%s' "$volume" | grep -q '"buckets"' || fail "POST /api/query/volume gave no buckets: ${volume:0:300}"
echo "smoke: the page, /ui/app.js and POST /api/query/volume answer"

step "least exposure: the internal API wants the stack's token, nothing listens beyond loopback"
code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' localhost:8081/internal/metadata)"
[ "$code" = 401 ] || fail "GET /internal/metadata without the internal token answered $code, not 401"
code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Logquery-Internal-Token: $(cat .run/secrets/internal-token)" \
        localhost:8081/internal/metadata)"
[ "$code" = 200 ] || fail "GET /internal/metadata with the internal token answered $code, not 200"
if [ -n "${STACK_API_TOKEN:-}" ]; then
  code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' localhost:8080/api/query/stats)"
  [ "$code" = 401 ] || fail "GET /api/query/stats without the API token answered $code, not 401"
fi
if command -v ss >/dev/null 2>&1; then
  exposed="$(ss -Hltn | awk '{print $4}' | grep -E ':(80[89][0-9]|543[2-7]|909[23]|6379)$' | grep -vE '^(127\.0\.0\.1|\[::1\]|\[::ffff:127\.0\.0\.1\]):' || true)"
  [ -z "$exposed" ] || fail "listening beyond loopback: $exposed"
  echo "smoke: every port of the stack listens on loopback only"
fi

step "./setup.sh status"
./setup.sh status || fail "./setup.sh status says a component is not UP"

if curl -s -m 3 -o /dev/null -w '%{http_code}' 127.0.0.1:9090/-/ready | grep -q 200; then
  step "./setup.sh check-dashboards (Prometheus runs; panels need traffic and a minute of samples)"
  # What the panels show needs something to happen: queries over all shards and for one service (the
  # others are pruned), one far in the past (pruned by time), and a live-tail viewer.
  service="$(printf '%s' "$answer" | grep -o '"service":"[^"]*"' | head -n 1 | cut -d'"' -f4)"
  (
    end=$((SECONDS + TIMEOUT + 30))
    while [ "$SECONDS" -lt "$end" ]; do
      from="$(date -u -d '-15 minutes' +%Y-%m-%dT%H:%M:%SZ)"; to="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
      for body in "{\"startTime\":\"$from\",\"endTime\":\"$to\",\"limit\":50}" \
                  "{\"startTime\":\"$from\",\"endTime\":\"$to\",\"serviceName\":\"$service\",\"limit\":10}" \
                  "{\"startTime\":\"$from\",\"endTime\":\"$to\",\"levels\":[\"WARN\",\"ERROR\"],\"limit\":10}" \
                  '{"startTime":"2020-01-01T00:00:00Z","endTime":"2020-01-01T01:00:00Z","limit":10}'; do
        curl -s -m 10 -o /dev/null "${AUTH[@]}" -X POST localhost:8080/api/query/logs -H 'Content-Type: application/json' -d "$body" || true
      done
      sleep 0.5
    done
  ) &
  traffic=$!
  curl -s -N -m $((TIMEOUT + 30)) -o /dev/null "${AUTH[@]}" localhost:8080/api/tail &
  viewer=$!
  deadline=$((SECONDS + TIMEOUT))
  until out="$(./setup.sh check-dashboards 2>&1)"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill "$traffic" "$viewer" 2>/dev/null || true
      printf '%s\n' "$out"
      fail "dashboard queries still without data after ${TIMEOUT}s"
    fi
    sleep 5
  done
  kill "$traffic" "$viewer" 2>/dev/null || true
  wait "$traffic" "$viewer" 2>/dev/null || true
  printf '%s\n' "$out" | tail -n 1
else
  step "Prometheus does not run here: check-dashboards skipped"
fi

step "./setup.sh down"
./setup.sh down || fail "./setup.sh down failed"
stack_up=""
open=""
for port in "${PORTS[@]}"; do
  if port_open "$port"; then open="$open $port"; fi
done
[ -z "$open" ] || fail "ports still open after down:$open"
echo
echo "smoke: the newcomer path passed"
