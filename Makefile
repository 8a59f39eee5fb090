# Two commands matter (see README): `make up` starts the whole stack, `make test` runs the tests.
# Everything else here is what those two need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NODE_DIR := tools/node

.PHONY: up test lint setup node-deps system-deps cassandra-jars jaeger promtool bench clean

$(BIN)/charter: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

setup: $(BIN)/charter node-deps cassandra-jars jaeger promtool

# Apache Cassandra's jars from Maven Central into ~/.cache/charter/cassandra (once; needs Java 17
# and Maven, else it says so and the metrics stay in Postgres).
cassandra-jars: $(BIN)/charter
	@$(BIN)/python -m infra.cassandra

# Jaeger (the local trace backend of `charter up --tracing`) built from its Go module into
# ~/.cache/charter/jaeger (once; needs Go). On CI an uncached build is left out: it takes many
# minutes, and the trace test then reads an OTLP receiver instead. `make jaeger CI=` builds anyway.
jaeger: $(BIN)/charter
	@$(BIN)/python -m infra.jaeger

# Prometheus's promtool, built from its Go module into ~/.cache/charter/promtool (once; needs Go,
# else it says so): the tests check and unit-test infra/observability's alerting rules with it.
# A cold build takes minutes, so it runs in the background while the tests before those start.
promtool: $(BIN)/charter
	@$(BIN)/python -m infra.promtool --background

# npm packages: GraphiQL assets the gateway serves offline, test clients and peer gateways (oracles).
$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node-deps: $(NODE_DIR)/node_modules/.installed

# Debian packages the tests drive: headless Chromium (explorer, dashboard) and wrk (the load tool).
SYSTEM_TOOLS := chromium wrk
system-deps:
	@missing=""; for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

up: setup
	$(BIN)/charter up

lint: $(BIN)/charter
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Two workers (pytest-xdist): many tests wait on servers they started, so one process leaves a
# core idle. tests/conftest.py decides what may run beside what. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: setup system-deps lint
	$(BIN)/pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder)

bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) $(NODE_DIR)/node_modules
