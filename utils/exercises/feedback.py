"""How feedback looks: one panel for every check, hint and reveal, kept apart from the judging.

Jupyter and Colab render the HTML form (a compact panel whose colour says the outcome, readable on
light and dark themes); terminals and stored outputs, which nbval compares, get the text form.
"""

import html
import re
from dataclasses import dataclass
from enum import Enum


class Outcome(Enum):
    """What a check concluded, or what kind of help was shown."""

    NOT_ATTEMPTED = "Not attempted"
    INCORRECT = "Incorrect"
    CORRECT = "Correct"
    HINT = "Hint"
    SOLUTION = "Solution"


# outcome -> (mark in the text form, badge colour). Each colour carries white text on its badge
# and tints the panel at low opacity, so both read on a white page and on a dark one.
LOOK = {
    Outcome.NOT_ATTEMPTED: ("○", "#6b7280"),
    Outcome.INCORRECT: ("✗", "#c62828"),
    Outcome.CORRECT: ("✓", "#2e7d32"),
    Outcome.HINT: ("?", "#1565c0"),
    Outcome.SOLUTION: ("»", "#6a1b9a"),
}
CODE_SPAN = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Feedback:
    """What a learner sees after a check, a hint or a reveal."""

    outcome: Outcome
    problem: str
    message: str
    code: str = ""

    @property
    def correct(self) -> bool:
        """True only for a correct answer."""
        return self.outcome is Outcome.CORRECT

    def __str__(self):
        mark = LOOK[self.outcome][0]
        text = f"{mark} {self.outcome.value} ({self.problem}): {self.message}"
        return f"{text}\n\n{self.code}" if self.code else text

    __repr__ = __str__

    def _repr_html_(self):
        colour = LOOK[self.outcome][1]
        message = CODE_SPAN.sub(r"<code>\1</code>", html.escape(self.message))
        code = (
            f'<pre style="margin:6px 0 0;padding:6px 8px;background:rgba(127,127,127,0.12);'
            # code as code: lines kept whole (JupyterLab's output style would otherwise break words), scrolled
            f'border-radius:3px;overflow-x:auto;white-space:pre;word-break:normal;overflow-wrap:normal">'
            f"<code>{html.escape(self.code)}</code></pre>"
            if self.code
            else ""
        )
        return (
            f'<div style="border-left:4px solid {colour};background:{colour}1f;padding:6px 10px;'
            f'margin:2px 0;border-radius:3px;line-height:1.45">'
            f'<span style="background:{colour};color:#fff;font-weight:600;padding:1px 7px;'
            f'border-radius:3px;margin-right:6px">{self.outcome.value}</span>'
            f"<code>{html.escape(self.problem)}</code> {message}{code}</div>"
        )


def show(feedback: Feedback) -> None:
    """Display ``feedback`` now, wherever the call stands in a cell (print outside Jupyter)."""
    try:
        from IPython.display import display
    except ImportError:  # a plain Python without IPython
        print(feedback)
    else:
        display(feedback)
