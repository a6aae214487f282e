"""The grader leaves out the course's demonstrations that no exercise needs (tools.demos), and only those: an
honest notebook of every section is still graded all correct, a learner's answer that uses a demonstration's
names gets it run, and an edited demonstration runs."""

import copy
import csv

import nbformat
import pytest

from tools import grade
from tools.demos import TAG, left_out, names, published_demos
from tools.notebooks import CHAPTERS, answered_exercise

EXERCISES = sorted(CHAPTERS.glob("*/*.ipynb"))


def code_cell(source: str, cell_id: str, demo: bool = False):
    """A code cell with this id, tagged as a demonstration or not."""
    cell = nbformat.v4.new_code_cell(source)
    cell.id = cell_id
    if demo:
        cell.metadata["tags"] = [TAG]
    return cell


def test_names_reads_what_a_cell_defines_and_uses():
    """Globals defined (assigned, imported, declared global) and used, in functions, classes and comprehensions."""
    source = ("import numpy as np\nx = np.zeros(size)\n"
              "def f(a):\n    global g\n    g = a + offset\n    return [i * scale for i in a]\n"
              "class C:\n    k = width\n")
    found = names(source)
    assert found.defined == {"np", "x", "f", "g", "C"}
    assert found.used == {"np", "size", "offset", "scale", "width"}
    assert found.late == {"offset", "scale"}, "read when f is called, not when it is defined"
    assert names("total += 1\ndel scratch").used == {"total", "scratch"}, "both need the name defined before"
    assert names("class D:\n    size = size").used == {"size"}, "a class body reads the global it shadows"


CANNOT_TELL = [
    "x = globals()['y']", "eval('y')", "%%time\nz = y", "z = (y", "%matplotlib inline",
    "import sys\nz = sys.modules['__main__'].y", "z = inspect.currentframe().f_globals['y']",
    "z = _", "z = _7", "z = Out[3]", "x = 1\n" * 20_000, "-" * 100_000 + "1", "runs.query('epoch == @EPOCHS')",
    "files = !ls", "/print 1", "len?", "from __main__ import y", "z = f.__globals__['y']",
    "import pickle\nz = pickle.loads(b'c__main__\\ny\\n.')",
]


@pytest.mark.parametrize("source", CANNOT_TELL)
def test_names_cannot_tell_code_that_reaches_names_by_string(source):
    """A cell that may reach names the analysis cannot see (by string, through the module, a cell magic, IPython's
    record of outputs), does not parse, or is too long to read in reasonable time: its uses are unknown."""
    found = names(source)
    assert found is None or found.used is None


def test_a_demo_runs_when_a_later_cell_uses_it_even_through_another():
    """Demonstrations whose names a running cell needs, directly or through another demonstration, run; the rest
    are left out; a learner's cell always runs."""
    cells = [code_cell("import numpy as np", "setup"), code_cell("a = np.ones(3)", "d1", demo=True),
             code_cell("b = a * 2", "d2", demo=True), code_cell("c = 7", "d3", demo=True),
             code_cell("answer = b.sum()", "mine")]
    demos = published_demos(nbformat.v4.new_notebook(cells=cells))
    assert left_out(cells, demos) == {3}
    cells[4].source = "answer = 6.0"
    assert left_out(cells, demos) == {1, 2, 3}


def test_a_demo_runs_when_a_function_defined_before_it_reads_its_names_when_called_after():
    """A function's globals are read when it is called: a demonstration between its definition and its call that
    defines one of them runs (found by a red team)."""
    cells = [code_cell("def limit():\n    return (6 / (fan_in + fan_out)) ** 0.5", "mine"),
             code_cell("fan_in, fan_out = 784, 300", "d1", demo=True), code_cell("other = 1", "d2", demo=True),
             code_cell("glorot_limit = limit()", "answer")]
    demos = published_demos(nbformat.v4.new_notebook(cells=cells))
    assert left_out(cells, demos) == {2}
    cells[0].source = "limits = ((6 / (fan_in + n)) ** 0.5 for n in (300,))"  # a generator runs when it is read
    cells[3].source = "glorot_limit = next(limits)"
    assert left_out(cells, demos) == {2}


def test_a_notebook_too_long_to_read_leaves_nothing_out():
    """Past the grader's budget for reading code, every demonstration runs: a notebook cannot stall the grader."""
    cells = [code_cell("a = 1", "d1", demo=True), *(code_cell("x = 1\n" * 3_000, f"c{n}") for n in range(12))]
    assert all(names(cell.source) is not None for cell in cells), "each cell alone is read"
    assert left_out(cells, published_demos(nbformat.v4.new_notebook(cells=cells))) == set()


