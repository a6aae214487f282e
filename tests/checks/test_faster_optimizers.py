"""Section 6 checks: update rules judged step by step against Keras, each typical slip named."""

import keras
import numpy as np
import pytest

from tests.feedback import assert_incorrect
from utils.checks.faster_optimizers import section
from utils.exercises import Outcome
from utils.optimizers import descend, steps_to_settle


def correct(feedback):
    """True for a correct verdict; the message shows otherwise."""
    return feedback.outcome is Outcome.CORRECT


# The helpers the checks rely on -----------------------------------------------------------------


def test_descend_drives_a_keras_optimizer_and_a_numpy_rule_alike():
    """Plain SGD and w - ηg give the same path, on a surface and on a sequence of gradients."""

    class Plain:
        def step(self, w, g):
            return w - 0.1 * g

    surface = lambda w: 2 * w  # noqa: E731
    np.testing.assert_allclose(descend(Plain(), [1.0, -1.0], surface, 5),
                               descend(keras.optimizers.SGD(0.1), [1.0, -1.0], surface, 5), rtol=1e-7)
    path = descend(Plain(), [0.0], [[1.0], [2.0]])
    np.testing.assert_allclose(path[:, 0], [0.0, -0.1, -0.3])


def test_descend_says_what_it_needs():
    """A gradient function needs a number of steps; an update needs a step method."""
    with pytest.raises(ValueError, match="number of steps"):
        descend(keras.optimizers.SGD(), [0.0], lambda w: w)
    with pytest.raises(TypeError, match="step"):
        descend(object(), [0.0], [[1.0]])


def test_steps_to_settle_counts_from_the_last_exit():
    """A path that enters, leaves and re-enters settles at its last entry; one that ends outside never does."""
    path = np.array([[5.0], [0.5], [2.0], [0.5], [0.1]])
    assert steps_to_settle(path, [0.0], 1.0) == 3
    assert steps_to_settle(path[:3], [0.0], 1.0) is None
    assert steps_to_settle(path[3:], [0.0], 1.0) == 0


# settled_step -------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [0.4, 0.01 * 2.0 / (1 - 0.95), np.float32(0.4), 0.400])
def test_settled_step_correct(answer):
    assert correct(section.settled_step.evaluate(answer))


@pytest.mark.parametrize(
    "answer, keywords",
    [(0.02, ("plain sgd",)), (20, ("factor",)), (40, ("learning rate",)), (0.2, ("gradient",)),
     (0.38, ("carried",)), (0.001, ("1 − β",)), (-0.4, ("negative",)), (0.5, ("not the value",)),
     (0.3976, ("after 100 steps",)), (0.398, ("after 100 steps",)), (0.019, ("βηg",)), (0.04, ("divided by 0.5",))],
)
def test_settled_step_slips(answer, keywords):
    assert_incorrect(section.settled_step.evaluate(answer), *keywords)


# nesterov -----------------------------------------------------------------------------------------


class RightNesterov:
    def __init__(self, learning_rate=0.01, momentum=0.9):
        self.lr, self.beta, self.m = learning_rate, momentum, 0.0

    def step(self, w, g):
        self.m = self.beta * self.m - self.lr * g
        return w + self.beta * self.m - self.lr * g


class PositiveVelocity(RightNesterov):
    """m ← βm + ηg and w ← w − βm − ηg: the same rule with the velocity's sign flipped."""

    def step(self, w, g):
        self.m = self.beta * self.m + self.lr * g
        return w - (self.beta * self.m + self.lr * g)


class InPlace(RightNesterov):
    """Changes w in place and returns it."""

    def step(self, w, g):
        self.m = self.beta * self.m - self.lr * g
        w += self.beta * self.m - self.lr * g
        return w


def nesterov_variant(new_weights, velocity_sign=-1.0):
    """A Nesterov class whose weights move by ``new_weights(self, w, g)``."""

    class Variant(RightNesterov):
        def step(self, w, g):
            self.m = self.beta * self.m + velocity_sign * self.lr * g
            return new_weights(self, w, g)

    return Variant


class Stub:
    def __init__(self, learning_rate=0.01, momentum=0.9):
        ...

    def step(self, w, g):
        ...


class NoReturn(RightNesterov):
    def step(self, w, g):
        self.m = self.beta * self.m - self.lr * g


