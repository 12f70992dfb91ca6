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
	expect_usage "bad pid" "invalid PID" -- check --pid 12x -- true
	expect_usage "zero pid" "invalid PID" -- trace --pid 0
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
	"$DIOLOCK" --version >"$T/v" || fail "--version exit status"
	grep -q "^diolock .*(git [0-9a-f]" "$T/v" || fail "--version names the git revision: $(cat "$T/v")"
	grep -q "^features: serve: yes" "$T/v" || fail "--version lists serve: $(cat "$T/v")"
	local c
	for c in probe trace check record replay validate stat top serve; do
		"$DIOLOCK" "$c" -h >"$T/h" 2>&1 || fail "$c -h exit status"
		grep -q "^Usage: diolock $c" "$T/h" || fail "$c -h: $(head -2 "$T/h")"
		# every example line is a whole command a user can copy
		awk '/^Examples/{e=1;next} e&&/^$/{e=0} e&&!/^  diolock /' "$T/h" >"$T/wrapped"
		[ -s "$T/wrapped" ] && fail "$c --help wraps an example: $(cat "$T/wrapped")"
		# a source line longer than argp's margin comes out as a stub line
		awk 'NR>1 && /^  *-/{exit} {if (p!="" && length(p)<20 && $0!="" && p !~ /^ / && p !~ /:$/) print p; p=$0}' \
			"$T/h" >"$T/stubs"
		[ -s "$T/stubs" ] && fail "$c --help breaks a line of its text: $(cat "$T/stubs")"
	done
	# -v after the subcommand, as before it
	"$DIOLOCK" probe -v -j >"$T/p" 2>"$T/perr" || fail "probe -v -j exit status"
	jq -e .hooks "$T/p" >/dev/null || fail "probe -v -j prints JSON"
	grep -q "debug:" "$T/perr" || fail "-v after the subcommand shows libbpf's messages"
	"$DIOLOCK" check -q --timeout 1 -- echo -v >"$T/e" 2>/dev/null
	grep -qx -- "-v" "$T/e" || fail "-v after -- belongs to CMD: $(cat "$T/e")"
}

test_cmd_not_found() {
	expect_usage "missing CMD" "cannot run '/nonexistent/cmd': No such file" -- check -- /nonexistent/cmd
	expect_usage "missing CMD in trace" "cannot run" -- trace -- /nonexistent/cmd
}

test_bad_json_path() {
	mkdir -p "$T/adir"
	expect_usage "json to a directory" "not a regular file" -- check -J "$T/adir" -- true
	expect_usage "json in a missing dir" "cannot write JSON report" -- check -J "$T/nodir/r.json" -- true
	ln -s "$T/target" "$T/link"
	expect_usage "json to a symlink" "not a regular file" -- check -J "$T/link" -- true
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
	# unfiltered: --fail-on none, the verdict is the machine's other work's
	timeout 60 "$DIOLOCK" check -q --fail-on none --timeout 1 -J "$T/t.json" >/dev/null 2>&1
	expect_eq "$?" 0 "exit status"
	expect_jq "$T/t.json" '.timed_out == true and .command == null and .duration_s >= 1' \
		"watched until the timeout, no command"
}

test_cmd_exit_status_recorded() {
	local mnt dev
	mnt=$(mkfs_mount ext4 cmd) || { fail mount; return; }
	dev=$(stat_dev "$mnt")
	"$DIOLOCK" check -q --dev "$dev" -J "$T/c.json" -- sh -c "$DIOWORK -n 2 dio-write $mnt/f >/dev/null; exit 3" >"$T/c.out"
	expect_eq "$?" 0 "a failing CMD is not a finding by default"
	expect_jq "$T/c.json" '.command.exit_status == 3 and .command.argv[0] == "sh" and .command.failed == true' "exit status in report"
	grep -q "^command: sh (exit 3, failed)" "$T/c.out" || fail "text says CMD failed: $(head -3 "$T/c.out")"
	"$DIOLOCK" check -q --dev "$dev" --fail-on error,lost,cmd -- sh -c "$DIOWORK -n 2 dio-write $mnt/f >/dev/null; exit 3" >/dev/null
	expect_eq "$?" 1 "--fail-on cmd: a failing CMD fails the run"
	"$DIOLOCK" check -q --dev "$dev" --fail-on cmd -- sh -c "$DIOWORK -n 2 dio-write $mnt/f >/dev/null; kill -9 \$\$" >/dev/null
	expect_eq "$?" 1 "--fail-on cmd: a CMD killed by a signal fails the run"
	"$DIOLOCK" check -q --dev "$dev" --fail-on cmd -- "$DIOWORK" -n 2 dio-write "$mnt/f" >/dev/null
	expect_eq "$?" 0 "--fail-on cmd: a CMD that succeeds"
	expect_usage "bad --fail-on" "invalid --fail-on 'error,bogus'" -- check --fail-on error,bogus -- true
}

