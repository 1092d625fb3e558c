# The two commands of the README: `make book` (everything, into _build/html) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: book test lint prepare runs venv clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Miniature world -> pre-trained frozen encoders -> features -> probe report (all cached).
prepare: $(STAMP)
	$(PY) -m vgslib prepare

# The six first-results conditions (seed 0), two single-thread runs at a time; complete runs are skipped.
runs: prepare
	$(PY) -m vgslib.grid first-results

book: runs
	$(PY) -m vgslib.book

test: $(STAMP)
	$(PY) -m ruff check vgslib tests notebooks benchmarks
	$(PY) -m pytest

clean:
	rm -rf _build
