#!/usr/bin/env bash
# stat, top and serve: histograms folded in BPF maps on real contended files.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../expect/stat.sh
. "$ROOT/tests/expect/stat.sh"
# shellcheck source=../expect/serve.sh
. "$ROOT/tests/expect/serve.sh"
require_root

# Processes and the tmux session started here go before lib.sh's unmounts.
TMUX_SESSION=diolock-test-$$
stat_cleanup() {
	local p
	for p in $(cat "$T"/*.pid 2>/dev/null); do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	tmux kill-session -t "$TMUX_SESSION" 2>/dev/null
	cleanup
}
trap stat_cleanup EXIT


# stat_contend FS MODE: three waiters behind a 300 ms holder on one file.
stat_contend() {
	local fs=$1 mode=$2 mnt ino
	mnt=$(mkfs_mount "$fs" "s$fs") || { fail mount; return; }
	# --dev: only this filesystem (other tests may run beside this one); diowork's lines go to a file
	"$DIOLOCK" stat --json --dev "$(stat_dev "$mnt")" -- \
		sh -c "exec \"\$0\" \"\$@\" >$T/$fs.out" "$DIOWORK" -j 3 --hold-ms 300 hold-contend "$mnt/h" \
		>"$T/$fs.json" 2>"$T/$fs.err"
	expect_eq "$?" 0 "stat exit status"
	ino=$(stat -c %i "$mnt/h")
	expect_stat_contended "$T/$fs.json" "$T/$fs.out" "$fs" "$mode" "$ino" "$mnt/h" "$(probe_tier rwsem_acquire)"
	expect_jq "$T/$fs.json" "[.histograms[] | select(.metric == \"wait\")][0].device | test(\"^/dev/loop[0-9]+ \\\\($T/s$fs.img\\\\)\$\")" \
		"$fs: device names the loop device and its backing file"
}

test_stat_ext4_write() { stat_contend ext4 write; }
test_stat_xfs_read() { stat_contend xfs read; }

# One run seen by trace and by stat at once: the same waits, each in the
# bucket its own length falls in (both see the same kernel events, so no
# bucket edge can split two runs' timings).
test_stat_agrees_with_trace() {
	local mnt ino dev tpid
	mnt=$(mkfs_mount ext4 agree) || { fail mount; return; }
	dev=$(stat_dev "$mnt")
	"$DIOLOCK" trace --json --dev "$dev" >"$T/t.out" 2>"$T/t.err" &
	tpid=$!
	wait_watching "$T/t.err" $tpid || return
	"$DIOLOCK" stat --json --dev "$dev" -- sh -c "exec \"\$0\" \"\$@\" >/dev/null" \
		"$DIOWORK" -j 3 --hold-ms 300 hold-contend "$mnt/h" >"$T/s.json" 2>/dev/null
	expect_eq "$?" 0 "stat exit status"
	kill -INT $tpid
	wait $tpid
	ino=$(stat -c %i "$mnt/h")
	# trace's waits as log2(us) slots, counted: {"slot": count}
	grep '"type":"wait_end"' "$T/t.out" |
		jq -s "def slot: if . < 2 then 0 else 1 + (. / 2 | floor | slot) end;
			[.[] | select(.ino == $ino and .dev == \"$dev\") | .len / 1000 | floor | slot] |
			group_by(.) | map({(.[0] | tostring): length}) | add // {}" \
			>"$T/t.slots"
	[ "$(jq 'add // 0' "$T/t.slots")" = 3 ] || fail "trace saw three waits: $(cat "$T/t.slots")"
	local w="[.histograms[] | select(.metric == \"wait\" and .ino == $ino)]"
	expect_jq "$T/s.json" "($w | length) == 1 and $w[0].mode == \"write\" and $w[0].count == 3" "stat: three write waits"
	jq "$w[0].buckets | map({(.slot | tostring): .count}) | add // {}" "$T/s.json" >"$T/s.slots"
	expect_eq "$(jq -cS . "$T/s.slots")" "$(jq -cS . "$T/t.slots")" "each wait in the same bucket"
}

# No record crosses the ring buffer in stat mode, and --by changes the key.
test_stat_by_comm() {
	local mnt
	mnt=$(mkfs_mount ext4 bycomm) || { fail mount; return; }
	"$DIOLOCK" stat --json --by comm --dev "$(stat_dev "$mnt")" -- \
		sh -c "exec \"\$0\" \"\$@\" >/dev/null" "$DIOWORK" -j 2 --hold-ms 200 hold-contend "$mnt/h" >"$T/c.json" 2>/dev/null
	expect_jq "$T/c.json" '.by == "comm"' "keyed by comm"
	expect_jq "$T/c.json" '[.histograms[] | select(.metric == "wait")] | length == 1 and .[0].comm == "diowork" and .[0].count == 2' \
		"two waits by diowork"
	"$DIOLOCK" stat --by stack --dev "$(stat_dev "$mnt")" -- "$DIOWORK" -j 2 --hold-ms 200 hold-contend "$mnt/hk" \
		>"$T/k.txt" 2>&1 || fail "stat --by stack: $(head -3 "$T/k.txt")"
	# a wait histogram keyed by a stack that the kernel's rwsem slow path starts
	grep -q '^== i_rwsem wait' "$T/k.txt" && grep -q '^stack id [0-9]' "$T/k.txt" && grep -q 'rwsem_down_write_slowpath\|down_write' "$T/k.txt" ||
		fail "stat --by stack keys waits by their stacks: $(head -20 "$T/k.txt")"
	"$DIOLOCK" stat --by fs --dev "$(stat_dev "$mnt")" -- "$DIOWORK" -j 2 --hold-ms 200 hold-contend "$mnt/h2" >"$T/f.txt" 2>&1
	grep -q "^ext4 [0-9]*:[0-9]* \[/dev/loop[0-9]* ($T/bycomm.img)\] on $mnt\$" "$T/f.txt" ||
		fail "--by fs names the device and mount point"
	grep -q "p50 .* ms, p99 .* ms, max .* ms" "$T/f.txt" || fail "percentiles with units"
}

# serve: a scrape parses and passes promtool, with the contended inode's waits.
test_serve_promtool() {
	local mnt port ino i
	mnt=$(mkfs_mount ext4 serve) || { fail mount; return; }
	serve_start serve --by inode --dev "$(stat_dev "$mnt")"
	port=$SERVE_PORT
	grep -q "serving metrics on http://127.0.0.1:$port/metrics (loopback only" "$T/serve.err" ||
		fail "startup says it is bound to loopback"
	"$DIOWORK" -j 3 --hold-ms 300 hold-contend "$mnt/h" >/dev/null
	"$DIOWORK" -n 16 -s dio-write "$mnt/d" >/dev/null
	ino=$(stat -c %i "$mnt/h")
	curl -sf "http://127.0.0.1:$port/metrics" >"$T/m.txt" || fail "scrape"
	expect_serve_scrape "$T/m.txt" ext4 "$ino" "$mnt/h" "$(probe_tier rwsem_wait_begin)" "$(probe_tier rwsem_acquire)"
	grep -q '^diolock_device_info{dev="[0-9:]*",fs="ext4",device="/dev/loop' "$T/m.txt" ||
		fail "the device's name in diolock_device_info"
	curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope" | grep -q 404 || fail "404 elsewhere"
	kill "$(cat "$T/serve.pid")"
	wait "$(cat "$T/serve.pid")"
	expect_eq "$?" 0 "serve exit status on SIGTERM"
	rm -f "$T/serve.pid"
	"$DIOLOCK" serve --listen 127.0.0.1 >/dev/null 2>"$T/bad.err"
	expect_eq "$?" 2 "bad --listen"
}

# --textfile: the same metrics written to a file (node_exporter's textfile
# collector), alone without HTTP; the static build (the VM's) has only this.
test_serve_textfile() {
	local mnt ino
	mnt=$(mkfs_mount ext4 servetf) || { fail mount; return; }
	"$DIOLOCK" serve --by inode --dev "$(stat_dev "$mnt")" --textfile "$T/tf.prom" -- \
		sh -c '"$0" -j 3 --hold-ms 300 hold-contend "$1" && "$0" -n 16 -s dio-write "$2"' \
		"$DIOWORK" "$mnt/h" "$mnt/d" >/dev/null 2>"$T/tf.err"
	expect_eq "$?" 0 "serve --textfile exit status"
	ino=$(stat -c %i "$mnt/h")
	expect_serve_scrape "$T/tf.prom" ext4 "$ino" "$mnt/h" "$(probe_tier rwsem_wait_begin)" "$(probe_tier rwsem_acquire)"
	grep -q "serving metrics on" "$T/tf.err" && fail "HTTP served without --listen"
	grep -Eq "^diolock: stopped after .*, 0 scrapes, [1-9][0-9]* textfile writes$" "$T/tf.err" ||
		fail "the writes counted: $(tail -1 "$T/tf.err")"
	[ -e "$T/tf.prom.tmp" ] && fail "the temporary file left behind"
	"$DIOLOCK" serve --textfile "" >/dev/null 2>"$T/tfbad.err"
	expect_eq "$?" 2 "empty --textfile"
	"$DIOLOCK" serve --textfile /nonexistent/dir/x.prom --timeout 0.5 >/dev/null 2>"$T/tfbad.err"
	expect_eq "$?" 2 "a textfile that cannot be written"
	[ "$(cat "$T/tfbad.err")" = "diolock: --textfile /nonexistent/dir/x.prom: cannot create it: No such file or directory" ] ||
		fail "one line says why: $(cat "$T/tfbad.err")"
}

# 10,000 inodes with DIO: --by inode keeps --top-inodes series and one
# "other" per device, so the scrape stays small; names stay valid UTF-8.
test_serve_bounded_series() {
	local mnt port i n
	mnt=$(mkfs_mount ext4 many) || { fail mount; return; }
	serve_start many --by inode --top-inodes 5 --dev "$(stat_dev "$mnt")"
	port=$SERVE_PORT
	mkdir "$mnt/d"
	fio --name=many --directory="$mnt/d" --nrfiles=10000 --filesize=4k --bs=4k --rw=write --direct=1 \
		--openfiles=64 --create_on_open=1 >"$T/fio.out" 2>&1 || fail "fio: $(tail -2 "$T/fio.out")"
	# a name that is not UTF-8, contended: it ranks first
	"$DIOWORK" -j 2 --hold-ms 200 hold-contend "$mnt/bad"$'\xff\xfe' >/dev/null
	curl -sf "http://127.0.0.1:$port/metrics" >"$T/many.txt" || fail "scrape"
	kill "$(cat "$T/many.pid")"
	wait "$(cat "$T/many.pid")"
	promtool check metrics <"$T/many.txt" >"$T/many.promtool" 2>&1 || fail "promtool: $(head -5 "$T/many.promtool")"
	n=$(grep -c '^diolock_dio_latency_seconds_count{' "$T/many.txt")
	[ "$n" -ge 2 ] && [ "$n" -le 12 ] || fail "DIO latency series for 10,000 inodes: $n (5 inodes and other, by completion)"
	grep -q '^diolock_dio_latency_seconds_count{.*ino="other"} [0-9]' "$T/many.txt" || fail "no ino=\"other\" series"
	n=$(grep -c '^diolock_' "$T/many.txt")
	[ "$n" -le 600 ] || fail "$n series for 10,000 inodes"
	[ "$(grep -c '^diolock_inode_info{' "$T/many.txt")" -le 5 ] || fail "more diolock_inode_info than --top-inodes"
	grep -qF "path=\"$mnt/bad"$'\xef\xbf\xbd\xef\xbf\xbd'"\"} 1" "$T/many.txt" ||
		fail "the non-UTF-8 name as U+FFFD: $(grep inode_info "$T/many.txt" | head -3)"
	iconv -f UTF-8 -t UTF-8 "$T/many.txt" >/dev/null 2>&1 || fail "the scrape is not valid UTF-8"
}

# pane_shows REGEX: until the top pane has a line matching REGEX (left in
# $T/top.txt), with a ceiling of 30 s
pane_shows() {
	local i
	for i in $(seq 150); do
		tmux capture-pane -p -t "$TMUX_SESSION" >"$T/top.txt"
		grep -Eq "$1" "$T/top.txt" && return 0
		sleep 0.2
	done
	return 1
}

# top at 80x24 under tmux: the contended inode, readable, nothing wider than the screen.
test_top_tmux() {
	local mnt ino
	mnt=$(mkfs_mount ext4 top) || { fail mount; return; }
	tmux new-session -d -s "$TMUX_SESSION" -x 80 -y 24 "$DIOLOCK top --dev $(stat_dev "$mnt") -i 0.5 --timeout 60; sleep 60" || { fail tmux; return; }
	# its first screen is drawn once every program is attached
	pane_shows '^diolock top ' || { fail "top never drew a screen: $(cat "$T/top.txt")"; return; }
	"$DIOWORK" -j 3 --hold-ms 300 hold-contend "$mnt/h" >/dev/null
	ino=$(stat -c %i "$mnt/h")
	pane_shows " ino $ino\$" || fail "the inode never appeared"
	tmux kill-session -t "$TMUX_SESSION"
	grep -q '^diolock top ' "$T/top.txt" || fail "header on the first line"
	grep -Eq "^ +3 +0 +3 +[0-9.]+ms +[0-9.]+ms +[0-9]+  ext4 [0-9:]+ ino $ino\$" "$T/top.txt" ||
		fail "the contended inode with three write waits"
	grep -q "^    $mnt/h\$" "$T/top.txt" || fail "its path"
	grep -Eq '^    waited: [0-9]+ diowork W ' "$T/top.txt" || fail "waiters"
	grep -Eq '^    held:   [0-9]+ diowork W ' "$T/top.txt" || fail "holder"
	[ "$(awk '{ if (length($0) > 80) n++ } END { print n + 0 }' "$T/top.txt")" = 0 ] || fail "lines fit in 80 columns"
	[ "$(wc -l <"$T/top.txt")" -le 24 ] || fail "fits in 24 lines"
}

# top --json: one JSON document per refresh, the contended inode with its waiters and holder;
# --pretty indents the same documents.
test_top_json() {
	local mnt ino
	mnt=$(mkfs_mount ext4 topj) || { fail mount; return; }
	"$DIOLOCK" top --json --dev "$(stat_dev "$mnt")" -i 0.5 -- "$DIOWORK" -j 2 --hold-ms 300 hold-contend "$mnt/h" \
		>"$T/top.jsonl" 2>"$T/top.err"
	expect_eq "$?" 0 "top --json exit status"
	ino=$(stat -c %i "$mnt/h")
	jq -e . "$T/top.jsonl" >/dev/null 2>&1 || fail "not one JSON document per line: $(head -c 300 "$T/top.jsonl")"
	[ "$(wc -l <"$T/top.jsonl")" -ge 1 ] || fail "no document"
	tail -1 "$T/top.jsonl" >"$T/last.json"
	expect_jq "$T/last.json" ".schema_version == 1 and (.inodes | any(.ino == $ino and .write_waits == 2 and
		(.waiters | length) == 2 and (.holders | length) == 1 and .path == \"$mnt/h\"))" "the contended inode"
	"$DIOLOCK" top --json --pretty -i 0.5 --timeout 0.7 >"$T/pretty.json" 2>/dev/null
	[ "$(wc -l <"$T/pretty.json")" -gt 3 ] || fail "--pretty did not indent: $(head -c 200 "$T/pretty.json")"
	jq -s -e 'length >= 1' "$T/pretty.json" >/dev/null || fail "--pretty documents do not parse"
}

# Not a terminal: plain snapshots, no escape codes.
test_top_plain() {
	"$DIOLOCK" top -i 0.5 --timeout 1.6 >"$T/plain.txt" 2>&1
	expect_eq "$?" 0 "top exit status"
	grep -q $'\033' "$T/plain.txt" && fail "escape codes in plain output"
	[ "$(grep -c '^diolock top ' "$T/plain.txt")" -ge 3 ] || fail "periodic snapshots"
}

run_test test_stat_ext4_write
run_test test_stat_xfs_read
run_test test_stat_agrees_with_trace
run_test test_stat_by_comm
run_test test_serve_promtool
run_test test_serve_textfile
run_test test_serve_bounded_series
run_test test_top_tmux
run_test test_top_plain
run_test test_top_json
