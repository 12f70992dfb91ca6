#!/usr/bin/env bash
# mmap_lock: O_DIRECT writes whose buffer pages are not mapped pin them with
# their process's mmap_lock held for read, and wait while a sibling thread
# holds it for write (diowork dio-mmap-contend: mprotect in a loop). Those
# waits are on the graph (records in check and trace, inside the DIO, naming
# the writer that holds the lock) and in stat, top and serve per process.
. "$(dirname "$0")/lib.sh"
require_root

# The waits are seen where i_rwsem's are: the rwsem slow paths or the
# contention tracepoints (probe's rwsem_wait_begin).
mm_waits_seen() { [ "$(probe_tier rwsem_wait_begin)" != unavailable ]; }

# contend NAME -- DIOLOCK ARGS...: diolock ARGS -- diowork dio-mmap-contend on
# a fresh ext4; diowork's lines in $T/NAME.work, diolock's stdout in $T/NAME.out.
contend() {
	local name=$1 mnt
	shift 2
	mnt=$(mkfs_mount ext4 "$name") || { fail mount; return 1; }
	"$DIOLOCK" "$@" -- sh -c "$DIOWORK -n 300 -b 65536 dio-mmap-contend $mnt/f >$T/$name.work" \
		>"$T/$name.out" 2>"$T/$name.err"
}

test_check_records() {
	contend chk -- check -q -J "$T/chk.json" || return
	expect_eq "$?" 0 "check exit status (short waits: clean)"
	expect_jq "$T/chk.json" '[.findings[] | select(.severity != "info")] | length == 0' "no warning or error"
	if mm_waits_seen; then
		expect_jq "$T/chk.json" '.events_by_type.mmap_wait_begin >= 1' "the writer's mmap_lock waits crossed"
		expect_jq "$T/chk.json" '.events_by_type.mmap_wait_begin == .events_by_type.mmap_wait_end' \
			"every wait ended"
	else
		expect_jq "$T/chk.json" '.events_by_type.mmap_wait_begin == 0' "no wait hook, no mmap_lock record"
	fi
}

test_trace_names_holder() {
	local w m pid
	mm_waits_seen || { expect_eq "$(probe_tier rwsem_wait_begin)" unavailable "probe"; return; }
	contend tr -- trace --json || return
	pid=$(role_pid "$T/tr.work" writer)
	w=$(grep '^{"role":"writer"' "$T/tr.work" | jq -r .tid)
	m=$(grep '^{"role":"mapper"' "$T/tr.work" | jq -r .tid)
	grep '"type":"mmap_wait_' "$T/tr.out" | jq -s . >"$T/tr.w.json"
	local b='[.[] | select(.type == "mmap_wait_begin")]'
	expect_jq "$T/tr.w.json" "$b | any(.tid == $w and .pid == $pid and (.flags | index(\"wait_read\")))" \
		"the writer ($w) waits to read its process's mmap_lock"
	expect_jq "$T/tr.w.json" "$b | any(.tid == $w and .lock.mode == \"write\" and .lock.holder_tid == $m)" \
		"held for write by the mapper ($m), as the lock's owner says"
	expect_jq "$T/tr.w.json" "$b | any(.tid == $w and (.stack | any(test(\"gup|pin_user_pages|iov_iter\"))))" \
		"the writer waits pinning its buffer's pages"
	expect_jq "$T/tr.w.json" "$b | any(.tid == $m and (.flags | index(\"wait_write\")))" \
		"the mapper waits to write-lock it too (behind the pinning reader)"
}

test_stat_per_process() {
	local pid
	contend st -- stat --json || return
	expect_eq "$?" 0 "stat exit status"
	pid=$(role_pid "$T/st.work" writer)
	local h='[.histograms[] | select(.metric == "mmap_lock_wait")]'
	if ! mm_waits_seen; then
		expect_jq "$T/st.out" "$h | length == 0" "no wait hook, no mmap_lock histogram"
		return
	fi
	expect_jq "$T/st.out" "$h | any(.mode == \"read\" and .pid == $pid and .comm == \"diowork\" and .count >= 1)" \
		"the process's read waits, named although it exited"
	expect_jq "$T/st.out" "$h | all(.lock == \"mmap_lock\" and (.fs | not))" "keyed by process, no filesystem"
}

# The mapper thread's mprotects hold the process's mmap_lock for write: timed
# from the mmap_lock tracepoints, in every tier whose probe attaches them.
test_stat_write_holds() {
	local pid h='[.histograms[] | select(.metric == "mmap_lock_hold")]'
	contend sh -- stat --json || return
	pid=$(role_pid "$T/sh.work" writer)
	if [ "$(probe_tier mmap_hold)" = unavailable ]; then
		expect_jq "$T/sh.out" "$h | length == 0" "no mmap_lock tracepoints, no hold histogram"
		return
	fi
	# 300 writes, each racing mprotects of 256 MiB back and forth
	expect_jq "$T/sh.out" "$h | any(.mode == \"write\" and .pid == $pid and .comm == \"diowork\" and .count >= 10)" \
		"the process's write holds (the mapper's mprotects), named after it"
	expect_jq "$T/sh.out" "$h | all(.mode == \"write\" and .lock == \"mmap_lock\")" "write holds only"
	# check does not time holds: the hooks stay off
	"$DIOLOCK" probe --json >"$T/sh.probe" 2>/dev/null
	contend shc -- check -q -J "$T/shc.json" || return
	expect_jq "$T/shc.json" '.attach.mmap_hold == "unavailable" and (.unavailable.mmap_hold | test("not used"))' \
		"check leaves the hold hooks off"
}

