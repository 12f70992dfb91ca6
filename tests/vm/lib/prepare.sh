# shellcheck shell=bash disable=SC2034 # STATIC_DIR, KVER, ... are used by tests/vm/run
# Host side of the VM harness, part 1: everything the guest needs, installed
# from Debian packages and kept in a cache outside the repository:
#
#   $VM_CACHE/debs/PKG/VERSION/*.deb       downloaded, never installed
#   $VM_CACHE/kernel/KVER/                 vmlinuz, module tree (depmod'ed), vmlinux
#   $VM_CACHE/busybox/VERSION/busybox      from busybox-static
#   $VM_CACHE/btrfs-faulty/KVER-HASH/      btrfs.ko with patches/0001-*.patch applied
#   $VM_CACHE/btrfs-racy/KVER-HASH/        btrfs.ko with patches/6.12/0003-*.patch (6.12 only)
#   $VM_CACHE/abba/KVER-HASH/              the ABBA test module
#   $VM_CACHE/dio_end_late/KVER-HASH/      livepatch: iomap_dio_complete() with
#                                          patches/0002-*.patch applied
#   $VM_CACHE/xfs_zero_relock/KVER-HASH/   livepatch (6.12): xfs zero/unshare take
#                                          invalidate_lock again; xfs-unshare helper
#
# HASH covers the inputs (patch or module source, kernel package version), so
# editing the patch rebuilds the module and nothing stale is ever used.
# Host packages (qemu, headers, linux-source, compilers) are apt-get installed.

VM_CACHE=${DIOLOCK_VM_CACHE:-/var/cache/diolock-vm}
VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO=$(cd "$VM_DIR/../.." && pwd)

vm_log() { printf 'vm: %s\n' "$*" >&2; }
vm_die() {
	printf 'vm: error: %s\n' "$*" >&2
	exit 2
}

_vm_apt_updated=
vm_apt_update() {
	[ -n "$_vm_apt_updated" ] && return 0
	_vm_apt_updated=1
	vm_log "apt-get update"
	apt-get update -qq >/dev/null 2>&1 || vm_log "apt-get update failed (continuing with the old lists)"
}

# The version apt would install, empty if apt does not know the package.
vm_apt_candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2 }'
}

vm_pkg_version() {
	dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null |
		awk '$1 == "install" && $3 == "installed" { print $4 }'
}

# vm_apt_install PKG[=VERSION]...: installs what is missing or at another version.
vm_apt_install() {
	local want=() spec name ver
	for spec in "$@"; do
		name=${spec%%=*}
		ver=
		[ "$name" != "$spec" ] && ver=${spec#*=}
		if [ -n "$ver" ]; then
			[ "$(vm_pkg_version "$name")" = "$ver" ] && continue
		else
			[ -n "$(vm_pkg_version "$name")" ] && continue
		fi
		want+=("$spec")
	done
	[ ${#want[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || vm_die "need root to apt-get install ${want[*]}"
	vm_log "apt-get install ${want[*]}"
	# INITRD=No: the 6.12 headers depend on the kernel image, whose initramfs the host never needs
	if ! INITRD=No DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${want[@]}" >/dev/null 2>&1; then
		vm_apt_update
		INITRD=No DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${want[@]}" >/dev/null || vm_die "apt-get install ${want[*]} failed"
	fi
}

# vm_apt_fetch PKG VERSION: prints the path of the cached .deb, downloading it once.
vm_apt_fetch() {
	local pkg=$1 ver=$2 dir deb
	dir=$VM_CACHE/debs/$pkg/$ver
	deb=$(find "$dir" -maxdepth 1 -name '*.deb' 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		mkdir -p "$dir.tmp"
		vm_log "apt-get download $pkg=$ver"
		# apt's sandbox user cannot write into root's cache: let it warn and go on
		if ! (cd "$dir.tmp" && apt-get download -qq "$pkg=$ver" >/dev/null 2>&1); then
			vm_apt_update
			(cd "$dir.tmp" && apt-get download -qq "$pkg=$ver" >/dev/null 2>&1) ||
				vm_die "apt-get download $pkg=$ver failed"
		fi
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
		deb=$(find "$dir" -maxdepth 1 -name '*.deb' | head -1)
	fi
	[ -n "$deb" ] || vm_die "no .deb for $pkg=$ver"
	echo "$deb"
}

# The kernels the harness knows, by name: Debian bookworm's 6.1 (the full
# scenario set runs there), its PREEMPT_RT flavour, and the 6.12 backport
# (image, headers and linux-source-6.12 at one version) with its RT flavour.
VM_KERNELS_ALL="6.1 6.12 6.1-rt 6.12-rt"

# vm_select_kernel NAME: sets VM_KERNEL, KSERIES (6.1, 6.12), KSRC (the
# top directory of linux-source-KSERIES) and VM_ABI_RE (the ABIs apt may offer).
vm_select_kernel() {
	VM_KERNEL=$1
	case $1 in
	6.1) KSERIES=6.1 VM_ABI_RE='6\.1\.0-[0-9]+-amd64' ;;
	6.1-rt) KSERIES=6.1 VM_ABI_RE='6\.1\.0-[0-9]+-rt-amd64' ;;
	6.12) KSERIES=6.12 VM_ABI_RE='6\.12\.[0-9]+\+deb12-amd64' ;;
	6.12-rt) KSERIES=6.12 VM_ABI_RE='6\.12\.[0-9]+\+deb12-rt-amd64' ;;
	*) vm_die "unknown kernel '$1' (known: $VM_KERNELS_ALL)" ;;
	esac
	KSRC=linux-source-$KSERIES
	KVER='' KPKGVER=''
}
vm_select_kernel "${DIOLOCK_VM_KERNEL:-6.1}"

