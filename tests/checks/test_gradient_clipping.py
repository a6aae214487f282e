"""Section 4 checks judge meaning, not spelling, and explain each wrong answer specifically."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.feedback import assert_incorrect
from utils.exercises import Outcome
from utils.checks.gradient_clipping import section
from utils.training import angle_degrees, applied_gradients


# The helpers the checks rely on ---------------------------------------------------------------


def test_applied_gradients_reproduce_the_books_example():
    """A real optimizer step gives the book's [0.9, 1.0] by value and [0.00899964, 0.9999595] by norm."""
    (by_value,) = applied_gradients([[0.9, 100.0]], clipvalue=1.0)
    (by_norm,) = applied_gradients([[0.9, 100.0]], clipnorm=1.0)
    np.testing.assert_allclose(by_value, [0.9, 1.0], rtol=1e-6)
    np.testing.assert_allclose(by_norm, [0.00899964, 0.9999595], rtol=1e-5)
    assert angle_degrees([[0.9, 100.0]], [by_norm]) < 0.01 < 40 < angle_degrees([[0.9, 100.0]], [by_value])


def test_clipnorm_is_per_variable_and_global_clipnorm_is_not():
    """clipnorm leaves a small gradient alone next to a large one; global_clipnorm shrinks both alike."""
    per_variable = applied_gradients([[3.0, 4.0], [0.6, 0.8]], clipnorm=1.0)
    together = applied_gradients([[3.0, 4.0], [0.6, 0.8]], global_clipnorm=1.0)
    np.testing.assert_allclose(per_variable[1], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(together[0] / together[1], [5.0, 5.0], rtol=1e-5)
    assert np.isclose(np.sqrt(sum(np.sum(g**2) for g in together)), 1.0, rtol=1e-5)


# clip_by_value ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda: [1.0, -1.0, 0.5], id="list"),
        pytest.param(lambda: (1, -1, 0.5), id="tuple_with_ints"),
        pytest.param(lambda: np.array([1.0, -1.0, 0.5], dtype=np.float32), id="np_float32"),
        pytest.param(lambda: np.clip([3.0, -4.0, 0.5], -1, 1), id="np_clip"),
        pytest.param(lambda: tf.constant([1.0, -1.0, 0.5]), id="tf_tensor"),
        pytest.param(lambda: tf.clip_by_value([3.0, -4.0, 0.5], -1.0, 1.0), id="tf_clip_by_value"),
        pytest.param(lambda: applied_gradients([[3.0, -4.0, 0.5]], clipvalue=1.0), id="list_of_one_array"),
        pytest.param(lambda: [[1.0, -1.0, 0.5]], id="nested_list"),
    ],
)
def test_clip_by_value_correct(answer):
    """Any container of the three right numbers is correct."""
    feedback = section.clip_by_value.evaluate(answer())
    assert feedback.outcome is Outcome.CORRECT, feedback.message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        pytest.param([0.597, -0.796, 0.0995], ("by norm", "clipnorm"), id="clipped_by_norm"),
        pytest.param([1.0, -4.0, 0.5], ("only from above", "from below"), id="no_lower_clip"),
        pytest.param([1.0, 1.0, 0.5], ("sign",), id="absolute_values"),
        pytest.param([-1.0, 1.0, -0.5], ("step", "flipped"), id="the_step_not_the_gradient"),
        pytest.param([1.0, -1.0, 1.0], ("0.5", "inside"), id="small_component_set_to_one"),
        pytest.param([1.0, -1.0, 0.0], ("0.5",), id="small_component_zeroed"),
        pytest.param([3.0, -4.0, 0.5], ("unchanged",), id="unchanged"),
        pytest.param([0.9, -1.0, 0.5], ("exactly -1.0 or 1.0",), id="big_component_wrong"),
        pytest.param([1.0, -1.0], ("3 numbers", "shape"), id="two_numbers"),
        pytest.param([1.0, -1.0, 0.5, 0.0], ("3 numbers", "shape"), id="four_numbers"),
        pytest.param(1.0, ("3 numbers", "shape"), id="scalar"),
        pytest.param("[1, -1, 0.5]", ("string", "quotes"), id="string"),
        pytest.param([1.0, float("nan"), 0.5], ("nan",), id="nan_inside"),
        pytest.param({"a": 1}, ("list, tuple or array",), id="dict"),
    ],
)
def test_clip_by_value_incorrect_with_reason(answer, keywords):
    """Each typical slip gets its own explanation."""
    assert_incorrect(section.clip_by_value.evaluate(answer), *keywords)


