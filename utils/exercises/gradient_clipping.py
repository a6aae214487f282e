"""Checks for section 4: gradient clipping by value, by norm and by global norm.

The right answers are not typed in: they are what a real Keras optimizer applies, read off one
SGD step (``utils.training.applied_gradients``).
"""

import functools
import math

import keras
import numpy as np

from utils.exercises.core import Incorrect, Problem, Section
from utils.exercises.judges import a_type, choice_letter
from utils.training import angle_degrees, applied_gradients

GRADIENT = (3.0, -4.0, 0.5)  # exercise 1, clipvalue=1.0
G_A, G_B = (3.0, -4.0), (0.3, 0.4)  # exercise 2, two variables, clipnorm=1.0
THRESHOLD = 1.0
TOLERANCE = 1e-4


@functools.cache
def truth(gradients: tuple, **clipping) -> tuple[np.ndarray, ...]:
    """What Keras applies for ``gradients`` (one tuple per variable) under ``clipping``, cached."""
    return tuple(applied_gradients([np.array(g, dtype=np.float32) for g in gradients], **clipping))


def as_vector(answer, size: int) -> np.ndarray:
    """A finite float vector of ``size`` numbers from a list, tuple, NumPy array or tensor."""
    if isinstance(answer, str | bytes):
        raise Incorrect(f"expected {size} numbers, got a string: drop the quotes.")
    if isinstance(answer, dict | set | frozenset):
        raise Incorrect(f"expected {size} numbers in a list, tuple or array, got {a_type(answer)}.")
    try:
        vector = np.asarray(answer, dtype=float)
    except Exception:
        raise Incorrect(f"expected {size} numbers in a list, tuple or array, got {a_type(answer)}.") from None
    if vector.dtype == object:
        raise Incorrect(f"expected {size} numbers, got {a_type(answer)}.")
    return vector


