# bench/ — `make bench`: programs that print comparable figures. Never run
# by `make check` nor built by `make all`. `make bench BENCH_ARGS="--rounds
# 11 --seconds 1"` passes options through.
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

.PHONY: bench-run
bench-run: $(BENCH_MILENAGE)
	$(BENCH_MILENAGE) $(BENCH_ARGS)
