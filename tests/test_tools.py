"""The maintainer tools: deriving both published notebooks, refreshing outputs, timing sections."""

import nbformat
import pytest

import tools.derive
import tools.notebooks
from tools import timings
from tools.notebooks import code_fingerprint, exercise_notebook, outputs_fingerprint, solution_notebook
from tools.refresh import refresh

SOURCE = '''# %% [markdown]
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
    """A throwaway course tree with one section source, which the tools are pointed at."""
    source = tmp_path / "solutions" / "11_chapter" / "source" / "01_tiny.py"
    source.parent.mkdir(parents=True)
    source.write_text(SOURCE)
    monkeypatch.setattr(tools.notebooks, "ROOT", tmp_path)
    monkeypatch.setattr(tools.notebooks, "SOLUTIONS", tmp_path / "solutions")
    monkeypatch.setattr(tools.notebooks, "CHAPTERS", tmp_path / "chapters")
    monkeypatch.setattr(tools.derive, "ROOT", tmp_path)
    monkeypatch.setattr(tools.derive, "solution_sources", lambda: [source])
    return source


def code(path) -> str:
    """The code cells of a notebook file, joined."""
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")


def test_check_mode_reports_missing_notebooks_and_writes_nothing(course, capsys):
    """--check fails, names both stale files and the fix, and leaves the tree untouched."""
    assert tools.derive.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "chapters/11_chapter/01_tiny.ipynb" in err and "solutions/11_chapter/01_tiny.ipynb" in err
    assert "make sync" in err
    assert not (course.parents[3] / "chapters").exists()
    assert not solution_notebook(course).exists()


def test_derive_then_check_passes(course):
    """After derivation, --check passes; the exercise holds the stub, the solution the code without markers."""
    assert tools.derive.main([]) == 0
    assert tools.derive.main(["--check"]) == 0
    assert "answer = ..." in code(exercise_notebook(course)) and "42" not in code(exercise_notebook(course))
    solution = code(solution_notebook(course))
    assert "answer = 42" in solution and "BEGIN SOLUTION" not in solution and "STUB" not in solution
    stored = nbformat.read(solution_notebook(course), as_version=4)
    assert stored.metadata["course"]["solutions"] == {"answer": "answer = 42"}
    exercise = nbformat.read(exercise_notebook(course), as_version=4)
    assert all(not cell.metadata.get("tags") for cell in exercise.cells), "nbval tags must not reach exercises"


def test_an_edited_source_makes_both_notebooks_stale(course):
    """Changing a line outside a solution region makes --check fail until regenerated."""
    tools.derive.main([])
    course.write_text(SOURCE.replace("print(answer)", "print(answer + 0)"))
    assert tools.derive.main(["--check"]) == 1
    assert tools.derive.main([]) == 0 and tools.derive.main(["--check"]) == 0


def test_malformed_markers_stop_derivation_with_a_reason(course, capsys):
    """A region without END is an error that names the file and the region."""
    course.write_text(SOURCE.replace("# END SOLUTION\n", ""))
    assert tools.derive.main([]) == 1
    message = capsys.readouterr().err
    assert "01_tiny.py" in message and "answer" in message


def test_refresh_stores_outputs_timings_and_provenance_that_derivation_keeps(course):
    """A refresh runs every cell, stamps what it stored, records each cell's timing; `make sync` keeps it all."""
    tools.derive.main([])
    path = solution_notebook(course)
    refresh(path)
    stored = nbformat.read(path, as_version=4)
    stamp = stored.metadata["course"]["outputs"]
    assert stamp["mode"] == "full"
    assert stamp["code_sha256"] == code_fingerprint(stored)
    assert stamp["outputs_sha256"] == outputs_fingerprint(stored)
    cells = [cell for cell in stored.cells if cell.cell_type == "code"]
    assert cells[1].outputs[0]["text"] == "42\n"
    assert [cell.execution_count for cell in cells] == [1, 2]
    assert all(timings.cell_seconds(cell) is not None for cell in cells)
    before = path.read_text()
    assert tools.derive.main(["--check"]) == 0 and path.read_text() == before


def test_an_edited_markdown_cell_keeps_the_stored_outputs(course):
    """Regeneration keeps the outputs of unchanged code cells, even when other cells change around them."""
    tools.derive.main([])
    refresh(solution_notebook(course))
    course.write_text(SOURCE.replace("# # Tiny section", "# # Tiny section\n#\n# More words."))
    tools.derive.main([])
    stored = nbformat.read(solution_notebook(course), as_version=4)
    assert stored.metadata["course"]["outputs"]["outputs_sha256"] == outputs_fingerprint(stored)


def test_timings_table_sums_cells(tmp_path):
    """The table gives each section's total and longest cell from the stored per-cell timings."""
    notebook = nbformat.v4.new_notebook()
    for start, end in (("00", "02.5"), ("03", "10")):
        cell = nbformat.v4.new_code_cell("pass")
        cell.metadata["execution"] = {
            "iopub.execute_input": f"2026-11-22T10:00:{start}Z",
            "shell.execute_reply": f"2026-11-22T10:00:{end}Z",
        }
        notebook.cells.append(cell)
    notebook.cells.append(nbformat.v4.new_code_cell("untimed"))
    path = tmp_path / "01_x.ipynb"
    nbformat.write(notebook, path)
    found = timings.section_timing(path)
    assert found == {"total": 9.5, "longest": 7.0, "longest_cell": 2, "untimed": 1, "quick": None}
    assert "| `01_x` | 10 s | 7 s | not measured |" in timings.table({"01_x": found})
    notebook.metadata["course"] = {"outputs": {"quick": {"total": 21.4, "longest": 5.0, "longest_cell": 1}}}
    nbformat.write(notebook, path)
    assert "| `01_x` | 10 s | 7 s | 21 s |" in timings.table({"01_x": timings.section_timing(path)})
