# tunegraph: `make run` serves the API; `make test` runs the whole suite on a Neo4j of its own.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
BENCH_ENV := NEO4J_URI=bolt://127.0.0.1:7689 TUNEGRAPH_DATA_DIR=$(CURDIR)/.tunegraph-bench \
	TUNEGRAPH_NEO4J_HEAP=4g TUNEGRAPH_NEO4J_PAGECACHE=8g
TEST_ENV := NEO4J_URI=bolt://127.0.0.1:7688 TUNEGRAPH_DATA_DIR=$(CURDIR)/.tunegraph-test \
	TUNEGRAPH_NEO4J_HEAP=1g TUNEGRAPH_NEO4J_PAGECACHE=1g TUNEGRAPH_JWT_SECRET=test-secret TUNEGRAPH_RATE_LIMIT=0

.PHONY: install run test lint codegen-check storefront-vendor bench bench-peer bench-scale bench-swap soak chromium redis wrk clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

run: install
	$(BIN)/tunegraph db start
	$(BIN)/tunegraph import chinook --if-empty
	$(BIN)/tunegraph recs train --if-missing
	TUNEGRAPH_DEMO_LOGIN=1 $(BIN)/tunegraph serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .

test: install lint chromium redis
	$(TEST_ENV) $(BIN)/tunegraph db start
	$(TEST_ENV) $(BIN)/pytest; status=$$?; $(TEST_ENV) $(BIN)/tunegraph db stop; exit $$status

# GraphQL Code Generator (client preset) on the served schema: no `unknown` scalar, no warning.
# npm installs the pinned tools/codegen/package-lock.json into the git-ignored .codegen/.
CODEGEN := .codegen
codegen-check: install $(CODEGEN)/.installed
	$(BIN)/python -m tools.codegen.check

$(CODEGEN)/.installed: tools/codegen/package.json tools/codegen/package-lock.json
	command -v npm || (apt-get update && apt-get install -y nodejs npm)
	mkdir -p $(CODEGEN) && cp $^ $(CODEGEN)/
	cd $(CODEGEN) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The storefront's Preact, hooks and htm (committed under api/static/storefront/vendor/), refreshed from the
# pinned tools/storefront/package-lock.json: bump package.json, `npm install --package-lock-only` there, then this.
storefront-vendor:
	command -v npm || (apt-get update && apt-get install -y nodejs npm)
	tools/storefront/vendor.sh

# The GraphiQL and storefront tests drive a headless Chromium (Debian's package; Playwright is told its path).
chromium:
	command -v chromium || (apt-get update && apt-get install -y chromium)

# The rate-limit tests start redis-servers of their own on free ports (Debian's package).
redis:
	command -v redis-server || (apt-get update && apt-get install -y redis-server)

bench: install
	$(BIN)/tunegraph db start
	$(BIN)/tunegraph import chinook --if-empty
	$(BIN)/tunegraph recs train --if-missing
	$(BIN)/python -m bench --store chinook
	$(BIN)/python -m bench.recs_bench --out bench/results/recs.json
	$(BIN)/python -m bench.recs_bench --panels --store chinook
	$(BENCH_ENV) $(BIN)/tunegraph db start
	$(BENCH_ENV) $(BIN)/python -m bench.ingest --sizes 10000,100000 --feed-sizes 10000,100000; \
		status=$$?; $(BENCH_ENV) $(BIN)/tunegraph db stop; exit $$status

# tunegraph beside the @neo4j/graphql peer of ../shared/peer (copied into the git-ignored .bench-peer/, npm
# installed there), both with PEER_WORKERS workers on the same Neo4j; the table goes to bench/results/peer-*.
PEER_WORKERS ?= 2

bench-peer: install wrk
	command -v npm || (apt-get update && apt-get install -y nodejs npm)
	$(BIN)/tunegraph db start
	$(BIN)/tunegraph import chinook --if-empty
	$(BIN)/python -m bench.peer --workers $(PEER_WORKERS)