# The exit status a CI job reads: 3 when the run proved nothing.
test_exit_status_incomplete() {
	local mnt dev
	mnt=$(mkfs_mount ext4 inc) || { fail mount; return; }
	dev=$(stat_dev "$mnt")
	# filters that match no event: nothing was checked
	"$DIOLOCK" check -q --dev "$dev" -J "$T/i.json" -- true >"$T/i.out"
	expect_eq "$?" 3 "filters that matched nothing: incomplete"
	expect_jq "$T/i.json" '.filters_matched == false and .filters.dev == "'"$dev"'" and .verdict == "incomplete" and (.why_incomplete | test("filters"))' \
		"JSON says the filters matched nothing"
	grep -q "^filters: --dev $dev matched no event" "$T/i.out" || fail "text says the filters matched nothing"
	"$DIOLOCK" check -q --dev "$dev" --fail-on error -- true >/dev/null
	expect_eq "$?" 0 "--fail-on error: incomplete is not a failure"
	"$DIOLOCK" check -q --dev "$dev" -J "$T/m.json" -- "$DIOWORK" -n 2 dio-write "$mnt/f" >/dev/null
	expect_eq "$?" 0 "filters that matched"
	expect_jq "$T/m.json" '.filters_matched == true and .verdict == "clean" and .complete == true' "clean"
	# a warning fails the run only when asked; replay exits as the live run did
	"$DIOLOCK" check -q --dev "$dev" --record "$T/w.dlr" -J "$T/w.json" -- \
		"$DIOWORK" -j 1 --hold-ms 5600 hold-contend "$mnt/h" >/dev/null 2>&1
	expect_eq "$?" 0 "a warning with the default --fail-on"
	expect_jq "$T/w.json" '.findings | any(.kind == "long_wait_chain" and .severity == "warning")' "a real warning"
	"$DIOLOCK" replay -q "$T/w.dlr" >/dev/null
	expect_eq "$?" 0 "replay exits as the live check did"
	"$DIOLOCK" replay -q "$T/w.dlr" --fail-on error,warning,lost >/dev/null
	expect_eq "$?" 1 "--fail-on warning"
	"$DIOLOCK" check -q --dev "$dev" --record "$T/n.dlr" -- true >/dev/null
	"$DIOLOCK" replay -q "$T/n.dlr" -J "$T/n.json" >/dev/null
	expect_eq "$?" 3 "replay of a run whose filters matched nothing: the recorded filters count"
	expect_jq "$T/n.json" '.filters.dev == "'"$dev"'" and .filters_matched == false' "recorded filters in the replay"
}

# Filters that cannot match on this system are refused, not run for nothing.
test_filters_checked() {
	local mnt dev
	expect_usage "unknown fs" "--fs ext5: not a filesystem type this kernel knows" -- check --fs ext5 -- true
	expect_usage "no such device" "--dev 4095:1048575: no block device or mounted filesystem" -- check --dev 4095:1048575 -- true
	expect_usage "no such process" "--pid 1073741823: no such process" -- check --pid 1073741823 -- true
	expect_usage "no such process (trace)" "no such process" -- trace --pid 1073741823 --timeout 1
	[ "$(wc -l <"$T/err")" = 1 ] || fail "one line: $(cat "$T/err")"
	# btrfs files report the subvolume's anonymous device (0:N): it is in mountinfo
	mnt=$(mkfs_mount btrfs fb) || { fail mount; return; }
	dev=$(stat_dev "$mnt")
	"$DIOLOCK" check -q --dev "$dev" --fs btrfs --pid $$ --fail-on error -- true >/dev/null 2>"$T/err"
	expect_eq "$?" 0 "btrfs anonymous device $dev, a live pid, a known fs: accepted"
	# replay does not check: the recording is from another machine
	"$DIOLOCK" replay -q "$ROOT/tests/data/golden/xfs-dsync.dlr" --fs nosuchfs --fail-on error >/dev/null
	expect_eq "$?" 0 "replay takes filters it cannot check"
}

