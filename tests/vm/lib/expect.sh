# shellcheck shell=bash
# Host side of the VM harness, part 2: helpers for the scenarios' expectations
# (tests/vm/scenarios/NAME.sh, function expect). An expectation runs with
#   R     the scenario's report (diolock check --json)
#   D     its result directory: meta (KEY=VALUE facts from the guest script),
#         NAME.pid / NAME.t0 (CLOCK_MONOTONIC ns) / NAME.out / NAME.err /
#         NAME.state / NAME.stack for each workload task, diolock.rc,
#         diolock.stderr (each line prefixed with its CLOCK_MONOTONIC ns),
#         report.txt
#   TIER  the tier asked for: fentry, kprobe, tracepoint, or auto
#   SEEN  the tier the report shows (TIER, or for auto what diolock chose)
# It calls `fail MESSAGE` for each expectation that did not hold and
# `note TEXT` for facts worth printing (timings). Everything is judged on the
# host, from what the guest brought back.

# the expectations the host layer shares (tests/expect/README.md)
for _f in common stat serve trace; do
	# shellcheck source=/dev/null
	. "$(dirname "${BASH_SOURCE[0]}")/../../expect/$_f.sh"
done

_vm_fail=()
_vm_note=()
fail() { _vm_fail+=("$*"); }
note() { _vm_note+=("$*"); }

# meta KEY: a value the guest script recorded with `meta KEY VALUE`
meta() { sed -n "s/^$1=//p" "$D/meta" 2>/dev/null | head -1; }
pid_of() { cat "$D/$1.pid" 2>/dev/null; }
state_of() { cat "$D/$1.state" 2>/dev/null || echo unknown; }

# jq_r EXPR [jq options...]: EXPR on the report, raw output
jq_r() {
	local e=$1
	shift
	jq -r "$@" "$e" "$R" 2>/dev/null
}

# expect_jq EXPR MESSAGE [jq options...]: EXPR must be true on the report
expect_jq() {
	local e=$1 msg=$2
	shift 2
	jq -e "$@" "$e" "$R" >/dev/null 2>&1 || fail "$msg"
}

# What diolock found, for failure messages: "kind/severity/fs/pid ..." or "none".
findings() {
	local f
	f=$(jq_r '[.findings[] | "\(.kind)/\(.severity)/\(.fs)/pid \(.pid)"] | join(", ")')
	echo "${f:-none}"
}

expect_exit() {
	local rc
	rc=$(cat "$D/diolock.rc" 2>/dev/null)
	[ "$rc" = "$1" ] || fail "diolock exited $rc, expected $1 (verdict $(jq_r .verdict), findings: $(findings))"
}

# expect_clean_exit: 0 when the verdict is clean; 3 (incomplete) only when the
# report names a hook point that was unavailable, as the tiers that cannot see
# DIO on 6.1 must
expect_clean_exit() {
	local rc
	rc=$(cat "$D/diolock.rc" 2>/dev/null)
	case $(jq_r .verdict) in
	clean) expect_exit 0 ;;
	incomplete)
		expect_exit 3
		expect_jq '(.unavailable | length) > 0' "verdict incomplete but no hook point named unavailable: $(jq_r -c .why_incomplete)" ;;
	*) fail "verdict $(jq_r .verdict), diolock exit $rc (findings: $(findings))" ;;
	esac
}

# expect_bpf_stats PROG: check --bpf-stats printed PROG's runs (at least one) and ns per run
expect_bpf_stats() {
	grep -Eq "bpf-stats: $1 [1-9][0-9]* runs [0-9]+ ns/run" "$D/diolock.stderr" ||
		fail "no bpf-stats line for $1: $(grep -c bpf-stats "$D/diolock.stderr") bpf-stats lines"
}

expect_no_errors() {
	expect_jq '[.findings[] | select(.severity == "error")] | length == 0' \
		"error findings in a scenario that must be clean: $(findings)"
}

# expect_workload_ok NAME OPS: the task finished all OPS writes without error
expect_workload_ok() {
	local line
	line=$(grep -m1 '^{' "$D/$1.out" 2>/dev/null)
	if [ -z "$line" ]; then
		fail "workload $1 printed no result (state $(state_of "$1"); stderr: $(head -c 300 "$D/$1.err" 2>/dev/null))"
		return
	fi
	jq -e --argjson n "$2" '.ops == $n and .errors == 0' <<<"$line" >/dev/null ||
		fail "workload $1 did not complete $2 writes cleanly: $line"
	expect_jq '.command.exit_status == 0' "workload exit status $(jq_r .command.exit_status) in the report, expected 0"
}

