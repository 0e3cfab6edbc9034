# `make run` and `make test` each do every set-up step from a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8080
# The UI build lands inside the Python package (git-ignored); only when the UI sources exist.
UI_DIST := $(if $(wildcard ui/package.json),graphql_server/static/index.html,)
UI_DEPS := $(if $(wildcard ui/package.json),ui/node_modules/.package-lock.json,)
UI_SOURCES := $(shell find ui/src ui/index.html ui/graphiql.html ui/vite.config.ts ui/tsconfig.json -type f 2>/dev/null)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run serve dist test test-python test-ui docs-shots lint typecheck bench postgres browser prometheus ui examples clean

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev]"
	touch $@

# The UI's packages (build, test and lint tools alike), reinstalled when the lock file changes: npm ci writes
# node_modules/.package-lock.json.
ui/node_modules/.package-lock.json: ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error

# Rebuilt when any UI source is newer than the build.
graphql_server/static/index.html: $(UI_DEPS) $(UI_SOURCES)
	cd ui && npm run build

ui: $(UI_DIST)

# Postgres tests never skip. They use the server at MLTRACE_TEST_PG_URL (each test session makes databases of its
# own there); when that is the default local address, start the installed cluster if it does not answer.
MLTRACE_TEST_PG_URL ?= postgresql://postgres@127.0.0.1:5432
export MLTRACE_TEST_PG_URL
postgres:
	@pg_isready -q -d "$(MLTRACE_TEST_PG_URL)/postgres" || [ "$(MLTRACE_TEST_PG_URL)" != "postgresql://postgres@127.0.0.1:5432" ] || \
	  (echo "Postgres is not answering at 127.0.0.1:5432; starting the installed cluster" && \
	   pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start && sleep 2)
	@pg_isready -d "$(MLTRACE_TEST_PG_URL)/postgres" || \
	  (echo "FATAL: Postgres is not reachable at MLTRACE_TEST_PG_URL=$(MLTRACE_TEST_PG_URL)" >&2; exit 1)

# Debian's chromium for the browser tests; Playwright never downloads its own browser.
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	@test -x /usr/bin/chromium || (echo "FATAL: /usr/bin/chromium is missing" >&2; exit 1)

# Debian's prometheus for the monitoring test that scrapes /metrics with a real Prometheus.
prometheus:
	@test -x /usr/bin/prometheus || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null)
	@test -x /usr/bin/prometheus || (echo "FATAL: /usr/bin/prometheus is missing" >&2; exit 1)

# The UI's lint: ESLint (typescript-eslint, React hooks), Prettier's check and knip (dead files, exports, packages).
lint: $(VENV)/.installed $(UI_DEPS)
	$(VENV)/bin/ruff check mltrace_otel graphql_server tests examples benchmarks
	$(VENV)/bin/ruff format --check mltrace_otel graphql_server tests examples benchmarks
	$(if $(UI_DEPS),cd ui && npm run --silent lint,)

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy mltrace_otel graphql_server

test-ui: $(UI_DIST)
	$(if $(UI_DIST),cd ui && npm test --silent,@echo "no ui/ yet")

# Two pytest workers (xdist): most tests wait on servers, subprocesses, Postgres or the browser, so two keep both cores
# busy. --dist loadgroup hands tests out one by one, except the groups tests/conftest.py names by path, which one
# worker runs together (the fault and replica suites, a module that builds one wheel, one tour or one npm install).
# PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
test-python: $(VENV)/.installed postgres browser prometheus $(UI_DIST)
	CI=$${CI:-} $(VENV)/bin/pytest -q -n $(PYTEST_WORKERS) --dist loadgroup --durations=15

test: lint typecheck test-ui test-python

# The README's monitoring screenshots, taken again by the browser test that walks those views.
docs-shots: $(VENV)/.installed browser $(UI_DIST)
	MLTRACE_REFRESH_DOCS=1 $(VENV)/bin/pytest -q -p no:cacheprovider tests/browser/test_monitoring.py -k sqlite

examples: $(VENV)/.installed
	$(PY) -m examples.load_all

# The demo goes into the default store once (never into MLTRACE_DATABASE_URL's); `make serve` loads nothing.
run: $(VENV)/.installed $(UI_DIST)
	$(PY) -m examples.load_all --demo
	$(VENV)/bin/mltrace serve --host $(HOST) --port $(PORT)

serve: $(VENV)/.installed $(UI_DIST)
	$(VENV)/bin/mltrace serve --host $(HOST) --port $(PORT)

bench: $(VENV)/.installed postgres
	$(PY) -m benchmarks.run_all

# A wheel and an sdist that carry the built UI (package data of graphql_server): `pip install dist/*.whl` then
# `mltrace serve` serves it with no Node. Built without isolation, from the venv's setuptools.
dist: $(VENV)/.installed $(UI_DIST)
	@test -f graphql_server/static/index.html || (echo "FATAL: the UI is not built (make ui)" >&2; exit 1)
	rm -rf dist build
	$(PY) -m build --no-isolation --outdir dist .

clean:
	rm -rf $(VENV) ui/node_modules graphql_server/static build dist *.egg-info
