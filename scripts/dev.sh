#!/usr/bin/env bash
# Runs the whole platform on this machine with demo data for Shitan town.
#
# The services that run behind it (beneficiaries, monitoring, the REST
# gateway) arrive with the walking-skeleton issue; until then this script
# builds everything and checks that PostgreSQL and NATS are reachable.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
echo "building all modules…"
for m in $(go work edit -json | sed -n 's/.*"DiskPath": "\(.*\)".*/\1/p'); do
	(cd "$m" && go build ./...)
done
if command -v psql >/dev/null; then
	psql "$DATABASE_URL" -qAtc 'select 1' >/dev/null && echo "PostgreSQL reachable at $DATABASE_URL"
fi
echo "No services yet: the platform runtime (services/platform) is built and tested with scripts/test.sh."
