# Shared by scripts/dev.sh and scripts/bench.sh: build the binaries, start the
# platform's processes, stop them. Source it after setting:
#   root   the repository
#   run    the run directory (logs in $run/logs/)
# and, before start_platform, DATABASE_URL (whose server holds the services'
# databases) and NATS_URL.

# build_platform [PACKAGE…]: builds the services, the gateway, doudi-nats and
# doudi-demo, and any extra packages, into .bin/.
build_platform() {
	echo "building…"
	go build -o .bin/ ./services/beneficiaries/cmd/beneficiaries ./services/monitoring/cmd/monitoring \
		./services/visits/cmd/visits ./services/gateway/cmd/gateway ./services/platform/cmd/doudi-nats ./tools/cmd/doudi-demo "$@"
}

pids=()
nats_pid=""
# stop_processes: SIGTERM to every process in pids, waiting for them, then
# to the broker (nats_pid, when the caller moved doudi-nats there), so that
# the services' relays and consumers finish before the broker goes away.
stop_processes() {
	if ((${#pids[@]})) || [[ -n "$nats_pid" ]]; then
		echo
		echo "stopping…"
	fi
	if ((${#pids[@]})); then
		kill -TERM "${pids[@]}" 2>/dev/null || true
		wait "${pids[@]}" 2>/dev/null || true
		pids=()
	fi
	if [[ -n "$nats_pid" ]]; then
		kill -TERM "$nats_pid" 2>/dev/null || true
		wait "$nats_pid" 2>/dev/null || true
		nats_pid=""
	fi
}

start() { # name command… — logs go to $run/logs/<name>.log
	local name=$1
	shift
	"$@" >"$run/logs/$name.log" 2>&1 &
	pids+=($!)
	echo "  started $name (pid $!, log $run/logs/$name.log)"
}

# database_url NAME: DATABASE_URL with its database replaced by NAME.
database_url() {
	local base=${DATABASE_URL%%\?*} query=""
	[[ "$DATABASE_URL" == *\?* ]] && query="?${DATABASE_URL#*\?}"
	echo "${base%/*}/$1$query"
}

wait_ready() { # name url
	local deadline=$((SECONDS + 60))
	until curl -fsS -o /dev/null "$2" 2>/dev/null; do
		if ((SECONDS > deadline)); then
			echo "$1 did not become ready at $2; its log:" >&2
			tail -n 30 "$run/logs/$1.log" >&2
			exit 1
		fi
		sleep 0.2
	done
}

# start_platform DB_PREFIX API_KEY_HASH: starts beneficiaries, monitoring,
# visits and the gateway, each service on its own database
# <DB_PREFIX>_<service> (created when missing), on the addresses in
# BENEFICIARIES_GRPC BENEFICIARIES_HTTP MONITORING_GRPC MONITORING_HTTP
# VISITS_GRPC VISITS_HTTP GATEWAY_GRPC GATEWAY_HTTP (host:port), the gateway
# accepting one key (role station_manager) with that SHA-256; then waits until
# all four are ready. The services' keys (BENEFICIARIES_MASTER_KEY,
# BENEFICIARIES_BLIND_INDEX_KEY, VISITS_MASTER_KEY) come from the environment.
start_platform() {
	local prefix=$1 key_hash=$2
	echo "starting services…"
	DATABASE_URL=$(database_url "${prefix}_beneficiaries") GRPC_ADDR=$BENEFICIARIES_GRPC HTTP_ADDR=$BENEFICIARIES_HTTP \
		start beneficiaries .bin/beneficiaries
	DATABASE_URL=$(database_url "${prefix}_monitoring") GRPC_ADDR=$MONITORING_GRPC HTTP_ADDR=$MONITORING_HTTP \
		start monitoring .bin/monitoring
	DATABASE_URL=$(database_url "${prefix}_visits") GRPC_ADDR=$VISITS_GRPC HTTP_ADDR=$VISITS_HTTP \
		start visits .bin/visits
	GRPC_ADDR=$GATEWAY_GRPC HTTP_ADDR=$GATEWAY_HTTP BENEFICIARIES_ADDR=$BENEFICIARIES_GRPC MONITORING_ADDR=$MONITORING_GRPC \
		VISITS_ADDR=$VISITS_GRPC GATEWAY_API_KEYS="dev:station_manager:$key_hash" start gateway .bin/gateway

	wait_ready beneficiaries "http://$BENEFICIARIES_HTTP/readyz"
	wait_ready monitoring "http://$MONITORING_HTTP/readyz"
	wait_ready visits "http://$VISITS_HTTP/readyz"
	wait_ready gateway "http://$GATEWAY_HTTP/readyz"
}
