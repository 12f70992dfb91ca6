#!/usr/bin/env bash
# Soak: a bounded mixed workload (contention, DSYNC DIO, truncate/fallocate
# races, btrfs fallbacks, task churn) under one long `check`. diolock must not
# crash, its memory must stay flat, and every injected detectable case must
# still be reported. SOAK_SECONDS sets the length (60 in make test, 600 in
# make soak).
. "$(dirname "$0")/lib.sh"
require_root
SOAK_SECONDS=${SOAK_SECONDS:-60}
TEST_LIMIT=$((SOAK_SECONDS + 240))

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

test_soak() {
	local ext4 xfs btrfs pid end round=0 rss first_rss="" max_rss=0
	ext4=$(mkfs_mount ext4 s4) && xfs=$(mkfs_mount xfs sx) && btrfs=$(mkfs_mount btrfs sb) ||
		{ fail mount; return; }
	"$DIOLOCK" check -q -J "$T/soak.json" >"$T/soak.out" 2>&1 &
	pid=$!
	# the workload starts once every program is attached (about 1.2 s here): a
	# fixed 1 s sleep let the first round's writes run before, unseen
	wait_watching "$T/soak.out" $pid || return
	end=$((SECONDS + SOAK_SECONDS))
	while [ $SECONDS -lt $end ]; do
		round=$((round + 1))
		"$DIOWORK" -j 2 --hold-ms 50 hold-contend "$ext4/c$round" >/dev/null || fail "hold-contend $round"
		"$DIOWORK" -n 8 dio-dsync-write "$xfs/d$((round % 4))" >/dev/null &
		"$DIOWORK" -n 20 truncate-race "$ext4/t" >/dev/null &
		# checksummed btrfs: each write falls back to buffered; its result line says how many ran
		"$DIOWORK" -n 4 dio-dsync-write "$btrfs/sum$((round % 8))" >>"$T/btrfs-writes.out" 2>>"$T/btrfs-writes.err" &
		for _ in 1 2 3 4 5; do /bin/true; done	# task churn
		wait $(jobs -p | grep -v "^$pid$") 2>/dev/null
		rss=$(rss_kb $pid)
		[ -n "$rss" ] || { fail "diolock died in round $round"; return; }
		# the first rounds warm up caches (kallsyms for stacks): measure after
		[ $round = 3 ] && first_rss=$rss
		[ "$rss" -gt "$max_rss" ] && max_rss=$rss
	done
	kill -INT $pid
	wait $pid
	expect_eq "$?" 0 "check exit status"
	echo "    $round rounds in ${SOAK_SECONDS}s, RSS after warm-up ${first_rss:-?} KiB, max $max_rss KiB"
	[ -n "$first_rss" ] || { fail "too few rounds to measure memory"; return; }
	# flat: no more than 8 MiB over what it used after warm-up
	[ "$max_rss" -le $((first_rss + 8192)) ] || fail "RSS grew from $first_rss to $max_rss KiB"
	expect_jq "$T/soak.json" '.lost_events == 0' "nothing lost"
	# check watches the whole machine: what is asserted is read on the soak's own devices
	local mine
	mine="[.findings[] | select(.dev == \"$(stat_dev "$ext4")\" or .dev == \"$(stat_dev "$xfs")\" or .dev == \"$(stat_dev "$btrfs")\")]"
	# each round's contended file (a new inode every round) shows its two waiters
	local dev n
	dev=$(stat_dev "$ext4")
	n=$(jq "[.contention[] | select(.dev == \"$dev\" and .write_waits >= 2)] | length" "$T/soak.json")
	[ "$n" -ge "$round" ] || fail "contention reported for $n of $round rounds"
	# every write that ran is a fallback diolock must have counted where the
	# kernel falls back (4 per round, unless one failed), none where it does not
	local ran want
	ran=$(jq -s '[.[].ops] | add // 0' "$T/btrfs-writes.out")
	[ "$ran" = $((round * 4)) ] || echo "    btrfs writes: $ran of $((round * 4)) ran: $(sort -u "$T/btrfs-writes.err" | head -3)"
	[ "$(btrfs_csum_falls_back)" = 1 ] && want=$ran || want=0
	n=$(jq "[.findings[] | select(.kind == \"dio_fallback_buffered\" and .dev == \"$(stat_dev "$btrfs")\") | .count] | add // 0" "$T/soak.json")
	expect_eq "$n" "$want" "every btrfs fallback counted"
	expect_jq "$T/soak.json" "$mine | map(select(.kind == \"self_deadlock\" or .kind == \"deadlock_cycle\")) | length == 0" \
		"no false deadlock"
	expect_jq "$T/soak.json" "$mine | map(select(.severity != \"info\")) | length == 0" "no error or warning"
}

run_test test_soak
