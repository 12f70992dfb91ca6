# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# The benign twin of the page faults inside DIO deadlocks: O_DIRECT I/O whose buffer maps the same file (generic/647, 708) on stock ext4, xfs and btrfs, btrfs-fault-self's workload, and mmap-cycle's without its lock holder (DIO writes waiting for their mmap_lock behind mprotects) complete, and diolock reports nothing above info; stat times the mprotects' mmap_lock write holds.
SC_BTRFS=stock
SC_DEADLOCKS=no
SC_BUDGET=90
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes
SC_KERNELS="6.1 6.12"

expect() {
	local n
	expect_clean_exit
	expect_jq '.command.exit_status == 0' \
		"the workload failed: $(cat "$D/mmapself.err" "$D/writer.err" "$D/reader.err" 2>/dev/null | head -c 300)"
	# dio-mmap-self on three filesystems, dio-mmap-contend's writer and mapper
	n=$(grep -c '"errors":0' "$D/mmapself.out" 2>/dev/null)
	[ "$n" = 5 ] || fail "five clean diowork lines expected, got $n: $(head -c 600 "$D/mmapself.out" 2>/dev/null)"
	grep -q '"role":"writer","pid".*"errors":0' "$D/writer.out" 2>/dev/null &&
		grep -q '"role":"reader","pid".*"errors":0' "$D/reader.out" 2>/dev/null ||
		fail "the same-range btrfs writer or reader did not finish clean: $(cat "$D/writer.out" "$D/reader.out" 2>/dev/null)"
	[ "$(state_of appender)" = gone ] || fail "the append to the written file did not finish: $(state_of appender)"
	expect_jq '[.findings[] | select(.severity != "info")] | length == 0' \
		"a warning or error on a stock kernel: $(findings)"
	# stat times the mmap_lock write holds of the mprotecting process
	local pid
	pid=$(grep '^{"role":"writer"' "$D/stat.work" 2>/dev/null | jq -r .pid | head -1)
	[ "$(cat "$D/stat.rc" 2>/dev/null)" = 0 ] || fail "stat exit $(cat "$D/stat.rc" 2>/dev/null): $(head -c 300 "$D/stat.err" 2>/dev/null)"
	jq -e --argjson pid "${pid:-0}" '[.histograms[] | select(.metric == "mmap_lock_hold" and .mode == "write" and .pid == $pid)] |
		any(.count >= 5)' "$D/stat.json" >/dev/null 2>&1 ||
		fail "no mmap_lock write holds for the mprotecting process $pid: $(jq -c '[.histograms[] | select(.metric | test("mmap"))]' "$D/stat.json" 2>/dev/null | head -c 400)"
}
