#!/usr/bin/env bash
# Generates the Go code and OpenAPI documents of contracts/ from its protos.
#
#   scripts/gen.sh [OUT_DIR]
#
# OUT_DIR defaults to contracts/gen; scripts/check-gen.sh passes a temporary
# directory. OUT_DIR is replaced whole, so a deleted proto leaves no stale file.
#
# Each directory under contracts/proto that holds .proto files is one area
# (e.g. doudi/platform/v1) and gets one protoc run. An area's HTTP rules live in
# its one *_http.yaml (grpc-gateway's grpc_api_configuration), not in the protos.
#
# Tools: Debian's protoc (package protobuf-compiler, which also ships the
# well-known types in /usr/include) and the plugins pinned in
# contracts/tools/go.mod, built from the Go module proxy into .bin/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
contracts="$root/contracts"
proto_root="$contracts/proto"
include_dir=/usr/include
bin="$root/.bin"
out="${1:-$contracts/gen}"

die() {
	echo "gen.sh: $*" >&2
	exit 1
}

# protoc: Debian's, installed here when missing and we may.
if ! command -v protoc >/dev/null 2>&1; then
	if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		echo "gen.sh: protoc not found; installing Debian's protobuf-compiler" >&2
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y protobuf-compiler
	else
		die "protoc not found: install it with 'sudo apt-get install -y protobuf-compiler'"
	fi
fi
[[ -f "$include_dir/google/protobuf/timestamp.proto" ]] ||
	die "well-known types missing from $include_dir/google/protobuf: reinstall protobuf-compiler"

# Plugins at the versions pinned by the tools module's tool directives. The
# tools module is kept out of go.work so its dependencies never leak into the
# services; GOWORK=off makes the build use its own go.mod.
mkdir -p "$bin"
(cd "$contracts/tools" && GOWORK=off go build -o "$bin/" tool)

# Generate into a sibling temporary directory, then swap it in, so a failed run
# leaves the previous output as it was.
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
tmp="$(mktemp -d "$(dirname "$out")/.gen.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp" # mktemp makes it private; the output is ordinary source
mkdir -p "$tmp/go" "$tmp/openapi"

mapfile -t areas < <(cd "$proto_root" && find . -name '*.proto' -printf '%h\n' | sed 's|^\./||' | LC_ALL=C sort -u)
[[ ${#areas[@]} -gt 0 ]] || die "no .proto files under $proto_root"

for area in "${areas[@]}"; do
	mapfile -t protos < <(cd "$proto_root" && find "$area" -maxdepth 1 -name '*.proto' | LC_ALL=C sort)
	mapfile -t rules < <(find "$proto_root/$area" -maxdepth 1 -name '*_http.yaml' | LC_ALL=C sort)
	[[ ${#rules[@]} -le 1 ]] || die "$area: more than one *_http.yaml (${rules[*]}); keep one per area"

	# One merged OpenAPI document per area, named after its HTTP rules file
	# (platform_http.yaml → platform.swagger.json) or else after the area.
	if [[ ${#rules[@]} -eq 1 ]]; then
		doc="$(basename "${rules[0]}" _http.yaml)"
		gw_opts="grpc_api_configuration=${rules[0]},"
	else
		doc="$(basename "$(dirname "$area")")"
		gw_opts=""
	fi
	mkdir -p "$tmp/openapi/$area"

	protoc \
		--proto_path="$proto_root" \
		--proto_path="$include_dir" \
		--plugin=protoc-gen-go="$bin/protoc-gen-go" \
		--plugin=protoc-gen-go-grpc="$bin/protoc-gen-go-grpc" \
		--plugin=protoc-gen-grpc-gateway="$bin/protoc-gen-grpc-gateway" \
		--plugin=protoc-gen-openapiv2="$bin/protoc-gen-openapiv2" \
		--go_out="$tmp/go" --go_opt=paths=source_relative \
		--go-grpc_out="$tmp/go" --go-grpc_opt=paths=source_relative \
		--grpc-gateway_out="$tmp/go" \
		--grpc-gateway_opt="${gw_opts}paths=source_relative,standalone=false" \
		--openapiv2_out="$tmp/openapi" \
		--openapiv2_opt="${gw_opts}allow_merge=true,merge_file_name=$area/$doc" \
		"${protos[@]}"
done

rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "gen.sh: generated ${#areas[@]} area(s) into ${out#"$root"/}"
