# tests/unit — one Check suite per common/ module, linked into one runner.
# `CK_RUN_SUITE=milenage build/tests/unit-tests` runs a single suite.
UNIT_SRCS := \
	tests/unit/run.c \
	tests/unit/test_encoding.c \
	tests/unit/test_buf.c \
	tests/unit/test_log.c \
	tests/unit/test_conf.c \
	tests/unit/test_milenage.c \
	tests/unit/test_aka.c \
	tests/unit/test_gba.c \
	tests/unit/test_digest.c \
	tests/unit/test_ue_crypto.c \
	tests/unit/test_diameter.c \
	tests/unit/test_dia_peer.c \
	tests/unit/test_xml.c \
	tests/unit/test_http.c \
	tests/unit/test_tls.c \
	tests/unit/test_xcap_uri.c \
	tests/unit/test_httpc.c \
	tests/unit/test_upstream.c

UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)
DEPFILES += $(UNIT_OBJS:.o=.d)
TEST_BINS += $(BUILD)/tests/unit-tests

$(UNIT_OBJS): CFLAGS += $(CHECK_CFLAGS) -Itests/unit -Itests/vectors

$(BUILD)/tests/unit-tests: $(UNIT_OBJS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(LIBCOMMON) $(CHECK_LIBS) $(PKG_LIBS)

# The BSF's session store and GUSS (bsf/, not common/) in their own Check
# runner, with hss-stub's GUSS writer as the source of test documents.
# Run by check-unit / check-valgrind through UNIT_EXTRA_BINS.
BSF_UNIT_OBJS := $(BUILD)/obj/tests/unit/bsf_store_tests.o \
	$(BUILD)/obj/bsf/bsf_store.o $(BUILD)/obj/bsf/bsf_guss.o \
	$(BUILD)/obj/hss-stub/hss_guss.o
DEPFILES += $(BUILD)/obj/tests/unit/bsf_store_tests.d
UNIT_EXTRA_BINS += $(BUILD)/tests/bsf-store-tests
TEST_BINS += $(BUILD)/tests/bsf-store-tests

$(BUILD)/obj/tests/unit/bsf_store_tests.o: CFLAGS += $(CHECK_CFLAGS)
$(BUILD)/obj/tests/unit/bsf_store_tests.o: CPPFLAGS += -Ibsf -Ihss-stub

$(BUILD)/tests/bsf-store-tests: $(BSF_UNIT_OBJS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(BSF_UNIT_OBJS) $(LIBCOMMON) $(CHECK_LIBS) $(PKG_LIBS)

# The presence server's XCAP node engine (presence/presence_node.c) in its
# own Check runner, selectors parsed by common/xcap_uri.c.
NODE_UNIT_OBJS := $(BUILD)/obj/tests/unit/presence_node_tests.o \
	$(BUILD)/obj/presence/presence_node.o
DEPFILES += $(NODE_UNIT_OBJS:.o=.d)
UNIT_EXTRA_BINS += $(BUILD)/tests/presence-node-tests
TEST_BINS += $(BUILD)/tests/presence-node-tests

$(BUILD)/obj/tests/unit/presence_node_tests.o: CFLAGS += $(CHECK_CFLAGS)
$(BUILD)/obj/tests/unit/presence_node_tests.o: CPPFLAGS += -Ipresence

$(BUILD)/tests/presence-node-tests: $(NODE_UNIT_OBJS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(NODE_UNIT_OBJS) $(LIBCOMMON) $(CHECK_LIBS) $(PKG_LIBS)
