"""Every answer these tests judge is judged twice: as the notebook's check judges it, and as the grader does,
from the answer turned into data that crossed a sandbox's wall (Problem.observe, JSON, Problem.decide).
Where the grader judges outside the submission, the two verdicts must be the same, word for word."""

import json

import pytest

from utils.exercises.core import Problem


@pytest.fixture(autouse=True)
def grader_agrees(monkeypatch):
    """Wrap Problem.evaluate so that each verdict is compared with the grader's on the same answer."""
    evaluate, busy = Problem.evaluate, []

    def both(self, answer=Ellipsis):
        in_notebook = evaluate(self, answer)
        if busy or not self.judged_outside:
            return in_notebook
        busy.append(True)
        try:
            observed = json.loads(json.dumps(self.observe(answer)))
            by_grader = self.decide(observed) if "answer" in observed else None
        finally:
            busy.pop()
        if by_grader is not None:
            assert (by_grader.outcome, by_grader.message) == (in_notebook.outcome, in_notebook.message), (
                f"{self.name}: the grader's verdict differs from the notebook's on {answer!r:.200}"
            )
        return in_notebook

    monkeypatch.setattr(Problem, "evaluate", both)
