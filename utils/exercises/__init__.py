"""Self-checks for the course's exercises, one module per section.

In a notebook: ``from utils.exercises.unstable_gradients import section as ex``, then
``ex.glorot_limit.check(glorot_limit)``, ``ex.glorot_limit.hint()``, ``ex.glorot_limit.solution()``.
"""

from utils.exercises.core import Feedback, Incorrect, NotAttempted, Outcome, Problem, Section


def all_sections() -> list[Section]:
    """Every section's problems, in course order."""
    from utils.exercises import activation_functions, batch_normalization, gradient_clipping, unstable_gradients

    return [
        unstable_gradients.section,
        activation_functions.section,
        batch_normalization.section,
        gradient_clipping.section,
    ]


__all__ = ["Feedback", "Incorrect", "NotAttempted", "Outcome", "Problem", "Section", "all_sections"]