# Sets KVER (e.g. 6.1.0-56-amd64, 6.12.118+deb12-rt-amd64) and KPKGVER (e.g.
# 6.1.192-2): the newest ABI of VM_KERNEL whose image, headers and
# linux-source-KSERIES apt offers at one version, so the out-of-tree modules
# are built from exactly the running kernel's source.
# DIOLOCK_VM_KVER=ABI pins an ABI.
vm_detect_kernel() {
	[ -n "${KVER:-}" ] && [ -n "${KPKGVER:-}" ] && return 0
	local try abi src_versions
	for try in 1 2; do
		[ $try = 2 ] && vm_apt_update
		src_versions=$(apt-cache madison "$KSRC" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
		[ -n "$src_versions" ] || continue
		if [ -n "${DIOLOCK_VM_KVER:-}" ]; then
			abi=$DIOLOCK_VM_KVER
		else
			abi=$(apt-cache search --names-only "^linux-headers-$VM_ABI_RE\$" 2>/dev/null |
				awk '{ print $1 }' | sed 's/^linux-headers-//' | sort -V -r)
		fi
		for KVER in $abi; do
			for KPKGVER in $(apt-cache madison "linux-headers-$KVER" 2>/dev/null |
				awk -F'|' '{ gsub(/ /, "", $2); print $2 }'); do
				grep -qxF "$KPKGVER" <<<"$src_versions" || continue
				apt-cache madison "linux-image-$KVER-unsigned" 2>/dev/null |
					awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | grep -qxF "$KPKGVER" || continue
				return 0
			done
		done
	done
	KVER='' KPKGVER=''
	vm_die "apt offers no linux-headers-ABI + linux-image-ABI-unsigned + $KSRC of one version for kernel $VM_KERNEL${DIOLOCK_VM_KVER:+ ($DIOLOCK_VM_KVER)}"
}

# Runs a step under the cache lock so that parallel runs do not build twice.
vm_locked() {
	mkdir -p "$VM_CACHE"
	(
		flock 9 || exit 2
		"$@"
	) 9>"$VM_CACHE/.lock" || exit 2
}

vm_host_packages() {
	# qemu, the module tool-chain (the headers depend on gcc-12 and kbuild),
	# depmod/modprobe for the module tree, cpio for the initramfs
	vm_apt_install qemu-system-x86 kmod cpio xz-utils zstd patch gcc make bc dwarves \
		btrfs-progs e2fsprogs xfsprogs jq \
		"linux-headers-$KVER=$KPKGVER" "$KSRC=$KPKGVER"
}

# The ELF inside a bzImage (what scripts/extract-vmlinux does; Debian's kbuild
# package does not ship that script). Debian 6.1 compresses with xz, 6.12 with zstd.
_vm_extract_vmlinux() {
	local off pat magic unpack
	for magic in xz zstd; do
		case $magic in
		xz) unpack='xz -dcq' pat=$'\3757zXZ' ;;
		zstd) unpack='zstd -dcq' pat=$'\x28\xb5\x2f\xfd' ;;
		esac
		for off in $(LC_ALL=C grep -aboF "$pat" "$1" | cut -d: -f1); do
			# shellcheck disable=SC2086 # $unpack is a command and its options
			tail -c +$((off + 1)) "$1" | $unpack 2>/dev/null >"$1.elf"
			if [ "$(head -c 4 "$1.elf" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				cat "$1.elf"
				rm -f "$1.elf"
				return 0
			fi
		done
	done
	rm -f "$1.elf"
	return 1
}

