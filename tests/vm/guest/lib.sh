# shellcheck shell=sh disable=SC2034,SC3043 # MNT_*/SLOT are for the scenarios; busybox ash has local
# Guest side of the VM harness (busybox ash). Sourced by /init; the scenario
# scripts in /vm/scenarios run with these functions and variables:
#   OUT     this run's result directory (becomes a slot of the results disk)
#   SLOT    its slot number, unique within the boot (use it in file names)
#   TIER    fentry, kprobe, tracepoint, or auto (diolock chooses)
#   MNT_BTRFS MNT_EXT4 MNT_XFS   the mounted test file systems
#   MNT_REPORTS   an ext4 disk the host reads after the boot, even after it
#                 killed the VM (vm_kill_me); mounted with a 300 s journal
#                 commit, so only what a program syncs itself survives a kill

SLOT_MIB=16		# must match tests/vm/run
MNT_BTRFS=/mnt/btrfs
# Since v6.15 (968f19c5b1b7, in Debian's 6.12 too) btrfs writes O_DIRECT to a
# checksummed inode through the page cache: no iomap DIO, no seed bug. There
# the btrfs image is mounted nodatasum, so new files take the real DIO path.
BTRFS_OPTS=defaults
case $(uname -r) in 6.1.*) ;; *) BTRFS_OPTS=nodatasum ;; esac
MNT_EXT4=/mnt/ext4
MNT_XFS=/mnt/xfs
MNT_REPORTS=/mnt/reports
BTRFS_LOADED=

# CLOCK_MONOTONIC in ns: the clock of diolock's event timestamps (ktime_get_ns)
now_ns() {
	awk '/^now at/ { print $3; exit }' /proc/timer_list 2>/dev/null ||
		awk '{ printf "%.0f\n", $1 * 1e9 }' /proc/uptime
}

# meta KEY VALUE: a fact the host-side expectation reads
meta() {
	echo "$1=$2" >>"$OUT/meta"
}

# The block device whose virtio serial is $1.
disk_by_serial() {
	local d
	for d in /sys/block/vd*; do
		[ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] && { echo "/dev/${d##*/}"; return 0; }
	done
	return 1
}

vm_setup() {
	local m d fs o
	echo "loading modules: $(tr '\n' ' ' </modules/load.list)"
	while read -r m; do
		insmod "/modules/$m" || { echo "insmod $m failed"; return 1; }
	done </modules/load.list
	BTRFS_LOADED=stock
	# devtmpfs makes the nodes, but the disks appear asynchronously
	for d in 1 2 3 4 5 6 7 8 9 10; do
		disk_by_serial results >/dev/null && break
		sleep 0.5
	done
	RESULTS_DEV=$(disk_by_serial results) || { echo "no results disk"; return 1; }
	for fs in btrfs ext4 xfs; do
		d=$(disk_by_serial "$fs") || continue
		mkdir -p "/mnt/$fs"
		o=defaults
		[ "$fs" = btrfs ] && o=$BTRFS_OPTS
		mount -t "$fs" -o "$o" "$d" "/mnt/$fs" || { echo "mount -t $fs $d failed: $(dmesg | tail -3)"; return 1; }
		echo "mounted $fs $d on /mnt/$fs ($o)"
	done
	d=$(disk_by_serial reports) || { echo "no reports disk"; return 1; }
	mkdir -p "$MNT_REPORTS"
	mount -t ext4 -o commit=300 "$d" "$MNT_REPORTS" || { echo "mount -t ext4 $d failed: $(dmesg | tail -3)"; return 1; }
	[ -e /modules/abba.ko ] && { insmod /modules/abba.ko hold_ms=1000 || return 1; }
	cat /sys/kernel/btf/vmlinux >/dev/null 2>&1 || echo "warning: no /sys/kernel/btf/vmlinux"
	return 0
}

# ensure_btrfs stock|faulty|racy|any: the btrfs.ko a scenario needs is loaded and mounted
ensure_btrfs() {
	local ko
	[ "$1" = any ] || [ "$1" = "$BTRFS_LOADED" ] && return 0
	case $1 in
	stock) ko=/modules/btrfs.ko ;;
	faulty) ko=/modules/faulty/btrfs.ko ;;
	racy) ko=/modules/racy/btrfs.ko ;;
	*) echo "unknown btrfs variant $1"; return 1 ;;
	esac
	[ -e "$ko" ] || { echo "no $1 btrfs.ko for $(uname -r)"; return 1; }
	echo "swapping btrfs.ko: $BTRFS_LOADED -> $1"
	umount "$MNT_BTRFS" || return 1
	rmmod btrfs || return 1
	BTRFS_LOADED=
	insmod "$ko" || return 1
	mount -t btrfs -o "$BTRFS_OPTS" "$(disk_by_serial btrfs)" "$MNT_BTRFS" || return 1
	BTRFS_LOADED=$1
	echo "btrfs.ko is now $1 ($(cat /sys/module/btrfs/srcversion 2>/dev/null))"
}

