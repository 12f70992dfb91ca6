# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# diolock SIGKILLed right after its first error (the seed self-deadlock): the JSON report and the recording it leaves hold the finding; replay says incomplete, exit 3.
SC_BTRFS=faulty
SC_DEADLOCKS=yes
SC_BUDGET=50
SC_TIERS="kprobe tracepoint"

expect() {
	local pid ino v rrc
	pid=$(pid_of writer)
	ino=$(meta ino)
	[ "$(state_of writer)" = D ] ||
		fail "the writer is not stuck (state $(state_of writer)): is the faulty btrfs.ko loaded?"
	expect_exit 137
	grep -q 'diolock: \[error\]' "$D/diolock.stderr" 2>/dev/null ||
		fail "diolock printed no live error before it was killed: $(tail -3 "$D/diolock.stderr" 2>/dev/null)"
	v='[.violations[] | select(.kind == "self_deadlock" and .severity == "error" and .pid == $pid and .ino == $ino)]'
	# the report left by the killed run: valid JSON, marked incomplete, holding the finding
	expect_jq '.complete == false' "the JSON report left by the killed run should say complete false (it says $(jq_r .complete))"
	expect_jq "$v | length >= 1" "the report left by the killed run lacks the self_deadlock; findings: $(findings)" \
		--argjson pid "${pid:-0}" --argjson ino "${ino:-0}"
	# the recording left behind replays up to its last whole record
	rrc=$(cat "$D/replay.rc" 2>/dev/null)
	[ "$rrc" = 3 ] || fail "replay of the killed run's recording exited $rrc, expected 3: $(cat "$D/replay.stderr" 2>/dev/null)"
	jq -e --argjson pid "${pid:-0}" --argjson ino "${ino:-0}" "($v | length >= 1) and .verdict == \"incomplete\"" \
		"$D/replay.json" >/dev/null 2>&1 ||
		fail "the replay lacks the self_deadlock or is not incomplete: verdict $(jq -r .verdict "$D/replay.json" 2>/dev/null), $(jq -r -c '[.violations[] | .kind + "/" + .severity]' "$D/replay.json" 2>/dev/null)"
	grep -q -i 'cut\|truncated\|ends' "$D/replay.stderr" 2>/dev/null ||
		fail "replay should say where the recording ends: $(cat "$D/replay.stderr" 2>/dev/null)"
}
