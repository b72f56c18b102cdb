# bsf/ — the Bootstrapping Server Function: Ub, Zh client, Zn server.
BSF_SRCS := \
	bsf/bsf.c \
	bsf/bsf_ub.c \
	bsf/bsf_zh.c \
	bsf/bsf_zn.c \
	bsf/bsf_store.c \
	bsf/bsf_guss.c

BSF_OBJS := $(BSF_SRCS:%.c=$(BUILD)/obj/%.o)
DEPFILES += $(BSF_OBJS:.o=.d)
PROGRAMS += $(BUILD)/bsf

$(BUILD)/bsf: $(BSF_OBJS) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $(BSF_OBJS) $(LIBCOMMON) $(PKG_LIBS)
