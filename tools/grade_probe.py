"""What the grader runs inside a submission's kernel, right after each exercise's check cell.

``verdict`` judges the learner's answer with a fresh import of the section's checks, so nothing the
notebook did to ``ex``, to a check method or to the loaded check modules counts, and shows the
verdict as one output of a type of its own, tagged with the grading run's nonce.
"""

import importlib
import sys
from contextlib import contextmanager

MIME = "application/vnd.course.verdict+json"
CHECK_MODULES = ("utils.checks", "utils.exercises")


@contextmanager
def fresh_checks():
    """Import the check modules anew for the block, then give the notebook back the ones it had."""
    import utils

    saved = {name: module for name, module in sys.modules.items() if name.startswith(CHECK_MODULES)}
    attributes = {name: getattr(utils, name, None) for name in ("checks", "exercises")}
    for name in saved:
        del sys.modules[name]
    try:
        yield importlib.import_module("utils.checks")
    finally:
        for name in [name for name in sys.modules if name.startswith(CHECK_MODULES)]:
            del sys.modules[name]
        sys.modules.update(saved)
        for name, module in attributes.items():
            if module is not None:
                setattr(utils, name, module)


def judge(key: str, name: str, answer_of) -> tuple[str, str]:
    """(outcome, reason) for the answer ``answer_of()`` gives to exercise ``name`` of section ``key``."""
    try:
        answer = answer_of()
    except NameError as error:
        return "Not attempted", f"{error} when its check runs."
    except Exception as error:  # the answer's own expression failed: not the checks' business
        return "Incorrect", f"reading your answer raised {type(error).__name__}: {error}"
    with fresh_checks() as checks:
        feedback = getattr(checks.section(key), name).evaluate(answer)
        return feedback.outcome.value, feedback.message


def verdict(key: str, name: str, answer_of, nonce: str) -> None:
    """Judge the answer and show the verdict for the grader to collect."""
    from IPython.display import display

    outcome, reason = judge(key, name, answer_of)
    record = {"nonce": nonce, "exercise": name, "outcome": outcome, "reason": reason}
    display({MIME: record, "text/plain": f"[grader] {name}: {outcome}"}, raw=True)
