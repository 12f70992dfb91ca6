# diolock build. Outputs live under build/; nothing generated is committed
# except vmlinux/x86/vmlinux.h (regenerate with `make vmlinux`).
.DELETE_ON_ERROR:
SHELL := /bin/bash

OUTPUT    ?= build
CLANG     ?= clang
CC        ?= cc
BPFTOOL   ?= bpftool
PREFIX    ?= /usr/local
DESTDIR   ?=
# the BPF target arch (vmlinux.h, PT_REGS): only x86-64 is built and tested
ARCH      := $(patsubst x86_64,x86,$(shell uname -m))
ifneq ($(ARCH),x86)
$(error diolock builds for x86-64 only (uname -m says $(shell uname -m)): bpf/vmlinux.h and the kprobe programs are x86-64's)
endif
Q         := $(if $(V),,@)
MSG        = $(if $(V),@true,@printf '  %-8s %s\n')

VMLINUX_H := vmlinux/$(ARCH)/vmlinux.h
INCLUDES  := -Iinclude -I$(OUTPUT) -Ivmlinux/$(ARCH)
# -mcpu=v3: the atomic exchange of the pending-wait slots (BPF_XCHG, Linux 5.12+)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Wextra -Werror \
	-Wno-unused-parameter $(INCLUDES)
CFLAGS    ?= -g -O2
# src/ is layered, each folder one layer (scripts/check-layers says which may
# include which): lib, record, analyzer, output and pipeline are pure (no
# libbpf, no privileges); live is the kernel side of user space; cmd the
# subcommands. Includes name their folder: #include "analyzer/analyzer.h".
SRC_INCLUDES := -Isrc
CFLAGS    += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(INCLUDES) $(SRC_INCLUDES)
LIBBPF_CFLAGS := $(shell pkg-config --cflags libbpf 2>/dev/null)
ifeq ($(STATIC),1)
LDLIBS    := $(shell pkg-config --static --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) -lzstd
LDFLAGS   += -static
else
LDLIBS    := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz
endif
# serve: HTTP from libmicrohttpd. Debian's libmicrohttpd.a is built with
# HTTPS: it needs GnuTLS, and GnuTLS needs p11-kit, of which Debian ships no
# static library; so static builds (the CI VM's) leave serve out and say so.
ifeq ($(STATIC),1)
CFLAGS    += -DDL_NO_HTTP
else
LDLIBS    += $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) -lpthread
endif
ifeq ($(SANITIZE),1)
CFLAGS    += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS   += -fsanitize=address,undefined
endif

