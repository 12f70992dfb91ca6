# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# ext4, O_DIRECT|O_DSYNC writes: the completion under i_rwsem is benign (ext4_sync_file takes no i_rwsem): info only, exit 0.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=50
SC_TIERS="fentry kprobe tracepoint"

expect() {
	expect_clean_exit
	expect_workload_ok writer 4
	expect_no_errors
	expect_no_fallback
	expect_hook_attached ext4_sync_enter
	case $SEEN in
	fentry | kprobe) expect_dio_info ext4 "$(pid_of writer)" ;;
	tracepoint) expect_tracepoint_dio ext4 "$(pid_of writer)" ;;
	esac
}
