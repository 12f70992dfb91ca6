#!/usr/bin/env bash
# btrfs as the running kernel behaves: O_DIRECT writes to checksummed inodes go
# through the page cache from v6.15, by real DIO before; NOCOW inodes do real DIO and complete under
# i_rwsem with btrfs_sync_file skipping the lock (the DIO-write stub).
. "$(dirname "$0")/lib.sh"
require_root

MNT=$(mkfs_mount btrfs btrfs)

test_datasum_dio_write_falls_back() {
	"$DIOLOCK" check -q --dev "$(stat_dev "$MNT")" -J "$T/sum.json" -- "$DIOWORK" -n 5 dio-dsync-write "$MNT/sum" >"$T/sum.out"
	expect_eq "$?" 0 "check exit status"
	local pid ino
	pid=$(role_pid "$T/sum.out" writer)
	ino=$(stat -c %i "$MNT/sum")
	local v='[.findings[] | select(.kind == "dio_fallback_buffered")]'
	if [ "$(btrfs_csum_falls_back)" = 0 ]; then
		# before v6.15 btrfs writes checksummed inodes by real DIO
		expect_jq "$T/sum.json" "$v | length == 0" "no fallback before v6.15"
		expect_jq "$T/sum.json" '.dio_by_fs.btrfs.submitted == 5' "all 5 writes reached iomap"
		return
	fi
	expect_jq "$T/sum.json" "($v | length == 1) and $v[0].count == 5" "all 5 writes fell back"
	expect_jq "$T/sum.json" "$v[0].pid == $pid and $v[0].ino == $ino and $v[0].fs == \"btrfs\"" "fallback names writer and file"
	expect_jq "$T/sum.json" "$v[0].note | test(\"data checksums\")" "reason: data checksums"
	expect_jq "$T/sum.json" "$v[0].dsync == true" "dsync carried"
	expect_jq "$T/sum.json" '.fallbacks_by_fs.btrfs == 5' "counted per fs"
	# DIO is counted in the kernel now (routine DIO sends no record)
	expect_jq "$T/sum.json" '(.dio_by_fs.btrfs.submitted // 0) == 0' "no write reached iomap"
	expect_jq "$T/sum.json" '.summary.dio_complete_under_i_rwsem == 0' "no DIO completion"
	expect_jq "$T/sum.json" ".findings[0].dev == \"$(stat_dev "$MNT/sum")\"" "dev as stat(2) shows it"
}

test_nocow_extending_dsync_is_protected() {
	"$DIOLOCK" check -q --dev "$(stat_dev "$MNT")" -J "$T/nc.json" -- "$DIOWORK" -n 4 --nocow dio-dsync-write "$MNT/nc" >"$T/nc.out"
	expect_eq "$?" 0 "check exit status"
	local pid
	pid=$(role_pid "$T/nc.out" writer)
	local v='[.findings[] | select(.kind == "dio_complete_under_i_rwsem")]'
	expect_jq "$T/nc.json" "($v | length == 1) and $v[0].count == 4" "each completion under i_rwsem"
	expect_jq "$T/nc.json" "$v[0].severity == \"info\" and $v[0].pid == $pid" "info, the writer"
	expect_jq "$T/nc.json" "$v[0].lock_mode == \"write\" and $v[0].confidence == \"exact\"" "extending: exclusive"
	expect_jq "$T/nc.json" "$v[0].note | test(\"stub\")" "protected by the DIO-write stub"
	expect_jq "$T/nc.json" '.summary.dio_fallback_buffered == 0' "NOCOW does real DIO"
	expect_jq "$T/nc.json" '.verdict == "clean"' "clean"
}

# The seed series let DIO writes below EOF take i_rwsem shared.
test_nocow_overwrite_takes_lock_shared() {
	"$DIOLOCK" check -q --dev "$(stat_dev "$MNT")" -J "$T/ow.json" -- "$DIOWORK" -n 4 --nocow --prefill dio-dsync-write "$MNT/ow" >/dev/null
	expect_eq "$?" 0 "check exit status"
	local v='[.findings[] | select(.kind == "dio_complete_under_i_rwsem")]'
	expect_jq "$T/ow.json" "$v[0].lock_mode == \"read\" and $v[0].count == 4" "below EOF: shared"
	expect_jq "$T/ow.json" "$v[0].severity == \"info\"" "info"
}

# Mounted nodatasum, new files skip checksums: real DIO, like NOCOW.
test_nodatasum_mount_does_real_dio() {
	local img=$T/nds.img mnt=$T/nds
	truncate -s 512M "$img" && mkfs.btrfs -q -f "$img" >/dev/null && mkdir -p "$mnt" &&
		mount -o loop,nodatasum "$img" "$mnt" || { fail "mount nodatasum"; return; }
	"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" -J "$T/nds.json" -- "$DIOWORK" -n 3 dio-dsync-write "$mnt/f" >/dev/null
	expect_eq "$?" 0 "check exit status"
	expect_jq "$T/nds.json" '.summary.dio_fallback_buffered == 0' "no fallback"
	expect_jq "$T/nds.json" '[.findings[] | select(.kind == "dio_complete_under_i_rwsem")][0] | .count == 3 and .severity == "info" and (.note | test("stub"))' \
		"completions under i_rwsem, protected by the stub"
}

test_direct_read() {
	"$DIOLOCK" check -q --dev "$(stat_dev "$MNT")" -J "$T/rd.json" -- "$DIOWORK" -n 3 dio-read "$MNT/rd" >/dev/null
	expect_jq "$T/rd.json" '[.findings[] | select(.kind == "dio_complete_under_i_rwsem")][0] | .lock_mode == "read" and .dsync == false and .count == 3' \
		"direct reads reach iomap under a shared i_rwsem"
}

test_fallback_seen_in_trace() {
	"$DIOLOCK" trace --dev "$(stat_dev "$MNT")" --json -- "$DIOWORK" -n 2 dio-write "$MNT/tr" >"$T/tr.out" 2>/dev/null
	local dw
	if [ "$(btrfs_csum_falls_back)" = 0 ]; then
		grep '"type":"direct_write"' "$T/tr.out" | grep -q '"buffered"' && fail "a fallback before v6.15"
		grep -q '"type":"dio_begin"' "$T/tr.out" || fail "no dio_begin: real DIO before v6.15"
		return
	fi
	dw=$(grep '"type":"direct_write"' "$T/tr.out" | head -1)
	[ -n "$dw" ] || { fail "no direct_write event"; return; }
	echo "$dw" >"$T/dw.json"
	expect_jq "$T/dw.json" '(.flags | index("buffered")) != null and (.flags | index("iomap")) == null' \
		"dirtied the page cache, never tried iomap"
	expect_jq "$T/dw.json" '(.flags | index("nodatasum")) == null and .len == 4096 and .pos == 0' \
		"checksummed inode, the write's offset and length"
}

run_test test_datasum_dio_write_falls_back
run_test test_nocow_extending_dsync_is_protected
run_test test_nocow_overwrite_takes_lock_shared
run_test test_nodatasum_mount_does_real_dio
run_test test_direct_read
run_test test_fallback_seen_in_trace
