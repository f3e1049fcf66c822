# The wire protocol's generated code, included by the Makefile (which sets GEN_DIR, GEN_SRC
# and GEN_HDR). proto/sae.proto is compiled by protoc-c into $(GEN_DIR) (never committed); the
# generated object joins libsae.a.

# A pattern rule with two targets makes both files in one protoc-c run.
$(GEN_DIR)/%.pb-c.c $(GEN_DIR)/%.pb-c.h: proto/%.proto
	@mkdir -p $(GEN_DIR)
	protoc-c --proto_path=proto --c_out=$(GEN_DIR) $<

# Generated code is not ours to fix: only this object relaxes the warnings it may trip.
GEN_RELAX := -Wno-unused-parameter -Wno-missing-field-initializers -Wno-shadow \
  -Wno-missing-prototypes -Wno-cast-qual
$(GEN_DIR)/sae.pb-c.o: $(GEN_DIR)/sae.pb-c.c $(GEN_HDR)
	$(CC) $(ALL_CFLAGS) $(GEN_RELAX) -c $< -o $@

# Test vectors: `make vectors` rebuilds tests/vectors/*.hex from fixed keys, nonces and
# contents. Not part of `all`: the committed files pin the format, and tests compare the C
# code against them; regenerate only when the format changes on purpose.
.PHONY: vectors
$(BUILD)/tools/make_vectors: $(BUILD)/tests/vectors/make_vectors.o $(BUILD)/libsae.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS)

vectors: $(BUILD)/tools/make_vectors
	$(BUILD)/tools/make_vectors tests/vectors
