# bench/ — `make bench`: programs that print comparable figures. Never run
# by `make check` nor built by `make all`. Options pass through:
# `make bench BENCH_ARGS="--rounds 11 --seconds 1"` to bench-milenage,
# `make bench BENCH_ZH_ARGS="--seconds 10 --inflight 1,8,64"` to bench-zh,
# `make bench BENCH_UB_ARGS="--clients 1,64 --sessions 100000"` to
# bench/bench-ub.sh,
# `make bench BENCH_PRESENCE_ARGS="--seconds 10 --no-reference"` to
# bench/bench-presence.sh (XCAP GET and element PUT with wrk and h2load;
# nginx and Kamailio's xcap_server beside it when installed),
# `make bench BENCH_AP_ARGS="--seconds 5 --idle 1000"` to bench/bench-ap.sh
# (the AP over TLS-PSK with bench-ap, keys from bench-fake-bsf).
# Figures from sanitizer builds mean nothing: bench-run refuses them
# (SAN=1, or "san" in the name of BUILD).
#
# bench-milenage compares with libosmocore (osmo_auth_gen_vec lives in its
# libosmogsm part, same package libosmocore-dev); it is the only program
# that sees osmocom headers. pkg-config runs only when this recipe does,
# after `make bench` has installed the package.
BENCH_OSMO_PKGS := libosmogsm libosmocore
BENCH_OSMO_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(BENCH_OSMO_PKGS))
BENCH_OSMO_LIBS = $(shell $(PKG_CONFIG) --libs $(BENCH_OSMO_PKGS))
BENCH_OSMO_VERSION = $(shell $(PKG_CONFIG) --modversion libosmocore)
# The flags the figures were built with, for the report header.
BENCH_CFLAGS_SHOWN := $(strip $(filter-out -W% -MMD -MP,$(CFLAGS)))

BENCH_MILENAGE_OBJ := $(BUILD)/obj/bench/bench_milenage.o
BENCH_MILENAGE := $(BUILD)/bench/bench-milenage
DEPFILES += $(BENCH_MILENAGE_OBJ:.o=.d)

$(BENCH_MILENAGE_OBJ): bench/bench_milenage.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DBENCH_CFLAGS='"$(BENCH_CFLAGS_SHOWN)"' \
	  -DBENCH_OSMO_VERSION='"$(BENCH_OSMO_VERSION)"' $(CFLAGS) \
	  $(PKG_CFLAGS) $(BENCH_OSMO_CFLAGS) -c -o $@ $<

# libosmogsm exports milenage_f1/milenage_f2345 and calls them through its
# PLT; --exclude-libs keeps libcommon.a's functions of the same names out of
# the executable's dynamic symbols so they cannot interpose on the library.
$(BENCH_MILENAGE): $(BENCH_MILENAGE_OBJ) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_MILENAGE_OBJ) $(LIBCOMMON) $(PKG_LIBS) \
	  $(BENCH_OSMO_LIBS) -Wl,--exclude-libs,$(notdir $(LIBCOMMON))

# bench_util.o: what bench-zh and bench-ub share (stack.env, /proc CPU
# and sanitizer checks, percentiles, the report header); the pattern rule
# builds it.
BENCH_UTIL_OBJ := $(BUILD)/obj/bench/bench_util.o
DEPFILES += $(BENCH_UTIL_OBJ:.o=.d)

# bench-zh: MAR->MAA against hss-stub over one Diameter connection.
# bench/bench-zh.sh starts a stack (scripts/stack: every program, hence
# $(PROGRAMS)) around it.
BENCH_ZH_OBJ := $(BUILD)/obj/bench/bench_zh.o
BENCH_ZH := $(BUILD)/bench/bench-zh
DEPFILES += $(BENCH_ZH_OBJ:.o=.d)

$(BENCH_ZH_OBJ): bench/bench_zh.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DBENCH_CFLAGS='"$(BENCH_CFLAGS_SHOWN)"' $(CFLAGS) \
	  $(PKG_CFLAGS) -c -o $@ $<

