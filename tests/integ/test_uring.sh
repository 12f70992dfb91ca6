#!/usr/bin/env bash
# O_DIRECT writes as databases submit them: io_uring (inline, IOSQE_ASYNC,
# SQPOLL, a registered file; fio's io_uring engine) and Linux AIO (io_submit;
# fio's libaio engine). Fallbacks to the page cache are reported with the
# submitting process and the path; completions that run in kworkers name
# their submitter. What the kernel does (does btrfs write O_DIRECT through the
# page cache? does io_uring punt?) is read from the running kernel, not assumed.
. "$(dirname "$0")/lib.sh"
require_root

URINGWORK=$BUILD/uringwork
BTRFS=$(mkfs_mount btrfs csum)

CSUM_FALLS_BACK=$(btrfs_csum_falls_back)

# The path each mode submits by, as diolock names it (io_uring may issue inline or punt).
path_re() {
	case $1 in
	aio | libaio) echo '^aio$' ;;
	async) echo '^io_uring-wq$' ;;
	*) echo '^io_uring(-wq|-sqpoll)?$' ;;
	esac
}

# uring_fallbacks MODE: N writes by uringwork on checksummed btrfs, each a fallback named after it.
uring_fallbacks() {
	local mode=$1 n=12 f=$BTRFS/$1 out=$T/$1.out json=$T/$1.json
	"$DIOLOCK" check -q --dev "$(stat_dev "$BTRFS")" -J "$json" -- "$URINGWORK" -n $n "$mode" "$f" >"$out"
	expect_eq "$?" 0 "check exit status ($mode)"
	local pid ino v
	pid=$(role_pid "$out" writer)
	ino=$(stat -c %i "$f")
	v="[.findings[] | select(.kind == \"dio_fallback_buffered\" and .ino == $ino)]"
	expect_jq "$json" '[.findings[] | select(.severity != "info")] | length == 0' "no error or warning ($mode)"
	expect_jq "$json" '.verdict == "clean"' "clean ($mode)"
	if [ $CSUM_FALLS_BACK = 0 ]; then
		expect_jq "$json" "$v | length == 0" "no fallback before v6.15 ($mode)"
		return
	fi
	expect_jq "$json" "($v | map(.count) | add) == $n" "every write reported as a fallback ($mode)"
	expect_jq "$json" "$v | all(.pid == $pid and .comm == \"uringwork\")" "the submitting process named ($mode)"
	expect_jq "$json" "$v | all(.io_path | test(\"$(path_re "$mode")\"))" "the path named ($mode)"
	# a worker that ran it is named as such, never as the submitter
	expect_jq "$json" "$v | all(.run_by == null or (.run_by.comm | test(\"^iou-\")))" "worker named apart ($mode)"
}

# Writes that start 512 bytes into a block: btrfs writes them through the page
# cache on every kernel, and each one's last page is the next one's first
# (AIO: the batch's order, not positions, tells whose folio it is). One
# io_uring write in flight at a time: two io-wq workers writing one page at
# once dirty it once between them, and the second is not seen (docs/io_uring.md).
test_unaligned_fallbacks() {
	local mode n=20 f json v pid ino qd
	for mode in inline async sqpoll aio; do
		f=$BTRFS/unal.$mode json=$T/unal.$mode.json qd=1
		[ $mode = aio ] && qd=8
		"$DIOLOCK" check -q --dev "$(stat_dev "$BTRFS")" -J "$json" -- "$URINGWORK" -n $n -q $qd --unaligned \
			"$mode" "$f" >"$T/unal.$mode.out"
		expect_eq "$?" 0 "check exit status (unaligned $mode)"
		pid=$(role_pid "$T/unal.$mode.out" writer)
		ino=$(stat -c %i "$f")
		v="[.findings[] | select(.kind == \"dio_fallback_buffered\" and .ino == $ino)]"
		expect_jq "$json" "($v | map(.count) | add) == $n" "each of $n unaligned writes once (unaligned $mode)"
		expect_jq "$json" "$v | all(.pid == $pid and (.io_path | test(\"$(path_re "$mode")\")))" \
			"submitter and path (unaligned $mode)"
	done
}

