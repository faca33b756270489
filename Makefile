# ipcbench build: `make bench` and `make test` are the two commands; each runs
# `deps` first, so both work on a fresh Debian 12 machine. Outputs go to
# $(BUILD) (build/); `make install` installs the programs and their data.

BUILD    ?= build
CC       ?= gcc
CXX      ?= g++
SAN      ?=
OPT      ?= -O2
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
# Where the installed ipcbench finds its campaigns and scripts (compiled in).
DATADIR  ?= $(PREFIX)/share/ipcbench
DESTDIR  ?=
INSTALL  ?= install
GIT_COMMIT := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
GIT_BRANCH := $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
VERSION   = 0.1.0

# ---- packages --------------------------------------------------------------
# pkg-config name:Debian package. Checked once, when the first compile or
# link needs the flags, so `make deps` and `make clean` work without them.
PKG_DEBS  = benchmark:libbenchmark-dev libxxhash:libxxhash-dev jansson:libjansson-dev \
            inih:libinih-dev spng:libspng-dev libcurl:libcurl4-openssl-dev \
            libmicrohttpd:libmicrohttpd-dev dbus-1:libdbus-1-dev sqlite3:libsqlite3-dev \
            libpq:libpq-dev cmocka:libcmocka-dev
pkg_name  = $(word 1,$(subst :, ,$(1)))
pkg_deb   = $(word 2,$(subst :, ,$(1)))
# What the library and the programs link; cmocka is for the tests alone.
PKGS      = $(filter-out cmocka,$(foreach p,$(PKG_DEBS),$(call pkg_name,$(p))))
PKG_MISSING = $(foreach p,$(PKG_DEBS),$(if $(shell pkg-config --exists $(call pkg_name,$(p)) && echo y),,$(p)))
pkg_error   = $(error pkg-config finds no $(foreach p,$(1),'$(call pkg_name,$(p))' (Debian package \
              $(call pkg_deb,$(p)))); install them (as root: make deps))
PKG_CHECKED = $(eval PKG_CHECKED :=)$(if $(shell command -v pkg-config 2>/dev/null),,$(error pkg-config \
              not found; install the Debian package pkg-config (as root: make deps)))$(if \
              $(strip $(PKG_MISSING)),$(call pkg_error,$(PKG_MISSING)))
# Each is computed once, on first use.
PKG_CFLAGS  = $(PKG_CHECKED)$(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS    = $(PKG_CHECKED)$(eval PKG_LIBS := $$(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)
DBUS_LIBS   = $(PKG_CHECKED)$(eval DBUS_LIBS := $$(shell pkg-config --libs dbus-1))$(DBUS_LIBS)
CMOCKA_LIBS = $(PKG_CHECKED)$(eval CMOCKA_LIBS := $$(shell pkg-config --libs cmocka))$(CMOCKA_LIBS)
BENCHMARK_VERSION = $(PKG_CHECKED)$(eval BENCHMARK_VERSION := \
    $$(shell pkg-config --modversion benchmark))$(BENCHMARK_VERSION)

# ---- Qt (optional) -----------------------------------------------------------
# The Qt transport family (transports/qt/, C++) is built only when pkg-config
# finds Qt 5 (Debian package qtbase5-dev, which `make deps` installs), decided
# once per make. Without it transports/qt/qt_unavailable.c takes its place: the
# same tables, each saying in `ipcbench list` that Qt was not built in. Qt's
# headers are system headers here (its warnings are not ours), and Qt requires
# position-independent code.
QT_PKGS    = Qt5Core Qt5Network Qt5DBus
HAVE_QT   := $(shell pkg-config --exists $(QT_PKGS) 2>/dev/null && echo yes)
ifeq ($(HAVE_QT),yes)
QT_CFLAGS := -fPIC $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(QT_PKGS)))
QT_LIBS   := $(shell pkg-config --libs $(QT_PKGS))
endif

