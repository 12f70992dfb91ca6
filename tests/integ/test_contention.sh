#!/usr/bin/env bash
# i_rwsem contention on real workloads: waits are attributed to the right
# inode, mode and holder.
. "$(dirname "$0")/lib.sh"
require_root

# A holder pins i_rwsem (userfaultfd stalls its write); waiters queue behind it.
contend() {
	local fs=$1 mode=$2 mnt
	mnt=$(mkfs_mount "$fs" "c$fs") || { fail mount; return; }
	local extra=()
	[ "$fs" = btrfs ] && extra=(--nocow)
	"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" -J "$T/$fs.json" -- "$DIOWORK" -j 3 --hold-ms 300 "${extra[@]}" hold-contend "$mnt/h" >"$T/$fs.out"
	expect_eq "$?" 0 "check exit status"
	local holder ino
	holder=$(role_pid "$T/$fs.out" holder)
	ino=$(stat -c %i "$mnt/h")
	local c=".contention[] | select(.ino == $ino)"
	expect_jq "$T/$fs.json" "[$c] | length == 1" "$fs: contention on the file's inode"
	# xfs queues aligned DIO writes for the shared lock first; ext4 and btrfs
	# take it exclusive for a write past EOF
	expect_jq "$T/$fs.json" "[$c][0].${mode}_waits >= 3" "$fs: three writers waited ($mode)"
	expect_jq "$T/$fs.json" "[$c][0].holders | index($holder) != null" "$fs: holder is pid $holder"
	local w
	for w in $(grep '^{"role":"waiter"' "$T/$fs.out" | jq -r .pid); do
		expect_jq "$T/$fs.json" "[$c][0].waiters | index($w) != null" "$fs: waiter $w listed"
	done
	# the holder pinned the lock for 300 ms: the longest wait is close to that
	expect_jq "$T/$fs.json" "[$c][0].wait_ns_max > 250000000" "$fs: wait time measured"
	expect_jq "$T/$fs.json" '.summary.self_deadlock == 0' "$fs: no self-deadlock"
}

test_contention_ext4() { contend ext4 write; }
test_contention_xfs() { contend xfs read; }
test_contention_btrfs() { contend btrfs write; }

# The same waits in trace: each wait_begin names the holder and the lock mode.
test_trace_names_holder() {
	local mnt
	mnt=$(mkfs_mount ext4 tr) || { fail mount; return; }
	"$DIOLOCK" trace --dev "$(stat_dev "$mnt")" --json -- "$DIOWORK" -j 2 --hold-ms 200 hold-contend "$mnt/h" >"$T/t.out" 2>/dev/null
	local holder ino n
	holder=$(role_pid "$T/t.out" holder)
	ino=$(stat -c %i "$mnt/h")
	grep '"type":"wait_begin"' "$T/t.out" | jq -s . >"$T/w.json"
	expect_jq "$T/w.json" "[.[] | select(.ino == $ino)] | length == 2" "two waits on the file"
	expect_jq "$T/w.json" "all(.[] | select(.ino == $ino); .lock.holder_tid == $holder and .lock.mode == \"write\")" \
		"holder tid and write mode at wait"
	expect_jq "$T/w.json" "all(.[] | select(.ino == $ino); .lock.current_holds == \"no\" and (.flags | index(\"wait_write\")))" \
		"waiters do not hold it and wait to write"
	expect_jq "$T/w.json" 'all(.[]; (.stack | length) > 2)' "kernel stacks recorded"
	expect_jq "$T/w.json" 'any(.[]; .stack | any(test("rwsem_down_write_slowpath")))' "stack symbolized"
	n=$(grep -c '"type":"wait_end"' "$T/t.out")
	[ "$n" -ge 2 ] || fail "wait_end events: $n"
}