_vm_kernel_extract() {
	local dir=$VM_CACHE/kernel/$KVER deb
	[ -f "$dir/.done-$KPKGVER" ] && return 0
	deb=$(vm_apt_fetch "linux-image-$KVER-unsigned" "$KPKGVER")
	vm_log "extracting $(basename "$deb")"
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	dpkg-deb -x "$deb" "$dir.tmp/root" || vm_die "dpkg-deb -x $deb"
	depmod -b "$dir.tmp/root" "$KVER" || vm_die "depmod for $KVER"
	cp "$dir.tmp/root/boot/vmlinuz-$KVER" "$dir.tmp/vmlinuz"
	# the uncompressed vmlinux is the BTF base for the modules built here
	_vm_extract_vmlinux "$dir.tmp/vmlinuz" >"$dir.tmp/vmlinux" || rm -f "$dir.tmp/vmlinux"
	touch "$dir.tmp/.done-$KPKGVER"
	mv "$dir.tmp" "$dir"
}
vm_kernel() { vm_locked _vm_kernel_extract; }

_vm_busybox() {
	local ver deb dir
	ver=$(vm_apt_candidate busybox-static)
	[ -n "$ver" ] || {
		vm_apt_update
		ver=$(vm_apt_candidate busybox-static)
	}
	[ -n "$ver" ] || vm_die "apt offers no busybox-static"
	dir=$VM_CACHE/busybox/$ver
	if [ ! -x "$dir/busybox" ]; then
		deb=$(vm_apt_fetch busybox-static "$ver")
		rm -rf "$dir.tmp"
		mkdir -p "$dir.tmp"
		dpkg-deb -x "$deb" "$dir.tmp/x" || vm_die "dpkg-deb -x $deb"
		cp "$dir.tmp/x/bin/busybox" "$dir.tmp/busybox"
		rm -rf "$dir.tmp/x" "$dir"
		mv "$dir.tmp" "$dir"
	fi
	ln -sfn "$dir/busybox" "$VM_CACHE/busybox/busybox"
}
vm_busybox() { vm_locked _vm_busybox; }

# Adds split BTF to an out-of-tree module, as a full kernel build would (kbuild
# skips it when the headers tree has no vmlinux). Without it fentry cannot
# attach to the module's functions. Best effort: a module without BTF still loads.
_vm_module_btf() {
	local ko=$1 vmlinux=$VM_CACHE/kernel/$KVER/vmlinux hdr=/usr/src/linux-headers-$KVER
	local flags
	[ -s "$vmlinux" ] || {
		vm_log "no vmlinux for $KVER: $(basename "$ko") gets no BTF"
		return 0
	}
	flags=$(PAHOLE=pahole "$hdr/scripts/pahole-flags.sh" 2>/dev/null)
	# shellcheck disable=SC2086 # $flags is a list of options
	if ! LLVM_OBJCOPY=objcopy pahole -J $flags --btf_base "$vmlinux" "$ko" >/dev/null 2>&1; then
		vm_log "pahole failed: $(basename "$ko") gets no BTF"
		return 0
	fi
	# (kbuild would also run resolve_btfids; these modules have no BTF_ID sets)
}

# vm_finish_module KO: BTF from the debug info, then drop the debug info
# (35 MiB for btrfs.ko), as Debian's own modules are shipped.
vm_finish_module() {
	_vm_module_btf "$1"
	strip --strip-debug "$1" || vm_die "strip --strip-debug $1"
}

