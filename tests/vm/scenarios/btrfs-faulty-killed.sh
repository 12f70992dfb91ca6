# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# diolock SIGKILLed right after its first error (the seed self-deadlock): the JSON report and the recording it leaves hold the finding; replay says incomplete, exit 3.
SC_BTRFS=faulty
SC_DEADLOCKS=yes
SC_BUDGET=50
SC_TIERS="kprobe tracepoint"

expect() {
	expect_exit 137
	# the recording was replayed in the guest, right after the kill
	expect_left_behind "the killed run"
}
