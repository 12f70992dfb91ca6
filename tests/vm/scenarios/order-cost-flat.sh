# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# Lock-order cost baseline for make bench: 300 truncating opens of ext4 files, each i_rwsem taken alone, under check --bpf-stats (each program's runs and ns per run). No finding, exit 0.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=60
SC_TIERS="fentry"

expect() {
	expect_jq '.command.exit_status == 0' "the workload failed: exit status $(jq_r .command.exit_status)"
	expect_bpf_stats fexit__down_write
	expect_no_errors
	expect_clean_exit
}