# role_field ROLE FIELD: FIELD of the workload line whose role is ROLE (diowork's JSON lines)
role_field() {
	jq -r --arg r "$1" "select(.role == \$r) | .$2" "$D/writer.out" 2>/dev/null | head -1
}

# expect_same_fd_workload: diowork dio-fsync-same-fd's writer and fsyncer both
# ran cleanly, and the fsyncer really fsynced while the writer wrote
expect_same_fd_workload() {
	local w f
	w=$(grep -m1 '"role":"writer"' "$D/writer.out" 2>/dev/null)
	f=$(grep -m1 '"role":"fsyncer"' "$D/writer.out" 2>/dev/null)
	if [ -z "$w" ] || [ -z "$f" ]; then
		fail "dio-fsync-same-fd printed no writer or fsyncer line (state $(state_of writer); stderr: $(head -c 300 "$D/writer.err" 2>/dev/null))"
		return
	fi
	jq -e '.ops == 150 and .errors == 0' <<<"$w" >/dev/null || fail "the writer did not complete 150 writes cleanly: $w"
	jq -e '.ops >= 1 and .errors == 0' <<<"$f" >/dev/null || fail "the fsyncer did not fsync cleanly: $f"
	expect_jq '.command.exit_status == 0' "workload exit status $(jq_r .command.exit_status) in the report, expected 0"
}

# The tier the report shows: how the DIO completion hook was attached.
report_tier() {
	case $(jq_r .attach.dio_complete) in
	fentry) echo fentry ;;
	kprobe) echo kprobe ;;
	*) echo tracepoint ;;
	esac
}

# With --attach TIER, the hooks really are attached with TIER.
expect_tier() {
	case $TIER in
	fentry)
		if [ "$SC_LIVEPATCH" = yes ]; then
			# no BPF trampoline on a livepatched function: its hook takes a kprobe
			expect_jq '.attach.dio_complete == "kprobe" and .attach.dio_drain_wait == "fentry"' \
				"--attach fentry with iomap_dio_complete livepatched: dio_complete should be kprobe, the rest fentry; attached: $(jq_r -c .attach)"
		else
			expect_jq '.attach.dio_complete == $t' \
				"--attach $TIER, but dio_complete is attached as '$(jq_r .attach.dio_complete)'" --arg t "$TIER"
		fi
		;;
	kprobe)
		expect_jq '.attach.dio_complete == $t' \
			"--attach $TIER, but dio_complete is attached as '$(jq_r .attach.dio_complete)'" --arg t "$TIER"
		;;
	tracepoint)
		expect_jq '[.attach[]] | all(. != "fentry" and . != "kprobe")' \
			"--attach tracepoint, but hooks are attached as: $(jq_r '.attach | to_entries | map(select(.value == "fentry" or .value == "kprobe")) | map("\(.key)=\(.value)") | join(" ")')"
		;;
	esac
}

# The decoder's i_rwsem layout (CO-RE, reported by a BPF program): rwbase_rt
# exactly on the PREEMPT_RT kernels, rwsem on the others.
expect_lock_layout() {
	local want=rwsem
	[[ $VM_KERNEL == *-rt ]] && want=rwbase_rt
	expect_jq '.i_rwsem_layout == $w' \
		"$VM_KERNEL: the report's i_rwsem_layout is '$(jq_r .i_rwsem_layout)', expected $want" --arg w "$want"
}

# The iomap_dio_* tracepoints are v6.5+: 6.12 has them, Debian 6.1 does not.
vm_dio_tracepoints() { [ "$KSERIES" != 6.1 ]; }

# expect_tracepoint_dio FS PID: the tracepoint tier on a kernel with the iomap
# tracepoints sees the benign completion as the exact tiers do; on 6.1 it
# must say that it cannot.
expect_tracepoint_dio() {
	if vm_dio_tracepoints; then
		expect_jq '(.attach.dio_complete | IN("tp_btf", "raw_tp", "tracepoint"))' \
			"$VM_KERNEL has the iomap tracepoints, but dio_complete is attached as '$(jq_r .attach.dio_complete)': $(jq_r .unavailable.dio_complete)"
		expect_dio_info "$1" "$2"
	else
		expect_dio_unavailable
	fi
}

