# Market Workbooks. `make run` executes every scenario; `make test` runs every test.
# Both build .venv from PyPI on first use, with the versions in requirements.lock.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
JOBS   ?=
PORT   ?= 8866
CHROMIUM := /usr/bin/chromium
# Coverage of lib/ by the unit tests may not fall below this (measured 2026-12-02; raise it as tests grow)
COVERAGE_FLOOR := 90

.PHONY: run test quick lint typecheck unit notebooks browser serve lab check list golden bench lock chromium plotly-js clean

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/marketbooks run $(if $(JOBS),--jobs $(JOBS))

check: $(STAMP)
	$(BIN)/marketbooks check

list: $(STAMP)
	$(BIN)/marketbooks list

serve: $(STAMP)
	$(BIN)/marketbooks serve --port $(PORT)

# JupyterLab on copies of the notebooks in workspace/: an analyst's edits never reach the dashboards.
lab: $(STAMP)
	$(BIN)/marketbooks lab $(if $(LAB_PORT),--port $(LAB_PORT))

golden: $(STAMP)
	$(BIN)/marketbooks golden

# Every test: lint, types, unit and property tests with doctests and coverage, the golden
# notebooks (twice: see numpy_simd.py) and the dashboards in a real browser.
test: lint typecheck unit notebooks browser

# Day-to-day: lint, types and the unit tests, no notebooks or browser (about a minute).
quick: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check lib tests notebooks config
	$(BIN)/ruff format --check lib tests notebooks config

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit lib/marketbooks --doctest-modules \
	    --cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR)

NBVAL := $(BIN)/python -m pytest --nbval --nbval-sanitize-with tests/notebooks/sanitize.cfg \
	    --nbval-current-env -p no:randomly tests/notebooks/golden

# The golden notebooks run twice: as numpy runs on this CPU, and with numpy's SIMD kernels
# beyond its baseline switched off, as on an older CPU (no shown number may depend on it).
notebooks: $(STAMP)
	$(BIN)/python -m pytest tests/notebooks
	$(NBVAL)
	@simd="$$($(BIN)/python tests/notebooks/numpy_simd.py)"; \
	if [ -n "$$simd" ]; then \
	  echo "golden notebooks again with numpy's SIMD kernels off: NPY_DISABLE_CPU_FEATURES=\"$$simd\""; \
	  NPY_DISABLE_CPU_FEATURES="$$simd" $(NBVAL); \
	else echo "numpy uses no SIMD kernels beyond its baseline on this CPU: one golden run is enough"; fi

browser: $(STAMP) chromium
	$(BIN)/python -m pytest tests/browser

bench: $(STAMP) chromium
	$(BIN)/python tests/benchmarks/bench_suite.py

# Regenerate requirements.lock from pyproject.toml (after changing a dependency).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra test --extra dev --python-version 3.11 --quiet -o $(LOCK)

# Rebuild the dashboards' and reports' plotly.js from tools/plotly-js (the trace types the
# workbooks draw; needs node, npm and the npm registry; the built file is committed).
plotly-js:
	cd tools/plotly-js && npm ci --no-audit --no-fund && npm run build

chromium:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium (needed by the browser tests)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@test -x $(CHROMIUM) || { echo "chromium is still missing: browser tests cannot run" >&2; exit 1; }

clean:
	rm -rf outputs
