#!/usr/bin/env bash
# Nothing lost silently, nothing that writes kernel memory, no output file
# that lands half-written or in the wrong place.
. "$(dirname "$0")/lib.sh"
require_root

# A 4 KiB ring buffer cannot keep up with a busy workload: the losses must be
# counted, shown, and turn the verdict to incomplete.
test_flood_is_counted() {
	local mnt
	mnt=$(mkfs_mount ext4 flood) || { fail mount; return; }
	"$DIOLOCK" check --dev "$(stat_dev "$mnt")" --ringbuf 4 -J "$T/f.json" -- \
		"$DIOWORK" -j 100 -n 100 extend-contend "$mnt/f" >"$T/f.out" 2>&1
	expect_eq "$?" 3 "exit status: incomplete"
	expect_jq "$T/f.json" '.lost_events > 0 and .lost_by_reason.ringbuf_full > 0' "losses counted"
	expect_jq "$T/f.json" '.verdict == "incomplete"' "verdict incomplete, not clean"
	grep -q "^events [0-9]*, lost [1-9]" "$T/f.out" || fail "text footer shows losses"
	grep -q "not proof of absence" "$T/f.out" || fail "text says the result is incomplete"
	"$DIOLOCK" trace --dev "$(stat_dev "$mnt")" --ringbuf 4 -- "$DIOWORK" -j 4 -n 2000 extend-contend "$mnt/g" >/dev/null 2>"$T/t.err"
	grep -q "events shown, [1-9][0-9]* lost" "$T/t.err" || fail "trace footer shows losses: $(cat "$T/t.err")"
}

# Programs may read kernel memory, never write it or change control flow.
test_programs_only_read() {
	local pid ids id bad=0
	"$DIOLOCK" check -q --timeout 60 >/dev/null 2>"$T/ro.err" &
	pid=$!
	# attached once it says it is watching (its probes load and unload programs of the same
	# names before)
	wait_watching "$T/ro.err" $pid || return
	ids=$(bpftool prog show --json 2>/dev/null |
		jq -r '.[] | select(.name | test("^(tp_btf|raw_tp|tp|fentry|fexit|kprobe|kretprobe)__")) | .id')
	[ -n "$ids" ] || fail "no diolock programs found loaded"
	for id in $ids; do
		local xl
		# a dump that fails proves nothing: it is a failure, not a pass
		if ! xl=$(bpftool prog dump xlated id "$id" 2>&1) || [ -z "$xl" ]; then
			fail "cannot dump program $id: $xl"
			bad=1
		elif grep -E -q 'bpf_probe_write_user|bpf_override_return|bpf_send_signal|bpf_sys_bpf|bpf_copy_from_user_task' <<<"$xl"; then
			fail "program $id calls a helper that writes or interferes"
			bad=1
		fi
	done
	kill -INT $pid
	[ "$bad" = 0 ] && [ "$(echo "$ids" | wc -l)" -ge 8 ] || fail "expected at least 8 programs checked"
	wait $pid
}

test_output_files() {
	local mnt rc
	mnt=$(mkfs_mount ext4 out) || { fail mount; return; }
	"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" -J "$T/r.json" --record "$T/r.dlr" -- "$DIOWORK" -n 2 dio-write "$mnt/f" >/dev/null
	expect_eq "$(stat -c %a "$T/r.json")" 644 "report mode"
	expect_eq "$(stat -c %a "$T/r.dlr")" 600 "recording mode (holds kernel addresses)"
	mkdir "$T/ro"
	mount -t tmpfs -o ro,size=1m tmpfs "$T/ro"
	"$DIOLOCK" check -q -J "$T/ro/r.json" -- true >/dev/null 2>"$T/err"
	rc=$?
	expect_eq "$rc" 2 "read-only place"
	grep -q "Read-only file system" "$T/err" || fail "says why: $(cat "$T/err")"
	[ -z "$(ls -A "$T/ro")" ] || fail "nothing written"
	umount "$T/ro"
	# an existing report is replaced whole, not appended to or truncated first
	echo '{"old":true}' >"$T/keep.json"
	"$DIOLOCK" check -q -J "$T/keep.json" -- false >/dev/null
	expect_jq "$T/keep.json" '.command.exit_status == 1 and (has("old") | not)' "replaced atomically"
	[ -z "$(ls -A "$T" | grep '^\.diolock-out')" ] || fail "temporary files left behind"
}

test_btf_option() {
	cp /sys/kernel/btf/vmlinux "$T/vmlinux.btf"
	# unfiltered: the verdict depends on the machine's other work, not on --btf
	"$DIOLOCK" check -q --fail-on none --btf "$T/vmlinux.btf" --timeout 0.5 -J "$T/b.json" >/dev/null 2>&1
	expect_eq "$?" 0 "--btf with the kernel's own BTF"
	expect_jq "$T/b.json" '.attach.rwsem_wait_begin != "unavailable"' "programs attached"
	"$DIOLOCK" check --btf "$T/nope.btf" --timeout 0.5 >/dev/null 2>"$T/err"
	expect_eq "$?" 2 "missing BTF file"
	grep -q "cannot read the BTF file" "$T/err" || fail "message: $(cat "$T/err")"
	# every live command passes --btf on (stat, top and serve once dropped it)
	for c in "stat --timeout 0.5" "top --timeout 0.5" "serve --listen 127.0.0.1:0 --timeout 0.5" "trace --timeout 0.5"; do
		# shellcheck disable=SC2086 # the command and its options
		"$DIOLOCK" $c --btf "$T/nope.btf" >/dev/null 2>"$T/err" </dev/null
		expect_eq "$?" 2 "$c with a missing BTF file"
		grep -q "cannot read the BTF file" "$T/err" || fail "$c --btf: $(cat "$T/err")"
	done
}

run_test test_flood_is_counted
run_test test_programs_only_read
run_test test_output_files
run_test test_btf_option
