# `make run` and `make test` each set up .venv on first use (and again only when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test lint check bench soak clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The benchmarks' extra packages (the BM25 baseline), on top of the dev venv; lint type-checks benchmarks/ and `make test` runs their smoke test, so both need them.
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

run: $(STAMP)
	$(PY) -m bot start

check: $(STAMP)
	$(PY) -m bot check

lint: $(BENCH_STAMP)
	$(PY) -m ruff check bot tests benchmarks
	$(PY) -m ruff format --check bot tests benchmarks
	$(PY) -m mypy

test: lint
	$(PY) -m pytest

# Quality, search at 123/1k/10k/100k briefs, reload and the bot end to end; BENCH_ARGS="--json bench.json" etc.
bench: $(BENCH_STAMP)
	$(PY) -m benchmarks $(BENCH_ARGS)

# 20,000 mixed updates through `python -m bot run` on loopback (about 6 minutes); not part of `make test`.
soak: $(STAMP)
	$(PY) -m tests.soak

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
