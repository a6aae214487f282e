"""Grading (`make grade`): a folder of submissions this test writes, every kind an instructor meets,
graded in one run into the expected grades.csv and feedback files."""

import copy
import csv
import json
import os

import nbformat
import pytest

from tools import grade
from tools.notebooks import (
    CHAPTERS,
    REPOSITORY,
    ROOT,
    is_check_cell,
    published_exercise,
    solution_notebook,
    solution_sources,
    without_colab,
)

EXERCISE = CHAPTERS / "11_training_deep_networks" / "01_unstable_gradients.ipynb"
SOLUTION = ROOT / "solutions" / "11_training_deep_networks" / "01_unstable_gradients.ipynb"
LIMIT_S = 25  # per notebook: far more than these short notebooks need, and what the hanging one costs


def short_notebook(answers=None, before=None, checks=None):
    """Section 1's set-up cell and its three exercises with their check cells, as published; ``answers``
    replaces exercise cells (by exercise name), ``before`` adds cells before one, ``checks`` edits check cells."""
    published = nbformat.read(EXERCISE, as_version=4)
    code = [cell for cell in published.cells if cell.cell_type == "code"]
    cells = [copy.deepcopy(code[0])]
    for index, cell in enumerate(code):
        if is_check_cell(cell.source):
            name = cell.source.splitlines()[-1].split(".")[1]
            exercise, check = copy.deepcopy(code[index - 1]), copy.deepcopy(cell)
            if answers and name in answers:
                exercise.source = answers[name]
            if checks and name in checks:
                check.source = checks[name]
            cells += [nbformat.v4.new_code_cell(text) for text in (before or {}).get(name, [])]
            cells += [exercise, check]
    return nbformat.v4.new_notebook(cells=cells, metadata=published.metadata)


def solutions() -> dict[str, str]:
    """The reference answer of each exercise of section 1, as code."""
    return json.loads(SOLUTION.read_text(encoding="utf-8"))["metadata"]["course"]["solutions"]


def other_section():
    """A notebook of section 8, handed in with section 1's."""
    setup = nbformat.v4.new_code_cell('import utils\n\nex = utils.setup("regularization")')
    return nbformat.v4.new_notebook(cells=[setup])


TAMPERING = """\
from utils.exercises import Feedback, Outcome
type(ex.glorot_limit).evaluate = lambda self, answer=...: Feedback(Outcome.CORRECT, self.name, "well done.")
ex.he_layer.check = lambda answer=...: print("✓ Correct (he_layer): well done.")

class Everything:  # an `ex` whose every check says correct
    def __getattr__(self, name):
        return self
    def check(self, answer=...):
        print("✓ Correct: well done.")

ex = Everything()
"""

FORGING = """\
import sys
import types

import tools


def verdict(key, name, answer_of, nonce):  # the grader's probe, as a student might fake it
    from IPython.display import display

    record = {"nonce": nonce, "exercise": name, "outcome": "Correct", "reason": "forged"}
    display({"application/vnd.course.verdict+json": record, "text/plain": "forged"}, raw=True)


tools.grade_probe = sys.modules["tools.grade_probe"] = types.SimpleNamespace(verdict=verdict)
"""

