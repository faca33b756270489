# ipcbench build: `make bench` and `make test` are the two commands; each runs
# `deps` first, so both work on a fresh Debian 12 machine. Outputs go to build/.

BUILD    ?= build
CC       ?= gcc
CXX      ?= g++
SAN      ?=
OPT      ?= -O2
PKGS      = benchmark libxxhash jansson inih spng libcurl libmicrohttpd dbus-1
GIT_COMMIT := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
VERSION   = 0.1.0

CPPFLAGS  = -D_GNU_SOURCE -Iharness/run -Iharness/results -Itransports -Ibench -Itests/support \
            -DIPCB_VERSION_STRING='"$(VERSION)"' \
            -DIPCB_BENCHMARK_VERSION='"$(shell pkg-config --modversion benchmark 2>/dev/null)"' \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -MMD -MP
# Error messages are truncated to their buffers on purpose.
CFLAGS    = -std=c11 $(OPT) -g -Wall -Wextra -Werror -Wno-format-truncation $(SAN)
CXXFLAGS  = -std=c++17 $(OPT) -g -Wall -Wextra -Werror $(SAN)
LDFLAGS   = $(SAN)
LDLIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

HARNESS_C  = $(wildcard harness/run/*.c harness/results/*.c)
TRANSPORTS = $(wildcard transports/*.c)
# The QCOP bus: every file but the two programs' mains goes into the library.
QCOP_MAINS = transports/qcop/qcopd_main.c transports/qcop/qcop_cli.c
TRANSPORTS += $(filter-out $(QCOP_MAINS),$(wildcard transports/qcop/*.c))
LIB_OBJS   = $(HARNESS_C:%.c=$(BUILD)/obj/%.o) $(TRANSPORTS:%.c=$(BUILD)/obj/%.o) \
             $(BUILD)/obj/harness/run/gbench.o
LIB        = $(BUILD)/libipcbench.a
TEST_SRCS  = $(wildcard tests/test_*.c)
TEST_BINS  = $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TEST_SUPPORT = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/support/*.c))
TOOLS      = $(BUILD)/ipcbench $(BUILD)/ref-socketpair $(BUILD)/ref-dbus-loop $(BUILD)/qcopd $(BUILD)/qcop

.PHONY: all deps test unit asan bench clean fuzz
all: $(TOOLS) $(TEST_BINS)

deps:
	@sh scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

# Only envinfo.o carries the commit; it is rebuilt when the commit changes.
$(BUILD)/commit.txt: FORCE
	@mkdir -p $(BUILD)
	@echo '$(GIT_COMMIT)' | cmp -s - $@ || echo '$(GIT_COMMIT)' > $@
$(BUILD)/obj/harness/run/envinfo.o: CPPFLAGS += -DIPCB_GIT_COMMIT='"$(GIT_COMMIT)"'
$(BUILD)/obj/harness/run/envinfo.o: $(BUILD)/commit.txt
.PHONY: FORCE

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

CLI_OBJS   = $(BUILD)/obj/bench/ipcbench.o $(BUILD)/obj/bench/cmd_run.o $(BUILD)/obj/bench/cmd_peer.o \
             $(BUILD)/obj/bench/cmd_compare.o
$(BUILD)/ipcbench: $(CLI_OBJS) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/ref-socketpair: $(BUILD)/obj/bench/ref_socketpair.o
	$(CC) $(LDFLAGS) $^ -o $@

$(BUILD)/ref-dbus-loop: $(BUILD)/obj/bench/ref_dbus_loop.o
	$(CC) $(LDFLAGS) $^ $(shell pkg-config --libs dbus-1) -o $@

$(BUILD)/qcopd: $(BUILD)/obj/transports/qcop/qcopd_main.o $(LIB)
	$(CC) $(LDFLAGS) $^ -o $@

$(BUILD)/qcop: $(BUILD)/obj/transports/qcop/qcop_cli.o $(LIB)
	$(CC) $(LDFLAGS) $^ -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_SUPPORT) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# Unit tests, then integration tests that move real frames over every
# available transport with --verify all.
test: deps
	@$(MAKE) --no-print-directory all
	@sh tests/run-tests.sh $(BUILD)

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 sh tests/run-tests.sh build/asan

# The main job: build, run the default campaign, plot, report.
bench: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/ipcbench run --campaign default

# libFuzzer on the QCOP packet parser; new inputs it finds stay in the corpus.
FUZZ_SECONDS ?= 60
QCOP_FUZZ = $(BUILD)/fuzz/qcop_fuzz
fuzz:
	@mkdir -p $(BUILD)/fuzz tests/fuzz/qcop_corpus
	clang -std=c11 -g -O1 -D_GNU_SOURCE -Itransports -fsanitize=fuzzer,address,undefined \
	    tests/fuzz/qcop_fuzz.c transports/qcop/qcop_proto.c -o $(QCOP_FUZZ)
	$(QCOP_FUZZ) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 tests/fuzz/qcop_corpus

# The CI performance gate (scripts/perf-gate.sh): run the ci campaign and
# compare it with the committed baseline (a slowdown must show again in a second run);
# exit 1 on a regression. `make baseline` refreshes results/baselines/ci.
# `make perf-ab BASE=origin/main`: the A/B gate (scripts/perf-ab.sh): BASE
# built in a worktree and this build run alternately in the same time window.
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

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
