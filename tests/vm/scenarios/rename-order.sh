# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# mv between two ext4 directories both ways: lock_rename() takes d1/d2 in both orders under s_vfs_rename_mutex (the rename gate), so no lock_order_inversion; exit 0.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=40
SC_TIERS="fentry kprobe"

expect() {
	expect_jq '.command.exit_status == 0' "the renames failed: exit status $(jq_r .command.exit_status)"
	expect_jq '.attach.rename_dirs_gate == $t' "the rename gate (lock_two_directories) should be attached as $SEEN: $(jq_r .attach.rename_dirs_gate) ($(jq_r .unavailable.rename_dirs_gate))" --arg t "$SEEN"
	expect_jq '[.findings[] | select(.kind == "lock_order_inversion")] | length == 0' \
		"renames both ways are serialised by the rename mutex: no inversion expected; findings: $(findings)"
	# both directory orders and the parent -> child edges were seen
	expect_jq '.lock_order.instance_edges >= 3' "rename's edges should be tracked: $(jq_r -c .lock_order)"
	expect_no_errors
	expect_clean_exit
}