def test_clip_by_value_slips_are_told_apart():
    """The by-norm, one-sided, sign, step and small-component slips get different messages."""
    slips = [[0.597, -0.796, 0.0995], [1, -4, 0.5], [1, 1, 0.5], [-1, 1, -0.5], [1, -1, 1], [3, -4, 0.5]]
    messages = {section.clip_by_value.evaluate(slip).message for slip in slips}
    assert len(messages) == len(slips)


# clip_per_variable -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda: [[0.6, -0.8], [0.3, 0.4]], id="nested_lists"),
        pytest.param(lambda: [np.array([0.6, -0.8]), np.array([0.3, 0.4])], id="list_of_arrays"),
        pytest.param(lambda: (tf.constant([0.6, -0.8]), tf.constant([0.3, 0.4])), id="tuple_of_tensors"),
        pytest.param(lambda: np.array([[0.6, -0.8], [0.3, 0.4]]), id="2x2_array"),
        pytest.param(lambda: [0.6, -0.8, 0.3, 0.4], id="flat_four"),
        pytest.param(lambda: applied_gradients([[3.0, -4.0], [0.3, 0.4]], clipnorm=1.0), id="real_step"),
        pytest.param(lambda: [tf.clip_by_norm([3.0, -4.0], 1.0), tf.clip_by_norm([0.3, 0.4], 1.0)], id="tf_clip"),
    ],
)
def test_clip_per_variable_correct(answer):
    """Both clipped gradients, in any container, are correct."""
    feedback = section.clip_per_variable.evaluate(answer())
    assert feedback.outcome is Outcome.CORRECT, feedback.message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        pytest.param([[0.6, -0.8], [0.6, 0.8]], ("below the threshold", "as it is"), id="b_normalized_to_unit"),
        pytest.param(
            applied_gradients([[3.0, -4.0], [0.3, 0.4]], global_clipnorm=1.0), ("global_clipnorm",), id="global"
        ),
        pytest.param([[1.0, -1.0], [0.3, 0.4]], ("by value",), id="clipped_by_value"),
        pytest.param([[3.0, -4.0], [0.3, 0.4]], ("unchanged",), id="unchanged"),
        pytest.param([[-0.6, 0.8], [-0.3, -0.4]], ("step", "flipped"), id="the_step_not_the_gradient"),
        pytest.param([[0.3, 0.4], [0.6, -0.8]], ("order",), id="swapped"),
        pytest.param([[0.6, -0.8], [0.3, 0.5]], ("gradient of b",), id="b_wrong"),
        pytest.param([[0.5, -0.8], [0.3, 0.4]], ("direction", "°"), id="a_turned"),
        pytest.param([[0.3, -0.4], [0.3, 0.4]], ("norm 0.5", "norm 1.0"), id="a_wrong_length"),
        pytest.param([[0.6, 0.8], [0.3, 0.4]], ("direction", "°"), id="a_sign_lost"),
        pytest.param([[0.6, -0.8]], ("two gradients", "shape"), id="one_gradient"),
        pytest.param([0.6, -0.8, 0.3], ("two gradients", "shape"), id="three_numbers"),
        pytest.param([[0.6, -0.8], [0.3]], ("list, tuple or array",), id="ragged"),
        pytest.param("0.6, -0.8, 0.3, 0.4", ("string",), id="string"),
    ],
)
def test_clip_per_variable_incorrect_with_reason(answer, keywords):
    """Each typical slip gets its own explanation."""
    assert_incorrect(section.clip_per_variable.evaluate(answer), *keywords)


