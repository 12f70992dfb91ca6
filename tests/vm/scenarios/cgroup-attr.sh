# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# cgroup v2 in the function tiers: three DSYNC DIO writers on xfs in cgroups a, b/x, b/y; check --cgroup b keeps b's subtree in BPF (a's writer sends nothing) and each finding names its writer's cgroup.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=45
SC_TIERS="fentry kprobe"
SC_KERNELS="6.1"

# pid_by_ino INO: the writer whose file is INO (diowork's JSON lines)
pid_by_ino() {
	grep '^{"role":"writer"' "$D/writer.out" 2>/dev/null | jq -r --argjson ino "${1:-0}" 'select(.ino == $ino) | .pid'
}

expect() {
	local cg pa px py
	expect_clean_exit
	cg=$(meta cg)
	pa=$(pid_by_ino "$(meta ino_a)") px=$(pid_by_ino "$(meta ino_b_x)") py=$(pid_by_ino "$(meta ino_b_y)")
	[ -n "$pa" ] && [ -n "$px" ] && [ -n "$py" ] ||
		{ fail "three writers expected: $(head -c 400 "$D/writer.out" 2>/dev/null)"; return; }
	expect_dio_info xfs "$px"
	expect_dio_info xfs "$py"
	expect_jq "[.findings[] | .pid] | index($pa) == null" "--cgroup b let a's writer ($pa) through: $(findings)"
	expect_jq "[.findings[] | select(.pid == $px)] | all(.cgroup == \"$cg/b/x\")" \
		"b/x's writer named in $cg/b/x: $(jq_r '[.findings[] | {pid, cgroup}]')"
	expect_jq "[.findings[] | select(.pid == $py)] | all(.cgroup == \"$cg/b/y\")" \
		"b/y's writer named in $cg/b/y: $(jq_r '[.findings[] | {pid, cgroup}]')"
	expect_jq ".filters.cgroup == \"$cg/b\"" "the filter in the report: $(jq_r .filters)"
	# completions: 6.1's fentry tier has no submission hook (__iomap_dio_rw takes too many arguments)
	expect_jq '.dio_by_fs.xfs.completed == 6' "the kernel counts b's 6 DIO only: $(jq_r .dio_by_fs)"
}
