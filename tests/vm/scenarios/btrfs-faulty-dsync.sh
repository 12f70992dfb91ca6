# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# btrfs.ko without the DIO-write stub (patches/0001): the O_DIRECT|O_DSYNC writer deadlocks on its own i_rwsem; diolock must report self_deadlock.
SC_BTRFS=faulty
SC_DEADLOCKS=yes
SC_BUDGET=50
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes
# PREEMPT_RT too: there the kernel's rt_mutex sees the self-deadlock as well (WARN "rtmutex
# deadlock detected") and parks the writer in a loop (state S, R once SIGKILLed), not in D
SC_RT_TIERS="fentry tracepoint"

expect() {
	local pid ino v t0 ts live first kind=self_deadlock rt=
	pid=$(pid_of writer)
	ino=$(meta ino)
	[[ $VM_KERNEL == *-rt ]] && rt=1
	# first the bug itself: without a real hang there is nothing to catch
	if [ -n "$rt" ]; then
		grep -q "rtmutex deadlock detected" "$BOOTDIR/slot/0/dmesg.txt" 2>/dev/null ||
			fail "no rtmutex deadlock warning in dmesg: is the faulty btrfs.ko loaded?"
		[ "$(state_of writer)" != gone ] || fail "the writer is gone: it did not deadlock"
		# no rwsem_down_*_slowpath on RT: the fentry tier sees no wait, only the
		# exclusive re-acquisition of the lock the task holds
		[ "$SEEN" = fentry ] && kind=recursive_acquire
	else
		[ "$(state_of writer)" = D ] ||
			fail "the writer is not stuck (state $(state_of writer)): is the faulty btrfs.ko loaded?"
		grep -q btrfs_sync_file "$D/writer.stack" 2>/dev/null ||
			fail "the writer's kernel stack has no btrfs_sync_file: $(tr '\n' ' ' <"$D/writer.stack" 2>/dev/null)"
	fi
	expect_exit 1
	v='[.findings[] | select(.kind == "'$kind'" and .severity == "error" and .fs == "btrfs" and .pid == $pid)]'
	expect_jq "$v | length >= 1" "no $kind error on btrfs for the writer (pid $pid); findings: $(findings)" --argjson pid "${pid:-0}"
	expect_jq "$v | any(.ino == \$ino)" "the $kind does not name the file's inode $ino" \
		--argjson pid "${pid:-0}" --argjson ino "${ino:-0}"
	# on RT the stack from lock:contention_begin ends at the rt_mutex slow path
	# and skips to the syscall (the kernel's own WARN shows every frame): a gap noted in the README
	if [ -n "$rt" ] && [ "$SEEN" = tracepoint ]; then
		expect_jq "$v | any(.stack | any(test(\"rt_mutex_slowlock\")))" \
			"the $kind stack lacks the rt_mutex slow path: $(jq_r "$v | first | .stack | join(\" <- \")" --argjson pid "${pid:-0}")" \
			--argjson pid "${pid:-0}"
	else
		expect_jq "$v | any(.stack | (any(test(\"btrfs_sync_file\")) and any(test(\"iomap_dio_complete\"))))" \
			"the $kind stack lacks btrfs_sync_file or iomap_dio_complete: $(jq_r "$v | first | .stack | join(\" <- \")" --argjson pid "${pid:-0}")" \
			--argjson pid "${pid:-0}"
	fi
	# fentry/kprobe see the completion start without the stub: an error even
	# before the writer blocks (the tracepoint tier only sees the wait)
	case $SEEN in
	fentry | kprobe)
		expect_jq '[.findings[] | select(.kind == "dio_complete_under_i_rwsem" and .fs == "btrfs" and .pid == $pid)] |
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
	live=$(awk "/diolock: \\[error\\] $kind/ { print \$1; exit }" "$D/diolock.stderr" 2>/dev/null)
	first=$(awk '/diolock: \[error\]/ { print $1, $4; exit }' "$D/diolock.stderr" 2>/dev/null)
	[ -n "$live" ] || fail "diolock printed no live $kind line on stderr"
	[ -n "$ts" ] && [ -n "$t0" ] &&
		note "$kind: event $(seconds_between "$t0" "$ts") s after the writer started, printed live after $(seconds_between "$t0" "$live") s; first live error (${first#* }) after $(seconds_between "$t0" "${first%% *}") s"
}
