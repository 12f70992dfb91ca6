# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# XFS, O_DIRECT|O_DSYNC writes: the completion under the IOLOCK (i_rwsem) is benign (xfs_file_fsync takes no IOLOCK): info only, exit 0.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=50
SC_TIERS="fentry kprobe tracepoint"

expect() {
	expect_clean_exit
	expect_workload_ok writer 4
	expect_no_errors
	expect_no_fallback
	case $SEEN in
	fentry | kprobe) expect_dio_info xfs "$(pid_of writer)" ;;
	tracepoint) expect_tracepoint_dio xfs "$(pid_of writer)" ;;
	esac
}
