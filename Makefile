# SPDX-License-Identifier: BSD-3-Clause
# Vigil: passive IDS for industrial control networks.
#
#   make            build build/vigil
#   make run        install what is missing, build, replay the demo capture
#   make test       install what is missing, build, run every test
#   make sanitize   the whole suite under ASan + UBSan
#   make fuzz-smoke each libFuzzer target briefly
#   make fuzz       a campaign: FUZZ_SECONDS (600) per target, corpus kept in
#                   $(BUILD)/fuzz/corpus; make fuzz-cov: line coverage of it
#   make bench      benchmark against a bare libpcap read loop
#   make pcaps      regenerate pcaps/ and their expected records (review the diff)
#   make install    binary, rules, config, systemd units, user, logrotate, man page
#                   (PREFIX, SYSCONFDIR, DESTDIR)
#   make clean
#
# Quiet by default; V=1 shows every command.

.DELETE_ON_ERROR:
.SUFFIXES:
SHELL := /bin/bash

BUILD ?= build
CC ?= gcc
CLANG ?= clang
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
SAN ?=
# make fuzz: seconds per target (ten CPU-minutes each; tests/fuzz/campaign.sh)
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 8

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Debian packages: what building needs, and what the tests use on top.
BUILD_PKGS := gcc make pkg-config libpcap-dev libndpi-dev libhyperscan-dev \
	libbpf-dev bpftool clang llvm libelf-dev libxdp-dev libssl-dev \
	libcmocka-dev libyaml-dev libpcre2-dev libjansson-dev ieee-data
TEST_PKGS := tshark wireshark-common tcpreplay rsyslog rsyslog-openssl \
	libclang-rt-14-dev iproute2 openssl python3 python3-jsonschema procps bc time linux-perf \
	logrotate groff-base man-db util-linux libseccomp2 chromium