# An io_submit batch longer than the 32 iocbs BPF reads at a time: the
# search goes on from the batch's current write, so all of it is seen.
test_aio_batch_past_scan() {
	[ $CSUM_FALLS_BACK = 1 ] || return 0
	local json=$T/big.json ino v
	"$DIOLOCK" check -q --dev "$(stat_dev "$BTRFS")" -J "$json" -- "$URINGWORK" -n 60 -q 60 aio "$BTRFS/big" >/dev/null
	expect_eq "$?" 0 "check exit status"
	ino=$(stat -c %i "$BTRFS/big")
	v="[.findings[] | select(.kind == \"dio_fallback_buffered\" and .ino == $ino)]"
	expect_jq "$json" "($v | map(.count) | add) == 60" "all 60 writes of one batch"
	expect_jq "$json" '(.dio_by_fs.btrfs.async_writes_unjudged // 0) == 0' "none unjudged"
}

test_uring_inline_fallbacks() { uring_fallbacks inline; }
test_uring_async_fallbacks() { uring_fallbacks async; }
test_uring_sqpoll_fallbacks() { uring_fallbacks sqpoll; }
test_uring_fixed_file_fallbacks() { uring_fallbacks fixed; }
test_aio_fallbacks() { uring_fallbacks aio; }

# fio's own engines, as a user runs them: every write fio made is reported, with fio's pid and the path.
fio_fallbacks() {
	local eng=$1 f=$BTRFS/fio.$1 json=$T/fio.$1.json fj=$T/fio.$1.fio.json
	# a file of the job's size: fio lays out no data first
	truncate -s 8M "$f"
	"$DIOLOCK" check -q --dev "$(stat_dev "$BTRFS")" -J "$json" -- fio --name=w --filename="$f" --size=8M \
		--rw=randwrite --bs=4k --direct=1 --ioengine="$eng" --iodepth=8 --number_ios=200 \
		--output-format=json --output="$fj" >/dev/null
	expect_eq "$?" 0 "check exit status ($eng)"
	local ios ino v
	ios=$(jq '.jobs[0].write.total_ios' "$fj")
	ino=$(stat -c %i "$f")
	v="[.findings[] | select(.kind == \"dio_fallback_buffered\" and .ino == $ino)]"
	expect_jq "$json" '.verdict == "clean"' "clean ($eng)"
	if [ $CSUM_FALLS_BACK = 0 ]; then
		expect_jq "$json" "$v | length == 0" "no fallback before v6.15 ($eng)"
		return
	fi
	[ "$ios" -gt 0 ] || fail "fio wrote nothing ($eng)"
	expect_jq "$json" "($v | map(.count) | add) == $ios" "all $ios writes of fio reported ($eng)"
	expect_jq "$json" "$v | all(.comm == \"fio\")" "fio named ($eng)"
	expect_jq "$json" "$v | all(.io_path | test(\"$(path_re "$eng")\"))" "the path named ($eng)"
}

test_fio_io_uring_fallbacks() { fio_fallbacks io_uring; }
test_fio_libaio_fallbacks() { fio_fallbacks libaio; }

# Real DIO (ext4, xfs, btrfs nodatasum): no fallback, no finding worse than info, DIO counted.
real_dio() {
	local fs=$1 mnt=$2 mode=$3 n=10 json=$T/real.$1.$3.json
	"$DIOLOCK" check -q --dev "$(stat_dev "$mnt")" -J "$json" -- "$URINGWORK" -n $n "$mode" "$mnt/$mode" >/dev/null
	expect_eq "$?" 0 "check exit status ($fs $mode)"
	expect_jq "$json" '.summary.dio_fallback_buffered == 0' "no fallback ($fs $mode)"
	expect_jq "$json" '[.findings[] | select(.severity != "info")] | length == 0' "no error or warning ($fs $mode)"
	expect_jq "$json" "(.dio_by_fs.$fs.submitted // 0) >= $n and (.dio_by_fs.$fs.completed // 0) >= $n" \
		"the DIO counted ($fs $mode)"
	expect_jq "$json" '.verdict == "clean"' "clean ($fs $mode)"
}

