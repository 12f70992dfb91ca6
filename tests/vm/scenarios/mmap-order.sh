# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# One task takes an ext4 file's i_rwsem while write-holding its own mmap_lock (abba module "m:PID A"), nothing hangs: the exact tiers report a lock_order_inversion against the kernel's documented order (i_rwsem -> mmap_lock); the tracepoint tier sees no acquisition and reports none.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=40
SC_TIERS="fentry kprobe tracepoint"

expect() {
	local pid ino v args
	pid=$(pid_of self) ino=$(meta ino_a)
	args=(--argjson pid "${pid:-0}" --argjson ino "${ino:-0}")
	expect_jq '.command.exit_status == 0' "the abba write failed or hung: state $(state_of self)"
	v='[.findings[] | select(.kind == "lock_order_inversion")]'
	case $SEEN in
	fentry | kprobe)
		expect_one_exact_inversion
		expect_jq "$v | first | (.detail | test(\"^mmap_lock of pid \" + (\$pid | tostring) + \" held \\\\(write\\\\), then i_rwsem of ext4 .* ino \" + (\$ino | tostring) + \" taken\"))" \
			"the inversion should be pid $pid's mmap_lock, then inode $ino's i_rwsem: $(jq_r -c "$v | map(.detail)")" "${args[@]}"
		expect_jq "$v | first | .edges | length == 1 and (.[0].to.lock == \"i_rwsem\" and .[0].to.ino == \$ino and (.[0].stack | any(test(\"abba_write\"))))" \
			"one edge, to the inode's i_rwsem, taken in abba_write: $(jq_r -c "$v | first | .edges")" "${args[@]}"
		;;
	tracepoint)
		expect_clean_exit
		expect_jq "$v | length == 0" "tracepoint tier: no acquisitions, no inversion expected; findings: $(findings)"
		;;
	esac
}
