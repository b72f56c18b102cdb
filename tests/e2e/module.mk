# tests/e2e — the real programs on 127.0.0.1 (ephemeral ports, temporary
# databases, through scripts/stack), waiting on event lines.
E2E_SRCS := \
	tests/e2e/e2e.c \
	tests/e2e/test_hss.c \
	tests/e2e/test_interop.c \
	tests/e2e/test_bsf.c \
	tests/e2e/test_ue.c \
	tests/e2e/test_conformance.c \
	tests/e2e/test_presence.c \
	tests/e2e/test_presence2.c \
	tests/e2e/test_ap.c \
	tests/e2e/test_ap2.c \
	tests/e2e/test_ue_xcap.c

E2E_OBJS := $(E2E_SRCS:%.c=$(BUILD)/obj/%.o)
DEPFILES += $(E2E_OBJS:.o=.d)
TEST_BINS += $(BUILD)/tests/e2e-tests

$(E2E_OBJS): CFLAGS += $(CHECK_CFLAGS) -Itests/e2e

$(BUILD)/tests/e2e-tests: $(E2E_OBJS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(E2E_OBJS) $(LIBCOMMON) $(CHECK_LIBS) $(PKG_LIBS)

# dia-probe: one MAR (Zh) or BIR (Zn) from the command line, for the
# declarative cases of tests/e2e/run-cases.sh (tests/e2e/cases/).
DIA_PROBE_OBJS := $(BUILD)/obj/tests/e2e/dia_probe.o
DEPFILES += $(DIA_PROBE_OBJS:.o=.d)
TEST_BINS += $(BUILD)/tests/dia-probe

$(BUILD)/tests/dia-probe: $(DIA_PROBE_OBJS) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(DIA_PROBE_OBJS) $(LIBCOMMON) $(PKG_LIBS)
