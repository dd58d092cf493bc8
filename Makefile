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

.PHONY: install run test lint codegen-check storefront-vendor bench bench-scale soak chromium redis clean

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

# The storefront mix for SOAK_SECONDS: API and Neo4j memory, latency and errors, first window beside last.
SOAK_SECONDS ?= 60

soak: install
	$(BIN)/tunegraph db start
	$(BIN)/tunegraph import chinook --if-empty
	$(BIN)/tunegraph recs train --if-missing
	$(BIN)/python -m bench.soak --seconds $(SOAK_SECONDS) --store chinook

# The million-track store (about an hour here): ingest, then the storefront queries at that size.
bench-scale: install
	$(BENCH_ENV) $(BIN)/tunegraph db start
	$(BENCH_ENV) $(BIN)/python -m bench.ingest --sizes 1000000 --feed-sizes 100000 && \
		$(BENCH_ENV) $(BIN)/python -m bench --store 1m-tracks --beside chinook && \
		$(BENCH_ENV) $(BIN)/tunegraph recs train --if-missing && \
		$(BENCH_ENV) $(BIN)/python -m bench.recs_bench --panels --store 1m-tracks; \
		status=$$?; $(BENCH_ENV) $(BIN)/tunegraph db stop; exit $$status

clean:
	-$(BIN)/tunegraph db stop
	-$(TEST_ENV) $(BIN)/tunegraph db stop
	rm -rf $(VENV) .tunegraph-test $(CODEGEN) .storefront-npm .storefront-shots
