"""Structure and drift of the notebooks: derived files match their sources, outputs are fresh."""

import ast
import inspect
import re

import jupytext
import nbformat
import pytest

import utils

from tools import demos, timings
from tools.markers import parse_regions
from tools.notebooks import (
    CHAPTERS,
    NBVAL_TAGS,
    REPOSITORY,
    ROOT,
    SOLUTIONS,
    code_fingerprint,
    exercise_notebook,
    is_check_cell,
    make_exercise,
    make_solution,
    outputs_fingerprint,
    read_notebook,
    section_key,
    solution_notebook,
    solution_sources,
)

SOURCES = solution_sources()
IDS = [source.stem for source in SOURCES]
RESEEDING = re.compile(r"set_seeds\(|set_random_seed\(")
SHOWS_PROGRESS = re.compile(r"LiveProgress\(|utils\.progress\(|over_seeds\(")
SLOW_CELL_S = 10


def read(path):
    """A notebook file as nbformat reads it."""
    return nbformat.read(path, as_version=4)


def code_cells(notebook):
    """The code cells of a notebook."""
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_there_are_notebooks():
    """The course has at least section 1, so the parametrized tests below are not vacuous."""
    assert any(source.stem.startswith("01_") for source in SOURCES)


def test_every_published_notebook_has_a_source_and_back():
    """chapters/ and solutions/ hold exactly the notebooks derived from the sources, nothing stray."""
    assert set(CHAPTERS.glob("*/*.ipynb")) == {exercise_notebook(source) for source in SOURCES}, (
        "run `make sync` (and delete exercise notebooks without a source)"
    )
    assert set(SOLUTIONS.glob("*/*.ipynb")) == {solution_notebook(source) for source in SOURCES}, (
        "run `make sync` (and delete solution notebooks without a source)"
    )


