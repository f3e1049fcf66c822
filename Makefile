# Rumah SAE Sync. `make` builds build/sae-node; `make test` installs what the tests need,
# builds and runs every test; `make demo` shows the node at work. See README.md.

CC ?= cc
BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
FUZZ_SECONDS ?= 60
# Extra flags for the sanitizer build (make test runs it with clang).
SAN ?=

SAN_BUILD ?= build/sanitize

PKGS := sqlite3 libsodium jansson
# Sources generated at build time (protobuf-c); proto/proto.mk adds them and their rules.
GEN_SRC :=
GEN_CFLAGS :=
-include proto/proto.mk
-include hub/hub.mk
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
CPPFLAGS_ALL = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Inode \
  $(GEN_CFLAGS) $(PKG_CFLAGS)
ALL_CFLAGS = $(CPPFLAGS_ALL) $(WARN) $(CFLAGS) $(SAN) -MMD -MP

PROTO_SRC := $(sort $(wildcard proto/*.c))
NODE_LIB_SRC := $(sort $(filter-out node/main.c,$(wildcard node/*.c)))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
BENCH_SRC := $(sort $(wildcard tests/bench/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

PROTO_OBJ := $(PROTO_SRC:%.c=$(BUILD)/%.o) $(GEN_SRC:%.c=%.o)
NODE_LIB_OBJ := $(NODE_LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all test unit unit-sanitize e2e demo bench fuzz fuzz-smoke install uninstall clean deps

all: $(BUILD)/sae-node $(BUILD)/sae-hub

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The shared protocol library that sae-node (and sae-hub) link.
$(BUILD)/libsae.a: $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libsae-node.a: $(NODE_LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/sae-node: $(BUILD)/node/main.o $(BUILD)/libsae-node.a $(BUILD)/libsae.a
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libsae-node.a $(BUILD)/libsae.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS) -lcmocka

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(BUILD)/libsae-node.a $(BUILD)/libsae.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

deps:
	@sh scripts/deps.sh

unit: $(UNIT_BIN)
	@sh tests/run_units.sh $(UNIT_BIN)

# The same unit tests built by clang under AddressSanitizer and UndefinedBehaviorSanitizer.
unit-sanitize:
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) CC=clang \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  unit

e2e: $(BUILD)/sae-node $(BUILD)/sae-hub
	@SAE_NODE_BIN=$(abspath $(BUILD)/sae-node) SAE_HUB_BIN=$(abspath $(BUILD)/sae-hub) \
	  /usr/bin/python3 -m pytest -q tests/e2e

# Fuzz targets: libFuzzer, built by clang with ASan and UBSan.
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
$(BUILD)/fuzz/%: tests/fuzz/%.c $(PROTO_SRC) $(GEN_SRC)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS_ALL) $(WARN) $(FUZZ_FLAGS) -o $@ $< $(PROTO_SRC) $(GEN_SRC) $(PKG_LIBS)

fuzz: $(FUZZ_BIN)
	@sh tests/run_fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

# make test runs every target for about 20 s, two at a time.
fuzz-smoke: $(FUZZ_BIN)
	@sh tests/run_fuzz.sh 20 $(FUZZ_BIN)

test: deps
	@sh tests/run_all.sh

demo: deps all
	@sh scripts/demo.sh $(abspath $(BUILD))

bench: deps all $(BENCH_BIN)
	@for b in $(BENCH_BIN); do $$b || exit 1; done
	@/usr/bin/python3 tests/bench/bench_sync_link.py --node $(abspath $(BUILD)/sae-node) \
	  --hub $(abspath $(BUILD)/sae-hub)

install: $(BUILD)/sae-node $(BUILD)/sae-hub
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/sae-node $(DESTDIR)$(PREFIX)/bin/sae-node
	install -m 0755 $(BUILD)/sae-hub $(DESTDIR)$(PREFIX)/bin/sae-hub

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sae-node $(DESTDIR)$(PREFIX)/bin/sae-hub

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
