# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# 6.12 with the caller_comp livepatch (io_uring's IOCB_DIO_CALLER_COMP back): a task truncating its file before reaping its io_uring DIO writes waits in inode_dio_wait for itself; diolock must report self_deadlock (fentry, kprobe).
SC_BTRFS=any
SC_DEADLOCKS=yes
SC_BUDGET=90
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes
SC_KERNELS="6.12"
SC_MATRIX_TIERS="fentry kprobe tracepoint"

expect() {
	local pid ino v
	pid=$(pid_of writer)
	ino=$(meta ino)
	# the bug itself first: without a real hang there is nothing to catch
	[ "$(state_of writer)" = D ] ||
		fail "the writer is not stuck (state $(state_of writer)): is the caller_comp livepatch in effect?"
	grep -q inode_dio_wait "$D/writer.stack" 2>/dev/null ||
		fail "the writer's kernel stack has no inode_dio_wait: $(tr '\n' ' ' <"$D/writer.stack" 2>/dev/null)"
	v='[.findings[] | select(.kind == "self_deadlock" and .severity == "error" and .pid == $pid and .ino == $ino)]'
	case $SEEN in
	fentry | kprobe)
		expect_exit 1
		expect_jq "$v | length == 1" "no self_deadlock error for the writer (pid $pid) on inode $ino; findings: $(findings)" \
			--argjson pid "${pid:-0}" --argjson ino "${ino:-0}"
		expect_jq "$v | first | (.note | test(\"task_work\")) and (.stack | any(test(\"inode_dio_wait\")))" \
			"the self_deadlock should name the task_work and have inode_dio_wait in its stack: $(jq_r "$v | first | [.note, (.stack | join(\" <- \"))]" --argjson pid "${pid:-0}" --argjson ino "${ino:-0}")" \
			--argjson pid "${pid:-0}" --argjson ino "${ino:-0}"
		grep -q 'diolock: \[error\] self_deadlock' "$D/diolock.stderr" 2>/dev/null ||
			fail "diolock printed no live self_deadlock line on stderr"
		;;
	tracepoint)
		# no tracepoint in inode_dio_wait: this tier cannot see the wait (no lock is
		# waited for), says that hook is unavailable, and ends by --timeout
		expect_jq "$v | length == 0" "a self_deadlock the tracepoint tier cannot see: $(findings)" \
			--argjson pid "${pid:-0}" --argjson ino "${ino:-0}"
		expect_jq '.attach.dio_drain_wait == "unavailable" and (.unavailable.dio_drain_wait | length > 0)' \
			"tracepoint tier: dio_drain_wait is '$(jq_r .attach.dio_drain_wait)': $(jq_r .unavailable.dio_drain_wait)"
		;;
	esac
	expect_jq '.timed_out == true and .command.running == true' \
		"diolock should end by --timeout with the writer still hung (timed_out $(jq_r .timed_out), running $(jq_r .command.running))"
}