# vm_kbuild SRCDIR: builds the modules in SRCDIR against the Debian headers.
_vm_kbuild() {
	local log=$1/.kbuild.log
	if ! make -C "/usr/src/linux-headers-$KVER" M="$1" -j"$(nproc)" modules >"$log" 2>&1; then
		tail -30 "$log" >&2
		vm_die "module build in $1 failed"
	fi
}

# vm_patch_file [N]: patches/KSERIES/000N-*.patch where the patch differs
# for the kernel series, else patches/000N-*.patch (default N: 1); with
# --optional, nothing (and no error) where neither exists
vm_patch_file() {
	local p d optional=
	[ "$1" = --optional ] && { optional=1; shift; }
	local n=${1:-1}
	for d in "$REPO/patches/$KSERIES" "$REPO/patches"; do
		p=$(find "$d" -maxdepth 1 -name "000$n-*.patch" 2>/dev/null | sort | head -1)
		[ -n "$p" ] && break
	done
	[ -n "$p" ] || [ -n "$optional" ] || vm_die "no patches/000$n-*.patch"
	[ -z "$p" ] || echo "$p"
}

# vm_cache_dir NAME FILE...: $VM_CACHE/NAME/KVER-HASH, HASH over the FILEs and the kernel version
vm_cache_dir() {
	local name=$1 h
	shift
	h=$({
		cat "$@"
		echo "$KVER $KPKGVER"
	} | sha256sum | cut -c1-16)
	echo "$VM_CACHE/$name/$KVER-$h"
}

# vm_source DIR PATH...: PATHs of linux-source-KSERIES under DIR/KSRC
vm_source() {
	local dir=$1
	shift
	tar -xJf "/usr/src/$KSRC.tar.xz" -C "$dir" "${@/#/$KSRC/}" ||
		{ rm -rf "$dir"; vm_die "cannot extract $* from /usr/src/$KSRC.tar.xz"; }
}

# vm_apply_patch DIR PATCH: PATCH applied to the source under DIR/KSRC
vm_apply_patch() {
	if ! (cd "$1/$KSRC" && patch -p1 --forward --batch --quiet <"$2"); then
		rm -rf "$1"
		vm_die "$(basename "$2") does not apply to $KSRC $KPKGVER"
	fi
}

# vm_patched_source DIR PATCH PATH...: PATHs of linux-source-KSERIES under DIR/KSRC, PATCH applied
vm_patched_source() {
	local dir=$1 patch=$2
	shift 2
	vm_source "$dir" "$@"
	vm_apply_patch "$dir" "$patch"
}

# The patches of each patched btrfs.ko, in order. faulty: the seed bug
# (0001) and, where the series has it, the page faults inside DIO (6.1/0004).
vm_btrfs_patches() {
	case $1 in
	faulty)
		vm_patch_file 1
		vm_patch_file --optional 4
		;;
	racy) vm_patch_file 3 ;;
	*) vm_die "no patched btrfs.ko named $1" ;;
	esac
}

# vm_btrfs_dir NAME: where btrfs.ko with NAME's patches is cached
vm_btrfs_dir() {
	local patches
	patches=$(vm_btrfs_patches "$1") || exit 2
	# shellcheck disable=SC2086 # one path a line, no spaces in them
	vm_cache_dir "btrfs-$1" $patches
}
vm_faulty_btrfs_dir() { vm_btrfs_dir faulty; }
vm_racy_btrfs_dir() { vm_btrfs_dir racy; }