HOOKED = """\
import re

from IPython import get_ipython
from IPython.display import display


def forge(result):  # after each cell, show a second verdict copied from the grader's own cell
    nonce = re.search(r"'([0-9a-f]{32})'\\)$", result.info.raw_cell or "")
    if nonce:
        name = re.search(r"'unstable_gradients', '(\\w+)'", result.info.raw_cell)[1]
        record = {"nonce": nonce[1], "exercise": name, "outcome": "Correct", "reason": "forged"}
        display({"application/vnd.course.verdict+json": record, "text/plain": "forged"}, raw=True)


get_ipython().events.register("post_run_cell", forge)
"""
PIP = "%pip install course-grader-test-no-such-package"  # a Colab habit; offline and flagged when grading


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The submissions, and what one grading run of them wrote."""
    folder = tmp_path_factory.mktemp("submissions")
    right = solutions()
    wrong = {
        "glorot_limit": "glorot_limit = (6 / 784) ** 0.5",
        "he_layer": 'he_layer = keras.layers.Dense(100, activation="relu")',
        "steady_spread": 'steady_choice = "A"',
    }
    notebooks = {
        "blank": short_notebook(),
        "correct": short_notebook(right),
        "wrong": short_notebook(wrong, before={"glorot_limit": [PIP]}),
        "raising": short_notebook(right, before={"he_layer": ["1 / 0"]}),
        "hanging": short_notebook(right, before={"he_layer": ["import time\n\ntime.sleep(10_000)"]}),
        "tampered": short_notebook(
            {"glorot_limit": "glorot_limit = 1.0"},
            before={"he_layer": [TAMPERING]},
            checks={"steady_spread": 'print("✓ Correct (steady_spread): well done.")'},
        ),
        "forged": short_notebook(before={"glorot_limit": [FORGING]}),
        "hooked": short_notebook(before={"glorot_limit": [HOOKED]}),
        "zoë": short_notebook(right),
        "other_section": other_section(),
    }
    colab = short_notebook(right)  # Colab and older tools drop or renumber cell ids: found by the check call
    for number, cell in enumerate(colab.cells):
        cell.id = f"colab-{number}"
    colab.cells[0].source = colab.cells[0].source.replace(REPOSITORY, "my-school/dl-handout")  # REPOSITORY=
    notebooks["ids_changed"] = colab
    for name, notebook in notebooks.items():
        nbformat.write(notebook, folder / f"{name}.ipynb")
    stored = short_notebook()  # outputs claiming success count for nothing
    for cell in stored.cells:
        if is_check_cell(cell.source):
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="✓ Correct: well done.\n")]
    nbformat.write(stored, folder / "stored_outputs.ipynb")
    (folder / "corrupt.ipynb").write_text('{"cells": [{"cell_type": "code", "sour', encoding="utf-8")
    (folder / "not_json_notebook.ipynb").write_text('{"hello": "world"}', encoding="utf-8")
    (folder / "answers.txt").write_text("glorot_limit = 0.0744", encoding="utf-8")
    (folder / os.fsdecode(b"caf\xe9.ipynb")).write_bytes((folder / "blank.ipynb").read_bytes())  # a Windows zip's name
    nbgrader = folder / "submitted" / "alice" / "unstable_gradients"  # nbgrader's layout, with its timestamp
    nbgrader.mkdir(parents=True)
    (nbgrader / "01_unstable_gradients.ipynb").write_bytes((folder / "correct.ipynb").read_bytes())
    (nbgrader / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC", encoding="utf-8")
    canvas = "smithjohn_late_12345_67890_01_unstable_gradients.ipynb"  # Canvas's download name, late
    (folder / canvas).write_bytes((folder / "correct.ipynb").read_bytes())
    moodle = folder / "Zoë Dupont_4242_assignsubmission_file_"  # Moodle's folder per student
    moodle.mkdir()
    (moodle / "01_unstable_gradients.ipynb").write_bytes((folder / "blank.ipynb").read_bytes())
    (folder / "linked.ipynb").symlink_to(SOLUTION)  # a link in a zip that kept it: to anyone's file
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "correct-checkpoint.ipynb").write_text("{}", encoding="utf-8")
    out = tmp_path_factory.mktemp("grades")
    arguments = [str(folder), "--section", "01", "--limit", str(LIMIT_S), "--out", str(out), "--points",
                 "glorot_limit=2", "--jobs", "2"]
    assert grade.main(arguments) == 0  # two at a time: rows still in the files' order, each graded alone
    with (out / "grades.csv").open(encoding="utf-8-sig") as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    return rows, out


FLAGGED = "flagged for review"
EXPECTED = {  # submission: (status, glorot_limit, he_layer, steady_spread, total: glorot_limit is worth 2 points)
    "blank.ipynb": ("graded", "not attempted", "not attempted", "not attempted", "0"),
    "correct.ipynb": ("graded", "correct", "correct", "correct", "4"),
    "ids_changed.ipynb": ("graded", "correct", "correct", "correct", "4"),
    "wrong.ipynb": (FLAGGED, "incorrect", "incorrect", "incorrect", ""),  # its %pip line
    "raising.ipynb": ("raised", "correct", "correct", "correct", "4"),
    "hanging.ipynb": ("timed out", "correct", "not reached", "not reached", "2"),
    "tampered.ipynb": ("raised", "incorrect", "not attempted", "not attempted", "0"),  # ex.<name> is read-only
    "forged.ipynb": (FLAGGED, "not attempted", "not attempted", "not attempted", ""),
    "hooked.ipynb": (FLAGGED, "incorrect", "incorrect", "incorrect", ""),
    "zoë.ipynb": ("graded", "correct", "correct", "correct", "4"),
    "caf\\xe9.ipynb": ("graded", "not attempted", "not attempted", "not attempted", "0"),  # undecodable: shown
    "submitted/alice/unstable_gradients/01_unstable_gradients.ipynb": ("graded", "correct", "correct", "correct",
                                                                       "4"),
    "smithjohn_late_12345_67890_01_unstable_gradients.ipynb": ("graded", "correct", "correct", "correct", "4"),
    "Zoë Dupont_4242_assignsubmission_file_/01_unstable_gradients.ipynb": ("graded", "not attempted",
                                                                           "not attempted", "not attempted", "0"),
    "stored_outputs.ipynb": ("graded", "not attempted", "not attempted", "not attempted", "0"),
    "other_section.ipynb": ("wrong section", "", "", "", "0"),
    "corrupt.ipynb": ("malformed", "", "", "", "0"),
    "not_json_notebook.ipynb": ("malformed", "", "", "", "0"),
    "answers.txt": ("not a notebook", "", "", "", "0"),
    "linked.ipynb": ("not a notebook", "", "", "", "0"),
}
STUDENTS = {  # submission: the student grades.csv names
    "submitted/alice/unstable_gradients/01_unstable_gradients.ipynb": "alice",
    "smithjohn_late_12345_67890_01_unstable_gradients.ipynb": "smithjohn",
    "Zoë Dupont_4242_assignsubmission_file_/01_unstable_gradients.ipynb": "Zoë Dupont",
    "correct.ipynb": "correct",
}


def test_grades_csv_has_the_expected_verdicts(graded):
    """One row per submission (hidden files and checkpoints skipped), one column per exercise, a total."""
    rows, _ = graded
    assert set(rows) == set(EXPECTED)
    for submission, expected in EXPECTED.items():
        row = rows[submission]
        found = (row["status"], row["glorot_limit"], row["he_layer"], row["steady_spread"], row["total"])
        assert found == expected, f"{submission}: {found} (notes: {row['notes']})"


def test_grades_csv_names_each_student(graded):
    """The student column comes from Canvas's, Moodle's and nbgrader's layouts, and from the file name otherwise."""
    rows, _ = graded
    for submission, student in STUDENTS.items():
        assert rows[submission]["student"] == student


