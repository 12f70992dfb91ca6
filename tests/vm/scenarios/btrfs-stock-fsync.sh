# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# Stock btrfs, a DIO writer and an fsync on the same fd from another thread (generic/364): the stub is the writer's own (journal_info), the fsyncer waits for i_rwsem: clean.
SC_BTRFS=stock
SC_BUDGET=70
SC_TIERS="fentry kprobe tracepoint"
SC_KERNELS=6.12
SC_MATRIX=yes
SC_MATRIX_TIERS="fentry kprobe tracepoint"

expect() {
	expect_same_fd_workload
	expect_clean_exit
	expect_no_errors
	expect_hook_attached btrfs_sync
	expect_jq '[.findings[] | select(.kind == "sync_skips_unheld_lock")] | length == 0' \
		"sync_skips_unheld_lock on a kernel whose stub only its writer sees: $(findings)"
}
