# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# 6.12 with the xfs_zero_relock livepatch (99c29f16b79f undone): an unshare of a reflinked XFS file, cut short by writeback, releases its COW reservation under the invalidate_lock fallocate already holds and waits for itself; diolock must report self_deadlock on invalidate_lock (all tiers) and recursive_acquire (fentry, kprobe).
SC_BTRFS=any
# not SC_LIVEPATCH: that flag means dio_end_late (a boot of its own, and
# expect_tier then wants iomap_dio_complete on a kprobe); like
# uring-drain-livepatch, this livepatch is loaded by the scenario itself and
# its hang goes last in the main boot (SC_DEADLOCKS)
SC_DEADLOCKS=yes
SC_BUDGET=90
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes
SC_KERNELS="6.12"
SC_MATRIX_TIERS="fentry kprobe tracepoint"

expect() {
	local pid ino sd ra args
	pid=$(pid_of writer)
	ino=$(meta ino)
	args=(--argjson pid "${pid:-0}" --argjson ino "${ino:-0}")
	[ "$(meta livepatch)" = 1 ] || fail "the xfs_zero_relock livepatch was not in effect"
	# the bug itself first: without a real hang there is nothing to catch
	[ "$(state_of writer)" = D ] ||
		fail "the writer is not stuck (state $(state_of writer); $(tail -1 "$D/writer.out" 2>/dev/null)): did the unshare reach the release?"
	if ! grep -q xfs_buffered_write_iomap_end "$D/writer.stack" 2>/dev/null ||
		! grep -q iomap_file_unshare "$D/writer.stack" 2>/dev/null; then
		fail "the writer's kernel stack is not the unshare's iomap_end: $(tr '\n' ' ' <"$D/writer.stack" 2>/dev/null)"
	fi
	sd='[.findings[] | select(.kind == "self_deadlock" and .severity == "error" and .pid == $pid and .ino == $ino and .lock == "invalidate_lock")]'
	ra='[.findings[] | select(.kind == "recursive_acquire" and .severity == "error" and .pid == $pid and .ino == $ino and .lock == "invalidate_lock")]'
	expect_exit 1
	expect_jq "$sd | length == 1" "no self_deadlock error on invalidate_lock for the writer (pid $pid) on inode $ino; findings: $(findings)" "${args[@]}"
	expect_jq "$sd | first | .fs == \"xfs\" and (.stack | any(test(\"xfs_buffered_write_iomap_end\")))" \
		"the self_deadlock should be on xfs with xfs_buffered_write_iomap_end in its stack: $(jq_r "$sd | first | [.fs, (.stack | join(\" <- \"))]" "${args[@]}")" "${args[@]}"
	grep -q 'diolock: \[error\] self_deadlock' "$D/diolock.stderr" 2>/dev/null ||
		fail "diolock printed no live self_deadlock line on stderr"
	case $SEEN in
	fentry | kprobe)
		expect_jq "$ra | length >= 1" "no recursive_acquire error on invalidate_lock for the writer (pid $pid) on inode $ino; findings: $(findings)" "${args[@]}"
		;;
	tracepoint)
		# no acquisitions in this tier: the wait on its own write hold is all it sees
		expect_jq "$ra | length == 0" "a recursive_acquire the tracepoint tier cannot see: $(findings)" "${args[@]}"
		;;
	esac
	expect_jq '.timed_out == true and .command.running == true' \
		"diolock should end by --timeout with the writer still hung (timed_out $(jq_r .timed_out), running $(jq_r .command.running))"
}
