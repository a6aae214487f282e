"""Structure and drift of the notebooks: derived files match their sources, outputs are fresh."""

import re

import jupytext
import nbformat
import pytest

from tools.notebooks import (
    CHAPTERS,
    NBVAL_TAGS,
    REPOSITORY,
    ROOT,
    code_fingerprint,
    exercise_notebook,
    is_check_cell,
    make_exercise,
    outputs_fingerprint,
    solution_notebook,
    solution_sources,
)
from utils.exercises.markers import parse_regions

SOURCES = solution_sources()
IDS = [source.stem for source in SOURCES]
RESEEDING = re.compile(r"set_seeds\(|set_random_seed\(")


def read(path):
    """A notebook file as nbformat reads it."""
    return nbformat.read(path, as_version=4)


def code_cells(notebook):
    """The code cells of a notebook."""
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_there_are_notebooks():
    """The course has at least section 1, so the parametrized tests below are not vacuous."""
    assert any(source.stem.startswith("01_") for source in SOURCES)


def test_every_exercise_has_a_solution_and_back():
    """chapters/ holds exactly the exercises derived from solutions/, nothing stray."""
    derived = {exercise_notebook(source) for source in SOURCES}
    present = set(CHAPTERS.glob("*/*.ipynb"))
    assert present == derived, "run `make exercises` (and delete exercise notebooks without a solution)"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_exercise_is_regenerated_unchanged(source):
    """Regenerating the exercise from its solution changes nothing."""
    target = exercise_notebook(source)
    assert target.exists(), f"{target.relative_to(ROOT)} is missing: run `make exercises`"
    assert target.read_text(encoding="utf-8") == make_exercise(source), (
        f"{target.relative_to(ROOT)} is stale: run `make exercises`"
    )


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_solution_pair_in_sync(source):
    """The .ipynb holds exactly the cells of its jupytext source (type, text and tags)."""
    ipynb = solution_notebook(source)
    assert ipynb.exists(), f"{ipynb.relative_to(ROOT)} is missing: run `make sync`"
    expected = [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in jupytext.read(source).cells]
    actual = [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in read(ipynb).cells]
    assert actual == expected, f"{ipynb.relative_to(ROOT)} differs from {source.name}: run `make sync`"


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


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_exercise_has_no_outputs_and_no_solution_code(source):
    """Exercise notebooks carry no outputs, no markers and none of the solution code."""
    exercise = read(exercise_notebook(source))
    text = "\n".join(cell.source for cell in code_cells(exercise))
    assert all(not cell.outputs and cell.execution_count is None for cell in code_cells(exercise))
    assert "BEGIN SOLUTION" not in text and "# STUB:" not in text
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
    assert f"github.com/{REPOSITORY}" in setup_cells[0].source
    reseeding = [cell.source for cell in code_cells(solution) if RESEEDING.search(cell.source)]
    assert not reseeding, "seeds are set once, by utils.setup() in the setup cell"
    markdown = "\n".join(cell.source for cell in solution.cells if cell.cell_type == "markdown")
    assert "## Summary" in markdown and "## Papers" in markdown
    assert len([cell for cell in code_cells(solution) if is_check_cell(cell.source)]) >= 3


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_cell_tags_are_known(source):
    """Cell tags are nbval's (a typo would silently stop a comparison)."""
    for cell in jupytext.read(source).cells:
        unknown = set(cell.metadata.get("tags", [])) - NBVAL_TAGS
        assert not unknown, f"unknown tags {unknown} on cell:\n{cell.source[:200]}"


def test_readme_contents_lists_every_section():
    """The README's table of contents links each exercise and solution, and every link resolves."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = set(re.findall(r"\]\(((?:chapters|solutions)/[^)#]+)\)", readme))
    missing = [link for link in links if not (ROOT / link).exists()]
    assert not missing, f"README links to files that do not exist: {missing}"
    for source in SOURCES:
        for notebook in (exercise_notebook(source), solution_notebook(source)):
            assert notebook.relative_to(ROOT).as_posix() in links, f"README's contents lack {notebook.name}"