class SharedState:
    velocity = [0.0]  # on the class: every object shares it

    def __init__(self, learning_rate=0.01, momentum=0.9):
        self.lr, self.beta = learning_rate, momentum

    def step(self, w, g):
        self.velocity[0] = self.beta * self.velocity[0] - self.lr * g
        return w + self.beta * self.velocity[0] - self.lr * g


class Defaults(RightNesterov):
    def __init__(self, learning_rate=0.01, momentum=0.9):
        super().__init__()


@pytest.mark.parametrize("answer", [RightNesterov, PositiveVelocity, InPlace])
def test_nesterov_correct(answer):
    assert correct(section.nesterov.evaluate(answer)), section.nesterov.evaluate(answer).message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        (nesterov_variant(lambda self, w, g: w + self.m), ("plain momentum",)),
        (nesterov_variant(lambda self, w, g: w - self.lr * g), ("plain sgd",)),
        (nesterov_variant(lambda self, w, g: w + self.beta * self.m), ("βm only",)),
        (nesterov_variant(lambda self, w, g: w + self.beta * self.m + self.lr * g, 1.0), ("uphill",)),
        (nesterov_variant(lambda self, w, g: w + self.beta * self.m - g), ("learning rate",)),
        (nesterov_variant(lambda self, w, g: w + self.beta * self.m - 2 * self.lr * g), ("differs",)),
        (Defaults, ("default",)),
        (NoReturn, ("return",)),
        (SharedState, ("class",)),
        (RightNesterov(), ("class itself",)),
        (keras.optimizers.SGD(momentum=0.9, nesterov=True), ("keras's own",)),
        ("Nesterov", ("string",)),
        (42, ("expected your class",)),
    ],
)
def test_nesterov_slips(answer, keywords):
    assert_incorrect(section.nesterov.evaluate(answer), *keywords)


def test_nesterov_stub_is_not_attempted():
    assert section.nesterov.evaluate(Stub).outcome is Outcome.NOT_ATTEMPTED


def test_a_class_with_other_arguments_is_told_to_keep_them():
    class Renamed(RightNesterov):
        def __init__(self, lr=0.01, beta=0.9):
            super().__init__(lr, beta)

    assert_incorrect(section.nesterov.evaluate(Renamed), "arguments")


# who_stalls -----------------------------------------------------------------------------------


def test_who_stalls():
    assert correct(section.who_stalls.evaluate("b"))
    for letter, keyword in (("a", "forgotten"), ("c", "recovers"), ("d", "not shrinking")):
        assert_incorrect(section.who_stalls.evaluate(letter), keyword)


# adam -----------------------------------------------------------------------------------------------


class RightAdam:
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.lr, self.b1, self.b2, self.eps = learning_rate, beta_1, beta_2, epsilon
        self.m, self.v, self.t = 0.0, 0.0, 0

    def step(self, w, g):
        self.t += 1
        self.m = self.b1 * self.m + (1 - self.b1) * g
        self.v = self.b2 * self.v + (1 - self.b2) * g**2
        return w - self.lr * self.m / (1 - self.b1**self.t) / (np.sqrt(self.v / (1 - self.b2**self.t)) + self.eps)


class KerasFormAdam(RightAdam):
    """Keras's own arrangement: the corrections in the learning rate, ε added to √v."""

    def step(self, w, g):
        self.t += 1
        self.m += (1 - self.b1) * (g - self.m)
        self.v += (1 - self.b2) * (g**2 - self.v)
        alpha = self.lr * np.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
        return w - alpha * self.m / (np.sqrt(self.v) + self.eps)


