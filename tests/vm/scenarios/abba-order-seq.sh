# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# A then B in one task, B then A in another after it (abba test module), no deadlock: the exact tiers predict a lock_order_inversion naming both inodes and both stacks (exit 1); the tracepoint tier sees no acquisitions and says nothing.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=40
SC_TIERS="fentry kprobe tracepoint"
# lock order predicted on 6.12 and on RT too (acquisitions are fentry on down_write there)
SC_MATRIX=yes
SC_MATRIX_TIERS="fentry tracepoint"
SC_RT_TIERS="fentry tracepoint"

expect() {
	local p1 p2 ia ib v args
	p1=$(pid_of t1) p2=$(pid_of t2) ia=$(meta ino_a) ib=$(meta ino_b)
	args=(--argjson p1 "${p1:-0}" --argjson p2 "${p2:-0}" --argjson ia "${ia:-0}" --argjson ib "${ib:-0}"
		--arg pa "$(meta path_a)" --arg pb "$(meta path_b)")
	expect_order_tasks_finished
	v='[.findings[] | select(.kind == "lock_order_inversion")]'
	case $SEEN in
	fentry | kprobe)
		expect_one_exact_inversion
		# one edge per task: t1 took B holding A, t2 took A holding B
		expect_jq "$v | first | .edges | any(.pid == \$p1 and .to.ino == \$ib) and any(.pid == \$p2 and .to.ino == \$ia)" \
			"the edges should be t1 ($p1) -> inode B ($ib) and t2 ($p2) -> inode A ($ia): $(jq_r -c "$v | first | .edges | map({pid, to})")" "${args[@]}"
		expect_jq "$v | first | .edges | length == 2 and all(.stack | any(test(\"abba_write\")))" \
			"each edge should carry its task's stack through abba_write: $(jq_r -c "$v | first | .edges | map(.stack[0:4])")"
		expect_jq "$v | first | .edges | all(.to.fs == \"ext4\")" "the edges' inodes should be ext4's"
		# the paths were resolved at the end of the run (the module's tasks hold no fd of them)
		expect_jq "$v | first | .edges | any(.to.ino == \$ib and .to.path == \$pb) and any(.to.ino == \$ia and .to.path == \$pa)" \
			"the edges should name the files $(meta path_a) and $(meta path_b): $(jq_r -c "$v | first | .edges | map(.to.path)")" "${args[@]}"
		grep -q -- "-> i_rwsem of ext4 .* ino $ib $(meta path_b) (" "$D/report.txt" ||
			fail "the text report should name $(meta path_b) in the edge to inode $ib: $(grep -- '->' "$D/report.txt" | head -3)"
		expect_jq '.lock_order.instance_edges >= 2' "instance edges: $(jq_r -c .lock_order)"
		;;
	tracepoint)
		# no tracepoint sees an acquisition: nothing to predict from
		expect_jq "$v | length == 0" "tracepoint tier: no acquisitions, no inversion expected; findings: $(findings)"
		expect_jq '.lock_order.instance_edges == 0' "tracepoint tier: no instance edges expected: $(jq_r -c .lock_order)"
		;;
	esac
}
