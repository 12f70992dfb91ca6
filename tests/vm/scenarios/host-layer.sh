# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# 6.12: the host layer's stat, serve and trace expectations (tests/expect/) in the fentry and tracepoint tiers; hold-time histograms where the tier has them.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=240
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes
SC_KERNELS="6.12"
SC_MATRIX_TIERS="fentry tracepoint"

expect() {
	local probe=$D/probe.json hold wait pid
	[ -s "$probe" ] || { fail "no probe output"; return; }
	hold=$(tier_expected "$probe" rwsem_acquire "$TIER")
	wait=$(tier_expected "$probe" rwsem_wait_begin "$TIER")
	# what this kernel allows, asserted: 6.12 attaches fentry to down_write
	[ "$TIER" = fentry ] && [ "$hold" != fentry ] && fail "probe: no fentry for rwsem_acquire on $(uname -r): $hold"
	note "tiers: wait $wait, acquire $hold"
	[ "$(cat "$D/stat.rc")" = 0 ] || fail "stat exit $(cat "$D/stat.rc"): $(head -c 300 "$D/stat.err")"
	expect_stat_contended "$D/stat.json" "$D/stat.work" ext4 write "$(meta stat_ino)" "$(meta stat_path)" "$hold"
	[ "$(cat "$D/serve.rc")" = 0 ] || fail "serve exit $(cat "$D/serve.rc"): $(head -c 300 "$D/serve.err")"
	expect_serve_scrape "$D/metrics.prom" ext4 "$(meta serve_ino)" "$(meta serve_path)" "$wait" "$hold"
	[ "$(cat "$D/trace.rc")" = 0 ] || fail "trace exit $(cat "$D/trace.rc"): $(head -c 300 "$D/trace.err")"
	pid=$(grep '^{"role":"writer"' "$D/trace.jsonl" | head -1 | jq -r .pid)
	expect_trace_dsync "$D/trace.jsonl" "$pid" "$(meta trace_ino)" ext4
	expect_clean_exit
	expect_workload_ok writer 4
	expect_no_errors
	case $SEEN in
	fentry | kprobe) expect_dio_info ext4 "$(pid_of writer)" ;;
	tracepoint) expect_tracepoint_dio ext4 "$(pid_of writer)" ;;
	esac
}
