# Market Workbooks. `make run` executes every scenario; `make test` runs every test.
# Both build .venv from PyPI on first use (no conda needed).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?=
CHROMIUM := /usr/bin/chromium

.PHONY: run test serve check list golden bench chromium clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/marketbooks run $(if $(JOBS),--jobs $(JOBS))

check: $(STAMP)
	$(BIN)/marketbooks check

list: $(STAMP)
	$(BIN)/marketbooks list

serve: $(STAMP)
	$(BIN)/marketbooks serve $(if $(PREHEAT),--preheat) $(if $(PORT),--port $(PORT))

chromium:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium (needed by the browser tests)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@test -x $(CHROMIUM) || { echo "chromium is still missing: browser tests cannot run" >&2; exit 1; }

NBVAL := $(BIN)/python -m pytest -p no:cacheprovider --nbval --nbval-sanitize-with tests/sanitize.cfg \
	    --nbval-current-env -p no:randomly tests/golden

# The golden notebooks run twice: as numpy runs on this CPU, and with numpy's SIMD kernels
# beyond its baseline switched off, as on an older CPU (no shown number may depend on it).
test: $(STAMP) chromium
	$(BIN)/python -m pytest -p no:cacheprovider tests
	$(NBVAL)
	@simd="$$($(BIN)/python tests/numpy_simd.py)"; \
	if [ -n "$$simd" ]; then \
	  echo "golden notebooks again with numpy's SIMD kernels off: NPY_DISABLE_CPU_FEATURES=\"$$simd\""; \
	  NPY_DISABLE_CPU_FEATURES="$$simd" $(NBVAL); \
	else echo "numpy uses no SIMD kernels beyond its baseline on this CPU: one golden run is enough"; fi

golden: $(STAMP)
	$(BIN)/marketbooks golden

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_suite.py

clean:
	rm -rf outputs
