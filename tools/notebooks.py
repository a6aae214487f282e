"""Where the notebooks live, and the transformations between their forms."""

import hashlib
import json
import re
from pathlib import Path

import jupytext
import nbformat

from utils.exercises.markers import exercise_source

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
CHAPTERS = ROOT / "chapters"
REPOSITORY = "training-deep-nets/course"  # GitHub owner/name, used by the Colab badges and clone
CHECK_CALL = re.compile(r"^ex\.\w+\.check\(")
NBVAL_TAGS = {"nbval-check-output", "nbval-ignore-output", "nbval-skip", "nbval-raises-exception"}


def solution_sources() -> list[Path]:
    """The jupytext sources of all solution notebooks, in course order."""
    return sorted(SOLUTIONS.glob("*/[0-9][0-9]_*.py"))


def solution_notebook(source: Path) -> Path:
    """The .ipynb paired with a solution source."""
    return source.with_suffix(".ipynb")


def exercise_notebook(source: Path) -> Path:
    """The exercise notebook derived from a solution source."""
    return CHAPTERS / source.relative_to(SOLUTIONS).with_suffix(".ipynb")


def make_exercise(source: Path) -> str:
    """The exercise notebook for a solution source, as the exact text to store."""
    solution = jupytext.read(source)
    cells = []
    for index, cell in enumerate(solution.cells):
        tags = [tag for tag in cell.metadata.get("tags", []) if tag not in NBVAL_TAGS]
        metadata = {"tags": tags} if tags else {}
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(exercise_source(cell.source), metadata=metadata)
        else:
            text = cell.source.replace("/blob/main/solutions/", "/blob/main/chapters/")
            new = nbformat.v4.new_markdown_cell(text, metadata=metadata)
        new.id = f"{source.stem[:40]}-{index:03d}"  # stable ids keep regenerated files identical
        cells.append(new)
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=notebook_metadata())
    notebook.metadata["course"] = {"role": "exercise", "source": source.relative_to(ROOT).as_posix()}
    return nbformat.writes(notebook) + "\n"


def notebook_metadata() -> dict:
    """Kernel and language metadata shared by every course notebook."""
    return {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }


def code_fingerprint(notebook) -> str:
    """SHA-256 of a notebook's code cells, the part whose change makes stored outputs stale."""
    digest = hashlib.sha256()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            digest.update(cell.source.encode())
            digest.update(b"\0")
    return digest.hexdigest()


def outputs_fingerprint(notebook) -> str:
    """SHA-256 of a notebook's stored outputs, so outputs saved by anything but a refresh show."""
    outputs = [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]
    return hashlib.sha256(json.dumps(outputs, sort_keys=True).encode()).hexdigest()


def is_check_cell(source: str) -> bool:
    """True for an exercise's check cell: its last line of code is ``ex.<name>.check(...)``."""
    code = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return bool(code) and bool(CHECK_CALL.match(code[-1]))
