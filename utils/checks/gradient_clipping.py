"""Checks for section 4: gradient clipping by value, by norm and by global norm.

The right answers are not typed in: they are what a real Keras optimizer applies, read off one
SGD step (``utils.training.applied_gradients``).
"""

import functools
import math

import keras
import numpy as np

from utils.exercises.core import Incorrect, Section
from utils.exercises.judges import a_type, close, code_in_quotes, describe, short, updating_optimizer
from utils.exercises.kinds import ChoiceProblem, Rule, RuleProblem, VectorProblem
from utils.training import angle_degrees, applied_gradients

GRADIENT = (3.0, -4.0, 0.5)  # exercise 1, clipvalue=1.0
G_A, G_B = (3.0, -4.0), (0.3, 0.4)  # exercise 2, two variables, clipnorm=1.0
THRESHOLD = 1.0


@functools.cache
def truth(gradients: tuple, **clipping) -> tuple[np.ndarray, ...]:
    """What Keras applies for ``gradients`` (one tuple per variable) under ``clipping``, cached."""
    return tuple(applied_gradients([np.array(g, dtype=np.float32) for g in gradients], **clipping))


class ClipByValue(VectorProblem):
    """The gradient [3.0, -4.0, 0.5] after clipvalue=1.0."""

    shape = (3,)
    shape_reason = "one per component of the gradient: clipping changes the values, never the shape"
    hints = (
        "clipvalue looks at each component on its own, and never at the vector as a whole.",
        "With clipvalue=1.0, each component is clipped to the interval [-1.0, 1.0]: below -1.0 it "
        "becomes -1.0, above 1.0 it becomes 1.0, and in between it stays as it is.",
        "Take the components one at a time: which lie outside [-1.0, 1.0]? Only those change, and each keeps "
        "its sign.",
    )

    def expected(self):
        return truth((GRADIENT,), clipvalue=THRESHOLD)[0]

    def slips(self):
        g, right = np.array(GRADIENT), self.expected()
        return (
            (
                truth((GRADIENT,), clipnorm=THRESHOLD)[0],
                "that is clipping by norm (clipnorm or global_clipnorm): you scaled the whole vector to "
                "norm 1. clipvalue clips each component separately to [-1.0, 1.0].",
            ),
            (g, "that is the gradient unchanged, but 3.0 and -4.0 lie outside [-1.0, 1.0]."),
            (
                np.minimum(g, THRESHOLD),
                "you clipped only from above: clipvalue=1.0 clips to [-1.0, 1.0], so -4.0 becomes -1.0 too.",
            ),
            (np.abs(right), "a sign got lost: clipping keeps each component's sign, so -4.0 becomes -1.0, not 1.0."),
            (-right, "every sign is flipped: that is the optimizer's step (-gradient), not the clipped gradient."),
            (
                np.sign(g) * THRESHOLD,
                "0.5 is already inside [-1.0, 1.0], so clipping leaves it as it is; only "
                "components beyond the threshold change.",
            ),
        )

    def unexplained(self, vector):
        right = self.expected()
        if close(vector[:2], right[:2]):
            return "the first two components are right, but 0.5 lies inside [-1.0, 1.0]: clipping leaves it as it is."
        if close(vector[2], right[2]):
            return "0.5 is right, but each component beyond the threshold becomes exactly -1.0 or 1.0, with its sign."
        return f"{describe(vector)} is not what clipvalue=1.0 gives: clip each component to [-1.0, 1.0]."

    def praise(self):
        turn = angle_degrees([GRADIENT], [self.expected()])
        return (
            f"{describe(self.expected())}, as a real optimizer step confirms. Note that it turned the gradient "
            f"by {turn:.1f}°."
        )


