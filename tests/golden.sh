#!/usr/bin/env bash
# Golden replays: recordings from real runs (tests/data/golden, made by
# tests/data/regen) must replay to exactly the stored reports. Needs no root.
set -u
cd "$(dirname "$0")/.."
DIOLOCK=${BUILD:-$PWD/build}/diolock
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for rec in tests/data/golden/*.dlr; do
	name=$(basename "$rec" .dlr)
	"$DIOLOCK" replay -q "$rec" -J "$T/$name.json" >"$T/$name.txt" 2>"$T/$name.err"
	if ! cmp -s "$T/$name.json" "tests/data/golden/$name.json"; then
		echo "    JSON differs:"; diff "tests/data/golden/$name.json" "$T/$name.json" | head -20
		echo "FAIL golden_$name"
	elif ! cmp -s "$T/$name.txt" "tests/data/golden/$name.txt"; then
		echo "    text differs:"; diff "tests/data/golden/$name.txt" "$T/$name.txt" | head -20
		echo "FAIL golden_$name"
	else
		echo "PASS golden_$name"
	fi
done