def adam_variant(**changes):
    """An Adam class with one slip: ``changes`` picks it."""

    class Variant(RightAdam):
        def step(self, w, g):
            self.t += 1
            t = self.t + changes.get("t_offset", 0)
            b1, b2 = (1 - self.b1, 1 - self.b2) if changes.get("swap_in_averages") else (self.b1, self.b2)
            b1, b2 = (b2, b1) if changes.get("crossed") else (b1, b2)
            square = g if changes.get("v_of_g") else np.abs(g) if changes.get("abs_g") else g**2
            self.m = b1 * self.m + (g if changes.get("m_no_factor") else (1 - b1) * g)
            self.v = b2 * self.v + (1 - b2) * square
            if changes.get("defaults"):
                self.lr, self.eps = 0.001, 1e-7  # written into the formula, whatever __init__ was given
            if changes.get("raises"):
                return w - self.lr * self.m_hat  # the slip: an attribute never set
            m_hat = self.m / (1 - self.b1**t) if changes.get("correct_m", True) else self.m
            v_hat = self.v / (1 - self.b2**t) if changes.get("correct_v", True) else self.v
            if changes.get("store_corrected"):
                self.m, self.v = m_hat, v_hat
            if changes.get("eps_inside"):
                return w - self.lr * m_hat / np.sqrt(v_hat + self.eps)
            if changes.get("no_sqrt"):
                return w - self.lr * m_hat / (v_hat + self.eps)
            update = self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
            if changes.get("uphill"):
                return w + update
            return -update if changes.get("returns_update") else w - update

    return Variant


@pytest.mark.parametrize("answer", [RightAdam, KerasFormAdam])
def test_adam_correct(answer):
    feedback = section.adam.evaluate(answer)
    assert correct(feedback), feedback.message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        (adam_variant(correct_m=False, correct_v=False), ("bias correction is missing",)),
        (adam_variant(correct_v=False), ("but v is not",)),
        (adam_variant(correct_m=False), ("but m is not",)),
        (adam_variant(eps_inside=True), ("inside the square root",)),
        (adam_variant(t_offset=-1), ("t = 0",)),
        (adam_variant(t_offset=1), ("t + 1",)),
        (adam_variant(v_of_g=True), ("squares",)),
        (adam_variant(swap_in_averages=True), ("swapped in the averages",)),
        (adam_variant(defaults=True), ("ignores the learning_rate",)),
        (adam_variant(raises=True), ("AttributeError at line 12 of `step`",)),
        (adam_variant(store_corrected=True), ("store the corrected averages",)),
        (adam_variant(crossed=True), ("crossed",)),
        (adam_variant(no_sqrt=True), ("square root of v̂",)),
        (adam_variant(abs_g=True), ("|g|",)),
        (adam_variant(m_no_factor=True), ("(1 − β₁) factor",)),
        (adam_variant(uphill=True), ("uphill",)),
        (adam_variant(returns_update=True), ("returns the change",)),
        (RightNesterov, ("arguments",)),
    ],
)
def test_adam_slips(answer, keywords):
    assert_incorrect(section.adam.evaluate(answer), *keywords)


# decoupled_decay ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        lambda: keras.optimizers.AdamW(learning_rate=3e-4, weight_decay=1e-4),
        lambda: keras.optimizers.Adam(learning_rate=3e-4, weight_decay=1e-4),
        lambda: keras.optimizers.AdamW(3e-4, 1e-4),
        lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.AdamW(learning_rate=3e-4, weight_decay=1e-4)),
    ],
)
def test_decoupled_decay_correct(answer):
    feedback = section.decoupled_decay.evaluate(answer())
    assert correct(feedback), feedback.message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        (lambda: keras.optimizers.AdamW(learning_rate=3e-4), ("default",)),
        (lambda: keras.optimizers.AdamW(learning_rate=3e-4, weight_decay=3e-8), ("multiplies",)),
        (lambda: keras.optimizers.Adam(learning_rate=3e-4), ("no weight decay",)),
        (lambda: keras.optimizers.AdamW(weight_decay=1e-4), ("3e-4",)),
        (lambda: keras.optimizers.SGD(learning_rate=3e-4, weight_decay=1e-4), ("adam's update",)),
        (lambda: keras.optimizers.Nadam(learning_rate=3e-4, weight_decay=1e-4), ("adam's update",)),
        (lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.AdamW(learning_rate=3e-4)), ("default",)),
        (lambda: keras.optimizers.AdamW(keras.optimizers.schedules.ExponentialDecay(3e-4, 100, 0.9),
                                        weight_decay=1e-4), ("schedule",)),
        (lambda: "adamw", ("defaults",)),
        (lambda: "AdamW(weight_decay=1e-4)", ("quotes",)),
        (lambda: keras.optimizers.AdamW, ("class",)),
        (lambda: 1e-4, ("keras optimizer",)),
    ],
)
def test_decoupled_decay_slips(answer, keywords):
    assert_incorrect(section.decoupled_decay.evaluate(answer()), *keywords)
