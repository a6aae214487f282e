"""Checks that nbval cannot express, applied to every notebook cell it runs.

- No cell writes to stderr: a warning a learner would have to ignore is a failure.
- Every check cell also asks the grader's verdict, which must be the same (utils.exercises.core.GRADER_AGREES).
- In an exercise notebook (chapters/) every check cell reports "Not attempted": the stub is a
  valid answer to nothing, and must never crash. In a solution notebook (solutions/) it reports
  "Correct": each solution passes its own checks.
"""

import os

import pytest

from tools.notebooks import is_check_cell
from utils.exercises.core import GRADER_AGREES

# Every check cell the notebooks run also asks the grader's verdict, from the answer's evidence as data, and writes
# to stderr (a failure, below) if it differs: the grader judges every exercise as the notebook does.
os.environ[GRADER_AGREES] = "1"

EXPECTED_OUTCOME = {"chapters": "Not attempted", "solutions": "Correct"}


def output_text(outputs) -> str:
    """All the text a cell displayed, flattened."""
    parts = []
    for output in outputs or []:
        parts.append(str(output.get("text", "")))
        parts.extend(str(value) for key, value in output.get("data", {}).items() if key.startswith("text/"))
    return "\n".join(parts)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After an nbval cell runs, hold a check cell to the outcome its notebook's kind requires."""
    result = yield
    outputs = getattr(item, "test_outputs", None) or []
    warnings = [str(o.get("text", "")) for o in outputs if o.get("name") == "stderr"]
    if warnings:
        raise AssertionError("this cell wrote to stderr (a warning?):\n" + "".join(warnings))
    source = getattr(getattr(item, "cell", None), "source", None)
    if source and is_check_cell(source):
        expected = next((want for folder, want in EXPECTED_OUTCOME.items() if folder in item.path.parts), None)
        shown = output_text(outputs)
        if expected and expected not in shown:
            raise AssertionError(f"this check cell should report {expected!r}, but it showed:\n{shown}")
    return result
