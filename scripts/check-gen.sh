#!/usr/bin/env bash
# Fails when the committed contracts/gen differs from what scripts/gen.sh makes
# of the protos and HTTP rules now. Regenerates into a temporary directory, so
# the work tree is left as it is.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
committed="$root/contracts/gen"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$root/scripts/gen.sh" "$tmp/gen" >/dev/null

if [[ ! -d "$committed" ]]; then
	echo "generated code is stale: run scripts/gen.sh (contracts/gen is missing)" >&2
	exit 1
fi
if ! diff -r -u "$committed" "$tmp/gen" >"$tmp/diff"; then
	head -n 200 "$tmp/diff" >&2
	echo >&2
	echo "generated code is stale: run scripts/gen.sh" >&2
	exit 1
fi
echo "check-gen.sh: contracts/gen is up to date"
