"""What the grader runs inside a submission's kernel (in its sandbox), right after each exercise's check cell.

``observe`` reads the learner's answer with a fresh import of the section's checks, so that nothing the
notebook did to ``ex``, to a check method or to the loaded check modules counts, and shows what the
grader needs as one output of a type of its own, tagged with the grading run's nonce: the answer as data
where the grader judges it outside (``Problem.judged_outside``), else the verdict reached here. Nothing
here is trusted: the grader decides from the data, and takes a verdict from here only for the exercises
it cannot judge outside, or when the verdict is not "correct".
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


def observe(key: str, name: str, answer_of) -> dict:
    """What exercise ``name`` of section ``key`` needs of the answer ``answer_of()`` gives (Problem.observe)."""
    try:
        answer = answer_of()
    except NameError as error:
        return {"verdict": ["Not attempted", f"{error} when its check runs."]}
    except Exception as error:  # the answer's own expression failed: not the checks' business
        return {"verdict": ["Incorrect", f"reading your answer raised {type(error).__name__}: {error}"]}
    with fresh_checks() as checks:
        from utils.exercises.core import problems_of

        return problems_of(checks.section(key))[name].observe(answer)


def verdict(key: str, name: str, answer_of, nonce: str) -> None:
    """Observe the answer and show the record for the grader to collect."""
    from IPython.display import display

    record = {"nonce": nonce, "exercise": name, "observed": observe(key, name, answer_of)}
    display({MIME: record, "text/plain": f"[grader] {name}: recorded"}, raw=True)
