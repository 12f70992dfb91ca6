# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# A frozen xfs, a writer sleeping 7 s on its sb_writers until the thaw: one long_wait_chain warning naming sb_writers (where the kernel counts freezes, user space as the freezer; in the function tiers the freezing task), in every tier; no error.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=60
SC_TIERS="fentry kprobe tracepoint"
SC_KERNELS="6.1 6.12"
SC_MATRIX=yes
SC_MATRIX_TIERS="fentry tracepoint"

expect() {
	local lw='[.findings[] | select(.kind == "long_wait_chain")]'

	expect_clean_exit
	expect_no_errors
	expect_hook_attached sb_wait_begin
	expect_jq "$lw | length == 1" "one long wait: $(findings)"
	expect_jq "${lw}[0] | .comm == \"dd\" and .chain[0].waits_for.lock == \"sb_writers\" and .chain[0].waits_for.fs == \"xfs\"" \
		"dd waiting on the xfs's sb_writers: $(findings)"
	expect_jq "${lw}[0].detail | test(\"^sb_start_write on a frozen filesystem\")" "the detail: $(findings)"
	# the freeze counts exist from v6.6 on: 6.12 says who asked for the freeze, 6.1 cannot
	case $VM_KERNEL in
	6.1) expect_jq "${lw}[0].detail | test(\"frozen by\") | not" "6.1 has no freeze counts: $(findings)" ;;
	*) expect_jq "${lw}[0].detail | test(\"frozen by user space\")" "frozen by user space: $(findings)" ;;
	esac
	# who froze it: freeze_super in the function tiers; no tracepoint fires there
	case $SEEN in
	fentry | kprobe)
		expect_hook_attached freeze
		expect_jq "${lw}[0].detail | test(\"the freeze: pid [0-9]+ \")" "the freezer named: $(findings)"
		expect_jq '.events_by_type.freeze >= 1 and .events_by_type.thaw >= 1' "the freeze and the thaw recorded" ;;
	*) expect_jq "${lw}[0].detail | test(\"who froze it: not seen\")" "the freezer unseen here: $(findings)" ;;
	esac
	expect_jq '.events_by_type.sb_wait_begin >= 1 and .events_by_type.sb_wait_begin == .events_by_type.sb_wait_end' \
		"every wait ended with the thaw"
}