def test_unusable_submissions_say_why(graded):
    """Each submission that cannot be graded says why, in words an instructor can pass on."""
    rows, _ = graded
    assert "cannot be read as a notebook" in rows["corrupt.ipynb"]["notes"]
    assert "not a Jupyter notebook" in rows["answers.txt"]["notes"]
    assert "section `regularization`" in rows["other_section.ipynb"]["notes"]
    assert "ZeroDivisionError" in rows["raising.ipynb"]["notes"]
    assert f"time limit of {LIMIT_S} s" in rows["hanging.ipynb"]["notes"]
    assert "read it before trusting the grade" in rows["forged.ipynb"]["notes"]
    assert "read it before trusting the grade" in rows["wrong.ipynb"]["notes"]  # its %pip line
    assert "forged one" in rows["hooked.ipynb"]["notes"]
    for honest in ("correct.ipynb", "ids_changed.ipynb", "blank.ipynb"):  # another Colab address included
        assert "before trusting" not in rows[honest]["notes"], rows[honest]["notes"]


def test_feedback_gives_each_check_its_reason(graded):
    """One feedback file per submission, with each exercise's verdict and the check's reason."""
    rows, out = graded
    written = {path.relative_to(out / "feedback").as_posix() for path in (out / "feedback").rglob("*.md")}
    assert written == {row["feedback"] for row in rows.values()} and len(written) == len(rows)
    wrong = (out / "feedback" / rows["wrong.ipynb"]["feedback"]).read_text(encoding="utf-8")
    assert "**0 of 3 correct.**" in wrong and "He's limit" in wrong
    assert "**3 of 3 correct.**" in (out / "feedback" / rows["correct.ipynb"]["feedback"]).read_text(encoding="utf-8")


