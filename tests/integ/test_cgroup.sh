#!/usr/bin/env bash
# Which cgroup: records, findings, trace lines, stat, top and serve name the cgroup v2 of the
# work, --cgroup keeps one subtree (in BPF), on real cgroups with DIO running
# in two of them at once.
. "$(dirname "$0")/lib.sh"
require_root

CG_MNT=$(findmnt -rn -t cgroup2 -o TARGET | head -1)
CG=${CG_MNT:+$CG_MNT/diolock-test.$$}

# the cgroups go even when a test fails (their tasks exited with the workload)
cg_cleanup() {
	[ -n "$CG" ] && [ -d "$CG" ] || return 0
	find "$CG" -depth -type d -exec rmdir {} + 2>/dev/null
}
trap 'cg_cleanup; cleanup' EXIT

# every test but the errors' needs the cgroup2 mount: its absence is a failure, not a skip
need_cgroup2() {
	[ -n "$CG_MNT" ] || { fail "no cgroup2 mount on this machine (findmnt -t cgroup2)"; return 1; }
}

# two_cgroups MNT: a script that runs a DSYNC DIO writer in cgroups a and b at once
two_cgroups() {
	local mnt=$1
	mkdir -p "$CG/a" "$CG/b/inner"
	cat >"$T/two.sh" <<EOF
#!/bin/sh
sh -c 'echo \$\$ >"$CG/a/cgroup.procs" && exec "$DIOWORK" -n 3 dio-dsync-write "$mnt/fa"' &
sh -c 'echo \$\$ >"$CG/b/inner/cgroup.procs" && exec "$DIOWORK" -n 3 dio-dsync-write "$mnt/fb"' &
wait
EOF
	chmod +x "$T/two.sh"
}

# pid_of_file OUT FILE: the writer's pid whose inode is FILE's
pid_of_file() {
	grep '^{"role":"writer"' "$1" | jq -r --argjson ino "$(stat -c %i "$2")" 'select(.ino == $ino) | .pid'
}

