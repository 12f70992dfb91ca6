# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# The VM is killed (no shutdown) right after diolock's first error: the JSON report and recording read back from the reports disk hold the self_deadlock.
SC_BTRFS=faulty
SC_DEADLOCKS=yes
SC_KILLS_VM=yes
SC_BUDGET=40
SC_TIERS="kprobe"

expect() {
	local pid ino v
	pid=$(pid_of writer)
	ino=$(meta ino)
	[ "$(state_of writer)" = D ] ||
		fail "the writer is not stuck (state $(state_of writer)): is the faulty btrfs.ko loaded?"
	[ -f "$BOOTDIR/killed" ] || fail "the harness did not kill the VM (it stopped by itself)"
	grep -q 'diolock: \[error\]' "$D/diolock.stderr" 2>/dev/null ||
		fail "diolock printed no live error before the VM was killed: $(tail -3 "$D/diolock.stderr" 2>/dev/null)"
	v='[.violations[] | select(.kind == "self_deadlock" and .severity == "error" and .pid == $pid and .ino == $ino)]'
	# R is the report read back from the disk of the killed VM
	expect_jq '.complete == false' "the report left on the disk should say complete false (it says $(jq_r .complete))"
	expect_jq "$v | length >= 1" "the report left on the disk lacks the self_deadlock; findings: $(findings)" \
		--argjson pid "${pid:-0}" --argjson ino "${ino:-0}"
	# so is the recording: replayed here, on the host, up to its last whole record
	if [ ! -s "$D/run.dlr" ]; then
		fail "no recording on the disk of the killed VM"
		return
	fi
	"$STATIC_DIR/diolock" replay "$D/run.dlr" --json "$D/replay.json" >"$D/replay.txt" 2>"$D/replay.stderr"
	echo "$?" >"$D/replay.rc"
	[ "$(cat "$D/replay.rc")" = 3 ] ||
		fail "replay of the recording left on the disk exited $(cat "$D/replay.rc"), expected 3: $(cat "$D/replay.stderr")"
	jq -e --argjson pid "${pid:-0}" --argjson ino "${ino:-0}" "($v | length >= 1) and .verdict == \"incomplete\"" \
		"$D/replay.json" >/dev/null 2>&1 ||
		fail "the replay lacks the self_deadlock or is not incomplete: verdict $(jq -r .verdict "$D/replay.json" 2>/dev/null), $(jq -r -c '[.violations[] | .kind + "/" + .severity]' "$D/replay.json" 2>/dev/null)"
}
