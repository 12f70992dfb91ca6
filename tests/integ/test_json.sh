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
	"$DIOLOCK" check -q --dev "$dev" -J "$T/check.json" --record "$T/r.dlr" --junit "$T/j.xml" -- "$@" >/dev/null
	expect_eq "$?" 0 "check"
	strict "$T/check.json" || fail "check -J is strict UTF-8 JSON"
	names "$T/check.json" || fail "check --json: names"
	expect_jq "$T/check.json" '[.findings[].comm] | length == 2' "one finding per renamed binary"
	# the deprecated key, until 0.3: the same array
	expect_jq "$T/check.json" '.violations == .findings' "\"violations\" should repeat \"findings\" until 0.3"
	python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$T/j.xml" || fail "JUnit XML with these names is well-formed"
	"$DIOLOCK" replay -q "$T/r.dlr" -J "$T/replay.json" >/dev/null
	strict "$T/replay.json" || fail "replay --json"
	cmp -s "$T/check.json" "$T/replay.json" || fail "replay -J differs from the live one"
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
	"$DIOLOCK" validate --dir "$mnt/d-$MB" -J "$T/validate.json" >"$T/validate.txt"
	local rc=$?
	# 0: every invariant held; 3: none could be judged; not 1 (one broken) nor 2 (an error)
	[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "validate exited $rc: $(cat "$T/validate.txt")"
	grep -Eq '^no task waits on an i_rwsem it holds +pass ' "$T/validate.txt" ||
		fail "validate's invariant rows: $(cat "$T/validate.txt")"
	strict "$T/validate.json" || fail "validate --json"
}

# --pretty (before or after the subcommand) indents every JSON document the
# same way, and leaves JSON lines one per line.
test_pretty() {
	local mnt dev
	mnt=$(mkfs_mount ext4 pj) || { fail mount; return; }
	dev=$(stat_dev "$mnt")
	"$DIOLOCK" check -q --pretty --dev "$dev" -J "$T/c.json" -- "$DIOWORK" -n 2 dio-dsync-write "$mnt/f" >/dev/null
	"$DIOLOCK" check -q --dev "$dev" -J "$T/c1.json" -- "$DIOWORK" -n 2 dio-dsync-write "$mnt/g" >/dev/null
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

# One JSON convention on every command (bpftool's): -j/--json to stdout, -p
# implies it, -J FILE where there is a report; the 0.1 spellings still work
# for a release, each with one line saying what to write instead.
test_json_convention() {
	local mnt dev g=$ROOT/tests/data/golden/xfs-dsync.dlr c
	for c in probe trace check replay validate stat top; do
		"$DIOLOCK" "$c" --help | grep -q -- '-j, --json ' || fail "$c --help has no -j, --json"
	done
	for c in probe trace check record replay validate stat top serve; do
		"$DIOLOCK" "$c" -h | grep -q -- '-p, --pretty' || fail "$c -h lists no -p, --pretty"
	done
	mnt=$(mkfs_mount ext4 jc) || { fail mount; return; }
	dev=$(stat_dev "$mnt")
	# the workload's own output must not mix into diolock's stdout
	quiet() { "$DIOWORK" -n 2 "$@" >/dev/null; }
	export -f quiet; export DIOWORK
	"$DIOLOCK" check -q -j --dev "$dev" -- bash -c 'quiet "$@"' bash dio-dsync-write "$mnt/f" >"$T/j.json" 2>"$T/j.err"
	strict "$T/j.json" && [ "$(wc -l <"$T/j.json")" = 1 ] || fail "check -j: one compact document on stdout"
	expect_jq "$T/j.json" '.summary.dio_complete_under_i_rwsem == 2' "check -j reports the run"
	grep -q '^verdict:' "$T/j.err" || fail "check -j: the text report on stderr"
	"$DIOLOCK" check -q -p --dev "$dev" -- bash -c 'quiet "$@"' bash dio-dsync-write "$mnt/g" >"$T/p.json" 2>/dev/null
	[ "$(wc -l <"$T/p.json")" -gt 20 ] && strict "$T/p.json" || fail "check -p: indented JSON on stdout"
	"$DIOLOCK" stat -p --dev "$dev" -- bash -c 'quiet "$@"' bash dio-write "$mnt/h" >"$T/s.json" 2>/dev/null
	[ "$(wc -l <"$T/s.json")" -gt 20 ] && strict "$T/s.json" || fail "stat -p implies --json"
	"$DIOLOCK" replay -q "$g" -j >"$T/r.json" 2>/dev/null && strict "$T/r.json" || fail "replay -j"
	"$DIOLOCK" replay -q "$g" -t -j >"$T/r.jsonl" && strict "$T/r.jsonl" lines || fail "replay -t -j: JSON lines"
	cmp -s "$T/r.jsonl" <("$DIOLOCK" replay "$g" --trace-json) || fail "replay -t -j is --trace-json"
	# the recording after --json is the recording, not a file to write
	"$DIOLOCK" replay -q --json "$g" >"$T/r2.json" 2>"$T/r2.err"
	cmp -s "$T/r.json" "$T/r2.json" && ! grep -q deprecated "$T/r2.err" || fail "replay --json REC"
	# the old spellings
	"$DIOLOCK" replay -q "$g" --json "$T/old.json" >/dev/null 2>"$T/old.err"
	cmp -s "$T/r.json" "$T/old.json" || fail "replay REC --json FILE still writes FILE"
	grep -q "^diolock: warning: '--json $T/old.json' is deprecated: write '-J $T/old.json'" "$T/old.err" ||
		fail "replay --json FILE: the deprecation line: $(cat "$T/old.err")"
	"$DIOLOCK" check -q --json="$T/old2.json" --dev "$dev" -- true >/dev/null 2>"$T/old2.err"
	strict "$T/old2.json" && grep -q "'--json=FILE' is deprecated" "$T/old2.err" || fail "check --json=FILE"
	"$DIOLOCK" check -q -p $$ --fail-on error -- true >"$T/pid.out" 2>"$T/pid.err"
	expect_eq "$?" 0 "check -p PID still filters by pid"
	grep -q "'-p $$' is deprecated: write '--pid $$'" "$T/pid.err" || fail "-p PID: the deprecation line"
	grep -q '^verdict:' "$T/pid.out" || fail "-p PID is no --pretty: the text report"
}

run_test test_every_json_writer
run_test test_pretty
run_test test_json_convention