def test_learners_see_each_section_once_in_solutions():
    """Nothing beside a solution notebook looks like a second copy of it (the sources sit in source/)."""
    for chapter in SOLUTIONS.iterdir():
        if chapter.is_dir():
            stray = [p.name for p in chapter.iterdir() if p.is_file() and p.suffix != ".ipynb"]
            assert not stray, f"{chapter.relative_to(ROOT)} holds {stray} beside the notebooks"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_exercise_is_regenerated_unchanged(source):
    """Regenerating the exercise from its solution changes nothing."""
    target = exercise_notebook(source)
    assert target.exists(), f"{target.relative_to(ROOT)} is missing: run `make sync`"
    assert target.read_text(encoding="utf-8") == make_exercise(source), (
        f"{target.relative_to(ROOT)} is stale: run `make sync`"
    )


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_solution_is_regenerated_unchanged(source):
    """Regenerating the published solution from its source (keeping its outputs) changes nothing."""
    target = solution_notebook(source)
    assert target.exists(), f"{target.relative_to(ROOT)} is missing: run `make sync`"
    assert target.read_text(encoding="utf-8") == make_solution(source, read_notebook(target)), (
        f"{target.relative_to(ROOT)} differs from {source.relative_to(ROOT)}: run `make sync`"
    )


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_published_solution_reads_clean(source):
    """The published solution shows no generator plumbing: no markers, no stub lines."""
    text = "\n".join(cell.source for cell in code_cells(read(solution_notebook(source))))
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "# STUB:"):
        assert marker not in text


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_solution_outputs_are_fresh(source):
    """Stored outputs come from a full-mode run of exactly the code now in the notebook."""
    notebook = read(solution_notebook(source))
    fix = f"run `make refresh NB={solution_notebook(source).relative_to(ROOT)}`"
    stamp = notebook.metadata.get("course", {}).get("outputs")
    assert stamp, f"no record of what produced the outputs: {fix}"
    assert stamp["mode"] == "full", f"outputs come from {stamp['mode']} mode: {fix}"
    assert stamp["code_sha256"] == code_fingerprint(notebook), f"code changed since the outputs were stored: {fix}"
    assert stamp["outputs_sha256"] == outputs_fingerprint(notebook), f"outputs were saved by another run: {fix}"
    counts = [cell.execution_count for cell in code_cells(notebook)]
    assert counts == list(range(1, len(counts) + 1)), f"cells were not all run in order: {fix}"
    errors = [o for cell in code_cells(notebook) for o in cell.outputs if o.output_type == "error"]
    assert not errors, f"stored outputs contain an error: {errors[0].get('ename')}"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_stored_checks_are_correct(source):
    """In the stored full-mode outputs, every check cell reports a correct answer."""
    for cell in code_cells(read(solution_notebook(source))):
        if is_check_cell(cell.source):
            shown = "".join(str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)
            assert "Correct" in shown, f"check cell shows {shown!r}:\n{cell.source}"
            assert len(cell.outputs) == 1, "a check shows its verdict once"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_exercise_has_no_outputs_and_no_solution_code(source):
    """Exercise notebooks carry no outputs, no markers and none of the solution code."""
    exercise = read(exercise_notebook(source))
    text = "\n".join(cell.source for cell in code_cells(exercise))
    assert all(not cell.outputs and cell.execution_count is None for cell in code_cells(exercise))
    assert "BEGIN SOLUTION" not in text and "# STUB:" not in text
    assert read(exercise_notebook(source)).metadata["course"].get("solutions") is None
    solution = jupytext.read(source)
    regions = [region for cell in code_cells(solution) for region in parse_regions(cell.source)]
    stub_lines = {line.strip() for _, stubs, _ in regions for line in stubs}
    region_lines = {
        line.strip()
        for _, _, code in regions
        for line in code
        if line.strip() and not line.strip().startswith("#")
    } - stub_lines  # a stub's own `def f(x):` line is meant to be in both
    exercise_lines = {line.strip() for line in text.splitlines()}
    assert not region_lines & exercise_lines, "solution code leaked into the exercise"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_section_layout(source):
    """Title, badge to its own path, one setup cell, exercises with checks, summary and papers."""
    solution = read(solution_notebook(source))
    first = solution.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    own_path = solution_notebook(source).relative_to(ROOT).as_posix()
    assert f"colab.research.google.com/github/{REPOSITORY}/blob/main/{own_path}" in first.source
    assert "You will learn" in first.source
    setup_cells = [cell for cell in code_cells(solution) if "utils.setup(" in cell.source]
    assert setup_cells == [code_cells(solution)[0]], "exactly one setup cell, the first code cell"
    assert f'ex = utils.setup("{section_key(source)}")' in setup_cells[0].source, "setup names the section's key"
    assert f"github.com/{REPOSITORY}" in setup_cells[0].source
    code = "\n".join(cell.source for cell in code_cells(solution))
    assert not re.search(r"save_fig\(\"s\d", code), "no section prefix in figure names: they go to images/<key>/"
    reseeding = [cell.source for cell in code_cells(solution) if RESEEDING.search(cell.source)]
    assert not reseeding, "seeds are set once, by utils.setup() in the setup cell"
    markdown = "\n".join(cell.source for cell in solution.cells if cell.cell_type == "markdown")
    assert "## Summary" in markdown and "## Papers" in markdown
    assert len([cell for cell in code_cells(solution) if is_check_cell(cell.source)]) >= 3


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_tables_show_one_way(source):
    """Tables are DataFrames shown by Jupyter (HTML, or their text form where there is no HTML), never printed as
    text beside HTML ones: `display(table)` or a cell's last expression, not print(table.to_string())."""
    code = "\n".join(cell.source for cell in code_cells(read(solution_notebook(source))))
    assert ".to_string()" not in code, "show the DataFrame with display(...) as the other tables are shown"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_cell_tags_are_known(source):
    """Cell tags are nbval's or the grader's `demo` (a typo would silently stop a comparison, or a cell's leaving
    out)."""
    for cell in jupytext.read(source).cells:
        unknown = set(cell.metadata.get("tags", [])) - NBVAL_TAGS - {demos.TAG}
        assert not unknown, f"unknown tags {unknown} on cell:\n{cell.source[:200]}"


CHECK_ARGUMENT = re.compile(r"\bex\.(\w+)\.(?:check|evaluate|solved)\((.*)\)")


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_no_cell_of_an_exercise_notebook_checks_a_written_out_answer(source):
    """A call like ex.he_layer.check(Dense(100, ...)) after an exercise would give its answer away:
    checks in the exercise notebook only ever judge the learner's own variable."""
    for cell in code_cells(read(exercise_notebook(source))):
        for name, argument in CHECK_ARGUMENT.findall(cell.source):
            assert re.fullmatch(r"\s*[A-Za-z_]\w*\s*", argument), f"ex.{name} judges {argument!r} in:\n{cell.source}"