# btrfs.ko from Debian's linux-source-KSERIES with NAME's patches, built out of tree.
_vm_patched_btrfs() {
	local name=$1 out tmp patch t0 patches
	out=$(vm_btrfs_dir "$name") || exit 2
	[ -f "$out/btrfs.ko" ] && return 0
	patches=$(vm_btrfs_patches "$name") || exit 2
	tmp=$(mktemp -d /tmp/diolock-vm-btrfs.XXXXXX)
	t0=$SECONDS
	vm_log "building $name btrfs.ko ($(for patch in $patches; do basename "$patch"; done | paste -sd' ')) against linux-headers-$KVER"
	vm_source "$tmp" fs/btrfs
	for patch in $patches; do
		vm_apply_patch "$tmp" "$patch"
	done
	(_vm_kbuild "$tmp/$KSRC/fs/btrfs") || { rm -rf "$tmp"; exit 2; }
	vm_finish_module "$tmp/$KSRC/fs/btrfs/btrfs.ko"
	mkdir -p "$out.tmp"
	# shellcheck disable=SC2086
	cp "$tmp/$KSRC/fs/btrfs/btrfs.ko" $patches "$out.tmp/"
	rm -rf "$out" "$tmp"
	mv "$out.tmp" "$out"
	vm_log "$name btrfs.ko built in $((SECONDS - t0)) s"
}
# the seed bug: no DIO-write stub (patches/0001); on 6.1 also no nofault DIO (patches/6.1/0004)
vm_faulty_btrfs() { vm_locked _vm_patched_btrfs faulty; }
# the generic/364 race: the stub on the shared struct file (patches/6.12/0003)
vm_racy_btrfs() { vm_locked _vm_patched_btrfs racy; }

