# spideo-sim: every target installs what it needs first (.venv, and Node packages for the
# oracle tests when node is present). Nothing relies on packages installed outside .venv.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ORACLE := tests/oracle
NODE_STAMP := $(ORACLE)/node_modules/.installed-stamp
ARGS ?=

.PHONY: install simulate test contract fuzz mutate bench lint clean

install: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Segment's npm packages (FQL oracle, Node SDK) from the committed lockfile; where node
# is absent or the registry cannot be reached, a notice, and those tests skip saying why
# (in CI, with the CI variable set, they fail instead).
$(NODE_STAMP): $(ORACLE)/package.json $(ORACLE)/package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "node/npm not found: the oracle and Node SDK tests will be skipped (fail if CI is set)"; \
	elif (cd $(ORACLE) && npm ci --no-audit --no-fund --loglevel=error); then \
		touch $(NODE_STAMP); \
	else \
		echo "npm ci failed: the oracle and Node SDK tests will be skipped (fail if CI is set)"; \
	fi

simulate: install
	$(VENV)/bin/spideo-sim simulate $(ARGS)

# Across the cores (pytest-xdist; each worker starts its own servers on free ports), one
# worker more than cores, since many tests wait on the processes, servers and browser they
# start; the slow tests start first (tests/conftest.py) and the long ones are stolen by
# whichever worker is free. One file: pytest -q PATH; the quick loop: pytest -m 'not slow'.
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set: every worker and every
# command a test starts would otherwise compile the sources (and pytest rewrite the test
# modules) again, a few seconds each.
test: install
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -q -n $$(( $$(getconf _NPROCESSORS_ONLN) + 1 )) --dist worksteal

contract: install
	$(PY) -m pytest -q scenarios

# The deep Hypothesis profile (20x the examples, database kept in .hypothesis/); a shrunk
# failure is written as a scenario under scenarios/regressions/.
fuzz: install
	HYPOTHESIS_PROFILE=deep SPIDEO_EXPORT_REGRESSIONS=scenarios/regressions $(PY) -m pytest -q tests/fuzz

# Mutation testing of the engine (not in CI): mutmut over each module of
# mock_spideo/engine in turn, killed by tests/mock_spideo and the scenarios. Prints the
# score per module; every mutant left alive, with its diff, goes to out/mutants.txt.
# MODULES picks modules, MUTATE_JOBS the parallel workers. See docs/testing.md.
MUTATE_STAMP := $(VENV)/.mutate-stamp
MODULES ?= paths envelope mapping explain rules fql
MUTATE_JOBS ?= 2

$(MUTATE_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e '.[mutate]'
	touch $(MUTATE_STAMP)

mutate: install $(MUTATE_STAMP)
	@rm -rf mutants && mkdir -p out
	@started=$$(date +%s); for module in $(MODULES); do \
		echo "mutmut: mock_spideo/engine/$$module.py (log: out/mutmut-$$module.log)"; \
		$(VENV)/bin/mutmut run --max-children $(MUTATE_JOBS) "mock_spideo.engine.$$module.*" \
			> out/mutmut-$$module.log 2>&1 || { tail -20 out/mutmut-$$module.log; exit 1; }; \
	done; echo "make mutate: $$(( $$(date +%s) - started )) s"
	$(PY) tools/mutation_report.py $(MODULES)

# Each figure against its baseline, measured in the same run: out/bench.json.
bench: install
	$(PY) -m benchmarks

# Style (ruff), types (mypy: strict for the engine), and the architecture (import-linter:
# the layer order, a pure engine, public seams between the packages).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) out mutants $(ORACLE)/node_modules .hypothesis
