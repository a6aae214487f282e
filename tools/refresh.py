"""Re-execute solution notebooks in full mode and store their outputs with their provenance.

``python -m tools.refresh [NOTEBOOK ...]`` (default: every solution notebook).
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

from tools.notebooks import ROOT, code_fingerprint, outputs_fingerprint, solution_notebook, solution_sources

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


def refresh(path: Path) -> float:
    """Execute one notebook top to bottom in full mode, store outputs and provenance; return seconds."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        # TensorFlow's C++ start-up lines would otherwise be stored as outputs.
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
    )
    started = time.perf_counter()
    client.execute()
    notebook = nbformat.reads(nbformat.writes(notebook), as_version=4)  # outputs exactly as stored
    notebook.metadata["course"] = {"role": "solution", "outputs": provenance(notebook)}
    nbformat.write(notebook, path)
    return time.perf_counter() - started


def main(argv=None) -> int:
    """Refresh the notebooks named, or all of them."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="solution notebooks (.ipynb or .py)")
    args = parser.parse_args(argv)
    os.environ.pop("COURSE_QUICK", None)  # stored outputs always come from the full data
    paths = [solution_notebook(p.resolve()) for p in args.notebooks] or [
        solution_notebook(source) for source in solution_sources()
    ]
    for path in paths:
        print(f"executing {path.relative_to(ROOT)} in full mode ...", flush=True)
        print(f"  stored outputs after {refresh(path):.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