test_cgroup_attribution() {
	local mnt pa pb rel
	need_cgroup2 || return
	mnt=$(mkfs_mount xfs cga) || { fail mount; return; }
	two_cgroups "$mnt"
	"$DIOLOCK" check -q --fs xfs -J "$T/c.json" --record "$T/c.rec" -- "$T/two.sh" >"$T/c.out" 2>"$T/c.err"
	expect_eq "$?" 0 "check exit status ($(cat "$T/c.err"))"
	pa=$(pid_of_file "$T/c.out" "$mnt/fa") pb=$(pid_of_file "$T/c.out" "$mnt/fb")
	rel=${CG#"$CG_MNT"}
	# xfs: a DSYNC DIO completes under i_rwsem shared, an info finding per writer
	expect_jq "$T/c.json" "[.findings[] | select(.pid == $pa)] | length >= 1 and all(.cgroup == \"$rel/a\")" \
		"writer $pa's findings in $rel/a: $(jq -c '[.findings[] | {pid, cgroup}]' "$T/c.json")"
	expect_jq "$T/c.json" "[.findings[] | select(.pid == $pb)] | length >= 1 and all(.cgroup == \"$rel/b/inner\")" \
		"writer $pb's findings in $rel/b/inner: $(jq -c '[.findings[] | {pid, cgroup}]' "$T/c.json")"
	expect_jq "$T/c.json" "[.findings[] | select(.pid == $pa)][0].cgroup_id == $(stat -c %i "$CG/a")" \
		"the cgroup id is the directory's inode number"
	# the names travel in the recording: a replay elsewhere says the same
	"$DIOLOCK" replay -q "$T/c.rec" -J "$T/r.json" >/dev/null 2>&1
	expect_jq "$T/r.json" "[.findings[] | select(.pid == $pb)] | length >= 1 and all(.cgroup == \"$rel/b/inner\")" \
		"replay names the cgroup: $(jq -c '[.findings[] | {pid, cgroup}]' "$T/r.json")"
	"$DIOLOCK" trace --fs xfs -- "$T/two.sh" >"$T/t.txt" 2>/dev/null
	grep -q " dio_complete .* cgroup=$rel/a\$" "$T/t.txt" || fail "trace lines name cgroup a: $(cat "$T/t.txt")"
	grep -q " dio_complete .* cgroup=$rel/b/inner\$" "$T/t.txt" || fail "trace lines name cgroup b/inner"
}

test_cgroup_filter() {
	local mnt pa pb rel
	need_cgroup2 || return
	mnt=$(mkfs_mount xfs cgf) || { fail mount; return; }
	two_cgroups "$mnt"
	rel=${CG#"$CG_MNT"}
	# the subtree: b's task runs in b/inner
	"$DIOLOCK" check -q --fs xfs --cgroup "$CG/b" -J "$T/f.json" -- "$T/two.sh" >"$T/f.out" 2>"$T/f.err"
	expect_eq "$?" 0 "check --cgroup exit status ($(cat "$T/f.err"))"
	pa=$(pid_of_file "$T/f.out" "$mnt/fa") pb=$(pid_of_file "$T/f.out" "$mnt/fb")
	expect_jq "$T/f.json" "[.findings[] | .pid] | unique == [$pb]" \
		"--cgroup b keeps b's writer ($pb) only, not $pa: $(jq -c '[.findings[] | {pid, cgroup}]' "$T/f.json")"
	expect_jq "$T/f.json" ".filters.cgroup == \"$rel/b\" and .filters_matched" "the filter in the report"
	expect_jq "$T/f.json" '[.dio_by_fs.xfs.submitted] == [3]' \
		"the kernel's DIO counters count b's 3 writes only: $(jq -c .dio_by_fs "$T/f.json")"
	# given as systemd names it, relative to the mount
	"$DIOLOCK" trace --json --fs xfs --cgroup "$rel/a" -- "$T/two.sh" >"$T/t.json" 2>/dev/null
	pa=$(jq -r 'select(.type == "dio_begin") | .pid' "$T/t.json" | sort -u)
	[ "$(jq -r 'select(.type != null and .type != "task_exit") | .cgroup' "$T/t.json" | sort -u)" = "$rel/a" ] ||
		fail "trace --cgroup a shows only a: $(jq -c '{type, pid, cgroup}' "$T/t.json")"
	[ "$(printf '%s\n' "$pa" | wc -l)" = 1 ] || fail "one writer traced, got: $pa"
}

test_cgroup_stat() {
	local mnt rel
	need_cgroup2 || return
	mnt=$(mkfs_mount xfs cgs) || { fail mount; return; }
	two_cgroups "$mnt"
	rel=${CG#"$CG_MNT"}
	"$DIOLOCK" stat --by cgroup --fs xfs --json -- "$T/two.sh" 2>"$T/s.err" | grep -v '^{"role"' >"$T/s.json"
	expect_jq "$T/s.json" '.by == "cgroup"' "stat --by cgroup ($(cat "$T/s.err"))"
	# each writer's three DIO, under its own cgroup
	local dio='[.histograms[] | select(.metric == "dio")'
	expect_jq "$T/s.json" "$dio | select(.cgroup == \"$rel/a\") | .count] | add == 3" \
		"cgroup a's 3 DIO: $(jq -c '[.histograms[] | {metric, cgroup, count}]' "$T/s.json")"
	expect_jq "$T/s.json" "$dio | select(.cgroup == \"$rel/b/inner\") | .count] | add == 3" \
		"cgroup b/inner's 3 DIO: $(jq -c '[.histograms[] | {metric, cgroup, count}]' "$T/s.json")"
	expect_jq "$T/s.json" "[.histograms[] | .cgroup] - [\"$rel/a\", \"$rel/b/inner\"] | length == 0" \
		"the two cgroups, nothing else"
}

# io_uring and AIO completions a kworker runs are the submitter's work: its cgroup, not the kworker's
test_cgroup_kworker_completions() {
	local mnt rel mode out c
	need_cgroup2 || return
	mnt=$(mkfs_mount ext4 cgk) || { fail mount; return; }
	mkdir -p "$CG/k"
	rel=${CG#"$CG_MNT"}
	# the first run extends the file (completions in the submitter); the next ones overwrite it (kworkers)
	for mode in inline inline aio; do
		out=$T/k.$mode.out
		"$DIOLOCK" trace --json --dev "$(stat_dev "$mnt")" -- sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" -n 16 "$3" "$4" >/dev/null' \
			sh "$CG/k" "$BUILD/uringwork" "$mode" "$mnt/f" >"$out" 2>"$T/k.err"
		expect_eq "$?" 0 "trace exit status ($mode: $(cat "$T/k.err"))"
		c='[inputs | select(.type? == "dio_complete")]'
		[ "$(jq -n "$c | length" "$out")" -ge 16 ] || fail "every completion traced ($mode)"
		jq -ne "$c | all(.cgroup == \"$rel/k\")" "$out" >/dev/null ||
			fail "completions in the submitter's cgroup ($mode): $(jq -cn "$c | map([.comm, .cgroup]) | unique" "$out")"
	done
	# and at least one of them ran in a kworker (else this test proves nothing)
	jq -ne '[inputs | select(.type? == "dio_complete" and (.flags | index("kworker")))] | length > 0' \
		"$T"/k.*.out >/dev/null || fail "no completion ran in a kworker"
}

# top: each waiter and holder with its cgroup (the holder's read from the lock's owner)
test_cgroup_top() {
	local mnt rel
	need_cgroup2 || return
	mnt=$(mkfs_mount ext4 cgt) || { fail mount; return; }
	mkdir -p "$CG/t"
	rel=${CG#"$CG_MNT"}
	"$DIOLOCK" top --json -i 1 --fs ext4 -- sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" -j 2 --hold-ms 300 hold-contend "$3" >/dev/null' \
		sh "$CG/t" "$DIOWORK" "$mnt/h" >"$T/top.json" 2>"$T/top.err"
	expect_eq "$?" 0 "top exit status ($(cat "$T/top.err"))"
	tail -1 "$T/top.json" >"$T/top.last"
	expect_jq "$T/top.last" "[.inodes[].waiters[]] | length >= 2 and all(.cgroup == \"$rel/t\")" \
		"the waiters in $rel/t: $(jq -c '[.inodes[] | .waiters[], .holders[] | {tid, cgroup}]' "$T/top.last")"
	expect_jq "$T/top.last" "[.inodes[].holders[]] | length >= 1 and all(.cgroup == \"$rel/t\")" \
		"the holder in $rel/t"
}

# serve --by cgroup: a series per cgroup, promtool-clean
test_cgroup_serve() {
	local mnt rel c
	need_cgroup2 || return
	mnt=$(mkfs_mount xfs cgv) || { fail mount; return; }
	two_cgroups "$mnt"
	rel=${CG#"$CG_MNT"}
	"$DIOLOCK" serve --by cgroup --fs xfs --textfile "$T/v.prom" -- "$T/two.sh" >/dev/null 2>"$T/v.err"
	expect_eq "$?" 0 "serve exit status ($(cat "$T/v.err"))"
	promtool check metrics <"$T/v.prom" >"$T/v.promtool" 2>&1 || fail "promtool: $(cat "$T/v.promtool")"
	for c in a b/inner; do
		[ "$(grep "^diolock_dio_latency_seconds_count{.*cgroup=\"$rel/$c\"}" "$T/v.prom" |
			awk '{ n += $2 } END { print n + 0 }')" = 3 ] ||
			fail "cgroup $c's 3 DIO: $(grep dio_latency_seconds_count "$T/v.prom")"
	done
}

# serve's cgroup label stays bounded: 1,000 cgroups, --top-cgroups 5, the rest "other"
test_cgroup_serve_bounded() {
	local mnt values total other
	need_cgroup2 || return
	mnt=$(mkfs_mount xfs cgm) || { fail mount; return; }
	mkdir -p "$CG/many"
	(cd "$CG/many" && mkdir $(seq -f 'c%g' 1000)) || { fail "mkdir 1000 cgroups"; return; }
	# one DIO write in each cgroup, one after the other
	printf '%s\n' '#!/bin/sh' \
		'for i in $(seq 1000); do' \
		"	sh -c 'echo \$\$ >\"\$1/cgroup.procs\" && exec \"\$2\" -n 1 dio-write \"\$3\"' sh \"$CG/many/c\$i\" \"$DIOWORK\" \"$mnt/f\$i\" >/dev/null || exit 1" \
		'done' >"$T/many.sh"
	chmod +x "$T/many.sh"
	"$DIOLOCK" serve --by cgroup --top-cgroups 5 --fs xfs --textfile "$T/m.prom" -- "$T/many.sh" 2>"$T/m.err"
	expect_eq "$?" 0 "serve exit status ($(cat "$T/m.err"))"
	promtool check metrics <"$T/m.prom" >"$T/m.promtool" 2>&1 || fail "promtool: $(cat "$T/m.promtool")"
	values=$(grep -o 'cgroup="[^"]*"' "$T/m.prom" | sort -u | wc -l)
	[ "$values" -le 6 ] || fail "cgroup label values bounded by 5 + other, got $values"
	grep -q 'cgroup="other"' "$T/m.prom" || fail "the rest summed as cgroup=\"other\""
	total=$(grep '^diolock_dio_latency_seconds_count{' "$T/m.prom" | awk '{ n += $2 } END { print n + 0 }')
	other=$(grep '^diolock_dio_latency_seconds_count{.*cgroup="other"' "$T/m.prom" | awk '{ n += $2 } END { print n + 0 }')
	expect_eq "$total" 1000 "every cgroup's DIO counted once"
	expect_eq "$other" 995 "all but the 5 kept in other"
}

test_cgroup_errors() {
	local v1
	"$DIOLOCK" check --cgroup "$T/none" -- true 2>"$T/e1"
	expect_eq "$?" 2 "a missing directory"
	grep -q "^diolock check: --cgroup $T/none: no such directory" "$T/e1" || fail "one line: $(cat "$T/e1")"
	"$DIOLOCK" stat --cgroup "$T" -- true 2>"$T/e2"
	expect_eq "$?" 2 "a directory that is no cgroup"
	grep -q "not a cgroup v2 directory" "$T/e2" || fail "says why: $(cat "$T/e2")"
	# this machine kind mounts v1 hierarchies beside v2: one is refused, by name
	v1=$(findmnt -rn -t cgroup -o TARGET | head -1)
	if [ -n "$v1" ]; then
		"$DIOLOCK" check --cgroup "$v1" -- true 2>"$T/e3"
		expect_eq "$?" 2 "a cgroup v1 hierarchy"
		grep -q "a cgroup v1 hierarchy, not a cgroup v2 directory (cgroup v2 is mounted at $CG_MNT)" "$T/e3" ||
			fail "names v1 and where v2 is: $(cat "$T/e3")"
	fi
	: >"$T/empty.rec"
	"$DIOLOCK" replay --cgroup / "$T/empty.rec" 2>"$T/e4"
	expect_eq "$?" 2 "replay --cgroup"
	grep -q "filters live runs" "$T/e4" || fail "replay says --cgroup is live only: $(cat "$T/e4")"
}

run_test test_cgroup_attribution
run_test test_cgroup_filter
run_test test_cgroup_stat
run_test test_cgroup_kworker_completions
run_test test_cgroup_top
run_test test_cgroup_serve
run_test test_cgroup_serve_bounded
run_test test_cgroup_errors
