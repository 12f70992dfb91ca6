#!/usr/bin/env bash
# Every JSON document diolock writes is strict JSON in valid UTF-8, whatever
# bytes the system hands it: file names (and so comm and argv) that are not
# UTF-8, or multibyte UTF-8 that a 16-byte comm cuts in the middle.
. "$(dirname "$0")/lib.sh"
require_root

BAD=$'bad-\xff\xfe-\xc3(-x'		# invalid UTF-8
MB=$'\xc3\xa9\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe5\x90\x8d\xe5\x89\x8d'	# "é日本語の名前": comm cuts it

# strict FILE [lines]: valid UTF-8, strict JSON (no NaN, no lone surrogates),
# schema_version at the top of each document
strict() {
	python3 - "$@" <<'PY'
import json, sys
path = sys.argv[1]
lines = len(sys.argv) > 2
text = open(path, "rb").read().decode("utf-8", "strict")
def no_const(c):
    raise ValueError("non-standard constant " + c)
def walk(v):
    if isinstance(v, str):
        v.encode("utf-8", "strict")      # a lone surrogate fails here
    elif isinstance(v, dict):
        for k, x in v.items():
            walk(k); walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
docs = [l for l in text.splitlines() if l.strip()] if lines else [text]
assert docs, "no document"
for d in docs:
    o = json.loads(d, parse_constant=no_const)
    walk(o)
    assert isinstance(o.get("schema_version"), int), "no schema_version: " + d[:80]
PY
}

# names FILE: the multibyte name verbatim, the invalid bytes as U+00XX
names() {
	python3 - "$1" "$MB" <<'PY'
import sys
text = open(sys.argv[1], "rb").read().decode("utf-8", "strict")
mb = sys.argv[2].encode("utf-8", "surrogateescape").decode("utf-8")
assert mb in text, "multibyte name not passed through"
assert "bad-\\u00ff\\u00fe-\\u00c3(-x" in text, "invalid bytes not escaped as U+00XX"
PY
}

test_every_json_writer() {
	local mnt dev
	mnt=$(mkfs_mount ext4 js) || { fail mount; return; }
	dev=$(stat_dev "$mnt")
	mkdir -p "$T/bin"
	cp "$DIOWORK" "$T/bin/$MB"
	cp "$DIOWORK" "$T/bin/$BAD"
	# shellcheck disable=SC2016
	set -- sh -c '"$1" -n 2 dio-dsync-write "$3" >/dev/null && "$2" -n 2 dio-dsync-write "$4" >/dev/null' sh \
		"$T/bin/$MB" "$T/bin/$BAD" "$mnt/$MB" "$mnt/$BAD"
	"$DIOLOCK" check -q --dev "$dev" --json "$T/check.json" --record "$T/r.dlr" --junit "$T/j.xml" -- "$@" >/dev/null
	expect_eq "$?" 0 "check"
	strict "$T/check.json" || fail "check --json is strict UTF-8 JSON"
	names "$T/check.json" || fail "check --json: names"
	expect_jq "$T/check.json" '[.violations[].comm] | length == 2' "one finding per renamed binary"
	python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$T/j.xml" || fail "JUnit XML with these names is well-formed"
	"$DIOLOCK" replay -q "$T/r.dlr" --json "$T/replay.json" >/dev/null
	strict "$T/replay.json" || fail "replay --json"
	cmp -s "$T/check.json" "$T/replay.json" || fail "replay --json differs from the live one"
	"$DIOLOCK" replay "$T/r.dlr" --trace-json >"$T/rtrace.jsonl"
	strict "$T/rtrace.jsonl" lines || fail "replay --trace-json"
	"$DIOLOCK" trace --dev "$dev" --json -- "$@" >"$T/trace.jsonl" 2>/dev/null
	strict "$T/trace.jsonl" lines || fail "trace --json"
	grep -q '"comm":"\\u00e9' "$T/trace.jsonl" && fail "multibyte comm escaped instead of passed through"
	jq -e -s 'map(select(.lock_addr != null)) | length > 0 and all(.lock_addr | test("^0x[0-9a-f]+$")) and all(.lock.owner | test("^0x"))' \
		"$T/trace.jsonl" >/dev/null || fail "addresses are \"0x...\" strings"
	"$DIOLOCK" stat --dev "$dev" --json --by inode -- "$@" >"$T/stat.json" 2>/dev/null
	strict "$T/stat.json" || fail "stat --json --by inode"
	grep -q "$(printf '%s' "$MB")" "$T/stat.json" || fail "stat: the path with a multibyte name"
	"$DIOLOCK" stat --dev "$dev" --json --by comm -- "$@" >"$T/statc.json" 2>/dev/null
	strict "$T/statc.json" || fail "stat --json --by comm"
	"$DIOLOCK" probe --json >"$T/probe.json"
	strict "$T/probe.json" || fail "probe --json"
	mkdir -p "$mnt/d-$MB"
	"$DIOLOCK" validate --dir "$mnt/d-$MB" --json "$T/validate.json" >/dev/null
	strict "$T/validate.json" || fail "validate --json"
}

# --pretty (before or after the subcommand) indents every JSON document the
# same way, and leaves JSON lines one per line.
test_pretty() {
	local mnt dev
	mnt=$(mkfs_mount ext4 pj) || { fail mount; return; }
	dev=$(stat_dev "$mnt")
	"$DIOLOCK" check -q --pretty --dev "$dev" --json "$T/c.json" -- "$DIOWORK" -n 2 dio-dsync-write "$mnt/f" >/dev/null
	"$DIOLOCK" check -q --dev "$dev" --json "$T/c1.json" -- "$DIOWORK" -n 2 dio-dsync-write "$mnt/g" >/dev/null
	[ "$(wc -l <"$T/c.json")" -gt 20 ] && [ "$(wc -l <"$T/c1.json")" = 1 ] ||
		fail "check --json --pretty: $(wc -l <"$T/c.json") lines, without: $(wc -l <"$T/c1.json")"
	strict "$T/c.json" || fail "the pretty report is strict JSON"
	expect_jq "$T/c.json" '.summary.dio_complete_under_i_rwsem == 2' "the pretty report says what the compact one does"
	"$DIOLOCK" --pretty probe --json >"$T/p.json"
	[ "$(wc -l <"$T/p.json")" -gt 20 ] && strict "$T/p.json" || fail "--pretty before the subcommand"
	"$DIOLOCK" trace --pretty --dev "$dev" --json -- sh -c '"$1" -n 2 dio-dsync-write "$2" >/dev/null' sh \
		"$DIOWORK" "$mnt/h" >"$T/t.jsonl" 2>/dev/null
	[ "$(wc -l <"$T/t.jsonl")" -ge 4 ] || fail "trace --json --pretty: $(wc -l <"$T/t.jsonl") lines"
	strict "$T/t.jsonl" lines || fail "trace --json --pretty keeps one event per line"
}

run_test test_every_json_writer
run_test test_pretty
