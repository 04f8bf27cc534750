# kubefs — one plain Makefile.
#
#   make              build every binary into bin/
#   make deps         install the Debian packages the project needs
#   make test         deps + build + unit + fuzz-corpus replay + end-to-end
#   make up / down    start / stop a one-node cluster on /mnt/cluster
#   make SANITIZE=address,undefined test
#   make fuzz         libFuzzer builds of every harness (clang)
#   make bench        run the benchmarks in bench/
#   make format / format-check
#   make check-fresh  the README's commands on a clean Debian root
#
# Every target that compiles runs deps first (silent when nothing is
# missing), so each works on its first run on a fresh machine.

CC      ?= cc
PKGS    := fuse3 lmdb jansson yaml-0.1 libcurl libseccomp
# Asked of pkg-config when first used, in a recipe that runs after deps
# installed the packages (not when make reads this file), then kept.
pkgconf = $(eval $(1) := $$(shell pkg-config $(2) 2>/dev/null))$($(1))
PKG_CFLAGS = $(call pkgconf,PKG_CFLAGS,--cflags $(PKGS))
PKG_LIBS = $(call pkgconf,PKG_LIBS,--libs $(PKGS))
CMOCKA_LIBS = $(call pkgconf,CMOCKA_LIBS,--libs cmocka)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	   -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I. -MMD -MP $(PKG_CFLAGS) \
	   $(EXTRA_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lpthread -lm

# Sanitized builds live apart so they never mix with normal objects.
ifneq ($(SANITIZE),)
O       ?= build/san
BIN     ?= build/san/bin
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
else
O       ?= build/obj
BIN     ?= bin
endif

COMPONENTS := fs sched ctrl nodeagent proxy shell
# Binary name of each component.
bin_fs        := kubefs-fs
bin_sched     := kubefs-sched
bin_ctrl      := kubefs-ctrl
bin_nodeagent := kubefs-node
bin_proxy     := kubefs-proxy
bin_shell     := kubefs

# Libraries: api/, store/, client/, apiserver/ (the API server's registry
# layer: semantics, allocation and watch, nothing of FUSE), and every
# component's non-main code (so unit tests can link a component's modules).
LIBDIRS := api store client apiserver $(COMPONENTS)
lib_src  = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
lib_obj  = $(patsubst %.c,$(O)/%.o,$(call lib_src,$(1)))
lib_a    = $(O)/lib$(1).a

BINARIES := $(foreach c,$(COMPONENTS),$(BIN)/$(bin_$(c)))

# Which libraries each component links (order matters for static archives).
libs_fs        := fs apiserver api store
libs_sched     := sched client api
libs_ctrl      := ctrl client api
libs_nodeagent := nodeagent client api
libs_proxy     := proxy client api
libs_shell     := shell client api
ALL_LIBS := fs apiserver sched ctrl nodeagent proxy shell client store api

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(O)/tests/%-replay,$(FUZZ_SRC))
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(patsubst tests/tools/%.c,$(O)/tests/tools/%,$(TOOL_SRC))
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(O)/bench/%,$(BENCH_SRC))
EXAMPLE_SRC := $(wildcard examples/*.c)
EXAMPLE_BIN := $(patsubst examples/%.c,$(O)/examples/%,$(EXAMPLE_SRC))

.PHONY: all deps test harness unit fuzz-replay e2e fuzz bench up down clean \
	format format-check check-build check-fresh
all: $(BINARIES) $(EXAMPLE_BIN)

# Every compile waits for deps: the packages are there before any
# compiler or header is needed.
$(O)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

define LIB_RULE
$(call lib_a,$(1)): $(call lib_obj,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@
	$$(AR) rcs $$@ $$^ $$(if $$^,,$$(O)/empty.o)
endef
$(foreach d,$(LIBDIRS),$(eval $(call LIB_RULE,$(d))))

$(O)/empty.o: | deps
	@mkdir -p $(dir $@)
	echo 'extern int kubefs_empty_lib_;' | $(CC) -x c -c -o $@ -
$(foreach d,$(LIBDIRS),$(eval $(call lib_a,$(d)): | $(O)/empty.o))

define BIN_RULE
$(BIN)/$(bin_$(1)): $(O)/$(1)/main.o $(foreach l,$(libs_$(1)),$(call lib_a,$(l)))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach c,$(COMPONENTS),$(eval $(call BIN_RULE,$(c))))

ALL_A := $(foreach l,$(ALL_LIBS),$(call lib_a,$(l)))

$(UNIT_BIN): $(O)/tests/test_%: $(O)/tests/unit/test_%.o $(ALL_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(ALL_A) $(LDLIBS) $(CMOCKA_LIBS)

$(FUZZ_REPLAY): $(O)/tests/fuzz_%-replay: $(O)/tests/fuzz/fuzz_%.o \
		$(O)/tests/fuzz/replay.o $(ALL_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_A) $(LDLIBS)

$(TOOL_BIN): $(O)/tests/tools/%: $(O)/tests/tools/%.o $(ALL_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(ALL_A) $(LDLIBS)

# the NFS test client links libnfs (libnfs-dev), nothing else does
NFS_LIBS = $(call pkgconf,NFS_LIBS,--libs libnfs)
$(O)/tests/tools/kfnfs: LDLIBS += $(NFS_LIBS)

$(BENCH_BIN): $(O)/bench/%: $(O)/bench/%.o $(ALL_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(ALL_A) $(LDLIBS)

# Examples link only what a component outside this tree would: client, api.
$(EXAMPLE_BIN): $(O)/examples/%: $(O)/examples/%.o $(call lib_a,client) $(call lib_a,api)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The harness self-test (tests/harness/selftest.sh, the "harness" tier):
# tests that fail on purpose and a kubefs-fs that misbehaves on purpose,
# built apart from the normal tiers so that only the self-test runs them.
HARNESS_BIN := $(O)/harness/tests/test_harness \
	$(O)/harness/tests/fuzz_harness-replay $(O)/harness/bin/kubefs-fs
$(O)/harness/tests/test_harness: $(O)/tests/harness/test_harness.o $(ALL_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(ALL_A) $(LDLIBS) $(CMOCKA_LIBS)
$(O)/harness/tests/fuzz_harness-replay: $(O)/tests/harness/fuzz_harness.o \
		$(O)/tests/fuzz/replay.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^
$(O)/harness/bin/kubefs-fs: $(O)/tests/harness/bad_fs.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

check-build: all $(UNIT_BIN) $(FUZZ_REPLAY) $(TOOL_BIN) $(BENCH_BIN) \
	$(HARNESS_BIN) $(EXAMPLE_BIN)

deps:
	@scripts/deps.sh

# The whole suite, the harness self-test first; ends with
# "N passed, N failed[, N skipped]".
test: deps check-build
	O=$(O) BIN=$(BIN) tests/run.sh

harness: check-build
	O=$(O) BIN=$(BIN) tests/run.sh harness
unit: check-build
	O=$(O) BIN=$(BIN) tests/run.sh unit
fuzz-replay: check-build
	O=$(O) BIN=$(BIN) tests/run.sh fuzz
e2e: check-build
	O=$(O) BIN=$(BIN) tests/run.sh e2e

# Coverage-guided fuzzing with libFuzzer: make fuzz; then e.g.
#   build/fuzz/fuzz_codec tests/fuzz/corpus/codec
# The libraries are rebuilt with clang and the fuzzer's coverage hooks.
FUZZ_O := build/fuzz/obj
FUZZ_LIBS = $(foreach l,$(ALL_LIBS),$(FUZZ_O)/lib$(l).a)
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined
fuzz: deps
	$(MAKE) CC=clang O=$(FUZZ_O) BIN=build/fuzz/bin \
		EXTRA_CFLAGS="$(FUZZ_FLAGS) -Wno-error" $(FUZZ_LIBS)
	for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); \
	  clang -std=gnu11 -D_GNU_SOURCE -I. $(PKG_CFLAGS) -g -O1 \
	    -fsanitize=fuzzer,address,undefined -o build/fuzz/$$n $$f \
	    $(FUZZ_LIBS) $(LDLIBS) || exit 1; \
	done

bench: all $(BENCH_BIN) $(TOOL_BIN)
	O=$(O) BIN=$(BIN) bench/run.sh

# the offline stand-in for the seed's nginx image (examples/local-image.sh)
up: deps all
	examples/local-image.sh $(BIN) >/dev/null
	$(BIN)/kubefs up

down:
	$(BIN)/kubefs down

FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format: deps
	clang-format -i $(FORMAT_FILES)
format-check: deps
	clang-format --dry-run --Werror $(FORMAT_FILES)

# The README's commands on a clean Debian root (scripts/check-fresh.sh,
# docs/building.md); REV=HEAD~1 checks a revision instead of the tree.
check-fresh:
	scripts/check-fresh.sh $(REV)

clean:
	rm -rf build bin

-include $(shell find $(O) -name '*.d' 2>/dev/null)
