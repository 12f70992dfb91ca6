# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# One task read-acquires an ext4 inode's i_rwsem it already holds shared (abba test module, "r:A r:A"): the exact tiers warn recursive_acquire (read after read), the tracepoint tier sees no acquisition; nothing hangs.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=40
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes
SC_MATRIX_TIERS="fentry tracepoint"
SC_RT_TIERS="fentry tracepoint"

expect() {
	local pid ino v args
	pid=$(pid_of rr) ino=$(meta ino_a)
	args=(--argjson pid "${pid:-0}" --argjson ino "${ino:-0}")
	[ "$(state_of rr)" = gone ] || fail "the task did not finish: state $(state_of rr)"
	# a warning is no failure under the default --fail-on error (RT's fentry
	# tier has no wait hook: incomplete there, and it says which)
	expect_clean_exit
	expect_no_errors
	v='[.findings[] | select(.kind == "recursive_acquire" and .pid == $pid)]'
	case $SEEN in
	fentry | kprobe)
		expect_jq "$v | length == 1" "one recursive_acquire for the task (pid $pid); findings: $(findings)" "${args[@]}"
		expect_jq "$v | first | .severity == \"warning\" and .lock_mode == \"read\" and .confidence == \"exact\"" \
			"a warning, read mode, exact: $(jq_r -c "$v | first | {severity, lock_mode, confidence}" "${args[@]}")" "${args[@]}"
		expect_jq "$v | first | .fs == \"ext4\" and .ino == \$ino and .count == 1" \
			"inode A ($ino), once: $(jq_r -c "$v | first | {fs, ino, count}" "${args[@]}")" "${args[@]}"
		expect_jq "$v | first | .note | test(\"already holds shared\")" "the read-after-read note" "${args[@]}"
		expect_jq "$v | first | .stack | any(test(\"abba_write\"))" \
			"the stack through abba_write: $(jq_r "$v | first | .stack | join(\" <- \")" "${args[@]}")" "${args[@]}"
		;;
	tracepoint)
		expect_jq "$v | length == 0" "tracepoint tier: no acquisitions seen, no recursive_acquire; findings: $(findings)" "${args[@]}"
		;;
	esac
}