class ClipPerVariable(VectorProblem):
    """The two gradients [3.0, -4.0] and [0.3, 0.4] of two variables, after clipnorm=1.0."""

    shape = (2, 2)
    shape_reason = "two gradients of 2 numbers each, [clipped_a, clipped_b]: clipping never changes shapes"
    hints = (
        "clipnorm treats each variable's gradient on its own: compute the norm of each one separately.",
        "A gradient whose norm exceeds 1.0 is scaled by 1.0 / norm, which keeps its direction; a gradient "
        "whose norm is 1.0 or less is left exactly as it is.",
        "Compute the norms of [3.0, -4.0] and of [0.3, 0.4]: only a gradient whose norm is above 1.0 changes, "
        "divided by its own norm. Give [clipped_a, clipped_b].",
    )

    def expected(self):
        return np.array(truth((G_A, G_B), clipnorm=THRESHOLD))

    def slips(self):
        right = self.expected()
        return (
            (
                truth((G_A, G_B), global_clipnorm=THRESHOLD),
                "that is global_clipnorm: you scaled both gradients by one factor, from the norm of all of "
                "them together. clipnorm clips each variable's gradient on its own.",
            ),
            (
                truth((G_A, G_B), clipvalue=THRESHOLD),
                "that is clipping by value: each component clipped to [-1.0, 1.0]. "
                "clipnorm scales a whole gradient down to norm 1.0, keeping its direction.",
            ),
            (
                (right[0], right[1] / np.linalg.norm(right[1])),
                "the gradient of b has norm 0.5, already below the "
                "threshold 1.0: clipnorm leaves it as it is instead of scaling it up to norm 1.0.",
            ),
            ((G_A, G_B), "those are the gradients unchanged, but [3.0, -4.0] has norm 5, above the threshold 1.0."),
            (-right, "every sign is flipped: that is the optimizer's step (-gradient), not the clipped gradient."),
            (right[::-1], "the right numbers, in the wrong order: give [clipped_a, clipped_b]."),
        )

    def unexplained(self, parts):
        right = self.expected()
        if not close(parts[1], right[1]):
            return (
                f"the gradient of b, {describe(parts[1])}, is wrong: its norm is 0.5, at most the "
                "threshold, so clipnorm leaves it as it is."
            )
        norm, turn = float(np.linalg.norm(parts[0])), angle_degrees([G_A], [parts[0]])
        if turn > 0.1:
            return (
                f"the gradient of a, {describe(parts[0])}, points {turn:.1f}° away from [3.0, -4.0]: "
                "clipping by norm only rescales it, keeping its direction."
            )
        return (
            f"the gradient of a, {describe(parts[0])}, has the right direction but norm {norm:.4g}; "
            "clipnorm=1.0 brings it down to norm 1.0."
        )

    def praise(self):
        return (
            "[0.6, -0.8] and [0.3, 0.4]: only a's gradient exceeded the threshold. global_clipnorm would have "
            "shrunk both by the same factor."
        )


def _clip_settings(optimizer) -> dict:
    """The optimizer's clip arguments that Keras acts on (a threshold of 0 or less means no clipping)."""
    settings = {}
    for name in ("clipvalue", "clipnorm", "global_clipnorm"):
        value = getattr(optimizer, name, None)
        if value is not None:
            settings[name] = float(value)
    return settings


def _active(optimizer) -> dict:
    """The optimizer's clip arguments that really clip (Keras ignores a threshold of 0 or less)."""
    return {name: value for name, value in _clip_settings(optimizer).items() if value > 0}


def _no_clipping_reason(optimizer) -> str:
    """Why an optimizer does not clip: no argument, or a threshold Keras ignores."""
    settings = _clip_settings(optimizer)
    if settings:
        name, value = next(iter(settings.items()))
        return f"{name}={value:g} does not clip at all: Keras clips only when the threshold is above 0."
    return "this optimizer does not clip: it applies the gradient whatever its size. Add a clipping argument."


def _clipvalue_reason(optimizer) -> str:
    """Why clipvalue turns the gradient, shown on an example."""
    (turned,) = applied_gradients([[0.9, 100.0]], clipvalue=THRESHOLD)
    return (
        f"clipvalue clips each component on its own, which changes the direction: with clipvalue=1.0 the "
        f"gradient [0.9, 100.0] becomes {describe(turned)}, turned by {angle_degrees([[0.9, 100.0]], [turned]):.1f}°. "
        "Clip by norm instead."
    )


