# tests/fuzz — fuzz targets, one folder each: tests/fuzz/NAME/fuzz_NAME.c
# (defines LLVMFuzzerTestOneInput) and tests/fuzz/NAME/corpus/.
#
#   make check          builds NAME's replay binary with the normal CC and
#                       CFLAGS (SAN=1: with ASan+UBSan) and replays corpus/
#   make fuzz           builds libFuzzer binaries with clang into
#                       $(BUILD)/fuzz/fuzz-NAME (ASan+UBSan, coverage)
#   make fuzz-run FUZZ_TIME=600   runs each for that many seconds, one process,
#                       new inputs into $(BUILD)/fuzz/corpus-NAME (the
#                       committed corpus is only read)
#   make fuzz-corpus    regenerates tests/fuzz/diameter/corpus/ seeds
#
# A target is added by naming it in FUZZ_TARGETS. Sources it needs beyond
# common/ go in FUZZ_EXTRA_SRCS_NAME: their normal objects are linked into
# the replay binary, instrumented copies into the libFuzzer one, and their
# folders are on the harness's include path.
FUZZ_TARGETS := diameter digest xcap_uri xcap_node tls_hello ap_uss ap_plain \
	upstream_resp httpc_head

# The presence server's XCAP node engine.
FUZZ_EXTRA_SRCS_xcap_node := presence/presence_node.c
# The AP's GBA-UserSecSettings parser, and its plain-HTTP request head.
FUZZ_EXTRA_SRCS_ap_uss := ap/ap_zn.c
FUZZ_EXTRA_SRCS_ap_plain := ap/ap_plain_head.c

FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g -std=c11 $(WARN) $(FUZZ_SANFLAGS) -MMD -MP

FUZZ_OBJDIR := $(BUILD)/fuzz/obj
FUZZ_REPLAY_OBJ := $(BUILD)/obj/tests/fuzz/replay.o
FUZZ_REPLAYS := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/fuzz-%-replay)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz-%)
FUZZ_HARNESS_OBJS := $(foreach t,$(FUZZ_TARGETS),$(BUILD)/obj/tests/fuzz/$(t)/fuzz_$(t).o)
DEPFILES += $(FUZZ_REPLAY_OBJ:.o=.d) $(FUZZ_HARNESS_OBJS:.o=.d)
TEST_BINS += $(FUZZ_REPLAYS)

$(FUZZ_REPLAY_OBJ) $(FUZZ_HARNESS_OBJS): CPPFLAGS += -Itests/fuzz

# Per target: the replay binary (harness + replay.c main(), normal
# toolchain) and the libFuzzer binary (clang, see below), each with the
# target's extra objects built by the same toolchain.
define FUZZ_TARGET_RULES
FUZZ_EXTRA_OBJS_$(1) := $$(FUZZ_EXTRA_SRCS_$(1):%.c=$$(BUILD)/obj/%.o)
FUZZ_EXTRA_FOBJS_$(1) := $$(FUZZ_EXTRA_SRCS_$(1):%.c=$$(FUZZ_OBJDIR)/%.o)
DEPFILES += $$(FUZZ_EXTRA_FOBJS_$(1):.o=.d)

$$(BUILD)/obj/tests/fuzz/$(1)/fuzz_$(1).o \
$$(FUZZ_OBJDIR)/tests/fuzz/$(1)/fuzz_$(1).o: \
    CPPFLAGS += $$(patsubst %/,-I%,$$(sort $$(dir $$(FUZZ_EXTRA_SRCS_$(1)))))

$$(BUILD)/tests/fuzz/fuzz-$(1)-replay: $$(BUILD)/obj/tests/fuzz/$(1)/fuzz_$(1).o \
    $$(FUZZ_EXTRA_OBJS_$(1)) $$(FUZZ_REPLAY_OBJ) $$(LIBCOMMON)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$< $$(FUZZ_EXTRA_OBJS_$(1)) \
	  $$(FUZZ_REPLAY_OBJ) $$(LIBCOMMON) $$(PKG_LIBS)

$$(BUILD)/fuzz/fuzz-$(1): $$(FUZZ_OBJDIR)/tests/fuzz/$(1)/fuzz_$(1).o \
    $$(FUZZ_EXTRA_FOBJS_$(1)) $$(BUILD)/fuzz/libcommon-fuzz.a
	@mkdir -p $$(@D)
	$$(FUZZ_CC) -fsanitize=fuzzer $$(FUZZ_SANFLAGS) -o $$@ $$< \
	  $$(FUZZ_EXTRA_FOBJS_$(1)) $$(BUILD)/fuzz/libcommon-fuzz.a \
	  $$(PKG_LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_TARGET_RULES,$(t))))

.PHONY: check-fuzz-replay
check-fuzz-replay: $(FUZZ_REPLAYS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "$(BUILD)/tests/fuzz/fuzz-$$t-replay tests/fuzz/$$t/corpus"; \
	  $(BUILD)/tests/fuzz/fuzz-$$t-replay tests/fuzz/$$t/corpus; \
	done

# --- libFuzzer (clang) -----------------------------------------------------
# Everything, common/ included, is rebuilt with coverage instrumentation
# into $(BUILD)/fuzz/obj, apart from the normal objects.
FUZZ_COMMON_OBJS := $(COMMON_SRCS:%.c=$(FUZZ_OBJDIR)/%.o)
DEPFILES += $(FUZZ_COMMON_OBJS:.o=.d)

$(FUZZ_OBJDIR)/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	  $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_OBJDIR)/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -Itests/fuzz $(FUZZ_CFLAGS) \
	  -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -c -o $@ $<

# Program sources a target names in FUZZ_EXTRA_SRCS_NAME (the more
# specific rules above win for common/ and tests/fuzz/).
$(FUZZ_OBJDIR)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	  $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/libcommon-fuzz.a: $(FUZZ_COMMON_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

.PHONY: fuzz fuzz-run fuzz-deps
fuzz: $(FUZZ_BINS)
# clang and its fuzzer runtime, installed (as root) before anything builds
$(FUZZ_BINS) $(FUZZ_COMMON_OBJS): | fuzz-deps
fuzz-deps:
	@scripts/install-deps --if-missing --fuzz

fuzz-run: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD)/fuzz/corpus-$$t; \
	  $(BUILD)/fuzz/fuzz-$$t -max_total_time=$(FUZZ_TIME) \
	    -artifact_prefix=$(BUILD)/fuzz/$$t- \
	    $(BUILD)/fuzz/corpus-$$t tests/fuzz/$$t/corpus; \
	done

# --- seed corpus ----------------------------------------------------------
DIA_GEN_OBJ := $(BUILD)/obj/tests/fuzz/diameter/gen_corpus.o
DIA_GEN := $(BUILD)/tests/fuzz/diameter-gen-corpus
DEPFILES += $(DIA_GEN_OBJ:.o=.d)

$(DIA_GEN): $(DIA_GEN_OBJ) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(DIA_GEN_OBJ) $(LIBCOMMON) $(PKG_LIBS)

.PHONY: fuzz-corpus
fuzz-corpus: $(DIA_GEN)
	$(DIA_GEN) tests/fuzz/diameter/corpus
