#!/usr/bin/env bash
# contrib/: the Prometheus alert rules pass promtool (syntax and their unit
# tests), and every metric the Grafana dashboard queries is one a real
# `serve` exports under a real workload.
. "$(dirname "$0")/lib.sh"
require_root

test_alert_rules() {
	promtool check rules "$ROOT/contrib/prometheus/diolock.rules.yml" >"$T/check" 2>&1 ||
		fail "promtool check rules: $(cat "$T/check")"
	(cd "$ROOT/contrib/prometheus" && promtool test rules diolock.rules.test.yml) >"$T/test" 2>&1 ||
		fail "promtool test rules: $(tail -20 "$T/test")"
}

test_dashboard_metrics() {
	local dash=$ROOT/contrib/grafana/diolock.json mnt port i m
	jq -e '.uid and .title and (.panels | length > 0) and all(.panels[]; .gridPos and .datasource and
		(.targets | length > 0) and all(.targets[]; .expr and .refId))' "$dash" >/dev/null ||
		{ fail "the dashboard is not a Grafana dashboard model (uid, title, panels with targets)"; return; }
	mnt=$(mkfs_mount ext4 dash) || { fail mount; return; }
	serve_start serve --dev "$(stat_dev "$mnt")"
	port=$SERVE_PORT
	"$DIOWORK" -j 3 --hold-ms 100 hold-contend "$mnt/h" >/dev/null
	"$DIOWORK" -n 16 -s dio-write "$mnt/d" >/dev/null
	curl -sf "http://127.0.0.1:$port/metrics" >"$T/m.txt" || fail "scrape"
	kill "$(cat "$T/serve.pid")"
	wait "$(cat "$T/serve.pid")"
	jq -r '.panels[].targets[].expr, .templating.list[].definition // empty' "$dash" |
		grep -o 'diolock_[a-z_]*' | sort -u >"$T/names"
	[ -s "$T/names" ] || fail "no diolock metric in the dashboard"
	while read -r m; do
		grep -q "^$m[{ ]" "$T/m.txt" || fail "the dashboard queries $m, which serve does not export"
	done <"$T/names"
}

run_test test_alert_rules
run_test test_dashboard_metrics
