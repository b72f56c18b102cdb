# ap/ — the Authentication Proxy: Ua (TLS-PSK), Zn client, proxy to the AS.
AP_SRCS := \
	ap/ap.c \
	ap/ap_zn.c \
	ap/ap_ua.c \
	ap/ap_ident.c \
	ap/ap_digest.c \
	ap/ap_plain.c \
	ap/ap_plain_head.c

AP_OBJS := $(AP_SRCS:%.c=$(BUILD)/obj/%.o)
DEPFILES += $(AP_OBJS:.o=.d)
PROGRAMS += $(BUILD)/ap

$(BUILD)/ap: $(AP_OBJS) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $(AP_OBJS) $(LIBCOMMON) $(PKG_LIBS)

# The AP's identity handling and USS parsing in their own Check runner
# (run by check-unit / check-valgrind through UNIT_EXTRA_BINS), with the
# ussList written as the BSF writes it (hss-stub's GUSS, bsf's filter).
AP_UNIT_OBJS := $(BUILD)/obj/tests/unit/ap_tests.o \
	$(BUILD)/obj/ap/ap_zn.o $(BUILD)/obj/ap/ap_ident.o $(BUILD)/obj/ap/ap_digest.o \
	$(BUILD)/obj/bsf/bsf_guss.o $(BUILD)/obj/hss-stub/hss_guss.o
DEPFILES += $(BUILD)/obj/tests/unit/ap_tests.d
UNIT_EXTRA_BINS += $(BUILD)/tests/ap-tests
TEST_BINS += $(BUILD)/tests/ap-tests

$(BUILD)/obj/tests/unit/ap_tests.o: CFLAGS += $(CHECK_CFLAGS)
$(BUILD)/obj/tests/unit/ap_tests.o: CPPFLAGS += -Iap -Ibsf -Ihss-stub

$(BUILD)/tests/ap-tests: $(AP_UNIT_OBJS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(AP_UNIT_OBJS) $(LIBCOMMON) $(CHECK_LIBS) $(PKG_LIBS)