# Debian 6.1 has no iomap_dio_* tracepoints (v6.5+): the tracepoint tier cannot
# see DIO submission or completion, and the report must say so.
expect_dio_unavailable() {
	local h
	for h in dio_submit dio_complete; do
		expect_jq '.attach[$h] == "unavailable"' \
			"tracepoint tier on 6.1: .attach.$h is '$(jq_r ".attach.$h")', expected unavailable (no iomap tracepoints before 6.5)" --arg h "$h"
		expect_jq '.unavailable[$h] | type == "string" and length > 0' \
			"tracepoint tier on 6.1: .unavailable.$h should say why $h cannot be seen" --arg h "$h"
	done
}

# expect_hook_attached HOOK: a hook on a module (btrfs_sync, ext4_sync_enter)
# attached: the modules were loaded before diolock started, as they must be.
expect_hook_attached() {
	expect_jq '.attach[$h] != null and .attach[$h] != "unavailable"' \
		"hook $1 is '$(jq_r ".attach.$1")': $(jq_r ".unavailable.$1")" --arg h "$1"
}

# expect_dio_info FS PID: the benign completion under i_rwsem was seen and
# classified as info, for the writer, on FS.
expect_dio_info() {
	expect_jq '[.findings[] | select(.kind == "dio_complete_under_i_rwsem" and .fs == $fs and .pid == $pid)] |
		length >= 1 and all(.severity == "info")' \
		"expected an info dio_complete_under_i_rwsem on $1 for pid $2, found: $(findings)" \
		--arg fs "$1" --argjson pid "${2:-0}"
}

# Aligned O_DIRECT writes really reach iomap on 6.1: on ext4 and XFS always,
# on btrfs also for checksummed inodes (the fallback to buffered writes is
# v6.15+). A dio_fallback_buffered finding in these scenarios is false.
expect_no_fallback() {
	expect_jq '[.findings[] | select(.kind == "dio_fallback_buffered")] | length == 0' \
		"dio_fallback_buffered reported, but these writes are real direct I/O on 6.1: $(jq_r '[.findings[] | select(.kind == "dio_fallback_buffered") | .note] | first')"
}

