# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# The seed's second deadlock, livepatched in (patches/0002): an AIO O_DSYNC write's completion vs a truncate in inode_dio_wait; diolock must report the deadlock_cycle.
SC_BTRFS=stock
SC_DEADLOCKS=yes
SC_LIVEPATCH=yes
SC_BUDGET=50
SC_TIERS="fentry kprobe tracepoint"

expect() {
	local tp kw ino c args
	tp=$(pid_of truncater) kw=$(pid_of kworker) ino=$(meta ino)
	# the kernel's own word that this is the seed's deadlock
	[ "$(meta livepatch)" = 1 ] || fail "the dio_end_late livepatch was not in effect"
	if [ "$(state_of truncater)" != D ] || [ "$(state_of kworker)" != D ]; then
		fail "no deadlock happened: the truncater is $(state_of truncater), the completion kworker ${kw:+(pid $kw) }is $(state_of kworker)"
		return
	fi
	grep -q '^\[<0>\] inode_dio_wait' "$D/truncater.stack" ||
		fail "the truncater does not wait in inode_dio_wait: $(tr '\n' ' ' <"$D/truncater.stack")"
	grep -q 'btrfs_sync_file' "$D/kworker.stack" && grep -q 'iomap_dio_complete' "$D/kworker.stack" ||
		fail "the kworker is not in btrfs_sync_file under iomap_dio_complete: $(tr '\n' ' ' <"$D/kworker.stack")"
	args=(--argjson tp "${tp:-0}" --argjson kw "${kw:-0}" --argjson ino "${ino:-0}")
	case $SEEN in
	fentry | kprobe)
		expect_exit 1
		c='[.findings[] | select(.kind == "deadlock_cycle" and .severity == "error")]'
		expect_jq "$c | length >= 1" "no error deadlock_cycle; findings: $(findings)"
		# the completion worker waits for the i_rwsem, the truncater for the DIO drain
		expect_jq "$c | any(.cycle | any(.tid == \$kw and .waits_for.lock == \"i_rwsem\" and .waits_for.ino == \$ino)
			and any(.pid == \$tp and .waits_for.lock == \"dio_drain\" and .waits_for.ino == \$ino))" \
			"the cycle should be kworker $kw waiting for i_rwsem of ino $ino and truncater $tp waiting for its DIO drain: $(jq_r -c "$c | map(.cycle | map({tid, waits_for}))")" "${args[@]}"
		expect_jq "$c | any(.cycle | all((.stack | length) > 0))" "a cycle member has no stack"
		expect_jq "$c | any(.cycle | any(.tid == \$kw and (.stack | any(test(\"btrfs_sync_file\")))))" \
			"the kworker's stack in the cycle lacks btrfs_sync_file" "${args[@]}"
		# the --dot picture of it renders, and shows both tasks and both resources
		if ! dot -Tsvg "$D/report.dot" -o "$D/report.svg" 2>"$D/dot.err"; then
			fail "the --dot graph does not render: $(head -2 "$D/dot.err")"
		elif ! grep -q "tid $kw" "$D/report.dot" || ! grep -q "tid $tp" "$D/report.dot" ||
			! grep -q dio_drain "$D/report.dot"; then
			fail "the --dot graph lacks the kworker, the truncater or the DIO drain: $(tr '\n' ' ' <"$D/report.dot" | head -c 400)"
		fi
		;;
	*)
		# inode_dio_wait and the completion are not seen: the wait chain is what shows
		expect_jq '[.findings[] | select(.kind == "long_wait_chain")] | any(.chain | any(.tid == $kw) and any(.tid == $tp))' \
			"no long_wait_chain naming the kworker ($kw) and the truncater ($tp); findings: $(findings)" "${args[@]}"
		expect_jq '.verdict != "clean"' "a deadlock it cannot fully see must not be a clean verdict"
		expect_jq '.unavailable | has("dio_drain_wait")' "the report should name dio_drain_wait unavailable: $(jq_r -c .unavailable)"
		[ "$(cat "$D/diolock.rc")" != 0 ] || fail "diolock exited 0 on a deadlock"
		;;
	esac
}