LIBS_PC := libpcap libndpi libhs yaml-0.1 libpcre2-8 openssl libbpf libxdp jansson
# Recursive on purpose: evaluated in recipes, after `deps` has installed pkg-config files.
PC_CFLAGS = $(shell pkg-config --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS = $(shell pkg-config --libs $(LIBS_PC) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-missing-field-initializers
BASE_CFLAGS := -std=gnu11 -g -fno-strict-aliasing -D_GNU_SOURCE $(WARN) -Iinclude -Isensor -Iebpf
ifeq ($(SAN),1)
OPT := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
OPT := -O2
# GCC's generic x86-64 tuning turns a memset or memcpy of a known size above
# about 128 bytes (a parser's transaction on the stack, a packet header into
# a ring) into `rep stos` or `rep movs`, whose start-up cost was half of
# mb_parse's samples and a third of the capture loop's own on AMD cores: a
# vector loop up to 512 bytes, glibc's functions beyond.
MEM_STRATEGY := -mmemset-strategy=vector_loop:512:noalign,libcall:-1:noalign \
	-mmemcpy-strategy=vector_loop:512:noalign,libcall:-1:noalign
OPT += $(shell $(CC) $(MEM_STRATEGY) -x c -c -o /dev/null /dev/null 2>/dev/null && echo '$(MEM_STRATEGY)')
# The sensor is linked with link-time optimisation: a packet crosses many
# small functions in several files (framing, parser, registry, worker,
# detection), and inlining across them took 6 % of the worker's instructions
# on the quiet plant (callgrind). The objects keep ordinary code as well
# (fat), so the unit tests and tools link them without LTO, quickly.
LTO_FLAGS := -flto=auto -ffat-lto-objects
LTO := $(shell $(CC) $(LTO_FLAGS) -x c -c -o /dev/null /dev/null 2>/dev/null && echo '$(LTO_FLAGS)')
endif
# Profile-guided optimisation (GCC): the sensor's objects are compiled once
# instrumented (in $(BUILD)/pgo), that sensor replays training captures
# (tests/tools/pgo_train.sh: the generator's, with a seed of their own, and
# pcaps/), and the objects are compiled again with the profile. On the quiet
# plant it took 10 % of the wall time of a run and 12 % of the work of one
# CPU. Code the training does not reach is compiled as without a profile
# (-fprofile-partial-training), not for size. Any change to a source
# retrains and recompiles everything: PGO=0 for quick edit-build cycles.
# Sanitizer builds never use it.
PGO ?= 1
ifeq ($(SAN),1)
override PGO := 0
endif
ifeq ($(PGO),1)
PGO_FLAGS := -fprofile-partial-training
ifeq ($(shell $(CC) $(PGO_FLAGS) -x c -c -o /dev/null /dev/null 2>/dev/null && echo ok),ok)
PGO_DIR := $(BUILD)/pgo
PGO_STAMP := $(PGO_DIR)/profile.stamp
# The profile of each object is found by the object's own name: an
# instrumented object is compiled as if it were the final one (-dumpbase,
# the same absolute name in both), since GCC names static functions in
# profiles after the object, and writes its profile next to the final one.
# -w: the same sources with the same warnings (errors) were compiled for the
# instrumented sensor; compiled with the profile, GCC adds a warning without
# an option of its own ("Missing counts for called function") wherever its
# early inliner decided otherwise than in the instrumented build (a small
# static function inlined everywhere there, kept here for a cold call).
PGO_USE := -fprofile-use $(PGO_FLAGS) -w
endif
endif
CFLAGS_ALL = $(BASE_CFLAGS) -I$(BUILD)/ebpf $(OPT) $(LTO) $(PC_CFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PC_LIBS) -lpthread -lm $(LDLIBS)
LDFLAGS_ALL = $(OPT) $(LDFLAGS)

SENSOR_SRCS := $(sort $(shell find sensor -name '*.c' ! -path sensor/main.c))
SENSOR_OBJS := $(SENSOR_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
GEN := $(BUILD)/vigil-gen
VIGIL := $(BUILD)/vigil
# the generator is built once its sources exist
TOOLS := $(if $(wildcard tests/tools/gen.c),$(GEN)) $(BUILD)/pcap-loop

.PHONY: all deps run test test-only sanitize fuzz fuzz-smoke fuzz-seeds fuzz-cov bench install clean pcaps \
	format format-check unit pcap-tests check-deps

all: $(VIGIL) $(TOOLS)

# ---- dependencies ---------------------------------------------------------
# Installs what is missing with apt-get when root; otherwise names the packages.
define install_pkgs
	missing=""; \
	for p in $(1); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			export DEBIAN_FRONTEND=noninteractive; \
			(apt-get install -y -q --no-install-recommends $$missing >/dev/null 2>&1 || \
			 (apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $$missing >/dev/null)) \
			 || { echo "apt-get failed for:$$missing" >&2; exit 1; }; \
		else \
			echo "vigil needs these Debian packages; as root run: apt-get install$$missing" >&2; \
			exit 1; \
		fi; \
	fi
endef

deps:
	@$(call install_pkgs,$(BUILD_PKGS))

test-deps: deps
	@$(call install_pkgs,$(TEST_PKGS))

# ---- build ----------------------------------------------------------------
$(BUILD)/obj/%.o: %.c $(PGO_STAMP) | deps-stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) $(if $(PGO_USE),$(PGO_USE) -dumpbase $(abspath $(@:.o=))) \
		-MMD -MP -MF $(@:.o=.d) -c $< -o $@

# the instrumented sensor and its training (see PGO above)
ifneq ($(PGO_DIR),)
$(PGO_DIR)/obj/%.o: %.c | deps-stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  PGOCC   $<")
	$(Q)$(CC) $(CFLAGS_ALL) -fprofile-generate -fprofile-update=atomic \
		-dumpbase $(abspath $(BUILD)/obj/$*) -MMD -MP -MF $(@:.o=.d) -c $< -o $@

$(PGO_DIR)/vigil: $(PGO_DIR)/obj/sensor/main.o $(SENSOR_SRCS:%.c=$(PGO_DIR)/obj/%.o)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) $(LTO) -fprofile-generate -o $@ $^ $(LDLIBS_ALL)

$(PGO_STAMP): $(PGO_DIR)/vigil $(GEN) tests/tools/pgo_train.sh $(wildcard pcaps/*.pcap) \
		sensor/vigil.yaml $(wildcard rules/*)
	@$(if $(Q),echo "  TRAIN   $(PGO_DIR)")
	$(Q)tests/tools/pgo_train.sh $(PGO_DIR) $(BUILD)/obj $(GEN)
	$(Q)touch $@
endif

$(BUILD)/libvigil.a: $(SENSOR_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(VIGIL): $(BUILD)/obj/sensor/main.o $(BUILD)/libvigil.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) $(LTO) -o $@ $^ $(LDLIBS_ALL)

$(GEN): tests/tools/gen.c $(wildcard tests/tools/gen_*.c tests/tools/*.h) | deps-stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(BASE_CFLAGS) -O2 $(CFLAGS) -o $@ tests/tools/gen.c $(wildcard tests/tools/gen_*.c) -lm

$(BUILD)/sign-bench: tests/tools/sign_bench.c $(BUILD)/libvigil.a
	$(Q)$(CC) $(CFLAGS_ALL) -fno-lto -o $@ $< $(BUILD)/libvigil.a $(LDFLAGS_ALL) $(LDLIBS_ALL)

# the mutation tester of signed records (tests/chain/mutate.sh)
$(BUILD)/chain-mutate: tests/chain/mutate.c $(BUILD)/libvigil.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -fno-lto -o $@ $< $(BUILD)/libvigil.a $(LDFLAGS_ALL) $(LDLIBS_ALL)

$(BUILD)/pcap-loop: tests/tools/pcap_loop.c | deps-stamp
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BASE_CFLAGS) -O2 -o $@ $< -lpcap

# (their header dependencies in .deps/, out of the way of tests/test_*)
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libvigil.a
	@mkdir -p $(dir $@).deps
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS_ALL) -fno-lto -Wno-missing-prototypes -Itests/unit -MMD -MP -MF $(dir $@).deps/$(notdir $@).d -o $@ $< $(BUILD)/libvigil.a $(LDFLAGS_ALL) -lcmocka $(LDLIBS_ALL)

# ---- eBPF: CO-RE object and skeleton, vmlinux.h from the running kernel ----
BPF_SKEL := $(BUILD)/ebpf/vigil_xdp.skel.h
$(BUILD)/ebpf/vmlinux.h: | deps-stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BTF     $@")
	$(Q)bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/ebpf/%.bpf.o: ebpf/%.bpf.c ebpf/xdp_shared.h $(BUILD)/ebpf/vmlinux.h
	@$(if $(Q),echo "  BPF     $<")
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -I$(BUILD)/ebpf -Iebpf -c $< -o $@.tmp.o
	$(Q)bpftool gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(BUILD)/ebpf/%.skel.h: $(BUILD)/ebpf/%.bpf.o
	@$(if $(Q),echo "  SKEL    $@")
	$(Q)bpftool gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/sensor/capture/afxdp.o: $(BPF_SKEL)
$(BUILD)/pgo/obj/sensor/capture/afxdp.o: $(BPF_SKEL)
$(BUILD)/fuzz/obj/sensor/capture/afxdp.o: $(BPF_SKEL)

# deps-stamp: install once per build folder, so that plain `make` also works
# on a fresh machine when run as root.
deps-stamp: $(BUILD)/.deps-ok
$(BUILD)/.deps-ok:
	@$(call install_pkgs,$(BUILD_PKGS))
	@mkdir -p $(BUILD) && touch $@

# headers: the objects', and the unit tests' and fuzzers' own (inline code of
# a header changed must rebuild them too)
-include $(shell find $(BUILD)/obj $(BUILD)/pgo/obj $(BUILD)/fuzz/obj $(BUILD)/fuzz/.deps \
	$(BUILD)/fuzz/cov/obj $(BUILD)/tests/.deps -name '*.d' 2>/dev/null)

# ---- run ------------------------------------------------------------------
run: deps all
	@mkdir -p $(BUILD)/run
	rm -f $(BUILD)/run/eve.json
	$(VIGIL) -r pcaps/demo.pcap -c sensor/vigil.yaml -l $(BUILD)/run
	@echo "--- alerts ($(BUILD)/run/eve.json) ---"
	@python3 tests/tools/show_alerts.py $(BUILD)/run/eve.json

# ---- tests ----------------------------------------------------------------
unit: $(UNIT_BINS)
	@tests/run_unit.sh $(UNIT_BINS)

test: test-deps all $(UNIT_BINS) $(BUILD)/chain-mutate
	$(Q)$(MAKE) --no-print-directory test-only

test-only: all $(UNIT_BINS) $(BUILD)/chain-mutate
	@BUILD=$(BUILD) SAN=$(SAN) tests/run_all.sh

sanitize: test-deps
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/san SAN=1 test-only

# the small captures and their expected records
PCAP_SCENARIOS := demo modbus dnp3 iec104 s7comm enip transport background malformed \
	bacnet opcua mqtt mms goose pn_dcp tunnel assets
pcaps: $(VIGIL) $(GEN)
	@for s in $(PCAP_SCENARIOS); do $(GEN) $$s -o pcaps/$$s.pcap || exit 1; done
	@BUILD=$(BUILD) tests/pcap/run.sh --update

# ---- fuzzing --------------------------------------------------------------
FUZZ_OBJS := $(SENSOR_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
$(BUILD)/fuzz/obj/%.o: %.c | deps-stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(CLANG) $(BASE_CFLAGS) -I$(BUILD)/ebpf -O1 -fsanitize=fuzzer-no-link,address,undefined $(PC_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	@mkdir -p $(dir $@).deps
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(CLANG) $(BASE_CFLAGS) -Wno-missing-prototypes -O1 -fsanitize=fuzzer,address,undefined $(PC_CFLAGS) -MMD -MP -MF $(dir $@).deps/$(notdir $@).d -o $@ $< $(FUZZ_OBJS) $(PC_LIBS) -lpthread -lm

fuzz-build: test-deps $(FUZZ_BINS) $(if $(wildcard tests/tools/gen.c),$(GEN))

fuzz-smoke: fuzz-build
	@SECONDS_PER_TARGET=$(FUZZ_SMOKE_SECONDS) BUILD=$(BUILD) tests/fuzz/run.sh $(FUZZ_BINS)

# seeds taken from the captures (pcaps/ and SHARED_PCAPS, read in place),
# the rule files and the configurations, into the build folder
SHARED_PCAPS ?= ../shared/pcaps
FUZZ_SEEDS := $(BUILD)/fuzz/seeds-pcap/.stamp
$(FUZZ_SEEDS): tests/fuzz/seeds.py $(wildcard pcaps/*.pcap rules/*.rules tests/pcap/*.yaml) sensor/vigil.yaml
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	@$(if $(Q),echo "  SEEDS   $(dir $@)")
	$(Q)python3 tests/fuzz/seeds.py $(dir $@) $(SHARED_PCAPS) && touch $@
fuzz-seeds: $(FUZZ_SEEDS)

fuzz: fuzz-build $(FUZZ_SEEDS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) BUILD=$(BUILD) tests/fuzz/campaign.sh $(FUZZ_BINS)

# the same targets built for line coverage (no sanitizer): make fuzz-cov
# reports how much of sensor/ each kept corpus reaches, without fuzzing
FUZZ_COV_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/cov/%)
FUZZ_COV_OBJS := $(SENSOR_SRCS:%.c=$(BUILD)/fuzz/cov/obj/%.o)
COV_FLAGS := -fprofile-instr-generate -fcoverage-mapping
$(BUILD)/fuzz/cov/obj/%.o: %.c | deps-stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  COVCC   $<")
	$(Q)$(CLANG) $(BASE_CFLAGS) -I$(BUILD)/ebpf -O1 -fsanitize=fuzzer-no-link $(COV_FLAGS) $(PC_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/fuzz/cov/obj/sensor/capture/afxdp.o: $(BPF_SKEL)
$(BUILD)/fuzz/cov/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_COV_OBJS)
	@$(if $(Q),echo "  COVLD   $@")
	$(Q)$(CLANG) $(BASE_CFLAGS) -Wno-missing-prototypes -O1 -fsanitize=fuzzer $(COV_FLAGS) $(PC_CFLAGS) -o $@ $< $(FUZZ_COV_OBJS) $(PC_LIBS) -lpthread -lm

fuzz-cov: fuzz-build $(FUZZ_SEEDS) $(FUZZ_COV_BINS)
	@FUZZ_SECONDS=0 FUZZ_COVERAGE=1 BUILD=$(BUILD) tests/fuzz/campaign.sh $(FUZZ_BINS)

# ---- benchmark ------------------------------------------------------------
bench: test-deps all $(BUILD)/sign-bench
	@BUILD=$(BUILD) tests/bench/run.sh

# ---- install --------------------------------------------------------------
# PREFIX, SYSCONFDIR and DESTDIR as usual; BINDIR, MANDIR, UNITDIR,
# SYSUSERSDIR and LOGROTATEDIR follow them. The service writes its records
# to /var/log/vigil and its state to /var/lib/vigil (systemd's LogsDirectory=
# and StateDirectory= create them at start, owned by the user vigil).
# Without DESTDIR, install also makes that user (systemd-sysusers with the
# installed sysusers.d file, or where that is absent or fails, useradd) and
# hands it the two folders; with
# DESTDIR (staging a package) it touches no user and no ownership: the
# package's installation runs systemd-sysusers. A configuration file that
# differs from the one being installed is kept, the new one beside it as
# FILE.new.
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
LOGROTATEDIR ?= $(SYSCONFDIR)/logrotate.d
VIGIL_LOGDIR := /var/log/vigil
VIGIL_STATEDIR := /var/lib/vigil
# the paths written in the shipped files, and the ones they are installed with
INSTALL_PATHS_SED := -e 's|/usr/local/bin/vigil|$(BINDIR)/vigil|g' \
	-e 's|/etc/vigil/|$(SYSCONFDIR)/vigil/|g' -e 's|/etc/default/vigil|$(SYSCONFDIR)/default/vigil|g'
# the installed vigil.yaml: rules beside it, records in the log folder, the
# signing state and spools where the service can write
INSTALL_YAML_SED := -e 's|^default-rule-path: .*|default-rule-path: rules|' \
	-e 's|^default-log-dir: .*|default-log-dir: $(VIGIL_LOGDIR)|' \
	-e 's|^\(\#   state: \)"" *\# .*|\1$(VIGIL_STATEDIR)/vigil.state  \# seq and hash across restarts: the service writes only here and in the log folder|' \
	-e 's|spool-dir: /var/spool/vigil/siem|spool-dir: $(VIGIL_STATEDIR)/spool-siem|' \
	-e 's|/etc/vigil/vigil.key|$(SYSCONFDIR)/vigil/vigil.key|'

# install_conf SOURCE-COMMAND, DEST: a configuration file, kept if changed
define install_conf
	@mkdir -p $(dir $(2)); $(1) > $(2).tmp; chmod 0644 $(2).tmp; \
	if [ -f $(2) ] && ! cmp -s $(2) $(2).tmp; then \
		mv $(2).tmp $(2).new; echo "kept $(2) (changed); the new one is $(2).new"; \
	else mv $(2).tmp $(2); fi
endef

install: all
	install -D -m 0755 $(VIGIL) $(DESTDIR)$(BINDIR)/vigil
	install -d $(DESTDIR)$(SYSCONFDIR)/vigil/rules
	install -m 0644 rules/*.rules rules/classification.config $(DESTDIR)$(SYSCONFDIR)/vigil/rules/
	$(call install_conf,sed $(INSTALL_YAML_SED) sensor/vigil.yaml,$(DESTDIR)$(SYSCONFDIR)/vigil/vigil.yaml)
	$(call install_conf,sed $(INSTALL_PATHS_SED) sensor/vigil.default,$(DESTDIR)$(SYSCONFDIR)/default/vigil)
	$(call install_conf,cat sensor/vigil.logrotate,$(DESTDIR)$(LOGROTATEDIR)/vigil)
	install -d $(DESTDIR)$(UNITDIR)
	sed $(INSTALL_PATHS_SED) sensor/vigil.service > $(DESTDIR)$(UNITDIR)/vigil.service
	sed $(INSTALL_PATHS_SED) sensor/vigil-xdp.service > $(DESTDIR)$(UNITDIR)/vigil-xdp.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/vigil.service $(DESTDIR)$(UNITDIR)/vigil-xdp.service
	install -D -m 0644 sensor/vigil.sysusers $(DESTDIR)$(SYSUSERSDIR)/vigil.conf
	install -D -m 0644 sensor/vigil.8 $(DESTDIR)$(MANDIR)/man8/vigil.8
	install -d -m 0750 $(DESTDIR)$(VIGIL_LOGDIR) $(DESTDIR)$(VIGIL_STATEDIR)
ifeq ($(DESTDIR),)
	@if ! getent passwd vigil > /dev/null; then \
		if command -v systemd-sysusers > /dev/null; then \
			systemd-sysusers $(SYSUSERSDIR)/vigil.conf || true; \
		fi; \
		getent passwd vigil > /dev/null || \
			useradd --system --user-group --no-create-home --home-dir $(VIGIL_STATEDIR) \
				--shell /usr/sbin/nologin --comment "Vigil ICS network IDS" vigil || \
			{ echo "install: cannot create the user vigil" >&2; exit 1; }; \
	fi
	chown vigil:vigil $(VIGIL_LOGDIR) $(VIGIL_STATEDIR)
	@if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
else
	@echo "staged in $(DESTDIR): the user vigil comes from $(SYSUSERSDIR)/vigil.conf" \
		"(systemd-sysusers) when the package is installed"
endif

format:
	clang-format -i $$(find sensor include tests -name '*.[ch]')

format-check:
	@clang-format --dry-run --Werror $$(find sensor include tests -name '*.[ch]')

clean:
	rm -rf $(BUILD)

# keep objects and generated headers between runs (they are not intermediates)
.SECONDARY:
