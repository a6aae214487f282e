"""Checks for section 1: vanishing/exploding gradients and weight initialization."""

import math

import keras

from utils.exercises.core import Incorrect, Section
from utils.exercises.judges import (
    a_type,
    activation_name,
    describe_initializer,
    initializer_signature,
    is_he_normal,
    is_relu,
    not_a_class_of_layers,
)
from utils.exercises.kinds import ChoiceProblem, NumberProblem, Rule, RuleProblem

FAN_IN, FAN_OUT = 784, 300
FAN_AVG = (FAN_IN + FAN_OUT) / 2
PRECEDENCE = (
    "`**` binds more tightly than `/`, so the root was taken of part of the fraction only: put the whole "
    "fraction in parentheses before raising it to the power 0.5."
)


class GlorotLimit(NumberProblem):
    """The limit r of Glorot uniform for a Dense(300) layer fed 784 inputs, to 3 significant figures."""

    answer = math.sqrt(6 / (FAN_IN + FAN_OUT))
    digits = 3
    hints = (
        "Glorot uniform picks r so that the weights get Glorot's variance from the table of section 1.4. "
        "What is the variance of a uniform distribution on [-r, r]?",
        "A uniform distribution on [-r, r] has variance r² / 3, and Glorot's variance is 1 / fan_avg: set "
        "the two equal and solve for r.",
        "r = √(3 / fan_avg). fan_avg averages the layer's number of inputs and its number of units: which "
        "two numbers are they here?",
    )
    slips = (
        (math.sqrt(3 / FAN_IN), "that is LeCun's limit: you used fan_in alone. Glorot averages fan_in and fan_out."),
        (math.sqrt(6 / FAN_IN), "that is He's limit, √(6 / fan_in), made for ReLU. Glorot uses fan_avg."),
        (math.sqrt(3 / FAN_OUT), "you used fan_out alone. Glorot averages fan_in and fan_out."),
        (math.sqrt(6 / FAN_AVG), "you used 6 / fan_avg: it is 3 / fan_avg, or 6 / (fan_in + fan_out)."),
        (1 / FAN_AVG, "that is the variance 1 / fan_avg, not the limit r of the uniform range."),
        (3 / FAN_AVG, "that is r² = 3 / fan_avg: take its square root."),
        (math.sqrt(1 / FAN_AVG), "that is the standard deviation σ; a uniform on [-r, r] has σ = r / √3."),
        (6**0.5 / (FAN_IN + FAN_OUT), PRECEDENCE),
        (6 / (FAN_IN + FAN_OUT) ** 0.5, PRECEDENCE),
        (3 / FAN_AVG**0.5, PRECEDENCE),
        ((6 / FAN_IN + FAN_OUT) ** 0.5, "(6 / 784 + 300) divides 6 by 784 alone: write 6 / (784 + 300)."),
        (math.sqrt(3 / (FAN_IN + FAN_OUT)), "you used the sum fan_in + fan_out as fan_avg: fan_avg is their mean, "
         "(784 + 300) / 2."),
        (math.sqrt(1 / (FAN_IN + FAN_OUT)), "that is √(1 / (fan_in + fan_out)): the limit is √(3 / fan_avg), with "
         "fan_avg the mean of fan_in and fan_out."),
    )

    def screen(self, value):
        if value < 0:
            raise Incorrect("the limit is positive: weights are drawn from [-r, r].")

    def unexplained(self, value):
        return f"{value:.4g} is not the Glorot uniform limit for fan_in = {FAN_IN}, fan_out = {FAN_OUT}."

    def praise(self):
        return f"r = √(6 / (784 + 300)) ≈ {self.answer:.4f}."


def _initializer_reason(layer) -> str:
    """Why a layer's kernel initializer is not He normal, naming what it is."""
    signature = initializer_signature(layer.kernel_initializer)
    kind = describe_initializer(signature)
    if signature[:2] == (2.0, "fan_in"):
        return "that is He *uniform*; the exercise asks for the normal form."
    why = {
        "Glorot uniform": "Keras's default, suited to tanh, not ReLU",
        "Glorot normal": "suited to tanh, not ReLU",
        "LeCun normal": "variance 1 / fan_in, half of what ReLU needs",
        "LeCun uniform": "variance 1 / fan_in, half of what ReLU needs",
    }.get(kind, "not variance 2 / fan_in")
    return f"the kernel initializer is {kind} ({why}). He uses variance 2 / fan_in."


def _activation_reason(layer) -> str:
    """Why a layer's activation is not plain ReLU."""
    name = activation_name(layer.activation)
    if name in ("sigmoid", "tanh", "selu", "linear", "softmax"):
        return f"the activation is {name}; the exercise asks for ReLU: activation='relu'."
    return f"the activation is {name}. He initialization suits it too, but this exercise asks for plain ReLU."


class HeLayer(RuleProblem):
    """A Dense layer of 100 ReLU units with He normal initialization, in any spelling."""

    hints = (
        "A Dense layer takes arguments for its number of units, its activation and its kernel initializer.",
        "He initialization has variance 2 / fan_in; Keras names its two forms 'he_normal' and 'he_uniform', "
        "and the Dense argument that takes it is `kernel_initializer`.",
        "Three arguments: units=100, activation='relu', and the He initializer in its normal form.",
    )
    rules = (
        Rule(
            lambda layer: isinstance(layer, keras.layers.Dense),
            lambda layer: f"expected a keras.layers.Dense layer, got {a_type(layer)}.",
        ),
        Rule(
            lambda layer: layer.units == 100,
            lambda layer: f"the layer has {layer.units} units; the exercise asks for 100.",
        ),
        Rule(lambda layer: is_relu(layer.activation), _activation_reason),
        Rule(lambda layer: is_he_normal(layer.kernel_initializer), _initializer_reason),
    )

    def prepare(self, answer):
        not_a_class_of_layers(answer, "Dense layer")
        return answer

    def praise(self):
        return "ReLU units with weights of variance 2 / fan_in: He normal."


class SteadySpread(ChoiceProblem):
    """Which configuration keeps the scale of the activations steady across 50 ReLU layers."""

    answer = "b"
    reasons = {
        "a": "Glorot's variance is 1 / fan_avg = 1/100 here: after ReLU halves the signal's mean square, "
        "each layer keeps only half of it, and 50 layers shrink it about 2^50-fold.",
        "c": "a standard deviation of 0.2 is a variance of 0.04 = 4/100, twice what ReLU needs: the "
        "signal's mean square doubles at every layer and explodes.",
        "d": "LeCun's variance 1 / fan_in = 1/100 suits SELU; with ReLU, each layer halves the signal's "
        "mean square, so it vanishes.",
    }
    hints = (
        "ReLU outputs zero for about half of its inputs: what does that do to the mean square of the signal?",
        "With n inputs per unit and weight variance v, a layer multiplies the mean square of the signal by "
        "n · v, and the ReLU then halves it. For the scale to stay steady, that product must be 1.",
        "Here n = 100, so you need v = 2/100. Work out the variance each option gives: fan_avg and fan_in are "
        "both 100, and a standard deviation of 0.2 is a variance of 0.04.",
    )

    def praise(self):
        return "He's variance 2 / fan_in makes n · v / 2 = 1: each layer passes the signal on at the same scale."


section = Section(__name__, GlorotLimit(), HeLayer(), SteadySpread())
