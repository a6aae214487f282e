"""Every answer these tests judge is judged twice: as the notebook's check judges it, and as the grader does,
from the evidence turned into data that crossed a sandbox's wall (Problem.observe, JSON, Problem.decide).
Where the grader judges outside the submission, the two verdicts must be the same, word for word."""

import pytest

from utils.exercises.core import Problem


@pytest.fixture(autouse=True)
def grader_agrees(monkeypatch):
    """Wrap Problem.evaluate so that each verdict is compared with the grader's on the same evidence (gathered
    once: the learner's function may be random, and slow)."""
    evaluate = Problem.evaluate

    def both(self, answer=Ellipsis):
        if not self.judged_outside or "evidence" in vars(self):
            return evaluate(self, answer)
        self.evidence = remembered(type(self).evidence.__get__(self))
        try:
            in_notebook = evaluate(self, answer)
            by_grader = self.grader_verdict(answer)
        finally:
            del self.evidence
        assert by_grader == [in_notebook.outcome.value, in_notebook.message], (
            f"{self.name}: the grader's verdict differs from the notebook's on {answer!r:.200}"
        )
        return in_notebook

    monkeypatch.setattr(Problem, "evaluate", both)


def remembered(evidence):
    """``evidence`` (a bound method) made to gather once, and give (or raise) the same thereafter."""
    memo = []

    def once(answer):
        if not memo:
            try:
                memo.append((evidence(answer), None))
            except Exception as error:
                memo.append((None, error))
        found, error = memo[0]
        if error is not None:
            raise error
        return found

    return once
