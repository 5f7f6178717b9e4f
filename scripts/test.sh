#!/usr/bin/env bash
# Runs every check and test of every module: generated code up to date, gofmt,
# go vet, and the tests against the real PostgreSQL (DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/postgres) and NATS (NATS_URL, default
# nats://127.0.0.1:4222, for the tests that use the machine's server; the
# others embed their own JetStream server).
#
#   scripts/test.sh            everything
#   scripts/test.sh -run Relay extra flags are passed to go test
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n== %s\n' "$*"; }
started=$SECONDS

step "generated code"
scripts/check-gen.sh

step "gofmt"
unformatted=$(git ls-files -co --exclude-standard '*.go' | grep -v '^contracts/gen/' | xargs -r gofmt -l)
if [[ -n "$unformatted" ]]; then
	echo "gofmt would change these files (run gofmt -w):" >&2
	echo "$unformatted" >&2
	exit 1
fi

modules=$(go work edit -json | sed -n 's/.*"DiskPath": "\(.*\)".*/\1/p')

step "go vet"
for m in $modules; do
	(cd "$m" && go vet ./...)
done

step "go test"
for m in $modules; do
	echo "-- $m"
	(cd "$m" && go test -race -count=1 -timeout 12m "$@" ./...)
done

step "deploy manifests (docker-compose.yml, Dockerfile; no engine needed)"
(cd deploy/check && GOWORK=off go vet ./... && GOWORK=off go test -count=1 ./...)

printf '\nall checks passed in %ds\n' $((SECONDS - started))
