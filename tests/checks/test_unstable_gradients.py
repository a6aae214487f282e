"""Section 1 checks judge meaning, not spelling, and explain each wrong answer specifically."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.feedback import assert_incorrect
from utils.exercises import Outcome
from utils.checks.unstable_gradients import section

GLOROT = (6 / (784 + 300)) ** 0.5


# glorot_limit ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda: (6 / (784 + 300)) ** 0.5, id="python_float"),
        pytest.param(lambda: math.sqrt(3 / 542), id="sqrt_3_over_fan_avg"),
        pytest.param(lambda: np.float32(GLOROT), id="np_float32"),
        pytest.param(lambda: np.float64(GLOROT), id="np_float64"),
        pytest.param(lambda: np.array(GLOROT), id="0d_array"),
        pytest.param(lambda: tf.constant(GLOROT), id="tf_scalar"),
    ],
)
def test_glorot_limit_correct(answer):
    """Any numeric type holding sqrt(6 / (784 + 300)) is correct."""
    assert section.glorot_limit.evaluate(answer()).outcome is Outcome.CORRECT


@pytest.mark.parametrize(
    "answer, keywords",
    [
        pytest.param(math.sqrt(3 / 784), ("LeCun", "fan_in"), id="lecun_limit"),
        pytest.param(math.sqrt(6 / 784), ("He",), id="he_limit"),
        pytest.param(1 / 542, ("variance",), id="variance"),
        pytest.param(math.sqrt(1 / 542), ("standard deviation", "σ"), id="std"),
        pytest.param(math.sqrt(3 / 300), ("fan_out",), id="fan_out_alone"),
        pytest.param(math.sqrt(3 / 1084), ("sum fan_in + fan_out as fan_avg",), id="sum_as_fan_avg"),
        pytest.param(math.sqrt(1 / 1084), ("√(1 / (fan_in + fan_out))",), id="one_over_the_sum"),
        pytest.param(-GLOROT, ("positive",), id="negative"),
        pytest.param("0.0744", ("string", "quotes"), id="string"),
        pytest.param([0.07, 0.08], ("shape",), id="two_numbers"),
        pytest.param(0.5, ("not the Glorot",), id="unrelated_number"),
        pytest.param(GLOROT * 1.01, ("not the Glorot",), id="one_percent_off"),
        pytest.param(True, ("bool",), id="bool"),
        pytest.param([], ("shape",), id="empty_list"),
        pytest.param(
            10**400,
            ("finite", "too large"),
            id="huge_int",
        ),
    ],
)
def test_glorot_limit_incorrect_with_reason(answer, keywords):
    """Each typical slip gets its own explanation."""
    assert_incorrect(section.glorot_limit.evaluate(answer), *keywords)


def test_glorot_limit_slips_are_told_apart():
    """The LeCun, He, variance and σ slips get different messages."""
    slips = [math.sqrt(3 / 784), math.sqrt(6 / 784), 1 / 542, math.sqrt(1 / 542), math.sqrt(3 / 300)]
    messages = {section.glorot_limit.evaluate(value).message for value in slips}
    assert len(messages) == len(slips)


# he_layer --------------------------------------------------------------------------------------

INITIALIZERS = {
    "he_normal": lambda: "he_normal",
    "HeNormal_str": lambda: "HeNormal",
    "HeNormal": lambda: keras.initializers.HeNormal(),
    "HeNormal_seed": lambda: keras.initializers.HeNormal(seed=3),
    "VarianceScaling_positional": lambda: keras.initializers.VarianceScaling(2.0, "fan_in", "truncated_normal"),
    "VarianceScaling_untruncated": lambda: keras.initializers.VarianceScaling(
        scale=2, mode="fan_in", distribution="untruncated_normal"
    ),
    "config_dict": lambda: {"class_name": "HeNormal", "config": {}},
}

ACTIVATIONS = [
    pytest.param(lambda: keras.activations.relu, id="keras_relu"),
    pytest.param(lambda: "relu", id="str_relu"),
    pytest.param(lambda: tf.nn.relu, id="tf_nn_relu"),
    pytest.param(lambda: keras.layers.ReLU(), id="ReLU_layer"),
    pytest.param(
        lambda: keras.layers.Activation("relu"),
        id="Activation_layer",
    ),
]


def dense(units=100, activation="relu", **kwargs):
    """A Dense layer, He normal by default unless kwargs say otherwise."""
    kwargs.setdefault("kernel_initializer", "he_normal")
    return keras.layers.Dense(units, activation=activation, **kwargs)


@pytest.mark.parametrize("initializer", INITIALIZERS.values(), ids=INITIALIZERS.keys())
def test_he_layer_accepts_every_spelling_of_he_normal(initializer):
    """Every spelling of He normal initialization is correct."""
    feedback = section.he_layer.evaluate(dense(kernel_initializer=initializer()))
    assert feedback.outcome is Outcome.CORRECT, feedback.message


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_he_layer_accepts_every_spelling_of_relu(activation):
    """Every spelling of the plain ReLU activation is correct."""
    feedback = section.he_layer.evaluate(dense(activation=activation()))
    assert feedback.outcome is Outcome.CORRECT, feedback.message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        pytest.param(lambda: keras.layers.Dense(100, activation="relu"), ("Glorot",), id="default_initializer"),
        pytest.param(lambda: dense(kernel_initializer="he_uniform"), ("uniform",), id="he_uniform"),
        pytest.param(lambda: dense(kernel_initializer="lecun_normal"), ("LeCun",), id="lecun_normal"),
        pytest.param(
            lambda: dense(kernel_initializer=keras.initializers.RandomNormal(stddev=0.14)),
            ("fixed", "fan_in"),
            id="RandomNormal",
        ),
        pytest.param(
            lambda: dense(kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.14)),
            ("fixed",),
            id="TruncatedNormal",
        ),
        pytest.param(lambda: dense(units=50), ("100",), id="50_units"),
        pytest.param(lambda: dense(activation="sigmoid"), ("relu", "activation"), id="sigmoid"),
        pytest.param(lambda: dense(activation=None), ("relu", "activation"), id="no_activation"),
        pytest.param(
            lambda: dense(activation=keras.layers.ReLU(negative_slope=0.1)),
            ("negative_slope", "leaky", "plain"),
            id="leaky_ReLU_layer",
        ),
        pytest.param(
            lambda: keras.Sequential([keras.Input((784,)), dense()]),
            ("whole model", "a model", "the model"),
            id="model_with_correct_layer",
        ),
        pytest.param(lambda: keras.layers.Dense, ("class",), id="Dense_class"),
        pytest.param(
            lambda: keras.layers.Conv2D(100, 3, activation="relu", kernel_initializer="he_normal"),
            ("Dense",),
            id="Conv2D",
        ),
        pytest.param(lambda: "he_normal", ("Dense",), id="string_he_normal"),
    ],
)
def test_he_layer_incorrect_with_reason(answer, keywords):
    """Each wrong layer is rejected with a reason naming what is wrong."""
    assert_incorrect(section.he_layer.evaluate(answer()), *keywords)


def test_he_layer_leaky_relu_is_rejected():
    """A leaky ReLU layer as activation is not plain ReLU, so the answer is incorrect."""
    feedback = section.he_layer.evaluate(dense(activation=keras.layers.ReLU(negative_slope=0.1)))
    assert feedback.outcome is Outcome.INCORRECT


# steady_spread ---------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["B", "b", " b ", "(b)", "B)"])
def test_steady_spread_correct(answer):
    """B, however it is written, is correct."""
    assert section.steady_spread.evaluate(answer).outcome is Outcome.CORRECT


@pytest.mark.parametrize(
    "answer, keywords",
    [("A", ("Glorot",)), ("C", ("explode", "doubl")), ("D", ("LeCun",))],
)
def test_steady_spread_wrong_letters_explained(answer, keywords):
    """Each wrong option gets the reason it fails."""
    assert_incorrect(section.steady_spread.evaluate(answer), *keywords)


def test_steady_spread_reasons_differ_per_letter():
    """A, C and D each get a message of their own."""
    messages = {section.steady_spread.evaluate(letter).message for letter in "ACD"}
    assert len(messages) == 3


@pytest.mark.parametrize(
    "answer",
    [
        "E",
        "he normal",
        2,
        "ab",
        "a b",
        "BC",
        "abcd",
    ],
)
def test_steady_spread_incorrect(answer):
    """Anything that is not one option letter is incorrect, with a message about the letters."""
    assert_incorrect(section.steady_spread.evaluate(answer), "letter")


@pytest.mark.parametrize("answer", ["", ...], ids=["empty", "ellipsis"])
def test_steady_spread_not_attempted(answer):
    """An empty answer or the stub is 'not attempted'."""
    assert section.steady_spread.evaluate(answer).outcome is Outcome.NOT_ATTEMPTED


# Verdicts a learner review found wrong (issue 7), kept as tests ---------------------------------


@pytest.mark.parametrize("answer", [0.0744, 0.07440, 0.07439, 0.074398, round(GLOROT, 5)])
def test_glorot_limit_accepts_three_significant_figures(answer):
    """The exercise asks for 3 significant figures: any answer right to that precision passes."""
    assert section.glorot_limit.evaluate(answer).outcome is Outcome.CORRECT


@pytest.mark.parametrize("answer", [0.074, 0.07])
def test_glorot_limit_rounded_too_far_is_told_to_round_less(answer):
    """0.074 is the right value to 2 significant figures: 'round less', never 'wrong formula'."""
    feedback = section.glorot_limit.evaluate(answer)
    assert_incorrect(feedback, "round less")
    assert "LeCun" not in feedback.message and "fan_out alone" not in feedback.message


@pytest.mark.parametrize("answer", [0.0745, 0.0743])
def test_glorot_limit_misrounded_is_told_to_check_the_rounding(answer):
    """r = 0.074398: 0.0745 and 0.0743 are one unit off in the third figure, on either side."""
    assert_incorrect(section.glorot_limit.evaluate(answer), "rounding")


def test_a_round_guess_is_not_blamed_on_a_slip():
    """0.1 happens to equal sqrt(3 / fan_out), but a round guess does not show that slip."""
    feedback = section.glorot_limit.evaluate(0.1)
    assert_incorrect(feedback, "not the Glorot uniform limit")
    assert "you used" not in feedback.message


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(6**0.5 / (784 + 300), id="sqrt6_over_sum"),
        pytest.param(6 / (784 + 300) ** 0.5, id="6_over_sqrt_sum"),
        pytest.param(3 / ((784 + 300) / 2) ** 0.5, id="3_over_sqrt_fan_avg"),
    ],
)
def test_glorot_limit_operator_precedence_slip(answer):
    """A misplaced power gets told about precedence and parentheses."""
    assert_incorrect(section.glorot_limit.evaluate(answer), "parentheses")


@pytest.mark.parametrize(
    "activation",
    [
        pytest.param(lambda: "leaky_relu", id="leaky_relu"),
        pytest.param(lambda: keras.layers.LeakyReLU(negative_slope=0.2), id="LeakyReLU_layer"),
        pytest.param(lambda: "elu", id="elu"),
    ],
)
def test_relu_family_activation_is_not_said_to_mismatch_he(activation):
    """Section 1's table gives He for the whole ReLU family: the reason is 'plain ReLU asked', not 'wrong family'."""
    feedback = section.he_layer.evaluate(dense(activation=activation()))
    assert_incorrect(feedback, "plain ReLU")
    assert "derived for ReLU" not in feedback.message


def my_relu(x):
    return keras.ops.maximum(x, 0.0)


def relu(x):  # named relu, computes tanh
    return keras.ops.tanh(x)


@pytest.mark.parametrize("activation", [lambda x: keras.activations.relu(x), my_relu], ids=["lambda", "maximum"])
def test_he_layer_judges_relu_by_what_it_computes(activation):
    """A function of the learner's own that computes ReLU is ReLU."""
    assert section.he_layer.evaluate(dense(activation=activation)).outcome is Outcome.CORRECT


def test_he_layer_a_function_named_relu_must_compute_it():
    """The name proves nothing: a 'relu' that computes tanh is not ReLU."""
    assert_incorrect(section.he_layer.evaluate(dense(activation=relu)), "plain ReLU")


def test_glorot_limit_forgotten_square_root():
    """3 / fan_avg is r², not r."""
    assert_incorrect(section.glorot_limit.evaluate(3 / 542), "square root")