# --dev asks about one filesystem: a process's waits count only inside its I/O.
test_stat_dev_filter() {
	local mnt other pid
	mm_waits_seen || return
	mnt=$(mkfs_mount ext4 sdf) || { fail mount; return; }
	other=$(mkfs_mount ext4 sdo) || { fail mount; return; }
	"$DIOLOCK" stat --json --dev "$(stat_dev "$other")" -- \
		sh -c "$DIOWORK -n 100 -b 65536 dio-mmap-contend $mnt/f >$T/sdo.work" >"$T/sdo.out" 2>"$T/sdo.err"
	expect_jq "$T/sdo.out" '[.histograms[] | select(.metric == "mmap_lock_wait")] | length == 0' \
		"no mmap_lock wait counted for another filesystem's --dev"
	"$DIOLOCK" stat --json --dev "$(stat_dev "$mnt")" -- \
		sh -c "$DIOWORK -n 100 -b 65536 dio-mmap-contend $mnt/f >$T/sdf.work" >"$T/sdf.out" 2>"$T/sdf.err"
	pid=$(role_pid "$T/sdf.work" writer)
	expect_jq "$T/sdf.out" "[.histograms[] | select(.metric == \"mmap_lock_wait\")] | any(.pid == $pid and .mode == \"read\")" \
		"the writer's waits inside its DIO on --dev's filesystem counted"
	expect_jq "$T/sdf.out" "[.histograms[] | select(.metric == \"mmap_lock_wait\")] | all(.mode == \"read\")" \
		"the mapper, in no I/O, not counted"
}

test_serve_textfile() {
	local pid
	mm_waits_seen || return
	contend sv -- serve --by inode --textfile "$T/sv.prom" || return
	expect_eq "$?" 0 "serve exit status"
	pid=$(role_pid "$T/sv.work" writer)
	promtool check metrics <"$T/sv.prom" >"$T/sv.promtool" 2>&1 || fail "promtool: $(cat "$T/sv.promtool")"
	grep -q "^diolock_mmap_lock_wait_seconds_count{mode=\"read\",pid=\"$pid\"} [1-9]" "$T/sv.prom" ||
		fail "the writer's process's read waits: $(grep mmap_lock_wait_seconds_count "$T/sv.prom")"
	grep -q 'diolock_device_info{dev="0:0"' "$T/sv.prom" && fail "an mmap_lock is no device"
	# by filesystem (serve's default): one series per mode, no filesystem label
	contend svf -- serve --textfile "$T/svf.prom" || return
	grep -q '^diolock_mmap_lock_wait_seconds_count{mode="read"} [1-9]' "$T/svf.prom" ||
		fail "by fs: the read waits, unlabelled: $(grep mmap_lock_wait_seconds_count "$T/svf.prom")"
}

# fstests generic/647 and 708's shape on this kernel: O_DIRECT reads and
# writes whose buffer maps the same file, faulted in inside the I/O. Fixed
# since 5.16: they complete, and nothing is reported above info.
mmap_self() {
	local fs=$1 opt=${2:-} mnt n
	n=ms$fs${opt:+-nocow}
	mnt=$(mkfs_mount "$fs" "$n") || { fail mount; return; }
	# shellcheck disable=SC2086 # opt: no word or one
	"$DIOLOCK" check -q -J "$T/$n.json" -- "$DIOWORK" -n 64 -b 65536 $opt dio-mmap-self "$mnt/f" \
		>"$T/$n.work" 2>"$T/$n.err"
	expect_eq "$?" 0 "$n: check exit status"
	expect_jq "$T/$n.json" '.command.exit_status == 0' "$n: every transfer completed: $(cat "$T/$n.err")"
	expect_jq "$T/$n.json" '[.findings[] | select(.severity != "info")] | length == 0' \
		"$n: no warning or error: $(jq -c '[.findings[] | select(.severity != "info") | .kind]' "$T/$n.json")"
}

test_mmap_self_ext4() { mmap_self ext4; }
test_mmap_self_xfs() { mmap_self xfs; }
test_mmap_self_btrfs() { mmap_self btrfs; }
test_mmap_self_btrfs_nocow() { mmap_self btrfs --nocow; }

run_test test_check_records
run_test test_trace_names_holder
run_test test_stat_per_process
run_test test_stat_write_holds
run_test test_stat_dev_filter
run_test test_serve_textfile
run_test test_mmap_self_ext4
run_test test_mmap_self_xfs
run_test test_mmap_self_btrfs
run_test test_mmap_self_btrfs_nocow
