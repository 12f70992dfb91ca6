# shellcheck shell=bash
# A scrape of `diolock serve --by inode` taken after `diowork -j 3
# hold-contend FILE` and some O_DIRECT writes on FS. Usage:
#   expect_serve_scrape METRICS FS INO PATH WAIT_TIER HOLD_TIER
# WAIT_TIER, HOLD_TIER: the tiers of rwsem_wait_begin and rwsem_acquire
# (tier_expected); hold-time histograms exist exactly when HOLD_TIER does.
expect_serve_scrape() {
	local m=$1 fs=$2 ino=$3 path=$4 wait_tier=$5 hold_tier=$6 series
	promtool check metrics <"$m" >"$m.promtool" 2>&1 || fail "promtool: $(cat "$m.promtool")"
	grep -q "^diolock_i_rwsem_wait_seconds_count{mode=\"write\",fs=\"$fs\",dev=\"[0-9:]*\",ino=\"$ino\"} 3\$" "$m" ||
		fail "three write waits on ino $ino: $(grep "wait_seconds_count.*ino=\"$ino\"" "$m")"
	grep -q "^diolock_inode_info{dev=\"[0-9:]*\",ino=\"$ino\",path=\"$path\"} 1\$" "$m" ||
		fail "the inode's path in diolock_inode_info"
	grep -q "^diolock_device_info{dev=\"[0-9:]*\",fs=\"$fs\",device=\"/dev/" "$m" ||
		fail "the device's name in diolock_device_info"
	grep -Eq '^diolock_build_info\{version="[^"]*",git_rev="[^"]*",libbpf="v[^"]*",serve="(yes|textfile)"\} 1$' "$m" ||
		fail "diolock_build_info"
	grep '_seconds_' "$m" | grep -q 'path=\|device=' && fail "names in histogram labels"
	series="diolock_i_rwsem_wait_seconds_bucket{mode=\"write\",fs=\"$fs\",dev=\"[0-9:]*\",ino=\"$ino\""
	[ "$(grep -c "^$series" "$m")" = 15 ] || fail "14 buckets and +Inf per histogram"
	grep -q "^$series,le=\"+Inf\"} 3\$" "$m" || fail "+Inf holds every wait"
	# cumulative: each bucket's count at least the one before
	grep "^$series" "$m" | awk '{ if ($2 < last) bad = 1; last = $2 } END { exit bad }' ||
		fail "buckets not cumulative"
	grep "^$series" "$m" | head -1 | grep -Eq ',le="[0-9.e-]+"\} 0$' || fail "le in seconds, the smallest bucket empty"
	grep -q '^diolock_findings_total{kind="dio_complete_under_i_rwsem",severity="info"} [1-9]' "$m" ||
		fail "the analyzer's findings counted"
	# the deprecated name, until 0.3: the same series, the same values
	[ "$(grep '^diolock_findings_total{' "$m" | sed 's/^diolock_findings_total//')" = \
		"$(grep '^diolock_violations_total{' "$m" | sed 's/^diolock_violations_total//')" ] ||
		fail "diolock_violations_total should repeat diolock_findings_total until 0.3"
	grep -q "^diolock_attach_info{hook=\"rwsem_wait_begin\",tier=\"$wait_tier\"} 1\$" "$m" ||
		fail "wait hooks on $wait_tier: $(grep 'attach_info{hook="rwsem_wait_begin"' "$m")"
	grep -q "^diolock_attach_info{hook=\"rwsem_acquire\",tier=\"$hold_tier\"} 1\$" "$m" ||
		fail "acquire hooks on $hold_tier: $(grep 'attach_info{hook="rwsem_acquire"' "$m")"
	grep -q '^diolock_lost_events_total{reason="ringbuf_full"} 0$' "$m" || fail "lost events"
	if [ "$hold_tier" = unavailable ]; then
		grep -q '^diolock_i_rwsem_hold_time_available 0$' "$m" || fail "hold time said unavailable"
		grep -q '^diolock_i_rwsem_hold_seconds' "$m" && fail "hold-time series without the hooks"
	else
		grep -q '^diolock_i_rwsem_hold_time_available 1$' "$m" || fail "hold time said available"
		grep -Eq "^diolock_i_rwsem_hold_seconds_count\{mode=\"write\",fs=\"$fs\",dev=\"[0-9:]*\",ino=\"$ino\"\} ([4-9]|[1-9][0-9]+)\$" "$m" ||
			fail "the holder's and waiters' holds on ino $ino: $(grep "hold_seconds_count.*ino=\"$ino\"" "$m")"
	fi
	return 0
}
