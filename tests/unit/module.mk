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
	tests/unit/test_dia_peer.c

UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)
DEPFILES += $(UNIT_OBJS:.o=.d)
TEST_BINS += $(BUILD)/tests/unit-tests

$(UNIT_OBJS): CFLAGS += $(CHECK_CFLAGS) -Itests/unit -Itests/vectors

$(BUILD)/tests/unit-tests: $(UNIT_OBJS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(LIBCOMMON) $(CHECK_LIBS) $(PKG_LIBS)
