# MiniRTC: the two commands of the README.
#   make run   installs what is missing, builds (Release), starts `minirtc serve` on its defaults
#   make test  installs what is missing, builds, runs every test (unit, end-to-end, ASan+UBSan, fuzz smoke, SDK)
# Other targets: build, asan, fuzz, fuzz-long, bench, bench-callbacks, bench-cluster, soak, format, sdk, clean.

JOBS ?= $(shell nproc)
RELEASE := build/release
ASAN := build/asan
FUZZ := build/fuzz
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo -G Ninja)

FUZZ_LONG_SECONDS ?= 600

.PHONY: setup build asan fuzz fuzz-long run test bench bench-callbacks bench-cluster soak format sdk clean

setup:
	@scripts/setup.sh

build: setup
	cmake -S . -B $(RELEASE) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(RELEASE) -j $(JOBS)

asan: setup
	cmake -S . -B $(ASAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DMINIRTC_SANITIZE=ON
	cmake --build $(ASAN) -j $(JOBS)

fuzz: setup
	CXX=clang++ cmake -S . -B $(FUZZ) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINIRTC_FUZZ=ON
	cmake --build $(FUZZ) -j $(JOBS)

# Every fuzz target for FUZZ_LONG_SECONDS from its seeds and work corpus; summary table in
# build/fuzz/long-summary.md (record it in bench/RESULTS.md).
fuzz-long: fuzz
	scripts/fuzz.sh $(FUZZ_LONG_SECONDS) build/fuzz/long-summary.md

sdk: setup
	npm run --silent build:sdk

run: build
	$(RELEASE)/minirtc serve

test: setup
	scripts/test.sh

# The single-node figures (bench/run.sh rewrites the top of bench/RESULTS.md), then the cluster's
# (below; ~10 more minutes).
bench: build
	bench/run.sh
	$(BENCH_CLUSTER)

# Issue 13's figures (not part of `make test` nor `make bench`; ~5 minutes): callback backlog
# drain, join latency with a hanging callback receiver, recording CPU and disk; writes
# bench/out/callbacks_recording.{json,md} (record them in bench/RESULTS.md by hand).
bench-callbacks: build
	MINIRTC_BIN=$(CURDIR)/$(RELEASE)/minirtc node bench/callbacks_recording.mjs

# The cluster's figures (part of `make bench`, alone here; ~10 minutes on 2 cores): a real
# Redis and three real nodes on loopback: 5,000 joins over the nodes with redirects, kill -9
# failover of 300 sessions in 10 runs, drain on SIGTERM, the edge hop's latency and first frames,
# and the relay under load (1,000 load-generator viewers on two edges vs one node, the origin's
# CPU vs 2 direct viewers, 3 rounds, servers and load generator pinned to one core each); writes
# bench/out/cluster.{json,md} (record them in bench/RESULTS.md by hand).
BENCH_CLUSTER = MINIRTC_BIN=$(CURDIR)/$(RELEASE)/minirtc node bench/cluster.mjs \
	  --scenarios joins,failover,drain,edge,relay --failover-runs 10 --relay-viewers 1000 --relay-rounds 3
bench-cluster: build
	$(BENCH_CLUSTER)

# The long run under churn and background attacks (not part of `make test`): SOAK_MINUTES
# (default 60), SOAK_ROOMS (default 50); writes build/soak/soak.json and build/soak/soak.md.
soak: build
	MINIRTC_BIN=$(CURDIR)/$(RELEASE)/minirtc node tests/soak/soak.mjs

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp')

clean:
	rm -rf build
