# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# btrfs.ko without the DIO-write stub (patches/0001): the O_DIRECT|O_DSYNC writer deadlocks on its own i_rwsem; diolock must report self_deadlock.
SC_BTRFS=faulty
SC_DEADLOCKS=yes
SC_BUDGET=50
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes
# PREEMPT_RT: the kernel's rt_mutex catches the self-deadlock first (WARN "rtmutex deadlock
# detected", the writer loops in S); diolock reports it but then does not exit: not run there
SC_RT_TIERS=""

expect() {
	local pid ino v t0 ts live first
	pid=$(pid_of writer)
	ino=$(meta ino)
	# first the bug itself: without a real hang there is nothing to catch
	[ "$(state_of writer)" = D ] ||
		fail "the writer is not stuck (state $(state_of writer)): is the faulty btrfs.ko loaded?"
	grep -q btrfs_sync_file "$D/writer.stack" 2>/dev/null ||
		fail "the writer's kernel stack has no btrfs_sync_file: $(tr '\n' ' ' <"$D/writer.stack" 2>/dev/null)"
	expect_exit 1
	v='[.violations[] | select(.kind == "self_deadlock" and .severity == "error" and .fs == "btrfs" and .pid == $pid)]'
	expect_jq "$v | length >= 1" "no self_deadlock error on btrfs for the writer (pid $pid); findings: $(findings)" --argjson pid "${pid:-0}"
	expect_jq "$v | any(.ino == \$ino)" "the self_deadlock does not name the file's inode $ino" \
		--argjson pid "${pid:-0}" --argjson ino "${ino:-0}"
	expect_jq "$v | any(.stack | (any(test(\"btrfs_sync_file\")) and any(test(\"iomap_dio_complete\"))))" \
		"the self_deadlock stack lacks btrfs_sync_file or iomap_dio_complete: $(jq_r "$v | first | .stack | join(\" <- \")" --argjson pid "${pid:-0}")" \
		--argjson pid "${pid:-0}"
	# fentry/kprobe see the completion start without the stub: an error even
	# before the writer blocks (the tracepoint tier only sees the wait)
	case $SEEN in
	fentry | kprobe)
		expect_jq '[.violations[] | select(.kind == "dio_complete_under_i_rwsem" and .fs == "btrfs" and .pid == $pid)] |
			any(.severity == "error")' \
			"$SEEN sees iomap_dio_complete: expected an error dio_complete_under_i_rwsem (no DIO-write stub) for the writer; findings: $(findings)" \
			--argjson pid "${pid:-0}"
		;;
	esac
	expect_jq '.timed_out == true and .command.running == true' \
		"diolock should end by --timeout with the writer still hung (timed_out $(jq_r .timed_out), running $(jq_r .command.running))"
	# how fast: the finding's event time, and when diolock printed it live
	t0=$(cat "$D/writer.t0" 2>/dev/null)
	ts=$(jq_r "$v | first | .first_ts_ns // empty" --argjson pid "${pid:-0}")
	live=$(awk '/diolock: \[error\] self_deadlock/ { print $1; exit }' "$D/diolock.stderr" 2>/dev/null)
	first=$(awk '/diolock: \[error\]/ { print $1, $4; exit }' "$D/diolock.stderr" 2>/dev/null)
	[ -n "$live" ] || fail "diolock printed no live self_deadlock line on stderr"
	[ -n "$ts" ] && [ -n "$t0" ] &&
		note "self_deadlock: event $(seconds_between "$t0" "$ts") s after the writer started, printed live after $(seconds_between "$t0" "$live") s; first live error (${first#* }) after $(seconds_between "$t0" "${first%% *}") s"
}
