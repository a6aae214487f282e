# The learner's commands, shared by the course's Makefile and the students' copy (handout/Makefile).
#   make lab    -> JupyterLab on your workspace, work/ (full mode); ARGS="--port 8899 --no-browser" passes options
#   make test   -> every test, notebooks in quick mode; TESTS="tests/..." runs a part
#   make fresh SECTION=03 -> start a section afresh, keeping your copy | make data -> fetch the data

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
JOBS   ?= 2
ARGS   ?=
TESTS  ?=

.PHONY: lab fresh test data
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
	$(BIN)/python -m tools.lab $(ROOT_FLAG) $(ARGS)

fresh: $(VENV)/.installed
	@test -n "$(SECTION)" || { echo "usage: make fresh SECTION=03"; exit 2; }
	$(BIN)/python -m tools.workspace --fresh $(SECTION)

test: data
	COURSE_QUICK=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(TESTS)
