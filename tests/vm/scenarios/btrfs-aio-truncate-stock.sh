# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# The livepatch scenario's workload on the stock kernel: the truncate waits for the DIO, its fsync waits for the truncate, all finish; no error in any tier.
SC_BTRFS=any
SC_BUDGET=50
SC_TIERS="fentry kprobe tracepoint"

expect() {
	local tp ino
	tp=$(pid_of truncater) ino=$(meta ino)
	expect_workload_ok truncater 100
	expect_no_errors
	expect_clean_exit
	# the shape a naive wait-for graph takes for a cycle did happen: the
	# completion's fsync waited for the truncater's i_rwsem
	expect_jq '.contention | any(.ino == $ino and any(.holders[]; . == $tp) and any(.waiters[]; . != $tp))' \
		"no completion waited for the truncater's ($tp) i_rwsem on ino $ino: $(jq_r -c .contention)" \
		--argjson tp "${tp:-0}" --argjson ino "${ino:-0}"
	note "suspected $(jq_r -c .suspected)"
}