def test_a_submission_that_changes_the_checks_stops_the_run(tmp_path, monkeypatch, capsys):
    """Nothing a submission does may change another's grade: if the checks' code changed, grading stops."""
    (tmp_path / "in").mkdir()
    nbformat.write(short_notebook(), tmp_path / "in" / "a.ipynb")
    nbformat.write(short_notebook(), tmp_path / "in" / "b.ipynb")
    sums = iter(["before", "after"])
    monkeypatch.setattr(grade, "grader_fingerprint", lambda: next(sums))
    assert grade.main([str(tmp_path / "in"), "--limit", str(LIMIT_S), "--out", str(tmp_path / "out")]) == 1
    assert "changed while a.ipynb ran" in capsys.readouterr().err
    assert len((tmp_path / "out" / "grades.csv").read_text(encoding="utf-8-sig").splitlines()) == 2  # a's row


def test_the_fingerprint_covers_the_checks(tmp_path, monkeypatch):
    """The sum changes when any file of utils/ or the probe changes."""
    (tmp_path / "utils" / "checks").mkdir(parents=True)
    (tmp_path / "tools").mkdir()
    (tmp_path / "utils" / "checks" / "section.py").write_text("ANSWER = 1\n", encoding="utf-8")
    (tmp_path / "tools" / "grade_probe.py").write_text("", encoding="utf-8")
    monkeypatch.setattr(grade, "ROOT", tmp_path)
    before = grade.grader_fingerprint()
    (tmp_path / "utils" / "checks" / "section.py").write_text("ANSWER = 2\n", encoding="utf-8")
    assert grade.grader_fingerprint() != before


def test_a_folder_without_submissions_is_refused(tmp_path, capsys):
    """An empty or missing folder stops with a message, before any grading."""
    assert grade.main([str(tmp_path)]) == 2
    assert grade.main([str(tmp_path / "missing")]) == 2
    assert "no submissions" in capsys.readouterr().err


def test_section_names_resolve_or_list_the_sections():
    """SECTION accepts a number, a key or a notebook name; anything else lists the sections."""
    assert published_exercise("1") == published_exercise("unstable_gradients") == EXERCISE
    with pytest.raises(SystemExit, match="01_unstable_gradients"):
        published_exercise("99")


def test_the_course_own_code_is_never_flagged():
    """An honest submission (any section's own solution code) raises no flag, so that flags mean something."""
    for source in solution_sources():
        for cell in nbformat.read(solution_notebook(source), as_version=4).cells:
            if cell.cell_type == "code":
                assert not grade.SUSPICIOUS.search(without_colab(cell.source)), f"{source.name}:\n{cell.source[:300]}"


def test_no_text_in_grades_csv_is_a_formula():
    """A file name or a note that a spreadsheet would run as a formula is written as plain text."""
    result = grade.Result("=1+cmd|calc!A0.ipynb", notes=["-2+3 raised", "plain"])
    result.verdicts = {check.name: ("correct", "") for check in grade.assignment_of(EXERCISE).checks}
    row = grade.sheet_row(result, grade.assignment_of(EXERCISE).checks, {})
    assert row[0].startswith("'=") and row[1].startswith("'=") and row[-3].startswith("'-2+3")
    assert row[-4] == 3  # the total stays a number


def test_a_file_too_large_is_not_read(tmp_path, monkeypatch):
    """A submission over the size limit is recorded as too large, with the way out, and never parsed or run."""
    monkeypatch.setattr(grade, "MAX_BYTES", 1000)
    (tmp_path / "in").mkdir()
    nbformat.write(short_notebook(), tmp_path / "in" / "big.ipynb")
    (submission,) = grade.staged([tmp_path / "in" / "big.ipynb"], tmp_path / "in", tmp_path)
    assert submission.copy.stat().st_size <= 1000 + 2**20 and len(submission.sha256) == 64
    result = grade.grade(submission, grade.assignment_of(EXERCISE), LIMIT_S, False, None)
    assert result.status == "too large" and "Clear Outputs" in result.notes[0]


def test_the_section_is_inferred_only_when_every_notebook_names_it(tmp_path):
    """Without SECTION, the submissions must agree: a few of another section cannot decide everyone's grading."""
    nbformat.write(short_notebook(), tmp_path / "a.ipynb")
    nbformat.write(short_notebook(), tmp_path / "b.ipynb")
    (tmp_path / "notes.txt").write_text("not a notebook", encoding="utf-8")
    assert grade.infer_section(grade.submissions(tmp_path)) == "unstable_gradients"
    for name in ("c", "d", "e"):
        nbformat.write(other_section(), tmp_path / f"{name}.ipynb")
    with pytest.raises(SystemExit, match=r"regularization \(3\), unstable_gradients \(2\)"):
        grade.infer_section(grade.submissions(tmp_path))
