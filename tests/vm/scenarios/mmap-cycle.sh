# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# A DIO holding an ext4 inode's i_rwsem waits for its process's mmap_lock, write-held by a task waiting for that i_rwsem (abba module "m:PID"): a real deadlock across lock types; diolock must report one deadlock_cycle through both.
SC_BTRFS=any
SC_DEADLOCKS=yes
SC_BUDGET=60
SC_TIERS="fentry kprobe tracepoint"

expect() {
	local p1 p2 ino c args
	p1=$(pid_of t1) p2=$(pid_of t2) ino=$(meta ino)
	if [ "$(state_of t1)" != D ] || [ "$(state_of t2)" != D ]; then
		fail "no deadlock happened: t1 is $(state_of t1), t2 is $(state_of t2) (abba module loaded?)"
	fi
	grep -q abba_write "$D/t2.stack" 2>/dev/null ||
		fail "t2's kernel stack lacks abba_write: $(tr '\n' ' ' <"$D/t2.stack" 2>/dev/null)"
	args=(--argjson p1 "${p1:-0}" --argjson p2 "${p2:-0}" --argjson ino "${ino:-0}")
	expect_exit 1
	c='[.findings[] | select(.kind == "deadlock_cycle")]'
	expect_jq "$c | length >= 1 and all(.severity == \"error\")" "no deadlock_cycle error; findings: $(findings)"
	# t1 (the DIO) waits to read its own process's mmap_lock, held by t2; t2 waits for the inode, held by t1
	expect_jq "$c | any(.cycle | any(.pid == \$p1 and .waits_for.lock == \"mmap_lock\" and .waits_for.mm_pid == \$p1 and .waits_for.mode == \"read\"))" \
		"no cycle member t1 ($p1) waiting for its mmap_lock: $(jq_r -c "$c | map(.cycle)")" "${args[@]}"
	expect_jq "$c | any(.cycle | any(.pid == \$p2 and .waits_for.lock == \"i_rwsem\" and .waits_for.ino == \$ino and .waits_for.fs == \"ext4\"))" \
		"no cycle member t2 ($p2) waiting for the file's i_rwsem ($ino): $(jq_r -c "$c | map(.cycle)")" "${args[@]}"
	expect_jq '.events_by_type.mmap_wait_begin >= 1' "no mmap_wait_begin record"
}