# Several extending writers on one file serialize on i_rwsem exclusive.
test_extending_writers() {
	local mnt
	mnt=$(mkfs_mount xfs ext) || { fail mount; return; }
	"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" -J "$T/e.json" -- "$DIOWORK" -j 4 -n 200 -s extend-contend "$mnt/f" >"$T/e.out"
	expect_eq "$?" 0 "check exit status"
	local ino
	ino=$(stat -c %i "$mnt/f")
	expect_jq "$T/e.json" "[.contention[] | select(.ino == $ino)][0].write_waits > 0" "writers waited for each other"
	expect_jq "$T/e.json" "[.findings[] | select(.kind == \"dio_complete_under_i_rwsem\")] | length == 4" "one folded finding per writer"
	expect_jq "$T/e.json" "all(.findings[]; .severity == \"info\")" "all info"
	expect_jq "$T/e.json" '.summary.dio_complete_under_i_rwsem == 800' "every completion counted"
}

# Short waits fold in the kernel (no records), long ones still cross; the
# recording carries the folds, so the replay's contention table is the live one.
test_short_waits_fold() {
	local mnt ino
	mnt=$(mkfs_mount xfs fo) || { fail mount; return; }
	"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" -J "$T/f.json" --record "$T/f.dlr" -- \
		"$DIOWORK" -j 4 -n 500 -s extend-contend "$mnt/f" >/dev/null
	expect_eq "$?" 0 "check exit status"
	ino=$(stat -c %i "$mnt/f")
	expect_jq "$T/f.json" '.waits_folded_in_kernel > 0' "short waits folded in the kernel"
	expect_jq "$T/f.json" "[.contention[] | select(.ino == $ino)][0].waits >= .waits_folded_in_kernel" \
		"folded waits in the contention table"
	# a wait that lasted 10 ms crosses by design (on a slow machine many do): the short
	# ones that crossed anyway (pending or fold slots taken) must be few
	"$DIOLOCK" replay -t -j "$T/f.dlr" 2>/dev/null |
		jq -s '{short: [.[] | select(.type == "wait_end" and .len < 10000000)] | length,
			crossed: [.[] | select(.type == "wait_end")] | length}' >"$T/crossed.json"
	expect_jq "$T/crossed.json" ".short < $(jq .waits_folded_in_kernel "$T/f.json") / 10" \
		"few short waits crossed as records: $(jq -c . "$T/crossed.json"), $(jq .waits_folded_in_kernel "$T/f.json") folded"
	"$DIOLOCK" replay -q "$T/f.dlr" -J "$T/fr.json" >/dev/null
	cmp -s "$T/f.json" "$T/fr.json" || fail "replay differs: $(diff "$T/f.json" "$T/fr.json" | head -5)"
	# a 300 ms wait of a task that holds nothing crosses (claimed from its pending slot)
	"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" -J "$T/l.json" -- \
		"$DIOWORK" -j 2 --hold-ms 300 hold-contend "$mnt/h" >/dev/null
	expect_jq "$T/l.json" '.events_by_type.wait_begin == 2 and .events_by_type.wait_end == 2 and .waits_folded_in_kernel == 0' \
		"long waits crossed: $(jq -c '[.events_by_type, .waits_folded_in_kernel]' "$T/l.json")"
}

# truncate/fallocate racing DIO: contention but no false deadlock.
test_truncate_race() {
	local fs mnt
	for fs in ext4 xfs; do
		mnt=$(mkfs_mount "$fs" "t$fs") || { fail mount; return; }
		"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" -J "$T/t$fs.json" -- "$DIOWORK" -n 300 truncate-race "$mnt/f" >/dev/null
		expect_eq "$?" 0 "$fs: check exit status"
		expect_jq "$T/t$fs.json" '.summary.self_deadlock == 0 and .verdict == "clean"' "$fs: no deadlock reported"
		expect_jq "$T/t$fs.json" ".dio_by_fs.$fs.completed >= 300" "$fs: all DIO seen (counted in the kernel)"
	done
}

run_test test_contention_ext4
run_test test_contention_xfs
run_test test_contention_btrfs
run_test test_trace_names_holder
run_test test_extending_writers
run_test test_short_waits_fold
run_test test_truncate_race