def test_timings_are_stored_for_every_cell_and_within_budget():
    """Each refresh stores per-cell timings; full mode fits the course's time budget on 2 cores."""
    found = timings.timings()
    for name, t in found.items():
        assert t["untimed"] == 0, f"{name}: cells without timings: run `make refresh`"
        assert t["total"] <= timings.BUDGET_S["section"], f"{name} takes {t['total']:.0f} s in full mode"
        assert t["longest"] <= timings.BUDGET_S["cell"], f"{name}'s cell {t['longest_cell']} takes {t['longest']:.0f} s"
    assert sum(t["total"] for t in found.values()) <= timings.BUDGET_S["course"]


def showing_progress(cells) -> re.Pattern:
    """A pattern for the calls that show live progress: the course's own, and the notebook's functions that make
    one (directly or through another such function)."""
    functions = {node.name: ast.get_source_segment(cell.source, node) for cell in cells
                 for node in ast.parse(cell.source).body if isinstance(node, ast.FunctionDef)}
    pattern, known = SHOWS_PROGRESS, set()
    while True:
        new = {name for name, body in functions.items() if name not in known and pattern.search(body)}
        if not new:
            return pattern
        known |= new
        pattern = re.compile(SHOWS_PROGRESS.pattern + "".join(rf"|\b{name}\(" for name in sorted(known)))


def test_quick_mode_is_measured_and_within_budget():
    """Each refresh also times the notebook in quick mode (CI, grading and a learner's first run use it): about half a
    minute on 2 cores, whatever the section."""
    for name, t in timings.timings().items():
        assert t["quick"], f"{name}: no quick-mode timing: run `python -m tools.timings --quick`"
        budget = timings.BUDGET_S["quick"]
        if name in timings.QUICK_OVER_BUDGET:  # held to its own ceiling, and listed only while it needs to be
            budget = timings.QUICK_OVER_BUDGET[name][0]
            assert t["quick"]["total"] > timings.BUDGET_S["quick"], f"{name} now fits: take it off QUICK_OVER_BUDGET"
        assert t["quick"]["total"] <= budget, (
            f"{name} takes {t['quick']['total']:.0f} s in quick mode (cell {t['quick']['longest_cell']}: "
            f"{t['quick']['longest']:.0f} s); its budget is {budget} s"
        )


def test_the_progress_helpers_say_how_long_is_left():
    """Every helper SHOWS_PROGRESS accepts estimates the time left (utils.training.time_left), so a slow cell says
    how long it will take while it runs (their tests in test_training.py and test_seeds.py check the lines)."""
    helpers = {"LiveProgress": utils.LiveProgress, "utils.progress": utils.progress, "over_seeds": utils.over_seeds}
    assert {part.replace("\\", "").rstrip("(") for part in SHOWS_PROGRESS.pattern.split("|")} == set(helpers)
    for name, helper in helpers.items():
        assert "time_left(" in inspect.getsource(helper), f"{name} shows no estimate of the time left"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_slow_cells_show_live_progress(source):
    """A cell that took more than 10 s in full mode shows its progress, and the time left, while it runs."""
    cells = code_cells(read(solution_notebook(source)))
    shows = showing_progress(cells)
    for cell in cells:
        seconds = timings.cell_seconds(cell) or 0.0
        assert seconds <= SLOW_CELL_S or shows.search(cell.source), (
            f"{solution_notebook(source).name}: a cell took {seconds:.0f} s without live progress "
            f"(utils.LiveProgress, utils.progress or utils.over_seeds):\n{cell.source[:300]}"
        )


def test_readme_shows_the_stored_timings():
    """README.md's timing table is the one the stored notebooks give."""
    assert timings.current_readme_block() == timings.readme_block(timings.timings()), (
        "run `python -m tools.timings --readme`"
    )


def test_readme_contents_lists_every_section():
    """The README's table of contents links each exercise and solution, and every link resolves."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = set(re.findall(r"\]\(((?:chapters|solutions)/[^)#]+)\)", readme))
    missing = [link for link in links if not (ROOT / link).exists()]
    assert not missing, f"README links to files that do not exist: {missing}"
    for source in SOURCES:
        for notebook in (exercise_notebook(source), solution_notebook(source)):
            assert notebook.relative_to(ROOT).as_posix() in links, f"README's contents lack {notebook.name}"
