# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# Lock-order cost, flat workload (see the .guest): check --bpf-stats prints each program's runs and ns per run; make bench reads the acquisition programs' from here. No finding, exit 0.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=60
SC_TIERS="fentry"

expect() {
	expect_jq '.command.exit_status == 0' "the workload failed: exit status $(jq_r .command.exit_status)"
	grep -Eq 'bpf-stats: fexit__down_write [1-9][0-9]* runs [0-9]+ ns/run' "$D/diolock.stderr" ||
		fail "no bpf-stats line for fexit__down_write: $(grep -c bpf-stats "$D/diolock.stderr") bpf-stats lines"
	expect_no_errors
	expect_clean_exit
}
