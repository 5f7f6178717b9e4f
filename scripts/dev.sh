#!/usr/bin/env bash
# Runs the whole platform on this machine with demo data for Shitan town:
# builds everything, starts each service and the REST gateway as its own
# process, loads the demo data through the public API, prints the URLs and a
# development API key, and stops everything on Ctrl-C.
#
#   scripts/dev.sh                 # embedded JetStream, local PostgreSQL
#   NATS_URL=nats://127.0.0.1:4222 DATABASE_URL=postgres://… scripts/dev.sh
#   DOUDI_DEMO=0 scripts/dev.sh    # start without loading demo data
#
# Running it twice gives the same data, not twice the data: each service keeps
# its own database (doudi_<service>, created when missing) and the demo loader
# sends every write with a fixed Idempotency-Key.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Loopback by default, so no TLS: encrypting a connection that never leaves
# the machine only costs CPU (about a fifth of the write path's here). Give a
# DATABASE_URL with sslmode=verify-full for a database elsewhere.
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
run="${DOUDI_RUN_DIR:-$root/.run}"
mkdir -p "$run/logs" .bin

# shellcheck source=scripts/lib.sh
source scripts/lib.sh
build_platform

cleanup() {
	trap - EXIT INT TERM
	stop_processes
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z "${NATS_URL:-}" ]]; then
	start nats .bin/doudi-nats -addr 127.0.0.1:4333 -store "$run/nats"
	nats_pid=${pids[-1]}
	unset 'pids[-1]'
	export NATS_URL=nats://127.0.0.1:4333
fi

# Development secrets only: fixed so that a second run can read the first
# run's encrypted data. Never use these outside a developer's machine.
export BENEFICIARIES_MASTER_KEY="ZG91ZGktZGV2LW1hc3Rlci1rZXktbm90LXNlY3JldCE="
export BENEFICIARIES_BLIND_INDEX_KEY="ZG91ZGktZGV2LWJsaW5kLWluZGV4LWtleS1kZXZvbmx5"
export VISITS_MASTER_KEY="ZG91ZGktZGV2LXZpc2l0cy1tYXN0ZXIta2V5LW9ubHk="
DEV_KEY="${DOUDI_DEV_KEY:-doudi-dev-key}"
DEV_KEY_HASH=$(printf %s "$DEV_KEY" | sha256sum | cut -d' ' -f1)
export LOG_FORMAT="${LOG_FORMAT:-text}"

BENEFICIARIES_GRPC=127.0.0.1:9101 BENEFICIARIES_HTTP=127.0.0.1:8101
MONITORING_GRPC=127.0.0.1:9102 MONITORING_HTTP=127.0.0.1:8102
VISITS_GRPC=127.0.0.1:9103 VISITS_HTTP=127.0.0.1:8103
GATEWAY_GRPC=127.0.0.1:9100 GATEWAY_HTTP=127.0.0.1:8080
start_platform doudi "$DEV_KEY_HASH"

if [[ "${DOUDI_DEMO:-1}" != 0 ]]; then
	echo "loading demo data for Shitan town…"
	.bin/doudi-demo -gateway http://127.0.0.1:8080 -key "$DEV_KEY"
fi

cat <<TXT

Doudi is running.
  REST API      http://127.0.0.1:8080/v1        (API docs: http://127.0.0.1:8080/docs)
  API key       $DEV_KEY                        (role station_manager; send as "Authorization: Bearer <key>")
  NATS          $NATS_URL                       (change events: doudi.<service>.<tenant>.>)
  services      beneficiaries gRPC 127.0.0.1:9101, monitoring gRPC 127.0.0.1:9102, visits gRPC 127.0.0.1:9103
  health        http://127.0.0.1:810{1,2,3}/readyz, metrics at /metrics
  logs          $run/logs/

Try:  curl -H "Authorization: Bearer $DEV_KEY" 'http://127.0.0.1:8080/v1/tenants/shitan/persons?page_size=3'
      curl -H "Authorization: Bearer $DEV_KEY" 'http://127.0.0.1:8080/v1/tenants/shitan/visits?page_size=3'
Press Ctrl-C to stop.
TXT

# Stop everything as soon as any process exits.
wait -n "${pids[@]}" ${nats_pid:+"$nats_pid"}
echo "a process exited; see $run/logs/" >&2
exit 1
