# One command opens the course, one runs every test; both set up what they need first.
#   make lab    -> JupyterLab on the course (full mode)
#   make test   -> every test, notebooks in quick mode
# Maintainer commands: make exercises | make sync | make refresh [NB=...] | make lint | make data

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
JOBS   ?= 2

.PHONY: lab test data exercises sync refresh lint clean
.DEFAULT_GOAL := test

$(VENV)/.installed: requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install -qq --no-deps -e .
	@touch $@

data: $(VENV)/.installed
	@bash tools/get_data.sh $(BIN)/python

ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: data
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/chapters $(ROOT_FLAG)

test: data
	COURSE_QUICK=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadfile

exercises: $(VENV)/.installed
	$(BIN)/python -m tools.exercises

sync: $(VENV)/.installed
	$(BIN)/jupytext --quiet --to ipynb --update --set-kernel python3 solutions/*/[0-9][0-9]_*.py
	$(BIN)/python -m tools.exercises

refresh: data
	$(BIN)/python -m tools.refresh $(NB)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) images models logs .pytest_cache .ruff_cache
