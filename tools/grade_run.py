"""Run inside a submission's sandbox: ``python -m tools.grade_run NOTEBOOK SECONDS``.

Executes the notebook (the submission with the grader's probes) in a fresh kernel, within SECONDS, and
prints it, executed, as JSON on standard output: the only thing that leaves the sandbox. Its ``status``
says whether it ran to the end, timed out or lost its kernel. The grader trusts none of it but the data
each probe recorded, and judges that itself.
"""

import json
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

STREAM_CHARS = 20_000  # of each cell's printed text, kept: a runaway print must not crowd out the probes


def execute(notebook, limit: float) -> str:
    """Run the notebook in place within ``limit`` seconds; 'ran', 'timed out' or 'kernel died'."""
    deadline = time.monotonic() + limit
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        allow_errors=True,  # a cell that raises still leaves the later exercises to grade
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
        shutdown_kernel="immediate",
    )
    try:
        client.execute()
    except CellTimeoutError:
        return "timed out"
    except DeadKernelError:
        return "kernel died"
    return "ran"


def trimmed(notebook):
    """The notebook with each cell's printed text cut to STREAM_CHARS (the end kept)."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and len(output.get("text", "")) > STREAM_CHARS:
                output["text"] = "…" + output["text"][-STREAM_CHARS:]
    return notebook


def main(argv=None) -> int:
    """Execute the notebook given and print the result."""
    path, limit = (argv or sys.argv[1:])[:2]
    notebook = nbformat.read(path, as_version=4)
    status = execute(notebook, float(limit))
    json.dump({"status": status, "notebook": trimmed(notebook)}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