# seconds_between NS_FROM NS_TO: "1.234" (empty if either is missing)
seconds_between() {
	[ -n "$1" ] && [ -n "$2" ] || return 0
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

# expect_left_behind WHERE: a run stopped right after its first live error (diolock
# SIGKILLed, or the whole VM) left a valid report (R) with "complete": false and the
# writer's self_deadlock, and a recording whose replay ($D/replay.{rc,json,stderr})
# exits 3, incomplete, with the finding. WHERE names what was left, for messages.
expect_left_behind() {
	local where=$1 pid ino v
	pid=$(pid_of writer)
	ino=$(meta ino)
	[ "$(state_of writer)" = D ] ||
		fail "the writer is not stuck (state $(state_of writer)): is the faulty btrfs.ko loaded?"
	grep -q 'diolock: \[error\]' "$D/diolock.stderr" 2>/dev/null ||
		fail "diolock printed no live error before $where: $(tail -3 "$D/diolock.stderr" 2>/dev/null); the writer's stack: $(head -6 "$D/writer.stack" 2>/dev/null | tr '\n' ' ')"
	v='[.findings[] | select(.kind == "self_deadlock" and .severity == "error" and .pid == $pid and .ino == $ino)]'
	expect_jq '.complete == false' "the JSON report left by $where should say complete false (it says $(jq_r .complete))"
	expect_jq "$v | length >= 1" "the report left by $where lacks the self_deadlock; findings: $(findings)" \
		--argjson pid "${pid:-0}" --argjson ino "${ino:-0}"
	[ "$(cat "$D/replay.rc" 2>/dev/null)" = 3 ] ||
		fail "replay of the recording left by $where exited $(cat "$D/replay.rc" 2>/dev/null), expected 3: $(cat "$D/replay.stderr" 2>/dev/null)"
	jq -e --argjson pid "${pid:-0}" --argjson ino "${ino:-0}" "($v | length >= 1) and .verdict == \"incomplete\"" \
		"$D/replay.json" >/dev/null 2>&1 ||
		fail "the replay lacks the self_deadlock or is not incomplete: verdict $(jq -r .verdict "$D/replay.json" 2>/dev/null), $(jq -r -c '[.findings[] | .kind + "/" + .severity]' "$D/replay.json" 2>/dev/null)"
	grep -q -i 'cut\|truncated\|ends' "$D/replay.stderr" 2>/dev/null ||
		fail "replay should say where the recording ends: $(cat "$D/replay.stderr" 2>/dev/null)"
}

# The order scenarios (abba module): the tasks taking locks in opposite orders
# one after the other finished, and nothing deadlocked.
expect_order_tasks_finished() {
	expect_jq '.command.exit_status == 0 and .timed_out == false' \
		"the tasks should finish (no deadlock): exit status $(jq_r .command.exit_status), timed out $(jq_r .timed_out)"
	expect_jq '.summary.deadlock_cycle == 0 and .summary.self_deadlock == 0' "no deadlock happened, but: $(findings)"
}

# ... and the exact tiers predicted it: exit 1, one lock_order_inversion, an exact error.
expect_one_exact_inversion() {
	local v='[.findings[] | select(.kind == "lock_order_inversion")]'
	expect_exit 1
	expect_jq "$v | length == 1" "expected one lock_order_inversion; findings: $(findings)"
	expect_jq "$v | first | .severity == \"error\" and .confidence == \"exact\"" \
		"the inversion should be an exact error: $(jq_r -c "$v | map({severity, confidence})")"
}

# expect_probe PROBE_JSON KERNEL: the tier `diolock probe` chose for each hook
# point is the one this kernel allows (what its source has, and Debian's
# config: research/kernel-facts.md). 6.1 refuses fentry on __iomap_dio_rw
# (seven arguments: more than its trampolines pass); PREEMPT_RT has no
# rwsem_down_*_slowpath (rwbase_rt), so waits come from lock:contention_*;
# the iomap tracepoints (dio_complete's tracepoint tier) exist from 6.5.
expect_probe() {
	local p=$1 k=$2 h want v61=
	[ "${k%-rt}" = 6.1 ] && v61=1
	for h in dio_complete btrfs_sync rwsem_acquire dio_submit rwsem_wait_begin; do
		want=fentry
		[ $h = dio_submit ] && [ -n "$v61" ] && want=kprobe
		[ $h = rwsem_wait_begin ] && [[ $k == *-rt ]] && want=tp_btf
		[ "$(jq -r ".hooks.$h.tier" "$p")" = $want ] ||
			fail "$h on $(jq -r ".hooks.$h.tier" "$p"), expected $want"
	done
	want=true
	[ -n "$v61" ] && want=false
	[ "$(jq -r '.hooks.dio_complete.tiers.tp_btf.kernel_allows' "$p")" = $want ] ||
		fail "iomap:iomap_dio_complete attachable: expected $want"
	[ "$(jq -r '.hooks.dio_complete.tiers.kprobe.kernel_allows' "$p")" = true ] || fail "kprobes refused"
	# btrfs's lock_extent is v6.1-v6.11's (6.12: __lock_extent); the mmap_lock tracepoints are everywhere
	want=fentry
	[ -z "$v61" ] && want=unavailable
	[ "$(jq -r '.hooks.btrfs_extent_lock.tier' "$p")" = $want ] ||
		fail "btrfs_extent_lock on $(jq -r '.hooks.btrfs_extent_lock.tier' "$p"), expected $want"
	[ "$(jq -r '.hooks.mmap_hold.tier' "$p")" = tp_btf ] && [ "$(jq -r '.hooks.mmap_release.tier' "$p")" = tp_btf ] ||
		fail "the mmap_lock tracepoints on $(jq -r '.hooks.mmap_hold.tier' "$p")/$(jq -r '.hooks.mmap_release.tier' "$p"), expected tp_btf"
	[ "$(jq -r '.i_rwsem_layout.name' "$p")" = "$([[ $k == *-rt ]] && echo rwbase_rt || echo rwsem)" ] ||
		fail "i_rwsem layout $(jq -c '.i_rwsem_layout' "$p")"
}
