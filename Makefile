# The two commands of the README: `make book` (everything, into _build/html) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: book test lint prepare runs venv clean lock student-notebooks

venv: $(STAMP)

# The lock installs with uv (itself a wheel from the package index, installed by pip into the environment),
# several times faster than pip with the same files (benchmarks/README.md). Should uv fail (an index it cannot
# read, a Python it refuses), pip installs the same lock. Bytecode is compiled at install, as pip does and uv does not by
# default: without it every process compiles torch's sources again wherever .pyc files cannot be written
# (PYTHONDONTWRITEBYTECODE, a read-only environment), ~6 s per kernel, test worker and run.
$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q uv==0.13.8 && $(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -r requirements.lock \
		|| $(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Miniature world -> pre-trained frozen encoders -> features -> probe report (all cached).
prepare: $(STAMP)
	$(PY) -m vgslib prepare

# The Table 1 grid (6 conditions x 5 seeds) and the controls the "why" chapter compares against it (the links
# variants and 2x controls, 5 seeds each); QUICK=1: Table 1 only; EXPERIMENTS=1: the default grid + the
# beyond-the-paper families and the miniature's ingredients; FULL=1: every condition of the study. One single-thread run per core; complete runs are skipped.
GRID := $(if $(FULL),full,$(if $(EXPERIMENTS),experiments,$(if $(QUICK),table1,controls)))
runs: prepare
	$(PY) -m vgslib grid $(GRID)

# Everything: prepare -> grid -> book, with each stage's time printed at the end.
book: $(STAMP)
	$(PY) -m vgslib pipeline --grid $(GRID)

# Every page of the book as a notebook for students: the exercises without their solutions.
student-notebooks: $(STAMP)
	$(PY) -m vgslib student-notebooks

# The tests run on every core (pytest-xdist), a test file's tests on one worker: the tests of a file share its
# module fixtures (a prepared tiny world, the main job's runs and book), which another worker would build again.
test: $(STAMP)
	$(PY) -m ruff check vgslib tests notebooks benchmarks
	$(PY) -m pytest -n auto --dist loadfile

# Refresh the lock of exact versions after editing requirements.txt (resolves against the package index, keeping
# the versions already locked), then run `make test` and `make book` before committing it. One lock for every
# platform (--universal): Linux-only packages such as torch's CUDA libraries carry markers, so macOS resolves too.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q uv==0.13.8
	$(VENV)/bin/uv pip compile -q --universal --python-version 3.11 requirements.txt -o requirements.lock

clean:
	rm -rf _build
