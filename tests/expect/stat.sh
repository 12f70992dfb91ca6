# shellcheck shell=bash
# `diolock stat --json` on `diowork -j 3 hold-contend FILE`: three waiters
# behind a holder. Usage:
#   expect_stat_contended JSON WORKLOAD_OUT FS MODE INO PATH HOLD_TIER
# HOLD_TIER: the tier of the rwsem_acquire hook (tier_expected), which decides
# whether hold-time histograms exist.
expect_stat_contended() {
	local json=$1 out=$2 fs=$3 mode=$4 ino=$5 path=$6 hold_tier=$7 other uw
	[ "$mode" = write ] && other=read || other=write
	local w="[.histograms[] | select(.metric == \"wait\")]"
	expect_file_jq "$json" "$w | length == 1" "$fs: waits on exactly one inode and mode"
	expect_file_jq "$json" "$w[0].ino == $ino and $w[0].mode == \"$mode\" and $w[0].fs == \"$fs\"" \
		"$fs: the contended inode, $mode mode"
	expect_file_jq "$json" "$w[0].count == 3" "$fs: three waits"
	# the longest wait in the kernel, against the same wait timed around the
	# write by the waiter itself: within it, and most of it (a 4 KiB write
	# after the lock is granted is the difference), whatever the machine's speed
	uw=$(workload_max_ns "$out" waiter wait_ms)
	expect_file_jq "$json" "$w[0].max_ns <= $uw and $w[0].max_ns >= $uw / 2" \
		"$fs: the longest wait as the waiters timed it ($uw ns)"
	expect_file_jq "$json" "$w[0].p50_ns <= $w[0].max_ns and $w[0].p50_ns <= $w[0].p99_ns" "$fs: percentiles ordered"
	expect_file_jq "$json" "([$w[0].buckets[].count] | add) == 3" "$fs: buckets hold every wait"
	expect_file_jq "$json" "[.histograms[] | select(.metric == \"wait\" and .mode == \"$other\")] | length == 0" \
		"$fs: no $other waits"
	expect_file_jq "$json" "$w[0].path == \"$path\"" "$fs: path resolved"
	expect_file_jq "$json" ".attach.rwsem_acquire == \"$hold_tier\"" "$fs: acquire hooks on $hold_tier"
	if [ "$hold_tier" = unavailable ]; then
		expect_file_jq "$json" '.hold_time.available == false and (.hold_time.why | test("tracepoint"))' \
			"$fs: hold time unavailable, and why"
	else
		# the holder holds it exclusive (a buffered write) whatever the waiters' mode
		local h="[.histograms[] | select(.metric == \"hold\" and .ino == $ino)]" uh
		uh=$(workload_max_ns "$out" holder hold_ms)
		expect_file_jq "$json" '.hold_time.available == true' "$fs: hold time available"
		expect_file_jq "$json" "($h | map(.count) | add) >= 4" "$fs: the holder's and the waiters' holds"
		expect_file_jq "$json" "($h | map(.max_ns) | max) >= $uh / 2" \
			"$fs: the longest hold as the holder timed it ($uh ns)"
	fi
	expect_file_jq "$json" '.lost_events == 0' "$fs: nothing lost"
	expect_file_jq "$json" "[.dio_completions_by_fs[] | select(.fs == \"$fs\")][0].completions >= 3" \
		"$fs: DIO completions counted"
	# every completion ran inside iomap_dio_rw under the waiter's own hold (shared ones inferred)
	expect_file_jq "$json" "[.dio_completions_by_fs[] | select(.fs == \"$fs\")][0] | .under_i_rwsem == .completions" \
		"$fs: completions under i_rwsem"
}