test_timeout_kills_cmd() {
	# `timeout` is a ceiling that turns a hang into a failure; what ended the
	# command is read from the report, not from the clock
	timeout 25 "$DIOLOCK" check -q --timeout 1 -J "$T/k.json" -- sleep 30 >"$T/k.out"
	expect_eq "$?" 0 "exit status (sleep 30 killed at --timeout 1)"
	expect_jq "$T/k.json" '.timed_out == true and .command.killed_by_diolock == "SIGTERM" and .command.signal == 15 and .command.running == false' \
		"SIGTERM at the timeout, reported"
	grep -q "diolock sent it SIGTERM at --timeout" "$T/k.out" || fail "text says so: $(grep command "$T/k.out")"
	# a command that ignores SIGTERM runs forever unless --kill-after kills it
	timeout 60 "$DIOLOCK" check -q --timeout 0.5 --kill-after 1 -J "$T/k2.json" -- \
		sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
	expect_eq "$?" 0 "exit status (SIGKILL after --kill-after)"
	expect_jq "$T/k2.json" '.command.killed_by_diolock == "SIGKILL" and .command.signal == 9' "SIGKILL reported"
	expect_usage "bad --kill-after" "invalid --kill-after" -- check --kill-after -1 -- true
}

test_watching_line() {
	"$DIOLOCK" check -q --timeout 0.5 >/dev/null 2>"$T/w.err"
	grep -q "^diolock: watching all tasks until --timeout; Ctrl-C to stop$" "$T/w.err" || fail "check: $(cat "$T/w.err")"
	"$DIOLOCK" record -o "$T/w.dlr" --timeout 0.5 >/dev/null 2>"$T/w.err"
	grep -q "^diolock: watching all tasks" "$T/w.err" || fail "record: $(cat "$T/w.err")"
	"$DIOLOCK" check -q -- true >/dev/null 2>"$T/w.err"
	grep -q "watching" "$T/w.err" && fail "not with CMD"
}

test_junit() {
	local mnt
	mnt=$(mkfs_mount xfs ju) || { fail mount; return; }
	"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" --junit "$T/j.xml" --record "$T/j.dlr" -- "$DIOWORK" -n 3 dio-dsync-write "$mnt/f" >/dev/null
	expect_eq "$?" 0 "check with --junit"
	python3 - "$T/j.xml" <<'PY' || fail "JUnit structure"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert len(suites) == 1
s = suites[0]
cases = {c.get("name"): c for c in s.findall("testcase")}
kinds = ["dio_complete_under_i_rwsem", "self_deadlock", "dio_fallback_buffered", "deadlock_cycle",
         "long_wait_chain", "lock_order_inversion", "recursive_acquire", "sync_skips_unheld_lock"]
for k in kinds + ["complete", "command"]:
    assert k in cases, k
assert int(s.get("tests")) == len(cases) == len(kinds) + 2
assert int(s.get("failures")) == 0, s.get("failures")
assert not list(s.iter("failure")), "no failure in a clean run"
assert "x3" in cases["dio_complete_under_i_rwsem"].find("system-out").text
props = {p.get("name"): p.get("value") for p in s.find("properties")}
assert props["verdict"] == "clean" and props["diolock.git_rev"]
assert s.get("hostname") and s.get("timestamp")
PY
	# an incomplete replay fails the "complete" case, as the exit status does
	truncate -s $(($(stat -c %s "$T/j.dlr") - 10)) "$T/j.dlr"
	"$DIOLOCK" replay -q "$T/j.dlr" --junit "$T/c.xml" >/dev/null 2>&1
	expect_eq "$?" 3 "cut replay"
	python3 - "$T/c.xml" <<'PY' || fail "JUnit failure for an incomplete run"
import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot().find("testsuite")
c = [c for c in s.findall("testcase") if c.get("name") == "complete"][0]
f = c.find("failure")
assert f is not None and "cut" in f.get("message"), f
assert s.get("failures") == "1"
PY
}

diolock_progs() {
	bpftool prog show 2>/dev/null | grep -c -E 'name (tp_btf|raw_tp|fentry|fexit|kprobe|kretprobe)__'
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
	# unfiltered: the verdict is the machine's other work's; the exit status and
	# the report must be those of an interrupted run
	"$DIOLOCK" check -q --fail-on none -J "$T/s.json" >"$T/s.out" 2>&1 &
	pid=$!
	wait_watching "$T/s.out" $pid || return
	[ "$(diolock_progs)" -gt "$before" ] || fail "programs attached while running"
	kill -INT $pid
	wait $pid
	rc=$?
	expect_eq "$rc" 0 "exit status after SIGINT"
	expect_jq "$T/s.json" '.interrupted == true and .complete == true' "report written on SIGINT"
	grep -q "verdict:" "$T/s.out" || fail "text report printed"
	expect_progs_back_to "$before" "no program left attached after SIGINT"
	"$DIOLOCK" check -q -J "$T/s2.json" >/dev/null 2>"$T/s2.err" &
	pid=$!
	wait_watching "$T/s2.err" $pid || return
	kill -TERM $pid
	wait $pid
	expect_jq "$T/s2.json" '.interrupted == true' "report written on SIGTERM"
	# links are owned by file descriptors: even SIGKILL leaves nothing attached
	"$DIOLOCK" check -q >/dev/null 2>"$T/s3.err" &
	pid=$!
	wait_watching "$T/s3.err" $pid || return
	kill -KILL $pid
	wait $pid 2>/dev/null
	expect_progs_back_to "$before" "no program left attached after SIGKILL"
}

