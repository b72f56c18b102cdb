# ue/ — the UE client: simulated USIM, bootstrapping, XCAP, crypto calculator.
UE_SRCS := \
	ue/ue.c \
	ue/ue_json.c \
	ue/ue_crypto.c \
	ue/ue_usim.c \
	ue/ue_bootstrap.c \
	ue/ue_ua.c \
	ue/ue_ua_digest.c \
	ue/ue_xcap.c \
	ue/ue_conformance.c

UE_OBJS := $(UE_SRCS:%.c=$(BUILD)/obj/%.o)
DEPFILES += $(UE_OBJS:.o=.d)
PROGRAMS += $(BUILD)/ue

$(BUILD)/ue: $(UE_OBJS) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $(UE_OBJS) $(LIBCOMMON) $(PKG_LIBS)