# Writes slot N of the results disk: a tar of /results/N.
save_slot() {
	tar -c -C "/results/$1" . | dd of="$RESULTS_DEV" bs=1M seek=$(($1 * SLOT_MIB)) conv=fsync 2>/dev/null
}

vm_save_boot() {
	dmesg >/results/0/dmesg.txt
	lsmod >/results/0/lsmod.txt 2>&1
	[ -n "${RESULTS_DEV:-}" ] && save_slot 0
}

# vm_kill_me: the scenario ends here, and so does the boot: the host kills
# qemu (SIGKILL, no shutdown, no sync) when it sees the line below on the
# console. This run's slot and slot 0 are saved first; MNT_REPORTS keeps only
# what was synced. Scenarios that call it set SC_KILLS_VM=yes (run last).
vm_kill_me() {
	vm_save_boot
	save_slot "$SLOT"
	echo "diolock-vm: kill the VM now (slot $SLOT)" >/dev/console
	sleep 600
}

# Lines on stdin, each prefixed with now_ns (one awk, no fork per line: the
# verifier log of a refused program is thousands of lines). diolock's own
# lines (findings, errors) are echoed to the console as they come.
stamp_lines() {
	awk '{
		t = ""; f = "/proc/timer_list"
		while ((getline l < f) > 0) if (l ~ /^now at/) { split(l, a, " "); t = a[3]; break }
		close(f)
		print t, $0; fflush()
		if ($0 ~ /^diolock:/) { print "  | " $0 > "/dev/console"; fflush("/dev/console") }
	}'
}

# run_diolock TIMEOUT NAME CMD...: `diolock check` on CMD with the scenario's
# tier. CMD runs through /vm/bin/workload, which records its pid and start
# time as NAME.pid/NAME.t0 and its output as NAME.out/NAME.err. The report is
# OUT/report.json (text: report.txt), live stderr with timestamps in
# diolock.stderr, the exit status in diolock.rc.
run_diolock() {
	local timeout="$1" name="$2" rc reader
	shift 2
	set -- /vm/bin/workload "$OUT" "$name" "$@"
	# a deadlocked CMD ignores signals: do not wait long for it after --timeout
	set -- --timeout "$timeout" --kill-after 1 -J "$OUT/report.json" -- "$@"
	# a scenario's own extra options (set RUN_DIOLOCK_DOT=1 for OUT/report.dot)
	[ -n "${RUN_DIOLOCK_DOT:-}" ] && set -- --dot "$OUT/report.dot" "$@"
	# shellcheck disable=SC2086 # RUN_DIOLOCK_OPTS: words, e.g. "--bpf-stats"
	[ -n "${RUN_DIOLOCK_OPTS:-}" ] && set -- $RUN_DIOLOCK_OPTS "$@"
	# --attach only when a tier was asked for: "auto" lets diolock choose
	[ "$TIER" = auto ] || set -- --attach "$TIER" "$@"
	echo "diolock -v check $*"
	echo "diolock -v check $*" >"$OUT/diolock.cmd"
	# the workload's own output goes to files: a hung task keeping this fifo
	# open would keep the reader below from ever seeing EOF
	mkfifo "$OUT/.stderr"
	stamp_lines <"$OUT/.stderr" >"$OUT/diolock.stderr" &
	reader=$!
	now_ns >"$OUT/diolock.t0"
	# -v: libbpf's warnings (CO-RE relocation failures, refused probes) too
	# a diolock stuck in user space must not eat the whole boot's time; its
	# --timeout counts from CMD's start, after attaching, which takes up to
	# ~35 s under TCG in the function tiers: the watchdog leaves room for both
	timeout -s KILL $((timeout + 75)) diolock -v check "$@" >"$OUT/report.txt" 2>"$OUT/.stderr"
	rc=$?
	now_ns >"$OUT/diolock.t1"
	wait "$reader"
	rm -f "$OUT/.stderr"
	echo "$rc" >"$OUT/diolock.rc"
	echo "diolock exit $rc"
	return 0
}

# run_validate TIMEOUT DIR...: `diolock validate` on DIRs, its table in
# OUT/report.txt and its JSON in OUT/report.json, like run_diolock
run_validate() {
	local timeout="$1" rc d
	shift
	set -- --timeout "$timeout" --kill-after 1 -J "$OUT/report.json"
	for d in $VALIDATE_DIRS; do
		set -- "$@" --dir "$d"
	done
	[ "$TIER" = auto ] || set -- --attach "$TIER" "$@"
	echo "diolock validate $*" | tee "$OUT/diolock.cmd"
	now_ns >"$OUT/diolock.t0"
	timeout -s KILL $((timeout + 30)) diolock validate "$@" >"$OUT/report.txt" 2>"$OUT/diolock.stderr"
	rc=$?
	now_ns >"$OUT/diolock.t1"
	echo "$rc" >"$OUT/diolock.rc"
	echo "diolock exit $rc"
	return 0
}

