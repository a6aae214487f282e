"""The machinery of the course's self-checks; the checks of each section live in ``utils.checks``.

In a notebook, ``ex = utils.setup("unstable_gradients")`` gives the section's problems, then
``ex.glorot_limit.check(glorot_limit)``, ``ex.glorot_limit.hint()``, ``ex.glorot_limit.solution()``.
"""

from utils.exercises.core import Exercise, Incorrect, NotAttempted, Problem, Section, problems_of
from utils.exercises.feedback import Feedback, Outcome, show

__all__ = ["Exercise", "Feedback", "Incorrect", "NotAttempted", "Outcome", "Problem", "Section", "problems_of", "show"]
