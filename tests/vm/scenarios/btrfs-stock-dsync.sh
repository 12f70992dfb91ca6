# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# Stock btrfs, O_DIRECT|O_DSYNC writes: clean, no error; the completion under i_rwsem is protected by the DIO-write stub.
SC_BTRFS=stock		# btrfs.ko: stock, faulty or any
SC_DEADLOCKS=no		# leaves tasks in D state: runs last in its boot
SC_BUDGET=50		# seconds the guest part may take under TCG (adds to the hard timeout)
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes

expect() {
	local pid
	pid=$(pid_of writer)
	expect_clean_exit
	expect_workload_ok writer 4
	expect_no_errors
	expect_no_fallback
	expect_hook_attached btrfs_sync
	# the tracepoint tier sees completions only where the iomap tracepoints exist (6.5+)
	if [ "$SEEN" = tracepoint ] && ! vm_dio_tracepoints; then
		expect_dio_unavailable
	else
		[ "$SEEN" = tracepoint ] && expect_jq '(.attach.dio_complete | IN("tp_btf", "raw_tp", "tracepoint"))' \
			"$VM_KERNEL has the iomap tracepoints, but dio_complete is attached as '$(jq_r .attach.dio_complete)'"
		expect_dio_info btrfs "$pid"
		expect_jq '[.findings[] | select(.kind == "dio_complete_under_i_rwsem" and .fs == "btrfs")] |
			all(.note | test("stub"; "i"))' \
			"the btrfs completion under i_rwsem should be explained by the DIO-write stub: $(jq_r '[.findings[] | select(.kind == "dio_complete_under_i_rwsem") | .note] | first')"
	fi
}
