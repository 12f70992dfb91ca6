#!/usr/bin/env bash
# Installing diolock as users do: `make install`/`uninstall` into a staging
# root, and the Debian package built from a clean clone (lintian-clean,
# installed, then purged: the machine is left as it was).
. "$(dirname "$0")/lib.sh"
require_root

# what an installed tree must hold, under ROOT with PREFIX
check_tree() {
	local root=$1 prefix=$2 unitdir=$3 p m
	[ -x "$root$prefix/sbin/diolock" ] || fail "no $prefix/sbin/diolock"
	readelf -S "$root$prefix/sbin/diolock" | grep -q '\.debug_info' && fail "the installed binary is not stripped"
	"$root$prefix/sbin/diolock" --version | grep -q '^features: serve: yes' || fail "installed binary lacks serve"
	for p in diolock diolock-check diolock-trace diolock-replay diolock-serve; do
		# a package compresses them
		m=$(ls "$root$prefix/share/man/man8/$p.8" "$root$prefix/share/man/man8/$p.8.gz" 2>/dev/null | head -1)
		[ -n "$m" ] || { fail "no man page $p.8"; continue; }
		# renders without a groff warning
		zcat -f "$m" | groff -man -Tutf8 -ww -z 2>"$T/groff" && [ ! -s "$T/groff" ] ||
			fail "$p.8 does not render cleanly: $(head -3 "$T/groff")"
	done
	man -M "$root$prefix/share/man" -w diolock-check >/dev/null 2>&1 || fail "man -w diolock-check"
	MANWIDTH=200 man -M "$root$prefix/share/man" diolock-check 2>/dev/null | grep -q -- '--fail-on=LIST' ||
		fail "check's man page lacks its options"
	[ -f "$root$prefix/share/bash-completion/completions/diolock" ] || fail "no bash completion"
	[ -f "$root$unitdir/diolock-serve.service" ] || fail "no systemd unit"
	grep -q "^ExecStart=$prefix/sbin/diolock serve" "$root$unitdir/diolock-serve.service" ||
		fail "the unit runs $(grep ^ExecStart "$root$unitdir/diolock-serve.service")"
	[ -f "$root$prefix/share/diolock/prometheus/diolock.rules.yml" ] || fail "no alert rules"
	[ -f "$root$prefix/share/diolock/grafana/diolock.json" ] || fail "no dashboard"
}

test_make_install_uninstall() {
	local root=$T/root left
	make -C "$ROOT" -s OUTPUT="$BUILD" install PREFIX=/opt/dl DESTDIR="$root" >"$T/install.log" 2>&1 ||
		{ fail "make install: $(tail -3 "$T/install.log")"; return; }
	check_tree "$root" /opt/dl /opt/dl/lib/systemd/system
	# the unit as systemd reads it (the binary it names exists under DESTDIR only)
	# (its Documentation= page is under DESTDIR too, where man does not look)
	sed -e "s|/opt/dl/sbin/diolock|$root/opt/dl/sbin/diolock|" -e '/^Documentation=/d' \
		"$root/opt/dl/lib/systemd/system/diolock-serve.service" >"$T/diolock-serve.service"
	systemd-analyze verify "$T/diolock-serve.service" >"$T/verify" 2>&1 ||
		fail "systemd-analyze verify: $(grep -v 'Failed to .*cgroup\|Cannot add dependency' "$T/verify" | head -3)"
	make -C "$ROOT" -s OUTPUT="$BUILD" uninstall PREFIX=/opt/dl DESTDIR="$root" >/dev/null 2>&1 || fail "make uninstall"
	left=$(find "$root" -type f | head -5)
	[ -z "$left" ] || fail "make uninstall left: $left"
}

# bash completion as an interactive shell sees it
check_completion() {
	bash -c '
		. /usr/share/bash-completion/bash_completion
		complete -p diolock >/dev/null 2>&1 || _completion_loader diolock
		complete -p diolock | grep -q _diolock || { echo "no completion for diolock"; exit 1; }
		c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
		      COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		      _diolock diolock "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
		      echo "${COMPREPLY[*]}"; }
		[ "$(c diolock ch)" = check ] || { echo "subcommand: $(c diolock ch)"; exit 1; }
		[ "$(c diolock check --fail)" = --fail-on ] || { echo "option: $(c diolock check --fail)"; exit 1; }
		[ "$(c diolock check --attach k)" = kprobe ] || { echo "tier: $(c diolock check --attach k)"; exit 1; }
		[ "$(c diolock stat --by st)" = stack ] || { echo "--by: $(c diolock stat --by st)"; exit 1; }
		[ "$(c diolock check --fail-on error,w)" = error,warning ] || { echo "list: $(c diolock check --fail-on error,w)"; exit 1; }
		[ "$(c diolock check --json-f)" = --json-file ] || { echo "-J: $(c diolock check --json-f)"; exit 1; }
		[ "$(c diolock replay --pre)" = --pretty ] || { echo "--pretty: $(c diolock replay --pre)"; exit 1; }
	' >"$T/comp" 2>&1 || fail "bash completion: $(cat "$T/comp")"
}

test_deb_package() {
	local src=$T/src deb
	# a clean clone: what is committed, nothing built
	git clone -q "$ROOT" "$src" || { fail "git clone"; return; }
	(cd "$src" && dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 ||
		{ fail "dpkg-buildpackage: $(grep -i 'error' "$T/build.log" | head -5)"; return; }
	deb=$(ls "$T"/diolock_*_amd64.deb 2>/dev/null | head -1)
	[ -n "$deb" ] || { fail "no .deb built"; return; }
	lintian --fail-on error "$deb" >"$T/lintian" 2>&1 || fail "lintian errors: $(grep '^E:' "$T/lintian" | head -5)"
	if dpkg -s diolock >/dev/null 2>&1; then
		fail "a diolock package is installed already: not touching it"
		return
	fi
	# whatever happens next, the package goes again
	trap 'dpkg --purge diolock >/dev/null 2>&1' EXIT INT TERM
	dpkg -i "$deb" >"$T/dpkg.log" 2>&1 || { fail "dpkg -i: $(tail -3 "$T/dpkg.log")"; return; }
	check_tree "" /usr /lib/systemd/system
	/usr/sbin/diolock probe >"$T/probe" 2>&1 || fail "installed diolock probe: $(tail -2 "$T/probe")"
	man -w diolock >/dev/null 2>&1 || fail "man -w diolock"
	systemctl is-enabled diolock-serve >/dev/null 2>&1 && fail "the package enabled diolock-serve"
	check_completion
	dpkg --purge diolock >/dev/null 2>&1 || fail "dpkg --purge"
	[ -e /usr/sbin/diolock ] && fail "purge left /usr/sbin/diolock"
}

run_test test_make_install_uninstall
run_test test_deb_package