# proc_state NAME: state and kernel stack of the task in OUT/NAME.pid, as
# NAME.state (R, S, D, ... or gone) and NAME.stack
proc_state() {
	local pid
	pid=$(cat "$OUT/$1.pid" 2>/dev/null) || return 0
	if [ -r "/proc/$pid/stat" ]; then
		sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1 >"$OUT/$1.state"
		cat "/proc/$pid/stack" >"$OUT/$1.stack" 2>/dev/null
	else
		echo gone >"$OUT/$1.state"
	fi
	echo "$1 (pid $pid): state $(cat "$OUT/$1.state")"
	[ -s "$OUT/$1.stack" ] && sed 's/^/    /' "$OUT/$1.stack"
	return 0
}

# find_task NAME PATTERN: the first task whose kernel stack matches PATTERN
# (grep -E) becomes NAME (NAME.pid, then proc_state NAME), for tasks the
# workload did not start itself: a kworker running a DIO completion
find_task() {
	local f pid
	for f in /proc/[0-9]*/stack; do
		grep -q -E "$2" "$f" 2>/dev/null || continue
		pid=${f#/proc/}
		echo "${pid%/stack}" >"$OUT/$1.pid"
		proc_state "$1"
		return 0
	done
	echo "$1: no task with a stack matching $2"
	return 0
}

# livepatch_load NAME STACK_FN WHAT: /modules/NAME.ko loaded (once per boot:
# the deadlocks a livepatch makes cannot be undone) and in effect. Tasks that
# earlier scenarios left deadlocked inside the patched code (STACK_FN in their
# stack) never leave it, so the transition would wait for them forever: after
# 3 s it is forced (/sys/kernel/livepatch/NAME/force), which only marks those
# sleeping tasks patched; they run no code again.
livepatch_load() {
	local lp=/sys/kernel/livepatch/$1 i=0
	[ -d "$lp" ] || insmod "/modules/$1.ko" || return 1
	while [ "$(cat "$lp/transition" 2>/dev/null)" != 0 ] && [ $i -lt 100 ]; do
		if [ $i = 30 ]; then
			echo "livepatch transition blocked by: $(grep -l "$2" /proc/[0-9]*/stack 2>/dev/null | tr '\n' ' ')"
			echo 1 >"$lp/force"
		fi
		usleep 100000
		i=$((i + 1))
	done
	if [ "$(cat "$lp/enabled" 2>/dev/null)" != 1 ] || [ "$(cat "$lp/transition" 2>/dev/null)" != 0 ]; then
		echo "livepatch $1 not in effect: enabled $(cat "$lp/enabled" 2>/dev/null), transition $(cat "$lp/transition" 2>/dev/null)"
		return 1
	fi
	echo "livepatch $1 in effect: $3"
}

# livepatch_dio_end_late: patches/0002 in effect (the dio_end_late livepatch).
livepatch_dio_end_late() {
	livepatch_load dio_end_late iomap_dio_complete "iomap_dio_complete() ends the DIO after its fsync"
}

# livepatch_caller_comp: io_uring's O_DIRECT writes leave their completion to
# the issuer's task_work again (the caller_comp livepatch, 6.12).
livepatch_caller_comp() {
	livepatch_load caller_comp iomap_dio_rw "io_uring DIO writes complete in their issuer's task_work"
}

# One line of /vm/plan per run: SLOT NAME TIER BTRFS.
vm_run_plan() {
	local slot name tier btrfs
	while read -r slot name tier btrfs; do
		[ -n "$slot" ] || continue
		OUT=/results/$slot
		mkdir -p "$OUT"
		echo "$name $tier" >"$OUT/id"
		echo "=== diolock-vm: begin $name [$tier] at $(cut -d' ' -f1 /proc/uptime) s"
		if ensure_btrfs "$btrfs" >"$OUT/setup.log" 2>&1; then
			(
				SLOT=$slot TIER=$tier
				set +e
				# shellcheck source=/dev/null
				. "/vm/scenarios/$name.guest"
			) </dev/null >"$OUT/guest.log" 2>&1
			echo "$?" >"$OUT/guest.rc"
		else
			echo "cannot load the $btrfs btrfs.ko: $(cat "$OUT/setup.log")" >"$OUT/setup.failed"
		fi
		cat "$OUT/setup.log" "$OUT/guest.log" 2>/dev/null | sed 's/^/  /'
		echo "=== diolock-vm: end $name [$tier] at $(cut -d' ' -f1 /proc/uptime) s"
		save_slot "$slot"
	done
}
