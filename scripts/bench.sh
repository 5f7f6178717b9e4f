#!/usr/bin/env bash
# Measures the platform against DESIGN.md's performance targets and prints a
# table: builds everything, starts a throw-away platform (fresh databases with
# a random suffix, an embedded JetStream on a random port, every process on
# random 127.0.0.1 ports, a run directory under /tmp), runs tools/cmd/doudi-load
# against it, then stops everything and drops the databases.
#
#   scripts/bench.sh                   REST writes (gateway vs. a plain net/http
#                                      + pgx baseline) at 16 and 64 clients,
#                                      write → visible at 1,000 writes/s (~1.5 min)
#   scripts/bench.sh -list1m           also the caseload list at 1,000,000
#                                      persons (bulk load first: a few minutes more)
#   scripts/bench.sh -duration 5s …    any other doudi-load flag (doudi-load -h)
#
# Uses DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/postgres);
# NATS_URL is ignored: the run always has its own embedded server.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Loopback by default, so no TLS: encrypting a connection that never leaves
# the machine only costs CPU (about a fifth of the write path's here). Give a
# DATABASE_URL with sslmode=verify-full for a database elsewhere.
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
mkdir -p .bin
run=$(mktemp -d "${TMPDIR:-/tmp}/doudi-bench.XXXXXX")
mkdir -p "$run/logs"
suffix=$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')
prefix="doudi_bench_$suffix"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh
build_platform ./services/monitoring/cmd/monitoring-bulkload ./tools/cmd/doudi-load

databases=("$(database_url "${prefix}_beneficiaries")" "$(database_url "${prefix}_monitoring")" "$(database_url "${prefix}_baseline")"
	"$(database_url "${prefix}_visits")")
cleanup() {
	trap - EXIT INT TERM
	stop_processes
	echo "dropping databases ${prefix}_*…"
	.bin/doudi-load dropdb "${databases[@]}" || echo "could not drop the databases ${prefix}_*" >&2
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_addr VAR: sets VAR to 127.0.0.1:<a random port> that nothing listens
# on and that this run has not handed out yet.
taken=" "
free_addr() {
	local port
	for _ in $(seq 1 200); do
		port=$((20000 + RANDOM % 40000))
		if [[ "$taken" != *" $port "* ]] && ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			taken+="$port "
			printf -v "$1" '127.0.0.1:%s' "$port"
			return
		fi
	done
	echo "no free port found" >&2
	exit 1
}

free_addr nats_addr
start nats .bin/doudi-nats -addr "$nats_addr" -store "$run/nats"
nats_pid=${pids[-1]} # stopped after the services (stop_processes)
unset 'pids[-1]'
export NATS_URL="nats://$nats_addr"

# Throw-away secrets: the databases are dropped at the end.
BENEFICIARIES_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
BENEFICIARIES_BLIND_INDEX_KEY=$(head -c 32 /dev/urandom | base64)
VISITS_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
export BENEFICIARIES_MASTER_KEY BENEFICIARIES_BLIND_INDEX_KEY VISITS_MASTER_KEY
key="bench-$suffix"
export LOG_FORMAT="${LOG_FORMAT:-text}"

for addr in BENEFICIARIES_GRPC BENEFICIARIES_HTTP MONITORING_GRPC MONITORING_HTTP VISITS_GRPC VISITS_HTTP GATEWAY_GRPC GATEWAY_HTTP; do
	free_addr "$addr"
done
start_platform "$prefix" "$(printf %s "$key" | sha256sum | cut -d' ' -f1)"

echo "running doudi-load (logs in $run/logs/, removed at the end)…"
status=0
.bin/doudi-load -gateway "http://$GATEWAY_HTTP" -key "$key" \
	-baseline-db "${databases[2]}" -monitoring-db "${databases[1]}" -bulkload .bin/monitoring-bulkload "$@" || status=$?
if ((status != 0)); then
	for name in beneficiaries monitoring visits gateway; do
		echo "--- last lines of $name's log" >&2
		tail -n 5 "$run/logs/$name.log" >&2
	done
fi
exit "$status"
