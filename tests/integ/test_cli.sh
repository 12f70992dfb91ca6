#!/usr/bin/env bash
# Bad input and environment errors: one clear line on stderr and exit 2.
# Signals, timeouts and exit statuses of `check`; `probe` on this kernel.
. "$(dirname "$0")/lib.sh"
require_root

# expect_usage DESCRIPTION PATTERN -- ARGS...: exit 2 and PATTERN on stderr
expect_usage() {
	local what=$1 pattern=$2 rc
	shift 3
	"$DIOLOCK" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	expect_eq "$rc" 2 "$what: exit status"
	grep -q -- "$pattern" "$T/err" || fail "$what: stderr lacks '$pattern': $(head -c 300 "$T/err")"
}

test_usage_errors() {
	expect_usage "no command" "Usage" --
	expect_usage "unknown command" "unknown command 'frobnicate'" -- frobnicate
	expect_usage "unknown global option" "unknown option" -- --bogus check
	expect_usage "unknown option" "unrecognized option" -- check --bogus
	expect_usage "bad pid" "invalid PID" -- check -p 12x -- true
	expect_usage "zero pid" "invalid PID" -- trace -p 0
	expect_usage "bad dev" "invalid device" -- check --dev 7 -- true
	expect_usage "bad ino" "invalid inode" -- check --ino -5 -- true
	expect_usage "bad timeout" "invalid --timeout" -- check --timeout abc
	expect_usage "zero timeout" "invalid --timeout" -- check --timeout 0
	expect_usage "bad ringbuf" "invalid --ringbuf" -- check --ringbuf 3 -- true
	expect_usage "probe argument" "unexpected argument" -- probe extra
}

test_help_exits_zero() {
	"$DIOLOCK" --help >"$T/h" || fail "--help exit status"
	grep -q "check" "$T/h" || fail "--help lists commands"
	"$DIOLOCK" check --help >"$T/h" || fail "check --help exit status"
	grep -q "Examples" "$T/h" || fail "check --help has examples"
	"$DIOLOCK" --version | grep -q "^diolock " || fail "--version"
}

test_cmd_not_found() {
	expect_usage "missing CMD" "cannot run '/nonexistent/cmd': No such file" -- check -- /nonexistent/cmd
	expect_usage "missing CMD in trace" "cannot run" -- trace -- /nonexistent/cmd
}

test_bad_json_path() {
	mkdir -p "$T/adir"
	expect_usage "json to a directory" "not a regular file" -- check --json "$T/adir" -- true
	expect_usage "json in a missing dir" "cannot write JSON report" -- check --json "$T/nodir/r.json" -- true
	ln -s "$T/target" "$T/link"
	expect_usage "json to a symlink" "not a regular file" -- check --json "$T/link" -- true
	[ -e "$T/target" ] && fail "wrote through a symlink"
	[ -z "$(ls -A "$T/adir")" ] || fail "left a temporary file behind"
}

test_not_root() {
	local rc
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$DIOLOCK" probe >"$T/out" 2>"$T/err"
	rc=$?
	expect_eq "$rc" 2 "unprivileged probe exit status"
	grep -q "missing privileges" "$T/err" || fail "unprivileged: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "one line, not libbpf's noise: $(cat "$T/err")"
	grep -q "ulimit" "$T/err" && fail "misleading ulimit hint"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$DIOLOCK" check -- true >/dev/null 2>"$T/err"
	expect_eq "$?" 2 "unprivileged check exit status"
}

test_timeout_without_cmd() {
	local start end
	start=$(date +%s%N)
	"$DIOLOCK" check -q --timeout 1 --json "$T/t.json" >/dev/null
	expect_eq "$?" 0 "exit status"
	end=$(date +%s%N)
	[ $(((end - start) / 1000000)) -ge 1000 ] || fail "returned before the timeout"
	expect_jq "$T/t.json" '.timed_out == true and .command == null' "timed out, no command"
}