def close(x, y) -> bool:
    """True when two float arrays of the same shape agree to within the checks' tolerance."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return x.shape == y.shape and bool(np.allclose(x, y, atol=TOLERANCE, rtol=TOLERANCE))


def describe(vector) -> str:
    """A short rendering of a vector, as a learner would write it."""
    return "[" + ", ".join(f"{x:.4g}" for x in np.ravel(vector)) + "]"


class clip_by_value(Problem):
    """The gradient [3.0, -4.0, 0.5] after clipvalue=1.0."""

    hints = (
        "clipvalue looks at each component on its own, and never at the vector as a whole.",
        "With clipvalue=1.0, each component is clipped to the interval [-1.0, 1.0]: below -1.0 it "
        "becomes -1.0, above 1.0 it becomes 1.0, and in between it stays as it is.",
        "3.0 → 1.0 and -4.0 → -1.0; 0.5 is already inside [-1.0, 1.0].",
    )

    def judge(self, answer):
        vector = as_vector(answer, 3)
        if vector.size == 3:
            vector = vector.reshape(3)  # [[...]] (one variable's list, as applied_gradients gives) is fine too
        else:
            raise Incorrect(
                f"expected 3 numbers, one per component of the gradient, got shape {vector.shape}: "
                "clipping changes the values, never the shape."
            )
        if not np.all(np.isfinite(vector)):
            raise Incorrect("your vector holds a NaN or an infinity; clipping gives finite numbers here.")
        (right,) = truth((GRADIENT,), clipvalue=THRESHOLD)
        if close(vector, right):
            return
        g = np.array(GRADIENT)
        (by_norm,) = truth((GRADIENT,), clipnorm=THRESHOLD)
        slips = (
            (
                by_norm,
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
        for slip, reason in slips:
            if close(vector, slip):
                raise Incorrect(f"{describe(vector)}: {reason}")
        if close(vector[:2], right[:2]):
            raise Incorrect(
                "the first two components are right, but 0.5 lies inside [-1.0, 1.0]: clipping leaves it as it is."
            )
        if close(vector[2], right[2]):
            raise Incorrect(
                "0.5 is right, but each component beyond the threshold becomes exactly -1.0 or 1.0, keeping its sign."
            )
        raise Incorrect(f"{describe(vector)} is not what clipvalue=1.0 gives: clip each component to [-1.0, 1.0].")

    def praise(self):
        (right,) = truth((GRADIENT,), clipvalue=THRESHOLD)
        turn = angle_degrees([GRADIENT], [right])
        return f"{describe(right)}, as a real optimizer step confirms. Note that it turned the gradient by {turn:.1f}°."


class clip_per_variable(Problem):
    """The two gradients [3.0, -4.0] and [0.3, 0.4] of two variables, after clipnorm=1.0."""

    hints = (
        "clipnorm treats each variable's gradient on its own: compute the norm of each one separately.",
        "A gradient whose norm exceeds 1.0 is scaled by 1.0 / norm, which keeps its direction; a gradient "
        "whose norm is 1.0 or less is left exactly as it is.",
        "‖[3.0, -4.0]‖ = 5, so it becomes [3.0, -4.0] / 5; ‖[0.3, 0.4]‖ = 0.5, so it stays. Give "
        "[clipped_a, clipped_b].",
    )

    def judge(self, answer):
        parts = as_vector(answer, 4)
        if parts.size != 4:
            raise Incorrect(
                f"expected two gradients of 2 numbers each, [clipped_a, clipped_b], got shape {parts.shape}: "
                "clipping changes the values, never the shapes."
            )
        parts = parts.reshape(2, 2)  # a flat list of 4 numbers, in the variables' order, means the same
        if not np.all(np.isfinite(parts)):
            raise Incorrect("your answer holds a NaN or an infinity; clipping gives finite numbers here.")
        right = np.array(truth((G_A, G_B), clipnorm=THRESHOLD))
        if close(parts, right):
            return
        slips = (
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
        for slip, reason in slips:
            if close(parts, np.array(slip, dtype=float)):
                raise Incorrect(reason)
        if not close(parts[1], right[1]):
            raise Incorrect(
                f"the gradient of b, {describe(parts[1])}, is wrong: its norm is 0.5, at most the "
                "threshold, so clipnorm leaves it as it is."
            )
        norm, turn = float(np.linalg.norm(parts[0])), angle_degrees([G_A], [parts[0]])
        if turn > 0.1:
            raise Incorrect(
                f"the gradient of a, {describe(parts[0])}, points {turn:.1f}° away from [3.0, -4.0]: "
                "clipping by norm only rescales it, keeping its direction."
            )
        raise Incorrect(
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


class keep_direction(Problem):
    """An optimizer that caps the gradient's norm at 1.0 while keeping its direction."""

    hints = (
        "Every Keras optimizer accepts a clipping argument when you create it; one of the three "
        "changes the gradient's direction, the other two only rescale it.",
        "clipvalue clips components one by one, which turns the gradient. clipnorm scales each "
        "variable's gradient on its own, global_clipnorm all of them by one factor: which of the two "
        "keeps the direction of the model's whole gradient (section 4.2)?",
        "keras.optimizers.SGD(learning_rate=0.01, global_clipnorm=1.0)",
    )

    def judge(self, answer):
        if isinstance(answer, str):
            raise Incorrect(
                f"{answer[:40]!r} names an optimizer with its default settings, which do not clip; "
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
        inner = getattr(answer, "inner_optimizer", None)
        if isinstance(answer, keras.optimizers.LossScaleOptimizer) and inner is not None:
            answer = inner  # the wrapper passes the gradients on to its inner optimizer, which clips them
        if not isinstance(answer, keras.optimizers.Optimizer):
            raise Incorrect(f"expected a Keras optimizer such as keras.optimizers.SGD(...), got {a_type(answer)}.")
        settings = _clip_settings(answer)
        active = {name: value for name, value in settings.items() if value > 0}
        if not active:
            if settings:
                name, value = next(iter(settings.items()))
                raise Incorrect(
                    f"{name}={value:g} does not clip at all: Keras clips only when the threshold is above 0."
                )
            raise Incorrect(
                "this optimizer does not clip: it applies the gradient whatever its size. Add a "
                "clipping argument when you create it."
            )
        if "clipvalue" in active:
            (turned,) = applied_gradients([[0.9, 100.0]], clipvalue=THRESHOLD)
            turn = angle_degrees([[0.9, 100.0]], [turned])
            raise Incorrect(
                f"clipvalue clips each component on its own, which changes the direction: with "
                f"clipvalue=1.0 the gradient [0.9, 100.0] becomes {describe(turned)}, turned by "
                f"{turn:.1f}°. Clip by norm instead."
            )
        ((name, value),) = active.items()
        if name == "clipnorm":
            raise Incorrect(
                "clipnorm is the book's answer, and it keeps the direction of each variable's gradient. "
                "But a model has many variables: clipped one by one, the whole gradient can exceed the "
                "threshold and turns (section 4.2). Use global_clipnorm."
            )
        if not math.isclose(value, THRESHOLD, rel_tol=1e-6):
            raise Incorrect(f"{name}={value:g} caps the norm at {value:g}; the exercise asks for {THRESHOLD:g}.")

    def praise(self):
        return (
            "global_clipnorm=1.0 scales all the gradients by one factor, so the whole gradient keeps its "
            "direction and its norm never exceeds 1.0."
        )


class spike_remedy(Problem):
    """Which remedy to try first against rare gradient spikes in a recurrent network."""

    hints = (
        "The trouble is a handful of steps whose gradient is far larger than usual; ordinary steps are fine.",
        "You want something that leaves ordinary steps alone and shortens only the huge ones, without turning them.",
    )
    reasons = {
        "a": "clipvalue bounds each component, not the norm. A gradient's components are much smaller than its "
        "norm, so a threshold set at the usual norm hardly ever bites, and when it does, it turns the gradient.",
        "c": "batch normalization is hard to use inside recurrent networks (the book turns to layer normalization "
        "for them, in chapter 15); that is precisely why clipping is the usual remedy there.",
        "d": "a higher learning rate makes every step longer, the spikes included: it makes things worse.",
    }

    def judge(self, answer):
        letter = choice_letter(answer, "abcd")
        if letter != "b":
            raise Incorrect(f"{letter.upper()}: {self.reasons[letter]}")

    def praise(self):
        return (
            "a global norm threshold just above the usual norms leaves ordinary steps untouched and shortens "
            "the spikes without turning them."
        )


section = Section(
    "11_training_deep_networks/04_gradient_clipping",
    clip_by_value(),
    clip_per_variable(),
    keep_direction(),
    spike_remedy(),
)
