# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# The benign twin of the page faults inside DIO deadlocks: O_DIRECT I/O whose buffer maps the same file (generic/647, 708) on stock ext4, xfs and btrfs completes, and diolock reports nothing above info.
SC_BTRFS=stock
SC_DEADLOCKS=no
SC_BUDGET=60
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes
SC_KERNELS="6.12"

expect() {
	local n
	expect_clean_exit
	expect_jq '.command.exit_status == 0' "the workload failed: $(head -c 300 "$D/writer.err" 2>/dev/null)"
	n=$(grep -c '"errors":0' "$D/writer.out" 2>/dev/null)
	[ "$n" = 3 ] || fail "three clean diowork runs expected, got $n: $(head -c 400 "$D/writer.out" 2>/dev/null)"
	expect_jq '[.findings[] | select(.severity != "info")] | length == 0' \
		"a warning or error on a stock kernel: $(findings)"
}