test_cmd_exit_status_recorded() {
	"$DIOLOCK" check -q --json "$T/c.json" -- sh -c 'exit 3' >/dev/null
	expect_eq "$?" 0 "a failing CMD is not a finding"
	expect_jq "$T/c.json" '.command.exit_status == 3 and .command.argv[0] == "sh"' "exit status in report"
}

diolock_progs() {
	bpftool prog show 2>/dev/null | grep -c -E 'name (tp_btf|raw_tp)__'
}

# The kernel frees a program after its last link closes, asynchronously:
# give it a few seconds to reach the count of before.
expect_progs_back_to() {
	local i
	for i in $(seq 50); do
		[ "$(diolock_progs)" -le "$1" ] && return 0
		sleep 0.1
	done
	fail "$2: $(diolock_progs) diolock programs still loaded, $1 before"
}

test_sigint_reports_and_detaches() {
	local pid rc before
	before=$(diolock_progs)
	"$DIOLOCK" check -q --json "$T/s.json" >"$T/s.out" 2>&1 &
	pid=$!
	sleep 2
	[ "$(diolock_progs)" -gt "$before" ] || fail "programs attached while running"
	kill -INT $pid
	wait $pid
	rc=$?
	expect_eq "$rc" 0 "exit status after SIGINT"
	expect_jq "$T/s.json" '.interrupted == true and .verdict == "clean"' "report written on SIGINT"
	grep -q "verdict:" "$T/s.out" || fail "text report printed"
	expect_progs_back_to "$before" "no program left attached after SIGINT"
	"$DIOLOCK" check -q --json "$T/s2.json" >/dev/null 2>&1 &
	pid=$!
	sleep 2
	kill -TERM $pid
	wait $pid
	expect_jq "$T/s2.json" '.interrupted == true' "report written on SIGTERM"
	# links are owned by file descriptors: even SIGKILL leaves nothing attached
	"$DIOLOCK" check -q >/dev/null 2>&1 &
	pid=$!
	sleep 2
	kill -KILL $pid
	wait $pid 2>/dev/null
	expect_progs_back_to "$before" "no program left attached after SIGKILL"
}

test_probe_names_tiers() {
	"$DIOLOCK" probe --json >"$T/p.json" || fail "probe exit status"
	local h
	for h in dio_submit dio_complete btrfs_sync rwsem_wait_begin rwsem_wait_end task_exit; do
		expect_jq "$T/p.json" ".hooks.$h.tier == \"tp_btf\"" "$h uses tp_btf here"
	done
	expect_jq "$T/p.json" 'all(.hooks[]; .tiers | has("fentry") and has("kprobe") and has("tp_btf") and has("raw_tp"))' \
		"every tier of every hook explained"
	# this machine kind refuses fentry and has no kprobes: say so, per hook
	if ! "$DIOLOCK" probe --json | jq -e '.hooks.dio_complete.tiers.fentry.kernel_allows' >/dev/null; then
		expect_jq "$T/p.json" '.hooks.dio_complete.tiers.fentry.note | test("permission denied|not in kernel BTF")' "fentry refusal reason"
	fi
	if [ ! -e /sys/bus/event_source/devices/kprobe ]; then
		expect_jq "$T/p.json" '.hooks.dio_complete.tiers.kprobe.note | test("kprobes not configured")' "kprobe refusal reason"
	fi
	expect_jq "$T/p.json" '.hooks.rwsem_acquire.tiers.tp_btf.note | test("no tracepoint")' "why no tracepoint for acquire"
	"$DIOLOCK" probe >"$T/p.txt"
	grep -q "^dio_complete *tp_btf *iomap:iomap_dio_complete" "$T/p.txt" || fail "text table"
}

run_test test_usage_errors
run_test test_help_exits_zero
run_test test_cmd_not_found
run_test test_bad_json_path
run_test test_not_root
run_test test_timeout_without_cmd
run_test test_cmd_exit_status_recorded
run_test test_sigint_reports_and_detaches
run_test test_probe_names_tiers
