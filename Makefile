# tunegraph: `make run` serves the API; `make test` runs the whole suite on a Neo4j of its own.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
TEST_ENV := NEO4J_URI=bolt://127.0.0.1:7688 TUNEGRAPH_DATA_DIR=$(CURDIR)/.tunegraph-test \
	TUNEGRAPH_NEO4J_HEAP=1g TUNEGRAPH_NEO4J_PAGECACHE=1g TUNEGRAPH_JWT_SECRET=test-secret TUNEGRAPH_RATE_LIMIT=0

.PHONY: install run test lint check bench db-start db-stop clean chromium

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
	$(BIN)/tunegraph serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .

test: install lint chromium
	$(TEST_ENV) $(BIN)/tunegraph db start
	$(TEST_ENV) $(BIN)/pytest; status=$$?; $(TEST_ENV) $(BIN)/tunegraph db stop; exit $$status

# The GraphiQL test drives a headless Chromium (Debian's package).
chromium:
	command -v chromium || (apt-get update && apt-get install -y chromium)

bench: install
	$(BIN)/tunegraph db start
	$(BIN)/tunegraph import chinook --if-empty
	$(BIN)/python -m bench

clean:
	-$(BIN)/tunegraph db stop
	-$(TEST_ENV) $(BIN)/tunegraph db stop
	rm -rf $(VENV) .tunegraph-test
