"""Checks for section 1: vanishing/exploding gradients and weight initialization."""

import math

import keras

from utils.exercises.core import Incorrect, Problem, Section
from utils.exercises.judges import (
    NORMAL_FORMS,
    a_type,
    as_number,
    choice_letter,
    describe_initializer,
    initializer_signature,
    is_relu,
    relu_settings,
)

FAN_IN, FAN_OUT = 784, 300
FAN_AVG = (FAN_IN + FAN_OUT) / 2


class glorot_limit(Problem):
    """The limit r of Glorot uniform for a Dense(300) layer fed 784 inputs."""

    hints = (
        "Glorot uniform draws weights from [-r, r] with r = sqrt(3 / fan_avg).",
        "fan_avg = (fan_in + fan_out) / 2, with fan_in = 784 inputs and fan_out = 300 units.",
        "r = sqrt(3 / ((784 + 300) / 2)) = sqrt(6 / (784 + 300)).",
    )
    # Values a learner reaches by a typical slip, and what to tell them.
    slips = (
        (math.sqrt(3 / FAN_IN), "that is LeCun's limit: you used fan_in alone. Glorot averages fan_in and fan_out."),
        (math.sqrt(6 / FAN_IN), "that is He's limit, sqrt(6 / fan_in), made for ReLU. Glorot uses fan_avg."),
        (math.sqrt(3 / FAN_OUT), "you used fan_out alone. Glorot averages fan_in and fan_out."),
        (math.sqrt(6 / FAN_AVG), "you used 6 / fan_avg: it is 3 / fan_avg, or 6 / (fan_in + fan_out)."),
        (1 / FAN_AVG, "that is the variance 1 / fan_avg, not the limit r of the uniform range."),
        (math.sqrt(1 / FAN_AVG), "that is the standard deviation σ; a uniform on [-r, r] has σ = r / sqrt(3)."),
    )

    def judge(self, answer):
        value = as_number(answer)
        target = math.sqrt(6 / (FAN_IN + FAN_OUT))
        if value < 0:
            raise Incorrect("the limit is positive: weights are drawn from [-r, r].")
        if math.isclose(value, target, rel_tol=1e-3):
            return
        for slip, reason in self.slips:
            if math.isclose(value, slip, rel_tol=1e-3):
                raise Incorrect(f"{value:.4g}: {reason}")
        raise Incorrect(f"{value:.4g} is not the Glorot uniform limit for fan_in={FAN_IN}, fan_out={FAN_OUT}.")

    def praise(self):
        return f"r = sqrt(6 / (784 + 300)) ≈ {math.sqrt(6 / (FAN_IN + FAN_OUT)):.4f}."


class he_layer(Problem):
    """A Dense layer of 100 ReLU units with He normal initialization, in any spelling."""

    hints = (
        "Dense takes `units`, `activation` and `kernel_initializer` arguments.",
        "He initialization has variance 2 / fan_in; Keras names its normal form 'he_normal'.",
        'keras.layers.Dense(100, activation="relu", kernel_initializer="he_normal")',
    )

    def judge(self, answer):
        if isinstance(answer, keras.Model):
            raise Incorrect("that is a whole model; give just the Dense layer.")
        if isinstance(answer, type):
            raise Incorrect(f"that is the class {answer.__name__} itself; create a layer with it (call it).")
        if not isinstance(answer, keras.layers.Dense):
            raise Incorrect(f"expected a keras.layers.Dense layer, got {a_type(answer)}.")
        if answer.units != 100:
            raise Incorrect(f"the layer has {answer.units} units; the exercise asks for 100.")
        if not is_relu(answer.activation):
            raise Incorrect(f"{_describe_activation(answer.activation)}; use plain ReLU: activation='relu'.")
        signature = initializer_signature(answer.kernel_initializer)
        scale, mode, distribution = signature
        if (scale, mode) != (2.0, "fan_in"):
            kind = describe_initializer(signature)
            why = {
                "Glorot uniform": "Keras's default, suited to tanh, not ReLU",
                "Glorot normal": "suited to tanh, not ReLU",
                "LeCun normal": "variance 1 / fan_in, half of what ReLU needs",
                "LeCun uniform": "variance 1 / fan_in, half of what ReLU needs",
            }.get(kind, "not variance 2 / fan_in")
            raise Incorrect(f"the kernel initializer is {kind} ({why}). He uses variance 2 / fan_in.")
        if distribution not in NORMAL_FORMS:
            raise Incorrect("that is He *uniform*; the exercise asks for the normal form.")

    def praise(self):
        return "ReLU units with weights of variance 2 / fan_in: He normal."


class steady_spread(Problem):
    """Which configuration keeps the activations' spread steady across 50 ReLU layers."""

    hints = (
        "ReLU outputs zero for half of its inputs, so it halves the mean square of the signal.",
        "With n inputs per unit and weight variance v, a layer multiplies the mean square of the "
        "signal by n · v before the ReLU halves it. Which v makes n · v / 2 = 1 for n = 100?",
    )
    reasons = {
        "a": "Glorot's variance is 1 / fan_avg = 1/100 here: after ReLU halves the signal's mean square, "
        "each layer keeps only half of it, and 50 layers shrink it about 2^50-fold.",
        "c": "a standard deviation of 0.2 is a variance of 0.04 = 4/100, twice what ReLU needs: the "
        "signal's mean square doubles at every layer and explodes.",
        "d": "LeCun's variance 1 / fan_in = 1/100 suits SELU; with ReLU, each layer halves the signal's "
        "mean square, so it vanishes.",
    }

    def judge(self, answer):
        letter = choice_letter(answer, "abcd")
        if letter != "b":
            raise Incorrect(f"{letter.upper()}: {self.reasons[letter]}")

    def praise(self):
        return "He's variance 2 / fan_in makes n · v / 2 = 1: each layer passes the signal on at the same scale."


def _describe_activation(activation) -> str:
    """Why an activation is not plain ReLU, in a few words."""
    if isinstance(activation, keras.layers.ReLU):
        settings = ", ".join(f"{key}={value}" for key, value in relu_settings(activation).items())
        return f"the activation is a modified ReLU ({settings}), not plain ReLU"
    name = getattr(activation, "__name__", type(activation).__name__)
    return f"the activation is {name}, but He initialization is derived for ReLU"


section = Section(
    "11_training_deep_networks/01_unstable_gradients",
    glorot_limit(),
    he_layer(),
    steady_spread(),
)
