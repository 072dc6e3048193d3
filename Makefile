# Thin wrapper over CMake (as Neovim does).  The two commands that matter:
#   make run     build and start a default SARA-R5 on ./sara-r5.pty
#   make test    build and run every test
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
ARGS       ?=
FUZZ_SECONDS ?= 60
CTEST_ARGS ?=

.PHONY: all deps build run test asan bench fuzz clean

all: build

deps:
	@tools/deps.sh build

$(BUILD)/CMakeCache.txt:
	@tools/deps.sh build
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/sarasim $(ARGS)

test:
	@tools/deps.sh test
	@$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

asan:
	@tools/deps.sh test
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSARASIM_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

bench: build
	cmake --build $(BUILD) -j $(JOBS) --target benches
	@for b in $(BUILD)/bench/bench_*; do echo "== $$b"; $$b || exit 1; done

fuzz:
	@tools/deps.sh fuzz
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSARASIM_FUZZ=ON \
	  -DSARASIM_SANITIZE=ON -DSARASIM_TESTS=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@for f in $(FUZZ_BUILD)/tests/fuzz_*; do \
	  name=$$(basename $$f); mkdir -p fuzz-corpus/$$name; \
	  echo "== $$name for $(FUZZ_SECONDS)s"; \
	  dict=tests/fuzz/$$name.dict; [ -f $$dict ] && dictarg=-dict=$$dict || dictarg=; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 $$dictarg \
	    fuzz-corpus/$$name tests/fuzz/seeds/$$name > fuzz-corpus/$$name.log 2>&1; rc=$$?; \
	  tail -8 fuzz-corpus/$$name.log; \
	  if [ $$rc != 0 ]; then echo "$$name FAILED (see fuzz-corpus/$$name.log)"; exit 1; fi; \
	done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
