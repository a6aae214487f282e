"""What a learner meets: a check cell with its hint and solution lines uncommented, and a workspace
that no command of the course overwrites."""

import copy
import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

import tools.workspace
from tools.notebooks import CHAPTERS, ROOT, exercise_notebook, is_check_cell, solution_sources
from utils.checks import section
from utils.exercises import problems_of

SOURCES = solution_sources()


def first_exercise(notebook):
    """(setup cell, exercise cell, check cell) of the first exercise of a notebook."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    index = next(i for i, cell in enumerate(code) if is_check_cell(cell.source))
    return code[0], code[index - 1], code[index]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_uncommented_hint_and_solution_show_with_the_verdict(source):
    """As the notebooks tell learners to do: uncomment `.hint()` and `.solution()` in a check cell and
    run it. The hint, the solution and the verdict all show, each once, in that order."""
    setup, exercise, check = first_exercise(nbformat.read(exercise_notebook(source), as_version=4))
    uncommented = re.sub(r"^# (ex\.\w+\.(?:hint|solution)\(\))", r"\1", check.source, flags=re.MULTILINE)
    assert uncommented != check.source, "the check cell offers commented hint and solution lines"
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in (setup.source, exercise.source, uncommented)]
    )
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = notebook.cells[-1].outputs
    shown = [output["data"]["text/plain"] for output in outputs if output.output_type == "display_data"]
    assert len(outputs) == len(shown) == 3, outputs
    hint, solution, verdict = shown
    assert hint.startswith("? Hint") and "(1/" in hint
    assert solution.startswith("» Solution") and "from solutions/" in solution
    assert verdict.startswith("○ Not attempted")
    assert all("text/html" in output["data"] for output in outputs), "Jupyter gets the rich panel too"


# The learner's workspace -----------------------------------------------------------------------


@pytest.fixture
def course_copy(tmp_path):
    """A copy of the course as git would check it out, sharing this checkout's environment and data."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True)
    for name in files.stdout.splitlines():
        if (ROOT / name).is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tmp_path / name)
    for shared in (".venv", "data"):
        (tmp_path / shared).symlink_to(ROOT / shared)
    return tmp_path


def make(copy, *targets, **variables):
    """Run make in the copy (its environment is this checkout's: never reinstall it)."""
    arguments = [f"{key}={value}" for key, value in variables.items()]
    command = ["make", "-o", ".venv/.installed", *targets, *arguments]
    result = subprocess.run(command, cwd=copy, capture_output=True, text=True, env={**os.environ, "COURSE_QUICK": "1"})
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def save_answer(path, answer: str):
    """Type an answer into the first exercise of a workspace notebook and store an output, as autosave would."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in notebook["cells"] if c["cell_type"] == "code" and "= ..." in "".join(c["source"]))
    cell["source"] = answer
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "my output\n"}]
    cell["execution_count"] = 7
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def test_learner_work_survives_every_command(course_copy):
    """A learner's answers and outputs, saved where the README says they work, outlast the test command
    and every maintainer command; `make fresh` starts afresh but keeps the old copy."""
    subprocess.run([sys.executable, "-m", "tools.workspace"], cwd=course_copy, check=True, capture_output=True)
    workspace = course_copy / "work" / "11_training_deep_networks"
    mine = workspace / "01_unstable_gradients.ipynb"
    save_answer(mine, "glorot_limit = 0.0744  # my answer")
    saved = mine.read_bytes()

    make(course_copy, "sync")
    make(course_copy, "lint")
    make(course_copy, "timings")
    make(course_copy, "data")
    collected = make(course_copy, "test", TESTS="--collect-only -q", JOBS=0)
    assert "work/" not in collected, "pytest must never collect the learner's notebooks"
    make(course_copy, "test", TESTS="tests/test_notebooks.py tests/test_lint.py", JOBS=0)
    subprocess.run([sys.executable, "-m", "tools.workspace"], cwd=course_copy, check=True, capture_output=True)
    assert mine.read_bytes() == saved

    published = course_copy / "chapters" / "11_training_deep_networks" / "02_activation_functions.ipynb"
    save_answer(published, "selu_conditions = 'acdf'  # typed into chapters/ by mistake")
    make(course_copy, "sync")
    moved = workspace / "02_activation_functions.from-chapters-*.ipynb"
    assert "typed into chapters/" in "".join(p.read_text() for p in workspace.glob(moved.name))
    assert "typed into chapters/" not in published.read_text(encoding="utf-8")

    make(course_copy, "fresh", SECTION="01")
    kept = list(workspace.glob("01_unstable_gradients.before-*.ipynb"))
    assert len(kept) == 1 and kept[0].read_bytes() == saved
    assert "my answer" not in mine.read_text(encoding="utf-8")


def test_workspace_copies_only_what_is_missing_and_reports_a_newer_course(tmp_path, monkeypatch):
    """prepare() adds missing notebooks, leaves existing ones as they are, and says when the course moved on."""
    chapters, work = tmp_path / "chapters", tmp_path / "work"
    (chapters / "11_c").mkdir(parents=True)
    published = chapters / "11_c" / "01_one.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = ...")]), published)
    monkeypatch.setattr(tools.workspace, "CHAPTERS", chapters)
    monkeypatch.setattr(tools.workspace, "WORK", work)
    monkeypatch.setattr(tools.workspace, "ROOT", tmp_path)
    assert tools.workspace.prepare() == []
    mine = work / "11_c" / "01_one.ipynb"
    save_answer(mine, "x = 1")
    saved = mine.read_bytes()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = ...  # clearer")]), published)
    (notice,) = tools.workspace.prepare()
    assert "make fresh SECTION=01" in notice and mine.read_bytes() == saved


def test_fresh_rejects_an_unknown_section():
    """An unknown SECTION says which sections there are."""
    with pytest.raises(SystemExit, match="unstable_gradients"):
        tools.workspace.fresh("99")


def test_published_exercises_stay_outside_the_workspace():
    """chapters/ is the published course; work/ holds copies, and git ignores it."""
    ignored = subprocess.run(["git", "check-ignore", "-q", "work/x.ipynb"], cwd=ROOT).returncode == 0
    assert ignored and CHAPTERS != tools.workspace.WORK


def test_readme_shows_what_a_check_cell_really_shows():
    """The README's example of a check cell with its hint and solution lines uncommented is the real text."""
    problem = copy.copy(problems_of(section("unstable_gradients"))["glorot_limit"])
    problem._hints_shown = 0
    shown = "\n".join(str(feedback) for feedback in (problem.next_hint(), problem.reveal(), problem.evaluate(...)))
    assert f"```\n{shown}\n```" in (ROOT / "README.md").read_text(encoding="utf-8")