# maps.bpf.c first: libbpf 1.1's linker cannot resolve an extern map defined later.
BPF_SRCS  := bpf/maps.bpf.c $(filter-out bpf/maps.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
# Everything in src/ except main.c is a library; the pure layers are what the
# unit tests, fuzzers and genrec link (checked: nothing there includes libbpf).
PURE_LAYERS := lib record analyzer output pipeline
LIB_SRCS  := $(filter-out src/cmd/main.c,$(wildcard src/*/*.c))
LIB_OBJS  := $(patsubst src/%.c,$(OUTPUT)/src/%.o,$(LIB_SRCS))
CORE_SRCS := $(wildcard $(PURE_LAYERS:%=src/%/*.c))
PURE_OBJS := $(patsubst src/%.c,$(OUTPUT)/src/%.o,$(CORE_SRCS))
SRC_HDRS  := $(wildcard src/*/*.h src/*/*.def)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))

.PHONY: check-unit check-integ check-vm all clean deps test demo install vmlinux golden lint unit-bins soak
all: $(OUTPUT)/diolock $(OUTPUT)/diowork $(OUTPUT)/uringwork $(OUTPUT)/.hookcheck $(OUTPUT)/.corecheck

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/src $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c bpf/*.h include/diolock/*.h $(VMLINUX_H) | $(OUTPUT)/bpf
	$(MSG) BPF $@
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# One object, one skeleton: the per-concern files are linked together.
$(OUTPUT)/diolock.bpf.o: $(BPF_OBJS)
	$(MSG) LINK $@
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUTPUT)/diolock.skel.h: $(OUTPUT)/diolock.bpf.o
	$(MSG) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name diolock_bpf > $@

$(OUTPUT)/probe.bpf.o: bpf/probe/probe.bpf.c bpf/*.h include/diolock/*.h $(VMLINUX_H) | $(OUTPUT)/bpf
	$(MSG) BPF $@
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/probe.skel.h: $(OUTPUT)/probe.bpf.o
	$(MSG) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name probe_bpf > $@

$(OUTPUT)/src/%.o: src/%.c $(SRC_HDRS) include/diolock/*.h
	$(Q)mkdir -p $(dir $@)
	$(MSG) CC $@
	$(Q)$(CC) $(CFLAGS) $(LIBBPF_CFLAGS) -c $< -o $@

# Each layer includes only the layers below it; the pure ones no libbpf.
$(OUTPUT)/.corecheck: scripts/check-layers $(wildcard src/*/*.[ch]) | $(OUTPUT)
	$(MSG) CHECK "src/ layers (scripts/check-layers)"
	$(Q)scripts/check-layers
	$(Q)touch $@

# The git revision goes into reports and recordings; "unknown" outside git.
# version.o is rebuilt when the revision changes (the stamp file holds it).
DL_GIT_REV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(OUTPUT)/src/.git-rev: FORCE | $(OUTPUT)/src
	$(Q)echo '$(DL_GIT_REV)' | cmp -s - $@ || echo '$(DL_GIT_REV)' >$@
$(OUTPUT)/src/lib/version.o: CFLAGS += -DDL_GIT_REV='"$(DL_GIT_REV)"'
$(OUTPUT)/src/lib/version.o: $(OUTPUT)/src/.git-rev
.PHONY: FORCE
FORCE:

# src/live is the only user of the skeletons (loader, probe, progstats, ...).
$(filter $(OUTPUT)/src/live/%,$(LIB_OBJS)): $(OUTPUT)/diolock.skel.h $(OUTPUT)/probe.skel.h

$(OUTPUT)/diolock: $(OUTPUT)/src/cmd/main.o $(LIB_OBJS)
	$(MSG) LD $@
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# src/lib/hooks.def and bpf/ name the same programs: checked on every build (tests/hookcheck.c).
$(OUTPUT)/hookcheck: tests/hookcheck.c $(OUTPUT)/src/lib/hooks.o $(OUTPUT)/diolock.skel.h
	$(MSG) CC $@
	$(Q)$(CC) $(CFLAGS) $(LIBBPF_CFLAGS) $(LDFLAGS) tests/hookcheck.c $(OUTPUT)/src/lib/hooks.o $(LDLIBS) -o $@
$(OUTPUT)/.hookcheck: $(OUTPUT)/hookcheck
	$(MSG) CHECK "src/lib/hooks.def against bpf/"
	$(Q)$(OUTPUT)/hookcheck && touch $@

# diowork shares validate's workload pieces (src/lib/dio_file.c)
$(OUTPUT)/diowork: tests/workload/diowork.c src/lib/dio_file.c src/lib/dio_file.h | $(OUTPUT)
	$(MSG) CC $@
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc $(if $(filter 1,$(STATIC)),-static) \
		tests/workload/diowork.c src/lib/dio_file.c -lpthread -o $@

# io_uring and Linux AIO writes for the tests (liburing; AIO by raw syscalls)
$(OUTPUT)/uringwork: tests/workload/uringwork.c | $(OUTPUT)
	$(MSG) CC $@
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE $(if $(filter 1,$(STATIC)),-static) $< -luring -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(PURE_OBJS) | $(OUTPUT)/tests
	$(MSG) CC $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@

# libFuzzer target for the recording reader, built with clang from the pure sources.
FUZZ_SRCS := $(CORE_SRCS)
$(OUTPUT)/fuzz/fuzz_replay: tests/fuzz/fuzz_replay.c $(FUZZ_SRCS) $(SRC_HDRS) include/diolock/*.h
	$(Q)mkdir -p $(dir $@)
	$(MSG) FUZZ $@
	$(Q)$(CLANG) -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Isrc \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $< $(FUZZ_SRCS) -o $@

# Static analysis with the checked-in .clang-tidy (generated skeletons are
# included as system headers: not ours to fix).
space := $(subst ,, )
comma := ,
LINT_FILES := $(wildcard src/*/*.c)
LINT_ONLY := [$(subst $(space),$(comma),$(patsubst %,{"name":"%"},$(LINT_FILES)))]
lint: $(OUTPUT)/diolock.skel.h $(OUTPUT)/probe.skel.h
	$(MSG) LINT src/
	$(Q)clang-tidy --quiet --line-filter='$(LINT_ONLY)' $(LINT_FILES) -- -std=gnu11 -D_GNU_SOURCE \
		-Iinclude -I$(OUTPUT) -Ivmlinux/$(ARCH) $(SRC_INCLUDES) 2>&1 | grep -v "warnings\? generated" ; \
		exit $${PIPESTATUS[0]}

# libFuzzer target for the live subcommands' option parser.
CLI_FUZZ_SRCS := src/lib/cli.c src/lib/filter.c src/lib/hooks.c src/lib/json.c src/lib/cgroups.c src/lib/table.c \
	src/lib/clock.c
$(OUTPUT)/fuzz/fuzz_cli: tests/fuzz/fuzz_cli.c $(CLI_FUZZ_SRCS) $(SRC_HDRS) include/diolock/*.h
	$(Q)mkdir -p $(dir $@)
	$(MSG) FUZZ $@
	$(Q)$(CLANG) -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Isrc \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $< $(CLI_FUZZ_SRCS) -o $@

# Installs every package the build and the tests need; safe to run again.
DEPS := clang clang-tidy libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev pkg-config make gcc \
	btrfs-progs xfsprogs e2fsprogs util-linux jq fio liburing-dev \
	libmicrohttpd-dev prometheus tmux curl graphviz
deps:
	$(Q)missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

unit-bins: $(UNIT_BINS) $(OUTPUT)/diolock

# Unit tests (also built with ASan/UBSan), golden replays, bounded fuzzing,
# static analysis, then integration tests (root: real BPF, loop-mounted
# filesystems) and the qemu VM scenarios.
test: all $(UNIT_BINS) $(OUTPUT)/fuzz/fuzz_replay $(OUTPUT)/fuzz/fuzz_cli
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(OUTPUT)/san SANITIZE=1 unit-bins
	$(Q)tests/run $(OUTPUT)

# One layer at a time: check-unit needs no root; check-integ and check-vm do.
check-unit: all $(UNIT_BINS) $(OUTPUT)/fuzz/fuzz_replay $(OUTPUT)/fuzz/fuzz_cli
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(OUTPUT)/san SANITIZE=1 unit-bins
	$(Q)DIOLOCK_TEST_LAYERS=unit tests/run $(OUTPUT)
check-integ: all
	$(Q)DIOLOCK_TEST_LAYERS=integ tests/run $(OUTPUT)
check-vm: all
	$(Q)DIOLOCK_TEST_LAYERS=vm tests/run $(OUTPUT)

# The long soak: ten minutes of mixed workload under one `check` (make test runs 60 s).
soak: all
	$(Q)SOAK_SECONDS=600 BUILD=$(abspath $(OUTPUT)) bash tests/integ/test_soak.sh

# Re-record the golden recordings and their expected reports (root, this kernel).
golden: all
	$(Q)BUILD=$(OUTPUT) tests/data/regen

# The README's first command: check a DSYNC DIO workload on loop-mounted images.
demo: all
	$(Q)BUILD=$(OUTPUT) scripts/demo

# Man pages from the binary's --help (scripts/mkman): they follow the options.
.PHONY: man uninstall
man: $(OUTPUT)/diolock
	$(Q)rm -rf $(OUTPUT)/man
	$(Q)scripts/mkman $(OUTPUT)/diolock $(OUTPUT)/man

# PREFIX=/usr DESTDIR=... for packages (debian/rules does that).
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DATADIR    ?= $(PREFIX)/share/diolock
STRIP      ?= strip
INSTALLED  := $(SBINDIR)/diolock $(BASHCOMPDIR)/diolock $(UNITDIR)/diolock-serve.service \
	$(DATADIR)/prometheus/diolock.rules.yml $(DATADIR)/grafana/diolock.json \
	$(DATADIR)/grafana/provisioning.yml
install: $(OUTPUT)/diolock man
	install -D -m 0755 $(OUTPUT)/diolock $(DESTDIR)$(SBINDIR)/diolock
	$(STRIP) --strip-unneeded $(DESTDIR)$(SBINDIR)/diolock
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(OUTPUT)/man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -D -m 0644 contrib/bash-completion/diolock $(DESTDIR)$(BASHCOMPDIR)/diolock
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' contrib/systemd/diolock-serve.service.in \
		>$(DESTDIR)$(UNITDIR)/diolock-serve.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/diolock-serve.service
	install -D -m 0644 contrib/prometheus/diolock.rules.yml $(DESTDIR)$(DATADIR)/prometheus/diolock.rules.yml
	install -D -m 0644 contrib/grafana/diolock.json $(DESTDIR)$(DATADIR)/grafana/diolock.json
	install -D -m 0644 contrib/grafana/provisioning.yml $(DESTDIR)$(DATADIR)/grafana/provisioning.yml

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rm -f $(DESTDIR)$(MANDIR)/man8/diolock.8 $(DESTDIR)$(MANDIR)/man8/diolock-*.8
	-rmdir $(DESTDIR)$(DATADIR)/prometheus $(DESTDIR)$(DATADIR)/grafana $(DESTDIR)$(DATADIR) 2>/dev/null

vmlinux:
	$(Q){ echo "/* Generated by 'make vmlinux' from /sys/kernel/btf/vmlinux of Linux $$(uname -r). */"; \
		$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c; } > $(VMLINUX_H).tmp && \
		mv $(VMLINUX_H).tmp $(VMLINUX_H)

clean:
	$(Q)rm -rf $(OUTPUT)

# Benchmarks (bench/run): overhead of trace/check/stat and a bpftrace peer on fio
# workloads, per-program BPF cost, replay throughput. Root; writes bench/results.md.
GENREC_OBJS := $(addprefix $(OUTPUT)/src/,record/evfile.o lib/hooks.o lib/filter.o lib/version.o lib/cgroups.o \
	lib/table.o lib/clock.o)
$(OUTPUT)/bench/genrec: bench/genrec.c $(GENREC_OBJS) $(SRC_HDRS) include/diolock/*.h
	$(Q)mkdir -p $(dir $@)
	$(MSG) CC $@
	$(Q)$(CC) $(CFLAGS) $< $(GENREC_OBJS) -o $@

$(OUTPUT)/bench/sysloop: bench/sysloop.c
	$(Q)mkdir -p $(dir $@)
	$(MSG) CC $@
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror $< -o $@

.PHONY: bench
bench: all $(OUTPUT)/bench/genrec $(OUTPUT)/bench/sysloop
	$(Q)BUILD=$(OUTPUT) bench/run
# the bench's peer and its RSS measurement
DEPS += bpftrace time
# the package test (tests/integ/test_install.sh) and bash completion
DEPS += debhelper lintian bash-completion man-db
