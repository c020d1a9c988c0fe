# One command to set up and serve the site (`make serve`), one to set up and run every test (`make test`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000

.PHONY: setup system-deps test docs serve bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[docs,test]'
	touch $@

system-deps:
	@bash scripts/install-system-deps.sh

setup: $(STAMP) system-deps

test: setup
	$(BIN)/python -m pytest

docs: setup
	$(BIN)/mkdocs build --strict

serve: setup
	$(BIN)/mkdocs serve --strict -a $(HOST)

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf site .cache