class KeepDirection(RuleProblem):
    """An optimizer that caps the gradient's norm at 1.0 while keeping its direction."""

    hints = (
        "Every Keras optimizer accepts a clipping argument when you create it; one of the three "
        "changes the gradient's direction, the other two only rescale it.",
        "clipvalue clips components one by one, which turns the gradient. clipnorm scales each "
        "variable's gradient on its own, global_clipnorm all of them by one factor: which of the two "
        "keeps the direction of the model's whole gradient (section 4.2)?",
        "Create any Keras optimizer (SGD will do) and pass the clipping argument that looks at all the "
        "gradients together, with the threshold the exercise asks for.",
    )
    rules = (
        Rule(lambda optimizer: _active(optimizer), _no_clipping_reason),
        Rule(lambda optimizer: "clipvalue" not in _active(optimizer), _clipvalue_reason),
        Rule(
            lambda optimizer: "clipnorm" not in _active(optimizer),
            "clipnorm is the book's answer, and it keeps the direction of each variable's gradient. But a model "
            "has many variables: clipped one by one, the whole gradient can exceed the threshold and turns "
            "(section 4.2). Use global_clipnorm.",
        ),
        Rule(
            lambda optimizer: math.isclose(optimizer.global_clipnorm, THRESHOLD, rel_tol=1e-6),
            lambda optimizer: f"global_clipnorm={optimizer.global_clipnorm:g} caps the norm at "
            f"{optimizer.global_clipnorm:g}; the exercise asks for {THRESHOLD:.1f}.",
        ),
    )

    def prepare(self, answer):
        if isinstance(answer, str) and code_in_quotes(answer):
            raise Incorrect(
                f"{short(answer)} is a string holding code, not an optimizer: remove the quotes, so that Python "
                "creates the optimizer."
            )
        if isinstance(answer, str):
            raise Incorrect(
                f"{short(answer)} names an optimizer with its default settings, which do not clip; "
                "create one, e.g. keras.optimizers.SGD(...), with a clipping argument."
            )
        if isinstance(answer, type):
            if issubclass(answer, keras.optimizers.Optimizer):
                raise Incorrect(
                    f"that is the class {answer.__name__} itself; create an optimizer with it (call it), "
                    "passing the clipping argument."
                )
            raise Incorrect(
                f"that is the class {answer.__name__}; create a Keras optimizer such as keras.optimizers.SGD(...)."
            )
        answer = updating_optimizer(answer)  # a LossScaleOptimizer passes the gradients on to its inner one
        if not isinstance(answer, keras.optimizers.Optimizer):
            raise Incorrect(f"expected a Keras optimizer such as keras.optimizers.SGD(...), got {a_type(answer)}.")
        return answer

    def praise(self):
        return (
            "global_clipnorm=1.0 scales all the gradients by one factor, so the whole gradient keeps its "
            "direction and its norm never exceeds 1.0."
        )


class SpikeRemedy(ChoiceProblem):
    """Which remedy to try first against rare gradient spikes in a recurrent network."""

    answer = "b"
    hints = (
        "The trouble is a handful of steps whose gradient is far larger than usual; ordinary steps are fine.",
        "You want something that leaves ordinary steps alone and shortens only the huge ones, without turning them.",
        "Of the four, two act on the gradient itself; of those two, only one looks at its size as a whole.",
    )
    reasons = {
        "a": "clipvalue bounds each component, not the norm. A gradient's components are much smaller than its "
        "norm, so a threshold set at the usual norm hardly ever bites, and when it does, it turns the gradient.",
        "c": "batch normalization is hard to use inside recurrent networks (the book turns to layer normalization "
        "for them, in chapter 15); that is precisely why clipping is the usual remedy there.",
        "d": "a higher learning rate makes every step longer, the spikes included: it makes things worse.",
    }

    def praise(self):
        return (
            "a global norm threshold just above the usual norms leaves ordinary steps untouched and shortens "
            "the spikes without turning them."
        )


section = Section(__name__, ClipByValue(), ClipPerVariable(), KeepDirection(), SpikeRemedy())