test_real_dio_ext4_xfs_nodatasum() {
	local ext4 xfs nds img=$T/nds.img
	ext4=$(mkfs_mount ext4 ext4) && xfs=$(mkfs_mount xfs xfs) || { fail "mkfs"; return; }
	nds=$T/nds
	truncate -s 512M "$img" && mkfs.btrfs -q -f "$img" >/dev/null && mkdir -p "$nds" &&
		mount -o loop,nodatasum "$img" "$nds" || { fail "mount nodatasum"; return; }
	for mode in inline async sqpoll fixed aio; do
		real_dio ext4 "$ext4" $mode
		real_dio xfs "$xfs" $mode
		real_dio btrfs "$nds" $mode
	done
}

# Completions that run outside the submitter (a kworker; an interrupt from v6.19) name it:
# io_uring from its request, AIO from what its submission left (trace only).
completions_name_submitter() {
	local mode=$1 re=$2 ext4=$3 out=$T/tr.$1.out role=$T/tr.$1.role
	# the workload's own lines to a file of their own: two writers of one stdout interleave
	ROLE=$role "$DIOLOCK" trace --json --dev "$(stat_dev "$ext4")" -- sh -c 'exec "$0" "$@" >"$ROLE"' "$URINGWORK" \
		-n 16 "$mode" "$ext4/f" >"$out" 2>"$T/tr.err"
	expect_eq "$?" 0 "trace exit status ($mode)"
	local pid
	pid=$(role_pid "$role" writer)
	local c='[inputs | select(.type? == "dio_complete")]'
	[ "$(jq -n "$c | length" "$out" 2>/dev/null)" -ge 16 ] ||
		fail "every completion traced ($mode) [$(jq -cn "$c | length" "$out" 2>&1)]"
	jq -ne "$c | all(.io_path | test(\"$re\"))" "$out" >/dev/null || fail "completions name their path ($mode)"
	# the writer's own completions name it by pid; the others by the submitter field
	jq -ne "$c | all(.pid == $pid or .submitter.pid == $pid)" "$out" >/dev/null ||
		fail "completions attributed to the writer ($mode): $(jq -cn "$c | map([.comm, .submitter.pid]) | unique" "$out")"
	jq -ne "$c | all(.pid == $pid or (.flags | index(\"kworker\") or index(\"irq\")))" "$out" >/dev/null ||
		fail "a completion elsewhere says where it ran ($mode)"
}

test_completions_name_submitter() {
	local ext4
	ext4=$(mkfs_mount ext4 ext4c) || { fail "mkfs"; return; }
	# the first run extends the file (ext4 waits, in the submitter); the next ones overwrite it (kworkers)
	completions_name_submitter inline '^io_uring(-wq)?$' "$ext4"
	completions_name_submitter inline '^io_uring(-wq)?$' "$ext4"
	completions_name_submitter aio '^aio$' "$ext4"
}

# Punts: writes io_uring retried in io-wq after -EAGAIN, per inode and process; IOSQE_ASYNC is not one.
test_punts_counted() {
	local out=$T/punt.json
	"$DIOLOCK" stat --json --dev "$(stat_dev "$BTRFS")" -- "$URINGWORK" -n 10 inline "$BTRFS/punt" >"$T/punt.all"
	expect_eq "$?" 0 "stat exit status (inline)"
	grep -v '^{"role"' "$T/punt.all" >"$out"
	local pid ino
	pid=$(role_pid "$T/punt.all" writer)
	ino=$(stat -c %i "$BTRFS/punt")
	local p="[.io_uring_punts[] | select(.ino == $ino)]"
	# on v6.15+ a checksummed btrfs cannot write O_DIRECT without blocking: io_uring punts each write
	if [ $CSUM_FALLS_BACK = 1 ]; then
		expect_jq "$out" "($p | length == 1) and $p[0].punts == 10" "each inline write punted once"
		expect_jq "$out" "$p[0].pid == $pid and $p[0].comm == \"uringwork\" and $p[0].fs == \"btrfs\"" \
			"punts name the submitter and the file"
	fi
	"$DIOLOCK" stat --json --dev "$(stat_dev "$BTRFS")" -- "$URINGWORK" -n 10 async "$BTRFS/forced" |
		grep -v '^{"role"' >"$T/forced.json"
	ino=$(stat -c %i "$BTRFS/forced")
	expect_jq "$T/forced.json" "[.io_uring_punts[] | select(.ino == $ino)] | length == 0" \
		"IOSQE_ASYNC is the user's choice, not a punt"
}

