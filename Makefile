# One command opens the course, one runs every test; both set up what they need first.
#   make lab    -> JupyterLab on your workspace, work/ (full mode); ARGS="--port 8899 --no-browser" passes options
#   make test   -> every test, notebooks in quick mode; TESTS="tests/test_tools.py" runs a part
# Learner: make fresh SECTION=03 | make data
# Instructor: make handout [REPOSITORY=owner/name] | make grade SUBMISSIONS=folder [SECTION=03 FULL=1 LIMIT=600 POINTS="name=2" JOBS=2]
#             make gradescope SECTION=03 [FULL=1 LIMIT=600 POINTS="name=2"]
# Maintainer: make sync | make refresh [NB=...] | make timings | make lint

include tools/course.mk

.PHONY: sync refresh timings lint handout grade gradescope sandbox clean

sync: $(VENV)/.installed
	$(BIN)/python -m tools.derive

refresh: data
	$(BIN)/python -m tools.refresh $(NB)

timings: $(VENV)/.installed
	@$(BIN)/python -m tools.timings

lint: $(VENV)/.installed
	$(BIN)/ruff check .

handout: $(VENV)/.installed
	$(BIN)/python -m tools.handout $(if $(REPOSITORY),--repository $(REPOSITORY))

# Grading runs each submission in bubblewrap's sandbox, and the tests of that sandbox need it too.
sandbox:
	@bash tools/get_sandbox.sh

test: sandbox

grade: data sandbox
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder [SECTION=03] [FULL=1] [LIMIT=600] [POINTS=\"name=2 ...\"]"; exit 2; }
	$(BIN)/python -m tools.grade "$(SUBMISSIONS)" $(if $(SECTION),--section $(SECTION)) $(if $(filter 1 yes true,$(FULL)),--full) $(if $(LIMIT),--limit $(LIMIT)) $(if $(OUT),--out "$(OUT)") $(if $(POINTS),--points $(POINTS)) --jobs $(JOBS)

gradescope: data
	@test -n "$(SECTION)" || { echo "usage: make gradescope SECTION=03 [FULL=1] [LIMIT=600] [POINTS=\"name=2 ...\"]"; exit 2; }
	$(BIN)/python -m tools.gradescope build --section $(SECTION) $(if $(filter 1 yes true,$(FULL)),--full) $(if $(LIMIT),--limit $(LIMIT)) $(if $(POINTS),--points $(POINTS))

clean:
	rm -rf $(VENV) images models logs dist .pytest_cache .ruff_cache  # grades/ stays: it holds marks
