"""Re-execute solution notebooks in full mode and store their outputs, timings and provenance.

``python -m tools.refresh [NOTEBOOK ...]`` (default: every solution notebook); then writes each
section's full-mode time into README.md.
"""

import argparse
import os
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tools import timings
from tools.notebooks import (
    ROOT,
    code_fingerprint,
    make_solution,
    outputs_fingerprint,
    read_notebook,
    solution_notebook,
    solution_sources,
    source_of,
)

CELL_TIMEOUT_S = 1800


def provenance(notebook) -> dict:
    """What produced the stored outputs: the code they came from, the mode and the versions."""
    return {
        "mode": "full",
        "code_sha256": code_fingerprint(notebook),
        "outputs_sha256": outputs_fingerprint(notebook),
        "python": platform.python_version(),
        "tensorflow": version("tensorflow"),
        "keras": version("keras"),
    }


def execute(notebook, folder: Path, quick: bool = False) -> None:
    """Run every cell of ``notebook`` in a fresh kernel started in ``folder``, recording each cell's timing."""
    os.environ["COURSE_QUICK"] = "1" if quick else ""  # the kernel inherits the mode
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
        record_timing=True,  # per-cell start and end in each cell's `execution` metadata
        # TensorFlow's C++ start-up lines would otherwise be stored as outputs.
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
    )
    client.execute()


def quick_timing(path: Path) -> dict:
    """Total, longest cell and its number, of a solution notebook freshly derived and run in quick mode."""
    notebook = nbformat.reads(make_solution(source_of(path), None), as_version=4)
    execute(notebook, path.parent, quick=True)
    found = timings.summary([timings.cell_seconds(cell) for cell in notebook.cells if cell.cell_type == "code"])
    return {key: round(value, 1) if isinstance(value, float) else value for key, value in found.items()}


def refresh(path: Path) -> float:
    """Execute one solution notebook, freshly derived from its source, in full mode; store it; return seconds."""
    source = source_of(path)
    notebook = nbformat.reads(make_solution(source, read_notebook(path)), as_version=4)
    started = time.perf_counter()
    execute(notebook, path.parent)
    seconds = time.perf_counter() - started
    stored = nbformat.reads(make_solution(source, notebook), as_version=4)  # exactly what `make sync` keeps
    stored.metadata["course"]["outputs"] = {**provenance(stored), "quick": quick_timing(path)}
    path.write_text(nbformat.writes(stored) + "\n", encoding="utf-8")
    return seconds


def store_quick_timing(path: Path) -> dict:
    """Measure a solution notebook in quick mode (as a finished exercise notebook runs in CI and grading) and store
    the timing in its metadata, beside the full-mode provenance; return it."""
    timing = quick_timing(path)
    stored = nbformat.read(path, as_version=4)
    stored.metadata["course"].setdefault("outputs", {})["quick"] = timing
    path.write_text(nbformat.writes(stored) + "\n", encoding="utf-8")
    return timing


def main(argv=None) -> int:
    """Refresh the notebooks named, or all of them."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="solution notebooks (or their sources)")
    args = parser.parse_args(argv)
    os.environ.pop("COURSE_QUICK", None)  # stored outputs always come from the full data (execute sets each mode)
    paths = [p.resolve() if p.suffix == ".ipynb" else solution_notebook(p.resolve()) for p in args.notebooks] or [
        solution_notebook(source) for source in solution_sources()
    ]
    for path in paths:
        print(f"executing {path.relative_to(ROOT)} in full mode ...", flush=True)
        print(f"  stored outputs after {refresh(path):.0f} s")
    return timings.main(["--readme"])


if __name__ == "__main__":
    sys.exit(main())
