"""Exercise checks: three outcomes, hints in levels, and a solution reveal.

A problem's ``judge`` signals a wrong answer by raising ``Incorrect`` with a specific reason;
``check`` turns that, and anything else that goes wrong, into ``Feedback`` and never raises.
"""

import json
import numbers
import textwrap
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from utils.exercises.markers import MarkerError, solution_regions

SOLUTIONS_DIR = Path(__file__).resolve().parents[2] / "solutions"


class Outcome(Enum):
    """What a check concluded."""

    NOT_ATTEMPTED = "Not attempted"
    INCORRECT = "Incorrect"
    CORRECT = "Correct"
    HINT = "Hint"
    SOLUTION = "Solution"


ICONS = {
    Outcome.NOT_ATTEMPTED: "⬜",
    Outcome.INCORRECT: "❌",
    Outcome.CORRECT: "✅",
    Outcome.HINT: "💡",
    Outcome.SOLUTION: "📖",
}


class Incorrect(Exception):
    """Raised by a judge: the answer is wrong, for the reason given."""


class NotAttempted(Exception):
    """Raised by a judge: the answer is still the stub."""


@dataclass(frozen=True)
class Feedback:
    """What a learner sees after a check, a hint or a reveal; displays itself in Jupyter."""

    outcome: Outcome
    problem: str
    message: str
    code: str = ""

    @property
    def correct(self) -> bool:
        """True only for a correct answer."""
        return self.outcome is Outcome.CORRECT

    def __str__(self):
        text = f"{ICONS[self.outcome]} {self.outcome.value} ({self.problem}): {self.message}"
        return f"{text}\n\n{self.code}" if self.code else text

    __repr__ = __str__

    def _repr_markdown_(self):
        text = f"{ICONS[self.outcome]} **{self.outcome.value}** (`{self.problem}`): {self.message}"
        return f"{text}\n\n```python\n{self.code}\n```" if self.code else text


class Problem:
    """One exercise. Subclasses set ``hints`` and implement ``judge``."""

    hints: tuple[str, ...] = ()
    stub_message = "replace the `...` in the exercise cell with your answer, then run the check again."

    def __init__(self):
        self.name = type(self).__name__
        self.notebook = None  # set by the Section that owns the problem
        self._hints_shown = 0

    def judge(self, answer) -> None:
        """Return if ``answer`` is right; raise Incorrect (with a reason) or NotAttempted."""
        raise NotImplementedError

    def is_blank(self, answer) -> bool:
        """True for the stub values ``...`` and ``None``."""
        return answer is None or answer is Ellipsis

    def check(self, answer=Ellipsis) -> Feedback:
        """Judge ``answer``; always returns Feedback, whatever it is given."""
        try:
            if self.is_blank(answer):
                raise NotAttempted
            self.judge(answer)
        except NotAttempted:
            return Feedback(Outcome.NOT_ATTEMPTED, self.name, self.stub_message)
        except Incorrect as wrong:
            return Feedback(Outcome.INCORRECT, self.name, _text(wrong))
        except Exception as error:  # a hostile or broken answer must not crash the notebook
            return Feedback(
                Outcome.INCORRECT,
                self.name,
                f"your answer could not be checked: inspecting it raised "
                f"{type(error).__name__} ({_text(error)}).",
            )
        return Feedback(Outcome.CORRECT, self.name, self.praise())

    def praise(self) -> str:
        """The message for a correct answer."""
        return "well done."

    def hint(self, level=None) -> Feedback:
        """Show hint ``level`` (1 = gentlest), or the next one not yet shown."""
        if not self.hints:
            return Feedback(Outcome.HINT, self.name, "this exercise has no hints.")
        if level is None:
            level = min(self._hints_shown + 1, len(self.hints))
        if isinstance(level, bool) or not isinstance(level, numbers.Integral) or not 1 <= level <= len(self.hints):
            return Feedback(Outcome.HINT, self.name, f"hints go from 1 to {len(self.hints)}.")
        level = int(level)
        self._hints_shown = max(self._hints_shown, level)
        more = " Call `.hint()` again for the next one." if level < len(self.hints) else ""
        return Feedback(Outcome.HINT, self.name, f"({level}/{len(self.hints)}) {self.hints[level - 1]}{more}")

    def solution(self) -> Feedback:
        """The solution code, read from the solution notebook when this copy has it."""
        path = SOLUTIONS_DIR / f"{self.notebook}.ipynb"
        if not path.exists():
            return Feedback(
                Outcome.SOLUTION,
                self.name,
                "the solutions are not part of this copy of the course (no "
                f"solutions/{self.notebook}.ipynb). Ask your instructor, or try the hints.",
            )
        try:
            code = _solution_code(path, self.name)
        except (OSError, ValueError, KeyError, MarkerError) as error:
            return Feedback(Outcome.SOLUTION, self.name, f"the solution could not be read from {path}: {error}")
        if code is None:
            return Feedback(Outcome.SOLUTION, self.name, f"{path.name} has no solution marked `{self.name}`.")
        return Feedback(Outcome.SOLUTION, self.name, f"from solutions/{self.notebook}.ipynb:", code=code)


class Section:
    """The problems of one section notebook, reached as attributes: ``ex.glorot_limit.check(x)``."""

    def __init__(self, notebook: str, *problems: Problem):
        self.notebook = notebook
        self.problems = {}
        for problem in problems:
            problem.notebook = notebook
            self.problems[problem.name] = problem

    def __getattr__(self, name):
        try:
            return self.__dict__["problems"][name]
        except KeyError:
            raise AttributeError(f"section {self.notebook!r} has no exercise {name!r}") from None

    def __dir__(self):
        return [*super().__dir__(), *self.problems]


def _solution_code(path: Path, name: str) -> str | None:
    """The code of region ``name`` in the solution notebook at ``path``, if it has one."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            regions = solution_regions(source)
            if name in regions:
                return regions[name]
    return None


def _text(error: BaseException) -> str:
    """The message of an exception, safely, even if its __str__ misbehaves."""
    try:
        return textwrap.shorten(str(error), 300) or type(error).__name__
    except Exception:
        return type(error).__name__