vm_abba_dir() { vm_cache_dir abba "$VM_DIR"/modules/abba/*; }

# _vm_module NAME DIR FINISH: modules/NAME/NAME.ko built against the headers
# into the cache directory DIR, FINISH (a command) run on the .ko first.
_vm_module() {
	local name=$1 out=$2 finish=$3 tmp
	[ -f "$out/$name.ko" ] && return 0
	tmp=$(mktemp -d "/tmp/diolock-vm-$name.XXXXXX")
	vm_log "building $name.ko against linux-headers-$KVER"
	cp "$VM_DIR/modules/$name"/* "$tmp/"
	(_vm_kbuild "$tmp") || { rm -rf "$tmp"; exit 2; }
	$finish "$tmp/$name.ko"
	mkdir -p "$out.tmp"
	cp "$tmp/$name.ko" "$out.tmp/"
	rm -rf "$out" "$tmp"
	mv "$out.tmp" "$out"
}

vm_abba() { vm_locked _vm_module abba "$(vm_abba_dir)" vm_finish_module; }

vm_caller_comp_dir() { vm_cache_dir caller_comp "$VM_DIR"/modules/caller_comp/*; }

# A livepatch needs no BTF of its own: only its debug info goes.
vm_strip_module() { strip --strip-debug "$1" || vm_die "strip --strip-debug $1"; }

# The livepatch that puts IOCB_DIO_CALLER_COMP back into 6.12's io_uring
# writes (838b35bb6a89 undone; modules/caller_comp).
vm_caller_comp() { vm_locked _vm_module caller_comp "$(vm_caller_comp_dir)" vm_strip_module; }

vm_xfs_zero_relock_dir() { vm_cache_dir xfs_zero_relock "$VM_DIR"/modules/xfs_zero_relock/* "$VM_DIR"/guest/xfs-unshare.c; }

# The livepatch that puts the invalidate_lock recursion of xfs zero-range and
# unshare back into 6.12 (99c29f16b79f undone; modules/xfs_zero_relock), and
# the static helper its scenario runs (guest/xfs-unshare.c: diowork has no
# FALLOC_FL_UNSHARE_RANGE case), cached together.
_vm_xfs_zero_relock() {
	local out
	out=$(vm_xfs_zero_relock_dir)
	[ -x "$out/xfs-unshare" ] && return 0
	_vm_module xfs_zero_relock "$out" vm_strip_module
	gcc -static -O2 -Wall -Wextra -Werror -pthread -o "$out/xfs-unshare.tmp" "$VM_DIR/guest/xfs-unshare.c" ||
		vm_die "building guest/xfs-unshare.c failed"
	mv "$out/xfs-unshare.tmp" "$out/xfs-unshare"
}
vm_xfs_zero_relock() { vm_locked _vm_xfs_zero_relock; }

vm_dio_end_late_dir() { vm_cache_dir dio_end_late "$VM_DIR"/modules/dio_end_late/* "$(vm_patch_file 2)"; }

# The livepatch for patches/0002: fs/iomap/direct-io.c from Debian's
# linux-source-6.1, the patch applied, the two functions it changes
# extracted into dio_complete.h (modules/dio_end_late/extract.sh), built.
_vm_dio_end_late() {
	local out tmp patch src
	out=$(vm_dio_end_late_dir)
	[ -f "$out/dio_end_late.ko" ] && return 0
	patch=$(vm_patch_file 2)
	tmp=$(mktemp -d /tmp/diolock-vm-lp.XXXXXX)
	vm_log "building the dio_end_late livepatch ($(basename "$patch")) against linux-headers-$KVER"
	vm_patched_source "$tmp" "$patch" fs/iomap/direct-io.c
	src=$tmp/$KSRC
	mkdir -p "$tmp/lp"
	cp "$VM_DIR"/modules/dio_end_late/* "$tmp/lp/"
	sh "$tmp/lp/extract.sh" "$src/fs/iomap/direct-io.c" >"$tmp/lp/dio_complete.h" ||
		{ rm -rf "$tmp"; vm_die "extracting iomap_dio_complete() from the patched source failed"; }
	(_vm_kbuild "$tmp/lp") || { rm -rf "$tmp"; exit 2; }
	strip --strip-debug "$tmp/lp/dio_end_late.ko" || vm_die "strip --strip-debug dio_end_late.ko"
	mkdir -p "$out.tmp"
	cp "$tmp/lp/dio_end_late.ko" "$tmp/lp/dio_complete.h" "$patch" "$out.tmp/"
	rm -rf "$out" "$tmp"
	mv "$out.tmp" "$out"
}
vm_dio_end_late() { vm_locked _vm_dio_end_late; }

# The modules the guest loads, dependencies first, one path a line.
vm_module_list() {
	local root=$VM_CACHE/kernel/$KVER/root
	# crc32c_generic first: btrfs/ext4/xfs find crc32c through the crypto API,
	# which is not a symbol dependency modprobe could see
	modprobe -d "$root" -S "$KVER" --show-depends -a \
		virtio_pci virtio_blk crc32c_generic btrfs ext4 xfs 2>/dev/null |
		awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# Static diolock, diowork and uringwork, built by the project's own Makefile into build/.
vm_build_static() {
	local out=$REPO/build/vm-static
	vm_log "make STATIC=1 OUTPUT=build/vm-static"
	make -C "$REPO" -s deps >/dev/null || vm_die "make deps failed"
	if ! make -C "$REPO" STATIC=1 OUTPUT=build/vm-static "build/vm-static/diolock" \
		"build/vm-static/diowork" "build/vm-static/uringwork" >"$REPO/build/vm-static.log" 2>&1; then
		tail -20 "$REPO/build/vm-static.log" >&2
		vm_die "static build failed (log: build/vm-static.log)"
	fi
	STATIC_DIR=$out
}

# Everything above, in order; safe to run again (all cached).
vm_prepare() {
	vm_detect_kernel
	vm_log "kernel $KVER (Debian $KPKGVER), cache $VM_CACHE"
	vm_host_packages
	vm_kernel
	vm_busybox
	vm_faulty_btrfs
	vm_abba
	# the livepatch scenarios run on the full kernel only (patches/0002 is 6.1's iomap)
	VM_LIVEPATCH=no
	if [ "$VM_KERNEL" = 6.1 ]; then
		vm_dio_end_late
		VM_LIVEPATCH=yes
	fi
	# the io_uring drain self-wait: 6.12 still has the code 838b35bb6a89 stopped using
	VM_CALLER_COMP=no
	if [ "$VM_KERNEL" = 6.12 ]; then
		vm_caller_comp
		VM_CALLER_COMP=yes
	fi
	# xfs zero/unshare relocking invalidate_lock: 6.12's xfs_buffered_write_iomap_end
	VM_XFS_ZERO_RELOCK=no
	if [ "$VM_KERNEL" = 6.12 ]; then
		vm_xfs_zero_relock
		VM_XFS_ZERO_RELOCK=yes
	fi
	# the fsync race cd9253c23aed fixed: a patch for 6.12's btrfs only
	VM_RACY=no
	if [ "$VM_KERNEL" = 6.12 ]; then
		vm_racy_btrfs
		VM_RACY=yes
	fi
	if [ -n "${DIOLOCK_VM_BIN:-}" ]; then
		STATIC_DIR=$DIOLOCK_VM_BIN
	else
		vm_build_static
	fi
}