# keep_direction --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda: keras.optimizers.SGD(learning_rate=0.01, global_clipnorm=1.0), id="sgd"),
        pytest.param(lambda: keras.optimizers.SGD(global_clipnorm=1), id="int_threshold"),
        pytest.param(lambda: keras.optimizers.SGD(learning_rate=0.5, global_clipnorm=1.0), id="any_learning_rate"),
        pytest.param(lambda: keras.optimizers.Adam(global_clipnorm=1.0), id="adam"),
        pytest.param(lambda: keras.optimizers.RMSprop(learning_rate=1e-3, global_clipnorm=1.0), id="rmsprop"),
        pytest.param(
            lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(global_clipnorm=1.0)),
            id="loss_scale_wrapper",
        ),
    ],
)
def test_keep_direction_correct(answer):
    """Any optimizer, at any learning rate, with global_clipnorm=1.0 is correct."""
    feedback = section.keep_direction.evaluate(answer())
    assert feedback.outcome is Outcome.CORRECT, feedback.message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        pytest.param(lambda: keras.optimizers.SGD(learning_rate=0.01, clipvalue=1.0), ("direction", "°"), id="value"),
        pytest.param(lambda: keras.optimizers.SGD(clipnorm=1.0), ("each variable", "4.2"), id="per_variable"),
        pytest.param(lambda: keras.optimizers.Adam(clipnorm=1.0), ("each variable", "4.2"), id="per_variable_adam"),
        pytest.param(lambda: keras.optimizers.SGD(global_clipnorm=5.0), ("asks for 1",), id="global_5"),
        pytest.param(lambda: keras.optimizers.SGD(global_clipnorm=0.5), ("asks for 1",), id="global_half"),
        pytest.param(lambda: keras.optimizers.SGD(learning_rate=0.01), ("does not clip",), id="no_clipping"),
        pytest.param(lambda: keras.optimizers.SGD(clipnorm=0.0), ("above 0",), id="zero_threshold"),
        pytest.param(lambda: keras.optimizers.SGD(global_clipnorm=-1.0), ("above 0",), id="negative_threshold"),
        pytest.param(lambda: keras.optimizers.SGD, ("class", "call it"), id="class"),
        pytest.param(lambda: "sgd", ("default settings",), id="string"),
        pytest.param(lambda: keras.layers.Dense, ("class",), id="layer_class"),
        pytest.param(lambda: keras.Sequential(), ("optimizer",), id="model"),
    ],
)
def test_keep_direction_incorrect_with_reason(answer, keywords):
    """Each typical slip gets its own explanation."""
    assert_incorrect(section.keep_direction.evaluate(answer()), *keywords)


# spike_remedy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["B", "b", " (b) ", "b)"])
def test_spike_remedy_correct(answer):
    """The letter B in any common spelling is correct."""
    assert section.spike_remedy.evaluate(answer).correct


@pytest.mark.parametrize(
    "answer, keywords",
    [
        pytest.param("A", ("component",), id="clipvalue"),
        pytest.param("C", ("batch normalization",), id="batch_norm"),
        pytest.param("D", ("longer",), id="higher_learning_rate"),
        pytest.param("E", ("one of the letters",), id="no_such_option"),
        pytest.param(2, ("letter",), id="number"),
    ],
)
def test_spike_remedy_incorrect_with_reason(answer, keywords):
    """Each wrong option gets its own explanation."""
    assert_incorrect(section.spike_remedy.evaluate(answer), *keywords)


# Stubs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["clip_by_value", "clip_per_variable", "keep_direction", "spike_remedy"])
@pytest.mark.parametrize("stub", [..., None], ids=["ellipsis", "none"])
def test_stubs_are_not_attempted(name, stub):
    """The exercise notebook's stubs are 'not attempted', never 'incorrect'."""
    assert getattr(section, name).evaluate(stub).outcome is Outcome.NOT_ATTEMPTED


# Verdicts a learner review found wrong (issue 7), kept as tests ---------------------------------


def test_clip_by_value_list_of_strings_is_not_correct():
    """['1', '-1', '0.5'] holds the right values as text: numbers go without quotes."""
    assert_incorrect(section.clip_by_value.evaluate(["1", "-1", "0.5"]), "without quotes")


def test_clip_by_value_none_inside_is_named_not_a_nan():
    """[1, -1, None] has a blank, not a NaN."""
    feedback = section.clip_by_value.evaluate([1, -1, None])
    assert_incorrect(feedback, "item 3", "None")
    assert "NaN" not in feedback.message


@pytest.mark.parametrize("answer", ["SGD(global_clipnorm=1.0)", "keras.optimizers.Adam(global_clipnorm=1)"])
def test_keep_direction_code_in_quotes(answer):
    """An optimizer written as a string of code is told to drop the quotes, not 'default settings'."""
    feedback = section.keep_direction.evaluate(answer)
    assert_incorrect(feedback, "remove the quotes")
    assert "default settings" not in feedback.message


def test_keep_direction_reviewed_messages():
    """A long string of code is shown whole enough to read; the threshold is written as the exercise writes it."""
    message = section.keep_direction.evaluate("keras.optimizers.SGD(global_clipnorm=1.0)").message
    assert "'keras.optimizers.SGD(global_clipnorm=1.0)'" in message
    assert "asks for 1.0" in section.keep_direction.evaluate(keras.optimizers.SGD(global_clipnorm=0.5)).message


def test_clip_per_variable_ragged_lists_say_so():
    """[[0.6, -0.8], [0.3]] holds lists of different lengths: say that, not just 'got a list'."""
    assert_incorrect(section.clip_per_variable.evaluate([[0.6, -0.8], [0.3]]), "different numbers of values")
