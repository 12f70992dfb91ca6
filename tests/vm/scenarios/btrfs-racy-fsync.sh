# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# btrfs.ko with the stub on the shared struct file (patches/6.12/0003, cd9253c23aed undone): a DIO writer and an fsync on the same fd from another thread; diolock must report sync_skips_unheld_lock for the fsyncer.
SC_BTRFS=racy
SC_BUDGET=70
SC_TIERS="fentry kprobe tracepoint"
SC_KERNELS=6.12
SC_MATRIX=yes
SC_MATRIX_TIERS="fentry kprobe tracepoint"

expect() {
	expect_same_fd_workload
	local fsyncer ino v
	fsyncer=$(role_field fsyncer tid)
	ino=$(meta ino)
	expect_exit 1
	# every tier sees the per-file stub: the function tiers at btrfs_sync_file's
	# entry, the tracepoint tier because btrfs reads it before its tracepoint
	v='[.findings[] | select(.kind == "sync_skips_unheld_lock")]'
	expect_jq "$v | length >= 1" "no sync_skips_unheld_lock; findings: $(findings)"
	expect_jq "$v | all(.severity == \"error\" and .fs == \"btrfs\" and .ino == \$ino and .tid == \$t)" \
		"sync_skips_unheld_lock should name the fsyncer (tid $fsyncer) and inode $ino, as an error: $(jq_r -c "$v | map({tid, ino, fs, severity})")" \
		--argjson ino "${ino:-0}" --argjson t "${fsyncer:-0}"
	expect_jq "$v | all(.note | test(\"cd9253c23aed\"))" "the note should name the fix: $(jq_r "$v | first | .note")"
	# the fsync syscall's own path, not a completion's fsync inside the write
	expect_jq "$v | any(.stack | any(test(\"do_fsync|sys_fsync\")) and (any(test(\"iomap_dio_complete|pwrite\")) | not))" \
		"the stack should be the fsync syscall's: $(jq_r "$v | first | .stack | join(\" <- \")")"
	# nothing else is an error: the writer's own fsync under its lock is the stub's job
	expect_jq '[.findings[] | select(.severity == "error" and .kind != "sync_skips_unheld_lock")] | length == 0' \
		"errors besides sync_skips_unheld_lock: $(findings)"
	note "sync_skips_unheld_lock: $(jq_r "$v | map(.count) | add") times in $(role_field fsyncer ops) fsyncs"
}
