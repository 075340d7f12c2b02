# edgesched: `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BUILD_REQS := scikit-build-core>=0.10 pybind11>=2.12 numpy>=1.24
# The version is written once, in pyproject.toml.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)

.PHONY: venv install inplace demo test bench clean

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.12"
	touch $@

venv: $(VENV)/.created

# Build the C++ core and install the package with its test/plot extras into .venv.
# The persistent build directory makes a rebuild after a small change take seconds.
install: venv
	$(PY) -m pip install -q --no-build-isolation -Cbuild-dir=build/venv ".[test,exact,plot,sweep,dask]"

# Developer loop: build the extension into src/edgesched so `PYTHONPATH=src` works without installing.
inplace: venv
	cmake -S . -B build/inplace -DCMAKE_BUILD_TYPE=Release \
	  -DSKBUILD_PROJECT_NAME=edgesched -DSKBUILD_PROJECT_VERSION=$(VERSION) \
	  -DPython_EXECUTABLE=$(abspath $(PY)) \
	  -Dpybind11_DIR=$$($(PY) -c 'import pybind11; print(pybind11.get_cmake_dir())')
	cmake --build build/inplace
	for f in build/inplace/_core*.so; do cp $$f src/edgesched/.$$(basename $$f).tmp && mv src/edgesched/.$$(basename $$f).tmp src/edgesched/$$(basename $$f); done

# The paper's default scenario with every method, the quick Figs. 3-5, and a scenario file solved.
demo: install
	$(VENV)/bin/edgesched demo
	$(VENV)/bin/edgesched reproduce all --quick --out build/demo --no-progress
	$(VENV)/bin/edgesched solve examples/paper_default.toml -o build/demo/schedule.csv
	@echo "Figures (quick settings: 5 seeds, a few points): build/demo/fig3.png build/demo/fig4.png build/demo/fig5.png"
	@echo "Full figures (100 seeds a point): .venv/bin/edgesched reproduce all --out figures"

# Lint and type checks (configured in pyproject.toml), then the tests and a smoke run of the benchmarks.
test: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy
	$(PY) -m pytest -q tests bench --benchmark-disable

bench: install
	$(PY) -m pytest bench --benchmark-only --benchmark-json=bench/last.json

clean:
	rm -rf build $(VENV) src/edgesched/_core*.so
