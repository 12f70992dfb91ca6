# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# dio-order-livepatch's workload on the stock kernel: iomap ends the DIO before its completion syncs, so the completion takes i_rwsem holding no DIO; the truncate's order alone is seen, and no inversion is reported.
SC_BTRFS=any
SC_BUDGET=40
SC_TIERS="fentry kprobe"

expect() {
	expect_workload_ok writer 20
	expect_jq '[.findings[] | select(.kind == "lock_order_inversion")] | length == 0' \
		"the stock kernel ends the DIO before the fsync: no inversion expected; findings: $(findings)"
	# the truncate's own order was seen: i_rwsem, then the DIO it drains
	expect_jq '.lock_order.instance_edges >= 1' "the truncate's edge into the DIO drain should be tracked: $(jq_r -c .lock_order)"
	expect_no_errors
	expect_clean_exit
}
