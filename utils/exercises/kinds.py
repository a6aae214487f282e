"""Problem kinds, so that most exercises are declarations rather than code.

- ``NumberProblem``: a number, right to a stated precision, with named slips.
- ``VectorProblem``: several numbers, compared with the course's tolerance, with named slips.
- ``ChoiceProblem``: one letter, with a reason for each wrong option.
- ``ChoicesProblem``: choose all that apply, with a reason for each option.
- ``RuleProblem``: an object (a layer, an optimizer ...) judged by an ordered list of rules.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

from utils.exercises.core import Incorrect, Problem
import numpy as np

from utils.exercises.judges import (
    agrees,
    as_number,
    as_vector,
    choice_letter,
    choice_letters,
    close,
    describe,
    significant_digits,
)


class NumberProblem(Problem):
    """A number. ``answer`` is the right value; ``digits`` the significant figures asked for
    (None: an exact whole number); ``slips`` pairs the value of a typical slip with its reason.
    With ``exact``, the answer has a short exact value (0.4): it and every slip must be given to
    within rounding error, and no message speaks of rounding."""

    judged_outside = True

    answer: float
    digits: int | None = 3
    slips: tuple[tuple[float, str], ...] = ()
    exact = False

    def judge(self, answer):
        value = as_number(answer)
        self.screen(value)
        if self.matches(value, self.answer):
            return
        given = significant_digits(value)
        wanted = significant_digits(self.answer)
        if self.exact and given < wanted and agrees(value, self.answer, given):
            raise Incorrect(
                f"{value:g} is the right value rounded to {given} significant figure{'s' * (given > 1)}: this one "
                f"has an exact value, with {wanted} figures. Round less: give it unrounded."
            )
        rounded = self.digits is not None and not self.exact  # a measure given to some figures
        if rounded and given < self.digits and agrees(value, self.answer, given):
            raise Incorrect(
                f"{value:g} is the right value rounded to {given} significant figure{'s' * (given > 1)}: "
                f"round less, and give at least {self.digits}."
            )
        # A slip explains an answer only when the answer is as precise as the slip: 0.1 is a round
        # guess, not evidence of the slip whose value happens to be 0.1.
        if not rounded or given >= self.digits:
            for slip, reason in self.slips:
                # an exact problem's slip may be a long number, which a learner gives rounded (to 3 figures or more)
                if self.matches(value, slip) or (self.exact and given >= 3 and agrees(value, slip, given)):
                    raise Incorrect(f"{self.shown(value)}: {reason}")
        if rounded and given == self.digits and agrees(value, self.answer, self.digits, units=2):  # one step off
            raise Incorrect(
                f"{value:g} is close, but wrong in the last of {self.digits} significant figures: check the rounding."
            )
        raise Incorrect(self.unexplained(value))

    def shown(self, value: float) -> str:
        """``value`` as a message shows it: 171,446 for a count, 0.0744 for a measure; never so rounded that it
        looks like the answer (99,999 is not shown as 1e+05)."""
        if self.digits is None:
            return f"{value:,.0f}"
        for precision in range(4, 17):
            if f"{value:.{precision}g}" != f"{self.answer:.{precision}g}":
                break
        return f"{value:.{precision}g}"

    def matches(self, value: float, target: float) -> bool:
        """True when ``value`` is ``target`` to the precision asked for."""
        if self.exact:
            return math.isclose(value, target, rel_tol=1e-6)
        return value == target if self.digits is None else agrees(value, target, self.digits)

    def screen(self, value: float) -> None:
        """Raise Incorrect for values that are wrong on their face (a negative limit, a fraction of a count)."""
        if self.digits is None and value != round(value):
            raise Incorrect(f"{value:.15g} is not a whole number; a count is.")

    def unexplained(self, value: float) -> str:
        """The reason for a wrong value that matches no known slip."""
        return f"{self.shown(value)} is not the value asked for."


class VectorProblem(Problem):
    """Numbers in a list, a tuple or an array, of ``shape`` (a flat list of as many numbers will do).

    ``expected()`` gives the right numbers, ``slips()`` pairs the numbers of a typical slip with its reason.
    """

    judged_outside = True

    shape: tuple[int, ...]
    shape_reason = "one number per component"

    def expected(self) -> np.ndarray:
        """The right numbers."""
        raise NotImplementedError

    def slips(self) -> tuple:
        """(numbers a slip gives, why), in the order to try them."""
        return ()

    def judge(self, answer):
        size = int(np.prod(self.shape))
        vector = as_vector(answer, size)
        if vector.size != size:
            raise Incorrect(f"expected {size} numbers ({self.shape_reason}), got shape {vector.shape}.")
        vector = vector.reshape(self.shape)
        if close(vector, self.expected()):
            return
        for slip, reason in self.slips():
            if close(vector, np.asarray(slip, dtype=float).reshape(self.shape)):
                raise Incorrect(f"{describe(vector)}: {reason}")
        raise Incorrect(self.unexplained(vector))

    def unexplained(self, vector) -> str:
        """The reason for wrong numbers that match no known slip."""
        return f"{describe(vector)} is not the answer."


class ChoiceProblem(Problem):
    """One letter among ``options``; ``answer`` is the right one, ``reasons`` says why each other is wrong."""

    judged_outside = True

    options: str = "abcd"
    answer: str
    reasons: dict[str, str]

    def judge(self, answer):
        letter = choice_letter(answer, self.options)
        if letter != self.answer:
            raise Incorrect(f"{letter.upper()}: {self.reasons[letter]}")


class ChoicesProblem(Problem):
    """Every letter that applies; ``answer`` is the right set, ``reasons`` says why each option is in or out."""

    judged_outside = True

    options: str
    answer: frozenset[str]
    reasons: dict[str, str]

    def judge(self, answer):
        letters = choice_letters(answer, self.options)
        to_fix = sorted(letters ^ self.answer)
        if not to_fix:
            return
        # One reason at a time, in letter order, so that the message stays readable.
        more = {1: "", 2: " One more choice to fix."}.get(len(to_fix), f" {len(to_fix) - 1} more choices to fix.")
        raise Incorrect(self.reasons[to_fix[0]] + more)


@dataclass(frozen=True)
class Rule:
    """A condition a right answer meets, and why an answer that fails it is wrong.

    ``holds(subject)`` returns True when the answer passes (it may raise Incorrect with a more
    specific reason); ``reason`` is the message, or a function of the subject that returns it.
    """

    holds: Callable
    reason: str | Callable

    def apply(self, subject) -> None:
        """Raise Incorrect with the reason unless the rule holds for ``subject``."""
        if not self.holds(subject):
            raise Incorrect(self.reason(subject) if callable(self.reason) else self.reason)


class RuleProblem(Problem):
    """An object judged by ``rules``, in order: the first that fails gives the reason."""

    judged_outside = True

    rules: tuple[Rule, ...] = ()

    def prepare(self, answer):
        """The subject the rules look at (by default the answer itself); may raise Incorrect."""
        return answer

    def judge(self, answer):
        subject = self.prepare(answer)
        for rule in self.rules:
            rule.apply(subject)
