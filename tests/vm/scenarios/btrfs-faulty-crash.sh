# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# The VM is killed (no shutdown) right after diolock's first error: the JSON report and recording read back from the reports disk hold the self_deadlock.
SC_BTRFS=faulty
SC_DEADLOCKS=yes
SC_KILLS_VM=yes
SC_BUDGET=40
SC_TIERS="kprobe"

expect() {
	[ -f "$BOOTDIR/killed" ] || fail "the harness did not kill the VM (it stopped by itself)"
	# R is the report read back from the disk of the killed VM; its recording is replayed here
	if [ ! -s "$D/run.dlr" ]; then
		fail "no recording on the disk of the killed VM"
	else
		"$STATIC_DIR/diolock" replay "$D/run.dlr" -J "$D/replay.json" >"$D/replay.txt" 2>"$D/replay.stderr"
		echo "$?" >"$D/replay.rc"
	fi
	expect_left_behind "the killed VM"
}
