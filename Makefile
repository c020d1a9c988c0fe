# One command to set up and serve the site (`make serve`), one to set up and run every test (`make test`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000
# Tutorials executed at once by the site build (default: one per core), and pytest workers.
JOBS ?= $(TORCH_RECIPES_JOBS)
TEST_JOBS ?= auto
# PyPI's Linux torch wheel is the CUDA build (several GB); PyTorch's CPU index serves 2.13.0+cpu,
# which also meets constraints.txt's torch==2.13.0 and sorts above 2.13.0. The index is added only
# when pip cannot find the pinned torch without one (a local wheel through pip's find-links, or
# torch already in the venv), so such a machine never waits on that host. TORCH_INDEX= skips it.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_SOURCE = $(if $(TORCH_INDEX),$$($(BIN)/python -m pip install --dry-run --quiet --no-index \
	--no-deps -c constraints.txt torch >/dev/null 2>&1 || echo --extra-index-url $(TORCH_INDEX)))

.PHONY: setup system-deps test docs serve bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt $(TORCH_SOURCE) -e '.[docs,test]'
	touch $@

system-deps:
	@bash scripts/install-system-deps.sh

setup: $(STAMP) system-deps

# One worker per core; a test file runs whole on one worker, so its module fixtures (kernels,
# builds) are made once, and the site build is shared by all workers. tests/conftest.py orders the
# files (long ones first), so xdist's own reorder, by number of tests, is off.
test: setup
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder

docs: setup
	TORCH_RECIPES_JOBS=$(JOBS) $(BIN)/mkdocs build --strict

serve: setup
	TORCH_RECIPES_JOBS=$(JOBS) $(BIN)/mkdocs serve --strict -a $(HOST)

bench: setup
	$(BIN)/python benchmarks/run_all.py $(BENCH)

clean:
	rm -rf site .cache
