# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# One task takes an ext4 inode's i_rwsem shared, then exclusive (abba test module, "r:A A"): a real read-held self-deadlock; diolock must report self_deadlock.
SC_BTRFS=any
SC_DEADLOCKS=yes
SC_BUDGET=50
SC_TIERS="fentry kprobe tracepoint"

expect() {
	local pid ino v args t0 ts live d
	pid=$(pid_of self) ino=$(meta ino_a)
	# first the deadlock itself: without a real hang there is nothing to catch
	[ "$(state_of self)" = D ] ||
		fail "no deadlock happened: the task is $(state_of self) (abba module loaded?)"
	# the frames above abba_write vary by tier (fentry trampolines, kretprobe
	# return addresses): D state and abba_write are the proof
	if ! grep -q abba_write "$D/self.stack" 2>/dev/null; then
		fail "the task's kernel stack lacks abba_write: $(tr '\n' ' ' <"$D/self.stack" 2>/dev/null)"
	fi
	expect_exit 1
	args=(--argjson pid "${pid:-0}" --argjson ino "${ino:-0}")
	v='[.findings[] | select(.kind == "self_deadlock" and .severity == "error" and .pid == $pid)]'
	expect_jq "$v | length >= 1" "no self_deadlock error for the task (pid $pid); findings: $(findings)" "${args[@]}"
	expect_jq "$v | any(.fs == \"ext4\" and .ino == \$ino)" \
		"the self_deadlock does not name ext4 inode A ($ino): $(jq_r -c "$v | map({fs, ino})" "${args[@]}")" "${args[@]}"
	expect_jq "$v | any(.lock_mode == \"read\")" \
		"the self_deadlock should say the task holds i_rwsem read: lock_mode $(jq_r -c "$v | map(.lock_mode)" "${args[@]}")" "${args[@]}"
	expect_jq "$v | any(.stack | any(test(\"down_write|bpf_trampoline\")))" \
		"the self_deadlock stack lacks down_write: $(jq_r "$v | first | .stack | join(\" <- \")" "${args[@]}")" "${args[@]}"
	expect_jq '.timed_out == true and .command.running == true' \
		"diolock should end by --timeout with the task still hung (timed_out $(jq_r .timed_out), running $(jq_r .command.running))"
	t0=$(cat "$D/self.t0" 2>/dev/null)
	ts=$(jq_r "$v | first | .first_ts_ns // empty" "${args[@]}")
	live=$(awk '/diolock: \[error\] self_deadlock/ { print $1; exit }' "$D/diolock.stderr" 2>/dev/null)
	[ -n "$live" ] || fail "diolock printed no live self_deadlock line on stderr"
	case $SEEN in
	tracepoint)
		# only the reader hint says who holds it shared
		expect_jq "$v | any(.confidence == \"inferred\")" \
			"tracepoint tier: the self_deadlock should be inferred (reader hint): $(jq_r -c "$v | map(.confidence)" "${args[@]}")" "${args[@]}"
		# an inferred self-deadlock is an error only once its wait stayed
		# unbroken for the confirmation interval (~1 s): the wait begins >= 1 s
		# after the task started (hold_ms), so the live line comes >= ~2 s after
		d=$(seconds_between "$t0" "$live")
		if [ -z "$d" ] || ! awk -v d="$d" 'BEGIN { exit !(d >= 1.8) }'; then
			fail "tracepoint tier: the inferred self_deadlock was printed ${d:-?} s after the task started, before its wait (from ~1 s) could outlast the confirmation interval"
		fi
		;;
	fentry | kprobe)
		# acquisition tracking knows the task holds it shared
		expect_jq "$v | any(.confidence == \"exact\")" \
			"$SEEN tracks acquisitions: the self_deadlock should be exact: $(jq_r -c "$v | map(.confidence)" "${args[@]}")" "${args[@]}"
		expect_jq '[.findings[] | select(.kind == "recursive_acquire" and .pid == $pid)] | any(.severity == "error")' \
			"$SEEN: expected an error recursive_acquire (down_write on an i_rwsem held shared) for the task; findings: $(findings)" "${args[@]}"
		;;
	esac
	[ -n "$ts" ] && [ -n "$t0" ] &&
		note "self_deadlock: wait $(seconds_between "$t0" "$ts") s after the task started, printed live after $(seconds_between "$t0" "$live") s"
	return 0
}