# The peer's harness loads both sides with wrk (Debian's package).
wrk:
	command -v wrk || (apt-get update && apt-get install -y wrk)

# The storefront mix for SOAK_SECONDS: API and Neo4j memory, latency and errors, first window beside last.
SOAK_SECONDS ?= 60

soak: install
	$(BIN)/tunegraph db start
	$(BIN)/tunegraph import chinook --if-empty
	$(BIN)/tunegraph recs train --if-missing
	$(BIN)/python -m bench.soak --seconds $(SOAK_SECONDS) --store chinook

# A store by size, SIZE=chinook|1m|10m (or a probe such as 300k): imported into a Neo4j of its own
# (.tunegraph-scale-SIZE, resumable: run it again after a kill; a finished import is skipped), then the
# five storefront scenarios at 16 clients and their PROFILE db hits into bench/results/scale-*.md.
# Neo4j's memory per size (24 GB box; README "Neo4j memory by store size").
SIZE ?= 1m
SCALE_HEAP_chinook := 1g
SCALE_PAGECACHE_chinook := 512m
SCALE_HEAP_1m := 2g
SCALE_PAGECACHE_1m := 3g
SCALE_HEAP_10m := 4g
SCALE_PAGECACHE_10m := 12g
SCALE_ENV = NEO4J_URI=bolt://127.0.0.1:7689 TUNEGRAPH_DATA_DIR=$(CURDIR)/.tunegraph-scale-$(SIZE) \
	TUNEGRAPH_NEO4J_HEAP=$(or $(SCALE_HEAP_$(SIZE)),2g) TUNEGRAPH_NEO4J_PAGECACHE=$(or $(SCALE_PAGECACHE_$(SIZE)),2g)
# The panels hold the model in each API process (5.3 GB at 10M): there Neo4j restarts smaller, one worker.
PANEL_HEAP_10m := 2g
PANEL_PAGECACHE_10m := 4g
PANEL_WORKERS_10m := 1
PANEL_ENV = $(SCALE_ENV) TUNEGRAPH_NEO4J_HEAP=$(or $(PANEL_HEAP_$(SIZE)),$(or $(SCALE_HEAP_$(SIZE)),2g)) \
	TUNEGRAPH_NEO4J_PAGECACHE=$(or $(PANEL_PAGECACHE_$(SIZE)),$(or $(SCALE_PAGECACHE_$(SIZE)),2g))

bench-scale: install
	$(SCALE_ENV) $(BIN)/tunegraph db start
	$(SCALE_ENV) $(BIN)/python -m bench.scale --size $(SIZE) && \
		$(SCALE_ENV) $(BIN)/tunegraph recs train --if-missing && \
		$(SCALE_ENV) $(BIN)/tunegraph db stop && $(PANEL_ENV) $(BIN)/tunegraph db start && \
		$(PANEL_ENV) $(BIN)/python -m bench.recs_bench --panels --store $(SIZE) \
			--workers $(or $(PANEL_WORKERS_$(SIZE)),2); \
		status=$$?; $(SCALE_ENV) $(BIN)/tunegraph db stop; exit $$status

# A new model version published under load (SIZE's store, its Neo4j sized as for its panels):
# errors, latency before/while/after, the swap's seconds and the API's peak memory.
bench-swap: install
	$(PANEL_ENV) $(BIN)/tunegraph db start
	$(PANEL_ENV) $(BIN)/python -m bench.model_swap --store $(SIZE); \
		status=$$?; $(PANEL_ENV) $(BIN)/tunegraph db stop; exit $$status

clean:
	-$(BIN)/tunegraph db stop
	-$(TEST_ENV) $(BIN)/tunegraph db stop
	rm -rf $(VENV) .tunegraph-test $(CODEGEN) .storefront-npm .storefront-shots
