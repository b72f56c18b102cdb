# hss-stub/ — subscriber database and the Zh Diameter server.
HSS_SRCS := \
	hss-stub/hss.c \
	hss-stub/hss_store.c \
	hss-stub/hss_guss.c \
	hss-stub/hss_prov.c \
	hss-stub/hss_zh.c

HSS_OBJS := $(HSS_SRCS:%.c=$(BUILD)/obj/%.o)
DEPFILES += $(HSS_OBJS:.o=.d)
PROGRAMS += $(BUILD)/hss-stub

$(BUILD)/hss-stub: $(HSS_OBJS) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $(HSS_OBJS) $(LIBCOMMON) $(PKG_LIBS)
