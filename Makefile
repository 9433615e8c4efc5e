# xxgk-auditor — two commands for a new user: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
OUT    ?= audit-out

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the package metadata changes (the install is editable).
$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/audit run reports-in --out $(OUT) --fail-on never
	@echo "审核意见（每个单位一份）：$(OUT)/memos/    总览：$(OUT)/index.html"

lint: $(STAMP_TEST)
	$(BIN)/ruff check auditor tests scripts
	$(BIN)/ruff format --check auditor tests scripts

test: lint
	$(BIN)/audit rules check rules
	$(BIN)/audit rules test rules
	$(BIN)/python -m pytest

bench: $(STAMP_TEST)
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