# stat: DIO latency keyed by path, and by the submitter's name, not the io-wq worker's.
test_stat_by_path_and_submitter() {
	local ext4
	ext4=$(mkfs_mount ext4 ext4s) || { fail "mkfs"; return; }
	"$DIOLOCK" stat --json --by path --dev "$(stat_dev "$ext4")" -- "$URINGWORK" -n 20 async "$ext4/p" |
		grep -v '^{"role"' >"$T/bypath.json"
	expect_jq "$T/bypath.json" '.by == "path"' "keyed by path"
	expect_jq "$T/bypath.json" '[.histograms[] | select(.metric == "dio") | .io_path] | length > 0 and all(. == "io_uring-wq")' \
		"IOSQE_ASYNC writes keyed io_uring-wq [$(jq -c '[.histograms[] | [.metric, .io_path, .count]]' "$T/bypath.json")]"
	expect_jq "$T/bypath.json" '[.histograms[] | select(.metric == "dio") | .count] | add == 20' "all 20 DIO counted"
	"$DIOLOCK" stat --json --by comm --dev "$(stat_dev "$ext4")" -- "$URINGWORK" -n 20 async "$ext4/c" |
		grep -v '^{"role"' >"$T/bycomm.json"
	expect_jq "$T/bycomm.json" '[.histograms[] | select(.metric == "dio") | .comm] | length > 0 and all(. == "uringwork")' \
		"keyed by the submitter's name [$(jq -c '[.histograms[] | [.metric, .comm, .count]]' "$T/bycomm.json")]"
}

# top and serve show the punts too; serve's by filesystem type (bounded), its DIO latency by path.
test_top_serve_punts() {
	[ $CSUM_FALLS_BACK = 1 ] || return 0
	local port i
	"$DIOLOCK" top --json --dev "$(stat_dev "$BTRFS")" -- sh -c 'exec "$0" "$@" >/dev/null' "$URINGWORK" \
		-n 10 inline "$BTRFS/top" 2>/dev/null | tail -1 >"$T/top.json"
	expect_jq "$T/top.json" '.io_uring_punts == 10' "top counts the 10 punts"
	serve_start serve --by path --dev "$(stat_dev "$BTRFS")"
	port=$SERVE_PORT
	"$URINGWORK" -n 10 inline "$BTRFS/srv" >/dev/null
	curl -sf "http://127.0.0.1:$port/metrics" >"$T/m.txt" || fail "scrape"
	kill "$(cat "$T/serve.pid")"
	wait "$(cat "$T/serve.pid")"
	promtool check metrics <"$T/m.txt" >"$T/promtool.out" 2>&1 || fail "promtool: $(cat "$T/promtool.out")"
	grep -q '^diolock_io_uring_punts_total{fs="btrfs"} 10$' "$T/m.txt" ||
		fail "punts by fs: $(grep punts "$T/m.txt" | tr '\n' ' ')"
}

run_test test_top_serve_punts
run_test test_stat_by_path_and_submitter
run_test test_punts_counted
run_test test_unaligned_fallbacks
run_test test_aio_batch_past_scan
run_test test_uring_inline_fallbacks
run_test test_uring_async_fallbacks
run_test test_uring_sqpoll_fallbacks
run_test test_uring_fixed_file_fallbacks
run_test test_aio_fallbacks
run_test test_fio_io_uring_fallbacks
run_test test_fio_libaio_fallbacks
run_test test_real_dio_ext4_xfs_nodatasum
run_test test_completions_name_submitter
