#!/usr/bin/env bash
# ext4 and xfs complete O_DIRECT|O_DSYNC writes under the writer's i_rwsem, and
# their fsync does not take it: `check` must report info findings and exit 0.
. "$(dirname "$0")/lib.sh"
require_root

dsync_info() {
	local fs=$1 mnt rc
	mnt=$(mkfs_mount "$fs" "$fs") || { fail "mkfs/mount $fs"; return; }
	"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" -J "$T/$fs.json" -- "$DIOWORK" -n 8 dio-dsync-write "$mnt/f" >"$T/$fs.out"
	rc=$?
	expect_eq "$rc" 0 "$fs: check exit status"
	local pid ino dev
	pid=$(role_pid "$T/$fs.out" writer)
	ino=$(stat -c %i "$mnt/f")
	dev=$(stat_dev "$mnt/f")
	local v='[.findings[] | select(.kind == "dio_complete_under_i_rwsem")]'
	expect_jq "$T/$fs.json" "$v | length == 1" "$fs: one folded completion finding"
	expect_jq "$T/$fs.json" "$v[0].severity == \"info\"" "$fs: severity info"
	expect_jq "$T/$fs.json" "$v[0].fs == \"$fs\"" "$fs: fs name"
	expect_jq "$T/$fs.json" "$v[0].pid == $pid" "$fs: the writer's pid ($pid)"
	expect_jq "$T/$fs.json" "$v[0].ino == $ino" "$fs: the file's inode ($ino)"
	expect_jq "$T/$fs.json" "$v[0].dev == \"$dev\"" "$fs: the file's device ($dev)"
	expect_jq "$T/$fs.json" "$v[0].dsync == true" "$fs: dsync"
	expect_jq "$T/$fs.json" "$v[0].count == 8" "$fs: all 8 writes counted"
	expect_jq "$T/$fs.json" '.summary.dio_complete_under_i_rwsem == 8' "$fs: summary count"
	expect_jq "$T/$fs.json" '.summary.self_deadlock == 0' "$fs: no self-deadlock"
	expect_jq "$T/$fs.json" '.verdict == "clean" and .lost_events == 0' "$fs: clean verdict"
	expect_jq "$T/$fs.json" '.attach.dio_complete != "unavailable"' "$fs: dio_complete attached"
	expect_jq "$T/$fs.json" '.command.exit_status == 0' "$fs: CMD exit status recorded"
}

test_xfs_dsync_write_is_info() { dsync_info xfs; }
test_ext4_dsync_write_is_info() { dsync_info ext4; }

# Extending writes take i_rwsem exclusive (exact), writes below EOF shared.
test_lock_mode_follows_eof() {
	local mnt
	mnt=$(mkfs_mount ext4 modes) || { fail mount; return; }
	"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" -J "$T/ext.json" -- "$DIOWORK" -n 4 dio-dsync-write "$mnt/ext" >/dev/null
	"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" -J "$T/in.json" -- "$DIOWORK" -n 4 --prefill dio-dsync-write "$mnt/in" >/dev/null
	expect_jq "$T/ext.json" '.findings[0].lock_mode == "write" and .findings[0].confidence == "exact"' \
		"extending write holds i_rwsem exclusive"
	expect_jq "$T/in.json" '[.findings[] | select(.kind == "dio_complete_under_i_rwsem")][0].lock_mode == "read"' \
		"overwrite below EOF holds i_rwsem shared"
}

# Direct reads complete under a shared i_rwsem; with no sync that is benign.
test_direct_read_completion() {
	local mnt
	mnt=$(mkfs_mount xfs reads) || { fail mount; return; }
	"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" -J "$T/r.json" -- "$DIOWORK" -n 4 dio-read "$mnt/f" >"$T/r.out"
	expect_eq "$?" 0 "check exit status"
	expect_jq "$T/r.json" '[.findings[] | select(.kind == "dio_complete_under_i_rwsem" and .dsync == false)] | length == 1' \
		"read completion reported"
	expect_jq "$T/r.json" '[.findings[] | select(.dsync == false)][0].lock_mode == "read"' "reads hold shared"
	expect_jq "$T/r.json" '.dio_by_fs.xfs.submitted >= 4 and .dio_by_fs.xfs.completed >= 4' \
		"every direct read seen (counted in the kernel)"
}

# Filters narrow what is analysed: another fs, or another pid, sees nothing.
test_filters() {
	local mnt
	mnt=$(mkfs_mount xfs filt) || { fail mount; return; }
	"$DIOLOCK" check -q --fs ext4 -J "$T/f1.json" -- "$DIOWORK" -n 2 dio-dsync-write "$mnt/f" >/dev/null
	expect_jq "$T/f1.json" '.findings | length == 0' "--fs ext4 hides xfs"
	"$DIOLOCK" check -q --fs xfs -J "$T/f2.json" -- "$DIOWORK" -n 2 dio-dsync-write "$mnt/f" >/dev/null
	expect_jq "$T/f2.json" '.findings | length == 1' "--fs xfs keeps xfs"
	"$DIOLOCK" check -q --pid 1 -J "$T/f3.json" -- "$DIOWORK" -n 2 dio-dsync-write "$mnt/f" >/dev/null
	expect_jq "$T/f3.json" '.events == 0' "-p 1 hides other processes"
	local ino dev
	ino=$(stat -c %i "$mnt/f")
	dev=$(stat_dev "$mnt/f")
	"$DIOLOCK" check -q --dev "$dev" --ino "$ino" -J "$T/f4.json" -- "$DIOWORK" -n 2 dio-dsync-write "$mnt/f" >/dev/null
	expect_jq "$T/f4.json" ".findings | length == 1 and .[0].ino == $ino" "--dev/--ino keep the file"
	"$DIOLOCK" check -q --ino $((ino + 1000)) -J "$T/f5.json" -- "$DIOWORK" -n 2 dio-dsync-write "$mnt/f" >/dev/null
	expect_jq "$T/f5.json" '.findings | length == 0' "--ino of another file hides it"
	"$DIOLOCK" check -q -c nosuchcomm -J "$T/f6.json" -- "$DIOWORK" -n 2 dio-dsync-write "$mnt/f" >/dev/null
	expect_jq "$T/f6.json" '.findings | length == 0' "-c filters by command name"
}

run_test test_xfs_dsync_write_is_info
run_test test_ext4_dsync_write_is_info
run_test test_lock_mode_follows_eof
run_test test_direct_read_completion
run_test test_filters
