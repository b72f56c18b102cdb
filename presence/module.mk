# presence/ — the XCAP server (RFC 4825) for the presence application usages.
PRESENCE_SRCS := \
	presence/presence.c \
	presence/presence_xcap.c \
	presence/presence_store.c \
	presence/presence_auid.c \
	presence/presence_node.c \
	presence/presence_policy.c

PRESENCE_OBJS := $(PRESENCE_SRCS:%.c=$(BUILD)/obj/%.o)
DEPFILES += $(PRESENCE_OBJS:.o=.d)
PROGRAMS += $(BUILD)/presence

$(BUILD)/presence: $(PRESENCE_OBJS) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $(PRESENCE_OBJS) $(LIBCOMMON) $(PKG_LIBS)
