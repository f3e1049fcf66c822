# The wire protocol's build rules, included by the Makefile before it computes flags.
# proto/sae.proto is compiled by protoc-c into $(BUILD)/gen/ (never committed); the generated
# object joins libsae.a through GEN_SRC.

PKGS += zlib libprotobuf-c

GEN_DIR := $(BUILD)/gen
GEN_SRC += $(GEN_DIR)/sae.pb-c.c
GEN_CFLAGS += -I$(GEN_DIR)

# A pattern rule with two targets makes both files in one protoc-c run.
$(GEN_DIR)/%.pb-c.c $(GEN_DIR)/%.pb-c.h: proto/%.proto
	@mkdir -p $(GEN_DIR)
	protoc-c --proto_path=proto --c_out=$(GEN_DIR) $<

# Generated code is not ours to fix: only this object relaxes the warnings it may trip.
GEN_RELAX := -Wno-unused-parameter -Wno-missing-field-initializers -Wno-shadow
$(GEN_DIR)/sae.pb-c.o: $(GEN_DIR)/sae.pb-c.c $(GEN_DIR)/sae.pb-c.h
	$(CC) $(ALL_CFLAGS) $(GEN_RELAX) -c $< -o $@

# Every object that includes the generated header waits for it (the first build has no
# dependency files yet to say so).
WIRE_GEN_USERS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard proto/wire*.c proto/envelope.c \
  tests/unit/test_wire.c tests/unit/test_envelope.c tests/unit/test_vectors.c \
  tests/vectors/make_vectors.c tests/bench/bench_wire.c))
$(WIRE_GEN_USERS): $(GEN_DIR)/sae.pb-c.h

# Test vectors: `make vectors` rebuilds tests/vectors/*.hex from fixed keys, nonces and
# contents. Not part of `all`: the committed files pin the format, and tests compare the C
# code against them; regenerate only when the format changes on purpose.
.PHONY: vectors
$(BUILD)/tools/make_vectors: $(BUILD)/tests/vectors/make_vectors.o $(BUILD)/libsae.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS)

vectors: $(BUILD)/tools/make_vectors
	$(BUILD)/tools/make_vectors tests/vectors
