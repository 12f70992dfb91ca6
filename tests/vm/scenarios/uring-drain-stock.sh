# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# 6.12, stock: io_uring DIO writes and a truncate before reaping them (the 838b35bb6a89 shape): the truncate's wait ends, no finding.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=40
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes
SC_KERNELS="6.12"
SC_MATRIX_TIERS="fentry kprobe tracepoint"

expect() {
	expect_clean_exit
	expect_no_errors
	grep -q '"role":"done","mode":"drain"' "$D/writer.out" ||
		fail "the writer did not finish: state $(state_of writer), $(head -c 300 "$D/writer.err" 2>/dev/null)"
	expect_jq '[.findings[] | select(.kind == "self_deadlock")] | length == 0' "self_deadlock on the stock kernel: $(findings)"
}