# --bpf-stats: each program that ran, with its runs and ns per run; the kernel's switch back off after.
test_bpf_stats() {
	local before
	before=$(sysctl -n kernel.bpf_stats_enabled)
	"$DIOLOCK" check -q --bpf-stats -- sh -c 'true' >/dev/null 2>"$T/bs.err"
	expect_eq "$?" 0 "check exit status"
	grep -Eq '^diolock: bpf-stats: [a-z_]+__sched_process_exit [1-9][0-9]* runs [0-9]+ ns/run$' "$T/bs.err" ||
		fail "no bpf-stats line for the task-exit program: $(grep -c bpf-stats "$T/bs.err") lines"
	expect_eq "$(sysctl -n kernel.bpf_stats_enabled)" "$before" "kernel.bpf_stats_enabled left as it was"
}

test_probe_names_tiers() {
	"$DIOLOCK" probe --json >"$T/p.json" || fail "probe exit status"
	local h
	# each hook on the best tier the kernel allows and diolock has a program for
	for h in dio_submit dio_complete btrfs_sync rwsem_wait_begin rwsem_wait_end task_exit; do
		expect_jq "$T/p.json" ".hooks.$h as \$x | [\"fentry\", \"kprobe\", \"tp_btf\", \"raw_tp\"] |
			map(select(\$x.tiers[.].kernel_allows and \$x.tiers[.].diolock_program)) | .[0] == \$x.tier" \
			"$h on the best tier allowed"
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
	grep -q "^dio_complete *$(jq -r '.hooks.dio_complete | "\(.tier) *\(.target)"' "$T/p.json")" "$T/p.txt" ||
		fail "text table: $(grep ^dio_complete "$T/p.txt")"
}

# The decoder's i_rwsem layout comes from CO-RE at load time (a BPF program
# reports what it was relocated for): this non-RT kernel's rw_semaphore has
# count/owner, so the RT branch must not be taken, and the report says so
# (the VM's PREEMPT_RT kernels check the other branch).
test_lock_layout_not_rt() {
	local btf=/sys/kernel/btf/vmlinux
	if ! bpftool btf dump file "$btf" 2>/dev/null | grep -A4 "STRUCT 'rw_semaphore'" | grep -q "'count'"; then
		fail "this kernel's rw_semaphore has no count: not the non-RT kernel this test is for"
		return
	fi
	"$DIOLOCK" probe --json >"$T/lay.json" || fail "probe exit status"
	expect_jq "$T/lay.json" '.i_rwsem_layout.name == "rwsem"' "probe: i_rwsem layout rwsem on a non-RT kernel"
	"$DIOLOCK" probe | grep -q '^i_rwsem layout: rwsem;' || fail "probe's text names the layout"
	"$DIOLOCK" check -q --json "$T/lay-check.json" --record "$T/lay.rec" -- true >/dev/null 2>&1
	expect_jq "$T/lay-check.json" '.i_rwsem_layout == "rwsem"' "check's report: i_rwsem_layout rwsem"
	"$DIOLOCK" replay -q "$T/lay.rec" --json "$T/lay-replay.json" >/dev/null 2>&1
	expect_jq "$T/lay-replay.json" '.i_rwsem_layout == "rwsem"' "the recording keeps the layout"
}

run_test test_usage_errors
run_test test_lock_layout_not_rt
run_test test_bpf_stats
run_test test_help_exits_zero
run_test test_cmd_not_found
run_test test_bad_json_path
run_test test_not_root
run_test test_timeout_without_cmd
run_test test_cmd_exit_status_recorded
run_test test_exit_status_incomplete
run_test test_filters_checked
run_test test_timeout_kills_cmd
run_test test_watching_line
run_test test_junit
run_test test_sigint_reports_and_detaches
run_test test_probe_names_tiers
