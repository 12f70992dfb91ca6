# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# copy_file_range (reflink) between two xfs files both ways: both locks in one order by address; no inversion.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=40
SC_TIERS="fentry kprobe"

expect() {
	expect_workload_ok cloner 20
	expect_jq '[.findings[] | select(.kind == "lock_order_inversion")] | length == 0' \
		"reflinks both ways take the pair in one order: no inversion expected; findings: $(findings)"
	# the pair was seen taken together: one instance edge (lower address first)
	expect_jq '.lock_order.instance_edges >= 1' "the reflink's two-inode edge should be tracked: $(jq_r -c .lock_order)"
	expect_no_errors
	expect_clean_exit
}