def test_an_edited_demo_runs_and_a_cell_of_unknown_needs_keeps_those_before_it():
    """A demonstration not held as published runs; after a cell whose uses cannot be told, only the demonstrations
    after it may be left out."""
    cells = [code_cell("a = 1", "d1", demo=True), code_cell("%%time\nanswer = 2", "mine"),
             code_cell("b = 3", "d2", demo=True)]
    demos = published_demos(nbformat.v4.new_notebook(cells=copy.deepcopy(cells)))
    assert left_out(cells, demos) == {2}
    cells[2].source = "b = 4  # tried something"
    assert left_out(cells, demos) == set()


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda path: path.stem)
def test_every_demonstration_is_left_out_of_an_honest_notebook(exercise):
    """The tags hold: answered with the reference solutions or not at all, a notebook needs none of its section's
    demonstrations, and some are there to leave out."""
    demos = published_demos(nbformat.read(exercise, as_version=4))
    assert demos, f"{exercise.stem} tags no demonstration"
    for notebook in (nbformat.read(exercise, as_version=4), answered_exercise(exercise)):
        positions = {at for at, cell in enumerate(notebook.cells) if cell.get("id") in demos}
        assert left_out(notebook.cells, demos) == positions


@pytest.fixture(scope="module")
def graded_sections(tmp_path_factory):
    """Every section's exercise notebook answered with the reference solutions, each graded in a run of its own;
    {section: (its row, its feedback)}."""
    found = {}
    for exercise in EXERCISES:
        folder, out = tmp_path_factory.mktemp(exercise.stem), tmp_path_factory.mktemp(f"{exercise.stem}-grades")
        nbformat.write(answered_exercise(exercise), folder / exercise.name)
        assert grade.main([str(folder), "--section", exercise.stem[:2], "--out", str(out), "--limit", "300"]) == 0
        with (out / "grades.csv").open(encoding="utf-8-sig") as file:
            row = next(csv.DictReader(file))
        found[exercise.stem] = row, (out / "feedback" / row["feedback"]).read_text(encoding="utf-8")
    return found


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda path: path.stem)
def test_with_its_demonstrations_left_out_an_honest_notebook_is_all_correct(graded_sections, exercise):
    """Graded without its demonstrations, the reference answers of every section are all correct, and the feedback
    says how many cells were left out."""
    row, feedback = graded_sections[exercise.stem]
    assert row["status"] == "graded", row["notes"]
    checks = grade.assignment_of(exercise).checks
    assert [row[check.name] for check in checks] == ["correct"] * len(checks), row["notes"]
    count = len(published_demos(nbformat.read(exercise, as_version=4)))
    assert f"Left out: {count} of the course's demonstrations" in feedback


def test_an_answer_that_uses_a_demonstration_gets_it_run(tmp_path):
    """Section 9: a builder that names the data's shape, which a demonstration defines, gets that demonstration run
    and is graded correct; a demonstration the learner changed runs (its error shows in the notes); the others are
    left out."""
    exercise = CHAPTERS / "11_training_deep_networks" / "09_practical_guidelines.ipynb"
    notebook = answered_exercise(exercise)
    builder = next(cell for cell in notebook.cells if cell.source.startswith("def build_swish_net("))
    builder.source = builder.source.replace("def build_swish_net(input_shape):",
                                            "def build_swish_net(input_shape=INPUT_SHAPE):")
    demos = {at for at, cell in enumerate(notebook.cells) if TAG in cell.metadata.get("tags", [])}
    shape = next(at for at in demos if "INPUT_SHAPE" in names(notebook.cells[at].source).defined)
    changed = next(at for at in sorted(demos) if notebook.cells[at].source.startswith("TARGET = "))
    notebook.cells[changed].source = "raise RuntimeError('my experiment')"
    assert left_out(notebook.cells, published_demos(nbformat.read(exercise, as_version=4))) == demos - {shape, changed}
    (tmp_path / "in").mkdir()
    nbformat.write(notebook, tmp_path / "in" / "mine.ipynb")
    assert grade.main([str(tmp_path / "in"), "--section", "09", "--out", str(tmp_path / "out")]) == 0
    with (tmp_path / "out" / "grades.csv").open(encoding="utf-8-sig") as file:
        row = next(csv.DictReader(file))
    assert row["build_swish_net"] == "correct" and "my experiment" in row["notes"], row["notes"]
