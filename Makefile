# One command opens the course, one runs every test; both set up what they need first.
#   make lab    -> JupyterLab on your workspace, work/ (full mode); ARGS="--port 8899 --no-browser" passes options
#   make test   -> every test, notebooks in quick mode; TESTS="tests/test_tools.py" runs a part
# Learner: make fresh SECTION=03 | Maintainer: make sync | make refresh [NB=...] | make timings | make lint | make data

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
JOBS   ?= 2
ARGS   ?=
TESTS  ?=

.PHONY: lab fresh test data sync refresh timings lint clean
.DEFAULT_GOAL := test

$(VENV)/.installed: requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	@echo "Setting up the course's Python environment in $(VENV) (the first time takes a few minutes) ..."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --progress-bar on pip
	$(BIN)/python -m pip install --progress-bar on -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@
	@echo "Environment ready."

data: $(VENV)/.installed
	@bash tools/get_data.sh $(BIN)/python

ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: data
	@$(BIN)/python -m tools.workspace
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/work $(ROOT_FLAG) $(ARGS)

fresh: $(VENV)/.installed
	@test -n "$(SECTION)" || { echo "usage: make fresh SECTION=03"; exit 2; }
	$(BIN)/python -m tools.workspace --fresh $(SECTION)

test: data
	COURSE_QUICK=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(TESTS)

sync: $(VENV)/.installed
	$(BIN)/python -m tools.derive

refresh: data
	$(BIN)/python -m tools.refresh $(NB)

timings: $(VENV)/.installed
	@$(BIN)/python -m tools.timings

lint: $(VENV)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) images models logs .pytest_cache .ruff_cache
