"""The maintainer tools: the exercise generator's modes and the refresh's provenance stamp."""

import nbformat
import pytest

import tools.exercises
import tools.notebooks
from tools.notebooks import code_fingerprint, outputs_fingerprint
from tools.refresh import refresh

SOLUTION = '''# %% [markdown]
# # Tiny section

# %%
# BEGIN SOLUTION answer
# STUB: answer = ...
answer = 42
# END SOLUTION

# %% tags=["nbval-check-output"]
print(answer)
'''


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A throwaway course tree with one solution source, which the tools are pointed at."""
    source = tmp_path / "solutions" / "11_chapter" / "01_tiny.py"
    source.parent.mkdir(parents=True)
    source.write_text(SOLUTION)
    for module in (tools.notebooks, tools.exercises):
        monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(tools.notebooks, "SOLUTIONS", tmp_path / "solutions")
    monkeypatch.setattr(tools.notebooks, "CHAPTERS", tmp_path / "chapters")
    monkeypatch.setattr(tools.exercises, "solution_sources", lambda: [source])
    return source


def test_check_mode_reports_a_missing_exercise_and_writes_nothing(course, capsys):
    """--check fails, names the stale file and the fix, and leaves the tree untouched."""
    assert tools.exercises.main(["--check"]) == 1
    assert "01_tiny.ipynb" in capsys.readouterr().err
    assert not (course.parents[2] / "chapters").exists()


def test_generate_then_check_passes(course):
    """After generation, --check passes and the exercise holds the stub, not the solution."""
    assert tools.exercises.main([]) == 0
    assert tools.exercises.main(["--check"]) == 0
    exercise = nbformat.read(tools.notebooks.exercise_notebook(course), as_version=4)
    code = "\n".join(cell.source for cell in exercise.cells if cell.cell_type == "code")
    assert "answer = ..." in code and "42" not in code
    assert all(not cell.metadata.get("tags") for cell in exercise.cells), "nbval tags must not reach exercises"


def test_an_edited_solution_makes_the_exercise_stale(course):
    """Changing a line outside a solution region makes --check fail until regenerated."""
    tools.exercises.main([])
    course.write_text(SOLUTION.replace("print(answer)", "print(answer + 0)"))
    assert tools.exercises.main(["--check"]) == 1
    assert tools.exercises.main([]) == 0 and tools.exercises.main(["--check"]) == 0


def test_malformed_markers_stop_generation_with_a_reason(course, capsys):
    """A region without END is an error that names the file and the region."""
    course.write_text(SOLUTION.replace("# END SOLUTION\n", ""))
    assert tools.exercises.main([]) == 1
    message = capsys.readouterr().err
    assert "01_tiny.py" in message and "answer" in message


def test_refresh_stores_outputs_and_their_provenance(tmp_path):
    """A refresh runs every cell and stamps the code and outputs it stored."""
    path = tmp_path / "tiny.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 6 * 7"), nbformat.v4.new_code_cell("x")])
    nbformat.write(notebook, path)
    refresh(path)
    stored = nbformat.read(path, as_version=4)
    stamp = stored.metadata["course"]["outputs"]
    assert stamp["mode"] == "full"
    assert stamp["code_sha256"] == code_fingerprint(stored)
    assert stamp["outputs_sha256"] == outputs_fingerprint(stored)
    assert stored.cells[1].outputs[0]["data"]["text/plain"] == "42"
    assert [cell.execution_count for cell in stored.cells] == [1, 2]
