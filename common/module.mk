# common/ — libcommon.a: protocol and crypto building blocks, no program state.
# Sources are listed once, here.
COMMON_SRCS := \
	common/crypto.c \
	common/hex.c \
	common/b64.c \
	common/secret.c \
	common/buf.c \
	common/log.c \
	common/conf.c \
	common/milenage.c \
	common/aka.c \
	common/gba.c \
	common/digest.c \
	common/dia_dict.c \
	common/diameter.c \
	common/db.c \
	common/daemon.c \
	common/xml.c \
	common/httpc.c \
	common/upstream.c \
	common/http.c \
	common/http2.c \
	common/dia_peer.c \
	common/tls.c \
	common/xcap_uri.c

COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/obj/%.o)
LIBCOMMON := $(BUILD)/libcommon.a
DEPFILES += $(COMMON_OBJS:.o=.d)

$(LIBCOMMON): $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