$(BENCH_ZH): $(BENCH_ZH_OBJ) $(BENCH_UTIL_OBJ) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_ZH_OBJ) $(BENCH_UTIL_OBJ) $(LIBCOMMON) \
	  $(PKG_LIBS) -lm

# bench-ub: Ub bootstraps and Zn BIR/BIA against bsf. Its `load` command
# writes sessions with the BSF's own store code, so it links bsf_store.o
# (and sees bsf/bsf.h); bench/bench-ub.sh starts a stack and restarts bsf
# around the load.
BENCH_UB_OBJ := $(BUILD)/obj/bench/bench_ub.o
BENCH_UB := $(BUILD)/bench/bench-ub
BENCH_UB_BSF_OBJS := $(BUILD)/obj/bsf/bsf_store.o
DEPFILES += $(BENCH_UB_OBJ:.o=.d)

$(BENCH_UB_OBJ): bench/bench_ub.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Ibsf -DBENCH_CFLAGS='"$(BENCH_CFLAGS_SHOWN)"' \
	  $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BENCH_UB): $(BENCH_UB_OBJ) $(BENCH_UB_BSF_OBJS) $(BENCH_UTIL_OBJ) \
    $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_UB_OBJ) $(BENCH_UB_BSF_OBJS) \
	  $(BENCH_UTIL_OBJ) $(LIBCOMMON) $(PKG_LIBS) -lm

# bench-ap: the AP over Ua with a TLS-PSK load client of our own (GnuTLS,
# nghttp2), and bench-fake-bsf, the Zn server and keys it runs against.
# bench/bench-ap.sh starts presence, the AP and the fake BSF around them.
BENCH_AP_OBJ := $(BUILD)/obj/bench/bench_ap.o
BENCH_AP := $(BUILD)/bench/bench-ap
BENCH_FAKE_BSF_OBJ := $(BUILD)/obj/bench/fake_bsf.o
BENCH_FAKE_BSF := $(BUILD)/bench/bench-fake-bsf
DEPFILES += $(BENCH_AP_OBJ:.o=.d) $(BENCH_FAKE_BSF_OBJ:.o=.d)

$(BENCH_AP_OBJ): bench/bench_ap.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DBENCH_CFLAGS='"$(BENCH_CFLAGS_SHOWN)"' $(CFLAGS) \
	  $(PKG_CFLAGS) -c -o $@ $<

$(BENCH_AP): $(BENCH_AP_OBJ) $(BENCH_UTIL_OBJ) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_AP_OBJ) $(BENCH_UTIL_OBJ) $(LIBCOMMON) \
	  $(PKG_LIBS) -lm

# Not linked with bench_util.o: its sanitizer probe strings would make
# bench-ap's --pid check take it for a sanitizer build.
$(BENCH_FAKE_BSF): $(BENCH_FAKE_BSF_OBJ) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_FAKE_BSF_OBJ) $(LIBCOMMON) $(PKG_LIBS)

# Refused before anything is built.
ifneq ($(filter bench-run,$(MAKECMDGOALS)),)
ifneq ($(findstring san,$(notdir $(BUILD)))$(filter 1,$(SAN)),)
$(error bench: refusing a sanitizer build ($(BUILD)): its figures mean nothing)
endif
endif

.PHONY: bench-run
bench-run: $(BENCH_MILENAGE) $(BENCH_ZH) $(BENCH_UB) $(BENCH_AP) \
    $(BENCH_FAKE_BSF) $(PROGRAMS)
	$(BENCH_MILENAGE) $(BENCH_ARGS)
	UTSTACK_BUILD=$(BUILD) bench/bench-zh.sh $(BENCH_ZH_ARGS)
	UTSTACK_BUILD=$(BUILD) bench/bench-ub.sh $(BENCH_UB_ARGS)
	UTSTACK_BUILD=$(BUILD) bench/bench-presence.sh $(BENCH_PRESENCE_ARGS)
	UTSTACK_BUILD=$(BUILD) bench/bench-ap.sh $(BENCH_AP_ARGS)