# ---- sources ---------------------------------------------------------------
# Found wherever they are under harness/ and transports/, so moving a file
# into a folder needs no edit here. Everything but the QCOP programs' mains
# (matched by file name) goes into the library.
find_src   = $(sort $(shell find $(1) -name '*.c' -o -name '*.cc'))
obj        = $(patsubst %,$(BUILD)/obj/%.o,$(basename $(1)))
HARNESS_SRC    := $(call find_src,harness)
QT_SRC         := $(call find_src,transports/qt)
QT_UNAVAILABLE := $(filter %/qt_unavailable.c,$(QT_SRC))
# With Qt: its C++ files; without: the stand-in tables alone.
QT_BUILT       := $(if $(HAVE_QT),$(filter-out $(QT_UNAVAILABLE),$(QT_SRC)),$(QT_UNAVAILABLE))
TRANSPORTS_SRC := $(filter-out $(QT_SRC),$(call find_src,transports)) $(QT_BUILT)
QCOPD_MAIN := $(filter %/qcopd_main.c,$(TRANSPORTS_SRC))
QCOP_MAIN  := $(filter %/qcop_cli.c,$(TRANSPORTS_SRC))
LIB_SRC    := $(HARNESS_SRC) $(filter-out $(QCOPD_MAIN) $(QCOP_MAIN),$(TRANSPORTS_SRC))
LIB_OBJS   := $(call obj,$(LIB_SRC))
LIB         = $(BUILD)/libipcbench.a
BENCH_SRC  := $(wildcard bench/*.c)
CLI_OBJS   := $(call obj,$(filter-out bench/ref_%.c,$(BENCH_SRC)))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
INTEG_SRC  := $(sort $(wildcard tests/integration/test_*.c))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
INTEG_BINS := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(INTEG_SRC))
TEST_BINS   = $(UNIT_BINS) $(INTEG_BINS)
TEST_SUPPORT := $(call obj,$(wildcard tests/support/*.c))
TOOLS       = $(BUILD)/ipcbench $(BUILD)/ref-socketpair $(BUILD)/ref-dbus-loop $(BUILD)/qcopd $(BUILD)/qcop

# ---- flags -----------------------------------------------------------------
# Include paths: the folders with public headers (those that exist and hold
# headers, so the flat and the foldered layout both work). A family's private
# headers are seen only by its own files: each file is compiled with -I of
# its own folder first.
PUBLIC_DIRS = harness harness/run harness/results harness/history transports transports/common \
              transports/qcop/lib bench tests/support
INCLUDES   := $(strip $(foreach d,$(PUBLIC_DIRS),$(if $(wildcard $(d)/*.h),-I$(d))))

# The project's flags; CPPFLAGS, CFLAGS, CXXFLAGS, LDFLAGS and LDLIBS from the
# command line or the environment are added after them.
IPCB_CPPFLAGS = -D_GNU_SOURCE $(INCLUDES) -DIPCB_VERSION_STRING='"$(VERSION)"' \
                -DIPCB_BENCHMARK_VERSION='"$(BENCHMARK_VERSION)"' $(PKG_CFLAGS) -MMD -MP
# Error messages are truncated to their buffers on purpose.
IPCB_CFLAGS   = -std=c11 $(OPT) -g -Wall -Wextra -Werror -Wno-format-truncation $(SAN)
IPCB_CXXFLAGS = -std=c++17 $(OPT) -g -Wall -Wextra -Werror $(SAN)
IPCB_LDFLAGS  = $(SAN)
IPCB_LDLIBS   = $(PKG_LIBS) $(QT_LIBS) -lpthread -lm
IPCB_COMPILE_C   = $(CC) -I$(<D) $(IPCB_CPPFLAGS) $(CPPFLAGS) $(IPCB_CFLAGS) $(CFLAGS)
IPCB_COMPILE_CXX = $(CXX) -I$(<D) $(IPCB_CPPFLAGS) $(CPPFLAGS) $(IPCB_CXXFLAGS) $(CXXFLAGS)

.PHONY: all deps test unit asan bench clean fuzz install uninstall FORCE
all: $(TOOLS) $(TEST_BINS)

deps:
	@sh scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(IPCB_COMPILE_C) -c $< -o $@

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(@D)
	$(IPCB_COMPILE_CXX) -c $< -o $@

$(call obj,$(filter %.cc,$(QT_BUILT))): IPCB_CXXFLAGS += $(QT_CFLAGS)

# Only envinfo.o carries the commit and branch; it is rebuilt when they change.
ENVINFO_OBJ := $(call obj,$(filter %/envinfo.c,$(HARNESS_SRC)))
$(BUILD)/commit.txt: FORCE
	@mkdir -p $(BUILD)
	@echo '$(GIT_COMMIT) $(GIT_BRANCH)' | cmp -s - $@ || echo '$(GIT_COMMIT) $(GIT_BRANCH)' > $@
$(ENVINFO_OBJ): IPCB_CPPFLAGS += -DIPCB_GIT_COMMIT='"$(GIT_COMMIT)"' -DIPCB_GIT_BRANCH='"$(GIT_BRANCH)"'
$(ENVINFO_OBJ): $(BUILD)/commit.txt

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/ipcbench: $(CLI_OBJS) $(LIB)
	$(CXX) $(IPCB_LDFLAGS) $(LDFLAGS) $^ $(IPCB_LDLIBS) $(LDLIBS) -o $@

# The reference programs and the QCOP programs take from the library only the
# helpers they call (transports/common/, the QCOP client), wherever those live.
$(BUILD)/ref-socketpair: $(BUILD)/obj/bench/ref_socketpair.o $(LIB)
	$(CC) $(IPCB_LDFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/ref-dbus-loop: $(BUILD)/obj/bench/ref_dbus_loop.o $(LIB)
	$(CC) $(IPCB_LDFLAGS) $(LDFLAGS) $^ $(DBUS_LIBS) $(LDLIBS) -o $@

$(BUILD)/qcopd: $(call obj,$(QCOPD_MAIN)) $(LIB)
	$(CC) $(IPCB_LDFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/qcop: $(call obj,$(QCOP_MAIN)) $(LIB)
	$(CC) $(IPCB_LDFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

LINK_TEST = $(CXX) $(IPCB_LDFLAGS) $(LDFLAGS) $^ $(IPCB_LDLIBS) $(CMOCKA_LIBS) $(LDLIBS) -o $@
$(UNIT_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TEST_SUPPORT) $(LIB)
	@mkdir -p $(@D)
	$(LINK_TEST)
$(INTEG_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/integration/%.o $(TEST_SUPPORT) $(LIB)
	@mkdir -p $(@D)
	$(LINK_TEST)

# ---- tests -----------------------------------------------------------------
# Unit tests, then integration tests that move real frames over every
# available transport with --verify all, as many programs at a time as there
# are CPUs (tests/run-tests.sh, TEST_JOBS). `make unit`: the unit tests alone.
# `make test` and `make bench` build on every CPU unless make was given -j.
BUILD_JOBS = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 1))

test: deps
	@$(MAKE) --no-print-directory $(BUILD_JOBS) all
	@sh tests/run-tests.sh $(BUILD)

unit: deps
	@$(MAKE) --no-print-directory $(BUILD_JOBS) $(TOOLS) $(UNIT_BINS)
	@sh tests/run-tests.sh $(BUILD) unit

# IPCB_SAN tells the install test how to link the installed ipcbench.
ASAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan: deps
	@$(MAKE) --no-print-directory $(BUILD_JOBS) BUILD=build/asan OPT=-O1 SAN="$(ASAN)" all
	@IPCB_SAN="$(ASAN)" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    sh tests/run-tests.sh build/asan

# The main job: build, run the default campaign, plot, report.
bench: deps
	@$(MAKE) --no-print-directory $(BUILD_JOBS) all
	$(BUILD)/ipcbench run --campaign default

# libFuzzer on the QCOP packet parser; new inputs it finds stay in the corpus.
FUZZ_SECONDS ?= 60
QCOP_FUZZ = $(BUILD)/fuzz/qcop_fuzz
fuzz:
	@mkdir -p $(BUILD)/fuzz tests/fuzz/qcop_corpus
	clang -std=c11 -g -O1 -D_GNU_SOURCE $(INCLUDES) -fsanitize=fuzzer,address,undefined \
	    tests/fuzz/qcop_fuzz.c $(filter %/qcop_proto.c,$(TRANSPORTS_SRC)) -o $(QCOP_FUZZ)
	$(QCOP_FUZZ) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 tests/fuzz/qcop_corpus

# ---- install ---------------------------------------------------------------
# $(DESTDIR)$(BINDIR): ipcbench, qcopd, qcop. $(DESTDIR)$(DATADIR): campaigns/
# (bench/campaigns/*.ini) and scripts/ (shell scripts, gnuplot files,
# dbus-session.conf). The installed ipcbench is linked again with datadir.o
# compiled for $(DATADIR): named before the library, it is the one the linker
# uses, and the library's own datadir.o (the in-tree build's, which finds the
# source tree above build/) is never taken. Nothing else is rebuilt.
DATADIR_SRC  := $(filter %/datadir.c,$(TRANSPORTS_SRC))
INST         := $(BUILD)/install
INST_SCRIPTS := $(wildcard scripts/*.sh scripts/*.gp scripts/dbus-session.conf)

$(INST)/datadir.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' > $@

$(INST)/obj/datadir.o: $(DATADIR_SRC) $(INST)/datadir.txt
	@mkdir -p $(@D)
	$(IPCB_COMPILE_C) -DIPCB_DATADIR='"$(DATADIR)"' -c $< -o $@

$(INST)/ipcbench: $(CLI_OBJS) $(INST)/obj/datadir.o $(LIB)
	$(CXX) $(IPCB_LDFLAGS) $(LDFLAGS) $^ $(IPCB_LDLIBS) $(LDLIBS) -o $@

install: $(INST)/ipcbench $(BUILD)/qcopd $(BUILD)/qcop
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/campaigns $(DESTDIR)$(DATADIR)/scripts
	$(INSTALL) -m 0755 $^ $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0644 bench/campaigns/*.ini $(DESTDIR)$(DATADIR)/campaigns/
	@for f in $(INST_SCRIPTS); do \
	    m=0644; [ -x "$$f" ] && m=0755; \
	    echo "$(INSTALL) -m $$m $$f $(DESTDIR)$(DATADIR)/scripts/"; \
	    $(INSTALL) -m $$m "$$f" $(DESTDIR)$(DATADIR)/scripts/ || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ipcbench $(DESTDIR)$(BINDIR)/qcopd $(DESTDIR)$(BINDIR)/qcop
	rm -rf $(DESTDIR)$(DATADIR)

# ---- CI gates --------------------------------------------------------------
# The CI performance gate (scripts/perf-gate.sh): run the ci campaign and
# compare it with the committed baseline (a slowdown must show again in a second run);
# exit 1 on a regression. `make baseline` refreshes results/baselines/ci.
# `make perf-ab BASE=origin/main`: the A/B gate (scripts/perf-ab.sh): BASE
# built in a worktree and this build run as paired runs (both at once, taking
# turns before every repetition), judged by `ipcbench compare --paired`.
.PHONY: perf-check baseline perf-ab
BASE ?= HEAD
perf-ab: deps
	@$(MAKE) --no-print-directory $(BUILD)/ipcbench $(BUILD)/qcopd
	@BUILD=$(BUILD) sh scripts/perf-ab.sh --base $(BASE)

perf-check: deps
	@$(MAKE) --no-print-directory $(BUILD)/ipcbench
	@BUILD=$(BUILD) sh scripts/perf-gate.sh check results/baselines/ci

baseline: deps
	@$(MAKE) --no-print-directory $(BUILD)/ipcbench
	@BUILD=$(BUILD) sh scripts/perf-gate.sh baseline results/baselines/ci

# Removes $(BUILD) and nothing else (build/asan is under the default build/).
clean:
	$(if $(filter-out . .. / ./ ../,$(BUILD)),,$(error make clean: refusing BUILD='$(BUILD)'))
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(INST)/obj -name '*.d' 2>/dev/null)
