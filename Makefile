# Rumah SAE Sync. `make` builds build/sae-node (with build/sae-node-net beside it) and
# build/sae-hub; `make test` installs what the
# tests need, builds and runs every test; `make demo` runs the whole system. See README.md.
#
# Layers (each folder one layer, includes only point down):
#   proto/ + include/sae/   libsae.a       what both programs share
#   node/{store,sync,app,cli}  libsae-node.a + libsae-web.a + node/cli/main.c = sae-node,
#                           + node/cli/main_net.c = sae-node-net (sae-node runs it for the
#                           commands that need the network or the web server)
#   web/{net,app}           libsae-web.a   the web layer both programs serve with
#   hub/{store,merge,api,render,cli}   libsae-hub.a + libsae-web.a + hub/cli/*.c = sae-hub
#   tests/support/          libsae-test.a  helpers the unit tests and benchmarks link

.DEFAULT_GOAL := all

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
FUZZ_SECONDS ?= 60
# Extra compiler flags for the sanitizer build (make unit-sanitize sets them, with clang).
SAN ?=
SAN_BUILD ?= $(BUILD)/sanitize

PKGS := sqlite3 libsodium jansson zlib libprotobuf-c libmicrohttpd gnutls libcurl
# Recursive (=) on purpose: pkg-config runs when a recipe needs the flags, after `deps`.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# sae-node itself: the journal's commands load no network or web library (issue 14's add).
NODE_LOCAL_PKGS := sqlite3 libsodium jansson zlib libprotobuf-c
NODE_LOCAL_LIBS = $(shell pkg-config --libs $(NODE_LOCAL_PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual \
  -Wwrite-strings -Wvla -Wundef -Wpointer-arith -Wformat=2 -Wno-format-nonliteral
BASE_CPPFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -I$(GEN_DIR) \
  $(PKG_CFLAGS)
# Each layer sees only its own program's folders (set per directory below).
DIR_INCLUDES :=
DIR_WARN :=
ALL_CFLAGS = $(BASE_CPPFLAGS) $(DIR_INCLUDES) $(WARN) $(DIR_WARN) $(CFLAGS) $(SAN) -MMD -MP

GEN_DIR := $(BUILD)/gen
GEN_SRC := $(GEN_DIR)/sae.pb-c.c
GEN_HDR := $(GEN_DIR)/sae.pb-c.h
include proto/proto.mk

# The official list of areas built into both programs (proto/area.c reads it).
AREA_CSV := data/villages/35.13.csv
AREA_SRC := $(GEN_DIR)/area_builtin.c
$(AREA_SRC): $(AREA_CSV) scripts/embed_file.sh
	@mkdir -p $(dir $@)
	sh scripts/embed_file.sh sae_area_builtin_csv $(AREA_CSV) > $@.tmp && mv $@.tmp $@
$(AREA_SRC:.c=.o): $(AREA_SRC)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The web pages' static assets, built into libsae-web.a (web/app/assets.c serves them).
WEB_ASSET_SRC := $(GEN_DIR)/web_assets.c
$(WEB_ASSET_SRC): web/assets/console.css web/assets/post.css scripts/embed_file.sh
	@mkdir -p $(dir $@)
	{ sh scripts/embed_file.sh web_asset_console_css web/assets/console.css && \
	  sh scripts/embed_file.sh web_asset_post_css web/assets/post.css; } > $@.tmp && mv $@.tmp $@
$(WEB_ASSET_SRC:.c=.o): $(WEB_ASSET_SRC)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

PROTO_SRC := $(sort $(wildcard proto/*.c))
NODE_MAIN_SRC := node/cli/main.c node/cli/main_net.c
NODE_SRC := $(sort $(filter-out $(NODE_MAIN_SRC),$(wildcard node/*/*.c)))
WEB_SRC := $(sort $(wildcard web/*/*.c))
HUB_SRC := $(sort $(filter-out hub/cli/%,$(wildcard hub/*/*.c)))
HUB_CLI_SRC := $(sort $(wildcard hub/cli/*.c))
TEST_SUPPORT_SRC := $(sort $(wildcard tests/support/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRC := $(sort $(wildcard tests/bench/bench_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
PROTO_OBJ := $(call obj,$(PROTO_SRC)) $(GEN_SRC:.c=.o) $(AREA_SRC:.c=.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
# Not benchmarks: programs the Python benchmarks run (bench_sync_anchor.py's journal_fill).
BENCH_HELPER_BIN := $(BUILD)/bench/journal_fill
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

$(BUILD)/node/%.o: DIR_INCLUDES := -Inode
# The post app (node/app) and the command line that serves it also see the web layer.
$(BUILD)/node/app/%.o: DIR_INCLUDES := -Inode -Iweb
$(BUILD)/node/cli/%.o: DIR_INCLUDES := -Inode -Iweb
$(BUILD)/web/%.o: DIR_INCLUDES := -Iweb
$(BUILD)/hub/%.o: DIR_INCLUDES := -Ihub -Iweb
# Test fixtures initialise the wire's structs, whose text members are owned char *, with
# string literals: only tests keep literals writable.
$(BUILD)/tests/%.o: DIR_INCLUDES := -Ihub -Iweb -Inode -Itests/support
$(BUILD)/tests/%.o: DIR_WARN := -Wno-write-strings

.PHONY: all test unit unit-sanitize e2e demo bench fuzz fuzz-smoke bench-smoke bench-anchor install \
  uninstall clean deps

all: $(BUILD)/sae-node $(BUILD)/sae-node-net $(BUILD)/sae-hub

# Every object waits for the generated protobuf-c header (order-only: regenerating it does
# not rebuild what does not include it; the dependency files say who does).
$(BUILD)/%.o: %.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libsae.a: $(PROTO_OBJ)
$(BUILD)/libsae-node.a: $(call obj,$(NODE_SRC))
$(BUILD)/libsae-web.a: $(call obj,$(WEB_SRC)) $(WEB_ASSET_SRC:.c=.o)
$(BUILD)/libsae-hub.a: $(call obj,$(HUB_SRC))
$(BUILD)/libsae-test.a: $(call obj,$(TEST_SUPPORT_SRC))
$(BUILD)/%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The post app in libsae-node.a uses libsae-web.a: the web layer comes after it.
LIBS_ALL := $(if $(TEST_SUPPORT_SRC),$(BUILD)/libsae-test.a) $(BUILD)/libsae-hub.a \
  $(BUILD)/libsae-node.a $(BUILD)/libsae-web.a $(BUILD)/libsae.a

# sae-node runs sae-node-net for enroll, sync, run and serve: building one builds both.
$(BUILD)/sae-node: $(BUILD)/node/cli/main.o $(BUILD)/libsae-node.a $(BUILD)/libsae-web.a \
  $(BUILD)/libsae.a | $(BUILD)/sae-node-net
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(NODE_LOCAL_LIBS)

$(BUILD)/sae-node-net: $(BUILD)/node/cli/main_net.o $(BUILD)/libsae-node.a \
  $(BUILD)/libsae-web.a $(BUILD)/libsae.a
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS)

$(BUILD)/sae-hub: $(call obj,$(HUB_CLI_SRC)) $(BUILD)/libsae-hub.a $(BUILD)/libsae-web.a \
  $(BUILD)/libsae.a
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS)

# Static pattern rules: a plain $(BUILD)/tests/% would also match the objects themselves.
$(UNIT_BIN): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBS_ALL)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS) -lcmocka

$(BENCH_BIN) $(BENCH_HELPER_BIN): $(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# bench_post_app times a real `sae-node serve`: the program it starts ($SAE_NODE_BIN).
$(BUILD)/bench/bench_post_app: | $(BUILD)/sae-node
bench bench-smoke: export SAE_NODE_BIN ?= $(abspath $(BUILD)/sae-node)

deps:
	@sh scripts/deps.sh

unit: $(UNIT_BIN)
	@sh tests/run_units.sh $(UNIT_BIN)

# The same unit tests built by clang under AddressSanitizer and UndefinedBehaviorSanitizer.
unit-sanitize:
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) CC=clang \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  unit

# The end-to-end tests in two pytest runs, both always: first the tests that are independent
# of timing over E2E_JOBS workers (pytest-xdist; 0 runs them in one process), then those
# marked serial (attacks, floods, valgrind, clocks, kills: see tests/e2e/conftest.py) one at
# a time, so that no other test's load moves what they measure. Each run ends with its 15
# slowest tests, to see where the suite's time goes.
E2E_JOBS ?= 2
E2E_PYTEST = SAE_NODE_BIN=$(abspath $(BUILD)/sae-node) SAE_HUB_BIN=$(abspath $(BUILD)/sae-hub) \
  /usr/bin/python3 -m pytest -q --durations=15
e2e: all
	@$(E2E_PYTEST) -n $(E2E_JOBS) -m "not serial" tests/e2e; parallel=$$?; \
	  $(E2E_PYTEST) -m serial tests/e2e; serial=$$?; \
	  [ $$parallel -eq 0 ] && [ $$serial -eq 0 ]

# Fuzz targets: libFuzzer, built by clang with ASan and UBSan, from the sources (not the
# gcc-built library). The code under test is compiled once, instrumented for coverage
# without libFuzzer's main (fuzzer-no-link), into libsae-fuzz.a; each target links it.
FUZZ_SAN := address,undefined -fno-sanitize-recover=all -g -O1
FUZZ_FLAGS := -fsanitize=fuzzer,$(FUZZ_SAN)
FUZZ_WEB_SRC := web/app/html.c
FUZZ_OBJ_DIR := $(BUILD)/fuzz-obj
FUZZ_LIB_SRC := $(PROTO_SRC) $(FUZZ_WEB_SRC)
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_OBJ_DIR)/%.o) \
  $(patsubst $(GEN_DIR)/%.c,$(FUZZ_OBJ_DIR)/gen/%.o,$(GEN_SRC) $(AREA_SRC))
FUZZ_COMPILE = clang $(BASE_CPPFLAGS) -Iweb $(WARN) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -MMD -MP
$(FUZZ_OBJ_DIR)/gen/%.o: $(GEN_DIR)/%.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_COMPILE) -c $< -o $@
$(FUZZ_OBJ_DIR)/%.o: %.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_COMPILE) -c $< -o $@
$(BUILD)/libsae-fuzz.a: $(FUZZ_LIB_OBJ)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libsae-fuzz.a | $(GEN_HDR)
	@mkdir -p $(dir $@)
	clang $(BASE_CPPFLAGS) -Iweb $(WARN) $(FUZZ_FLAGS) -o $@ $< $(BUILD)/libsae-fuzz.a \
	  $(PKG_LIBS)

fuzz: $(FUZZ_BIN)
	@sh tests/run_fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

# make test runs every target for 10 s, two at a time, from its committed seeds: enough to
# catch a target the code has broken and a shallow crash; `make fuzz` (FUZZ_SECONDS each) is
# the search for deep ones. 10 s rather than 20 keeps make test within CI's 20 minutes.
fuzz-smoke: $(FUZZ_BIN)
	@sh tests/run_fuzz.sh 10 $(FUZZ_BIN)

# bench_sync_anchor.py's CouchDB anchor: npm packages pinned by its package-lock.json, installed
# by npm ci into the build tree when missing (Node.js and npm come from make deps).
COUCH_ANCHOR := $(BUILD)/couch-anchor
bench-anchor:
	@sh tests/bench/couch_anchor/npm_ci.sh $(COUCH_ANCHOR)

# Every benchmark once at a small size: make test catches one the code has outgrown.
bench-smoke: $(BENCH_BIN) $(BENCH_HELPER_BIN) $(BUILD)/sae-hub $(BUILD)/sae-node bench-anchor
	@sh tests/run_bench_smoke.sh $(BENCH_BIN)
	@BENCH_SMOKE=1 /usr/bin/python3 tests/bench/bench_sync_anchor.py \
	  --node $(abspath $(BUILD)/sae-node) --hub $(abspath $(BUILD)/sae-hub) \
	  --anchor $(abspath $(COUCH_ANCHOR))/node_modules >/dev/null && \
	  echo "bench-smoke: bench_sync_anchor ok"
	@BENCH_SMOKE=1 /usr/bin/python3 tests/bench/bench_console_attack.py \
	  --hub $(abspath $(BUILD)/sae-hub) >/dev/null && echo "bench-smoke: bench_console_attack ok"
	@BENCH_SMOKE=1 /usr/bin/python3 tests/bench/bench_node_add.py \
	  --node $(abspath $(BUILD)/sae-node) >/dev/null && echo "bench-smoke: bench_node_add ok"

test: deps
	@BUILD=$(BUILD) sh tests/run_all.sh

# The build runs in a second make so that pkg-config sees what `deps` just installed.
demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(abspath $(BUILD))

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN) $(BENCH_HELPER_BIN) bench-anchor
	@for b in $(BENCH_BIN); do $$b || exit 1; done
	@/usr/bin/python3 tests/bench/bench_sync_link.py --node $(abspath $(BUILD)/sae-node) \
	  --hub $(abspath $(BUILD)/sae-hub)
	@/usr/bin/python3 tests/bench/bench_sync_anchor.py --node $(abspath $(BUILD)/sae-node) \
	  --hub $(abspath $(BUILD)/sae-hub) --anchor $(abspath $(COUCH_ANCHOR))/node_modules \
	  --reports 10000
	@/usr/bin/python3 tests/bench/bench_hub_attack.py --hub $(abspath $(BUILD)/sae-hub)
	@/usr/bin/python3 tests/bench/bench_console_attack.py --hub $(abspath $(BUILD)/sae-hub)
	@/usr/bin/python3 tests/bench/bench_node_add.py --node $(abspath $(BUILD)/sae-node)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/sae-node $(DESTDIR)$(PREFIX)/bin/sae-node
	install -m 0755 $(BUILD)/sae-node-net $(DESTDIR)$(PREFIX)/bin/sae-node-net
	install -m 0755 $(BUILD)/sae-hub $(DESTDIR)$(PREFIX)/bin/sae-hub

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sae-node $(DESTDIR)$(PREFIX)/bin/sae-node-net \
	  $(DESTDIR)$(PREFIX)/bin/sae-hub

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
