# The hub's build rules, included by the Makefile (`-include hub/hub.mk`, next to
# `-include proto/proto.mk`, before it computes flags).
#
# $(BUILD)/libsae-hub.a holds every hub/*.c except the program's own entry points (main.c and
# the command line, cli*.c), so unit tests and benchmarks link the same code the daemon runs.
# Unit test and benchmark binaries link it ahead of libsae-node.a and libsae.a.

PKGS += libmicrohttpd gnutls libcurl
GEN_CFLAGS += -Ihub

HUB_LIB_SRC := $(sort $(filter-out hub/main.c hub/cli%.c,$(wildcard hub/*.c)))
HUB_LIB_OBJ := $(HUB_LIB_SRC:%.c=$(BUILD)/%.o)
HUB_MAIN_SRC := $(sort $(wildcard hub/main.c hub/cli*.c))

$(BUILD)/libsae-hub.a: $(HUB_LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The daemon and its admin command line (not part of `all` until the Makefile says so).
$(BUILD)/sae-hub: $(HUB_MAIN_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libsae-hub.a $(BUILD)/libsae.a
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS)

# The Makefile's own rules for these binaries are pattern rules; a static pattern rule over
# the same files takes precedence over them, whatever the order of definition, and puts
# libsae-hub.a on the link line before the libraries it may use. The lists are computed here
# because the Makefile sets UNIT_BIN and BENCH_BIN only after including this file.
HUB_UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))
HUB_BENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))

$(HUB_UNIT_BIN): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libsae-hub.a \
    $(BUILD)/libsae-node.a $(BUILD)/libsae.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS) -lcmocka

$(HUB_BENCH_BIN): $(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(BUILD)/libsae-hub.a \
    $(BUILD)/libsae-node.a $(BUILD)/libsae.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)
