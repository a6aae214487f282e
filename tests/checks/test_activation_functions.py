"""Section 2 checks judge meaning, not spelling, and explain each wrong answer specifically."""

import keras
import pytest
import tensorflow as tf

from tests.feedback import assert_incorrect
from utils.exercises import Outcome
from utils.checks.activation_functions import section


# rrelu ------------------------------------------------------------------------------------------


def make_rrelu(draw_slope=None, inference_slope=None, positive=None, init=None, negative=None):
    """An RReLU class; each argument replaces one piece of the correct layer by a faulty one."""

    def correct_draw(layer, inputs):
        shape = keras.ops.shape(inputs)
        return keras.random.uniform(shape, layer.lower, layer.upper, seed=layer.seed_generator)

    class RReLU(keras.layers.Layer):
        def __init__(self, lower=1 / 8, upper=1 / 3, **kwargs):
            super().__init__(**kwargs)
            self.lower, self.upper = (lower, upper) if init is None else init(lower, upper)
            self.seed_generator = keras.random.SeedGenerator()

        def call(self, inputs, training=False):
            if training:
                slope = (draw_slope or correct_draw)(self, inputs)
            else:
                slope = (self.lower + self.upper) / 2 if inference_slope is None else inference_slope(self, inputs)
            positive_part = inputs if positive is None else positive(inputs, slope)
            negative_part = slope * inputs if negative is None else negative(inputs, slope)
            return keras.ops.where(inputs >= 0, positive_part, negative_part)

    return RReLU


class ReferenceRReLU(keras.layers.Layer):
    """The solution's layer, written with tf ops and a maximum instead of keras.ops.where."""

    def __init__(self, lower=1 / 8, upper=1 / 3, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.lower, self.upper = lower, upper

    def call(self, inputs, training=None):
        if training:
            slope = tf.random.uniform(tf.shape(inputs), self.lower, self.upper)
        else:
            slope = (self.lower + self.upper) / 2
        return tf.maximum(inputs, slope * inputs)


def test_rrelu_correct_with_keras_ops():
    """The course's solution passes."""
    assert section.rrelu.evaluate(make_rrelu()).outcome is Outcome.CORRECT


def test_rrelu_correct_with_tf_ops_and_maximum():
    """Another correct spelling (tf.random, training=None default, max(x, a·x)) passes too."""
    feedback = section.rrelu.evaluate(ReferenceRReLU)
    assert feedback.outcome is Outcome.CORRECT, feedback.message


def shape_of(inputs):
    return keras.ops.shape(inputs)


RRELU_MISTAKES = {
    "random_at_inference": (
        make_rrelu(inference_slope=lambda layer, x: keras.random.uniform(shape_of(x), layer.lower, layer.upper)),
        ("still random",),
    ),
    "inference_slope_is_lower": (make_rrelu(inference_slope=lambda layer, x: layer.lower), ("`lower`", "average")),
    "inference_slope_is_zero": (make_rrelu(inference_slope=lambda layer, x: 0.0), ("relu", "average")),
    "hard_coded_default_bounds": (
        make_rrelu(draw_slope=lambda layer, x: keras.random.uniform(shape_of(x), 1 / 8, 1 / 3)),
        ("default range", "self.lower"),
    ),
    "uniform_0_1": (make_rrelu(draw_slope=lambda layer, x: keras.random.uniform(shape_of(x))), ("[0, 1]", "minval")),
    "one_slope_per_batch": (
        make_rrelu(draw_slope=lambda layer, x: keras.random.uniform((), layer.lower, layer.upper)),
        ("whole batch", "per element"),
    ),
    "one_slope_per_unit": (
        make_rrelu(draw_slope=lambda layer, x: keras.random.uniform((1, 64), layer.lower, layer.upper)),
        ("same slopes", "per unit", "one per unit"),
    ),
    "one_slope_per_example": (
        make_rrelu(draw_slope=lambda layer, x: keras.random.uniform((128, 1), layer.lower, layer.upper)),
        ("share one slope",),
    ),
    "training_flag_ignored": (
        make_rrelu(draw_slope=lambda layer, x: (layer.lower + layer.upper) / 2),
        ("training` flag is ignored", "ignored"),
    ),
    "positive_part_scaled": (make_rrelu(positive=lambda x, slope: slope * x), ("positive inputs were multiplied",)),
    "positive_part_zero": (make_rrelu(positive=lambda x, slope: 0.0 * x), ("positive inputs came out as 0",)),
    "divides_by_random_number": (make_rrelu(negative=lambda x, slope: x / slope), ("divided",)),
    "relu_in_training": (make_rrelu(draw_slope=lambda layer, x: 0.0), ("that is relu",)),
    "fixed_seed_in_call": (
        make_rrelu(draw_slope=lambda layer, x: keras.random.uniform(shape_of(x), layer.lower, layer.upper, seed=3)),
        ("same slopes", "afresh"),
    ),
    "defaults_swapped_for_paper": (
        make_rrelu(init=lambda lower, upper: (lower, upper) if lower != 1 / 8 else (2 / 11 - 0.05, 2 / 11 + 0.05)),
        ("2/11",),
    ),
    "wrong_defaults": (
        make_rrelu(init=lambda lower, upper: (lower, upper) if lower != 1 / 8 else (0.0, 1.0)),
        ("defaults 1/8 and 1/3", "default arguments"),
    ),
}


@pytest.mark.parametrize("answer, keywords", RRELU_MISTAKES.values(), ids=RRELU_MISTAKES.keys())
def test_rrelu_mistakes_get_specific_reasons(answer, keywords):
    """Each likely mistake is rejected with its own reason."""
    assert_incorrect(section.rrelu.evaluate(answer), *keywords)


def test_rrelu_mistakes_are_told_apart():
    """No two likely mistakes share a message."""
    messages = [section.rrelu.evaluate(answer).message for answer, _ in RRELU_MISTAKES.values()]
    assert len(set(messages)) == len(messages)


class NoTrainingArgument(keras.layers.Layer):
    def call(self, inputs):
        return inputs


class NoBounds(keras.layers.Layer):
    def call(self, inputs, training=False):
        return inputs


class NoSuper(keras.layers.Layer):
    def __init__(self, lower=1 / 8, upper=1 / 3, **kwargs):
        self.lower, self.upper = lower, upper

    def call(self, inputs, training=False):
        return keras.ops.where(inputs >= 0, inputs, (self.lower + self.upper) / 2 * inputs)


@pytest.mark.parametrize(
    "answer, keywords",
    [
        pytest.param(lambda: NoTrainingArgument, ("training",), id="no_training_argument"),
        pytest.param(lambda: NoBounds, ("keyword arguments", "lower"), id="no_bounds_in_constructor"),
        pytest.param(lambda: NoSuper, ("super().__init__",), id="no_super_init"),
        pytest.param(lambda: make_rrelu()(), ("class itself", "without parentheses"), id="instance"),
        pytest.param(lambda: keras.layers.LeakyReLU, ("keras's own",), id="keras_leaky_relu"),
        pytest.param(lambda: keras.layers.PReLU, ("keras's own",), id="keras_prelu"),
        pytest.param(lambda: dict, ("subclass of keras.layers.layer",), id="not_a_layer_class"),
        pytest.param(lambda: "RReLU", ("expected your class",), id="string"),
    ],
)
def test_rrelu_structural_mistakes(answer, keywords):
    """Wrong kinds of answers get reasons naming what is wrong."""
    assert_incorrect(section.rrelu.evaluate(answer()), *keywords)


class StubRReLU(keras.layers.Layer):
    def __init__(self, lower=1 / 8, upper=1 / 3, **kwargs): ...

    def call(self, inputs, training=False): ...


class HalfStubRReLU(keras.layers.Layer):
    def __init__(self, lower=1 / 8, upper=1 / 3, **kwargs):
        super().__init__(**kwargs)
        self.lower, self.upper = lower, upper

    def call(self, inputs, training=False): ...


@pytest.mark.parametrize("stub", [StubRReLU, HalfStubRReLU], ids=["stub", "call_still_a_stub"])
def test_rrelu_stub_not_attempted(stub):
    """The exercise's skeleton, with `...` bodies, is 'not attempted'."""
    assert section.rrelu.evaluate(stub).outcome is Outcome.NOT_ATTEMPTED


# parametric_swish -------------------------------------------------------------------------------


def make_swish(call=None, weight_in_init=False, **weight):
    """A parametric Swish class; ``call(layer, inputs)`` and the weight's settings may be faulty."""
    settings = {"shape": (), "initializer": "ones", "name": "beta", **weight}

    class ParametricSwish(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if weight_in_init:
                self.beta = self.add_weight(**settings)

        def build(self, input_shape):
            if not weight_in_init:
                self.beta = self.add_weight(**settings)

        def call(self, inputs):
            if call is not None:
                return call(self, inputs)
            return inputs * keras.ops.sigmoid(self.beta * inputs)

    return ParametricSwish


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(make_swish(), id="scalar_beta_in_build"),
        pytest.param(make_swish(weight_in_init=True), id="beta_in_init"),
        pytest.param(make_swish(shape=(1,)), id="beta_shape_1"),
        pytest.param(make_swish(initializer=keras.initializers.Constant(1.0), name="b"), id="constant_initializer"),
        pytest.param(make_swish(call=lambda layer, x: x * tf.sigmoid(layer.beta * x)), id="tf_sigmoid"),
        pytest.param(make_swish(call=lambda layer, x: x / (1 + keras.ops.exp(-layer.beta * x))), id="by_hand"),
    ],
)
def test_parametric_swish_correct(answer):
    """Every correct way of writing it passes."""
    feedback = section.parametric_swish.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback.message


SWISH_MISTAKES = {
    "beta_not_trainable": (make_swish(trainable=False), ("not a trainable",)),
    "beta_starts_at_zero": (make_swish(initializer="zeros"), ("z/2", "initialize it to 1")),
    "beta_starts_random": (make_swish(initializer=keras.initializers.RandomUniform(2.0, 3.0)), ("initialize it to 1",)),
    "beta_per_unit": (make_swish(shape=(4,)), ("one trainable number", "shape=()")),
    "beta_ignored": (make_swish(call=lambda layer, x: x * keras.ops.sigmoid(x)), ("still z·σ(z)",)),
    "beta_outside": (make_swish(call=lambda layer, x: layer.beta * x * keras.ops.sigmoid(x)), ("β·z·σ(z)",)),
    "no_z_factor": (make_swish(call=lambda layer, x: keras.ops.sigmoid(layer.beta * x)), ("multiply it by z",)),
    "divides_by_beta": (make_swish(call=lambda layer, x: x * keras.ops.sigmoid(x / layer.beta)), ("divide",)),
    "gradient_cut": (
        make_swish(call=lambda layer, x: x * keras.ops.sigmoid(tf.constant(layer.beta.numpy()) * x)),
        ("no gradient",),
    ),
    "mish_instead": (make_swish(call=lambda layer, x: keras.activations.mish(x)), ("z·σ(βz) =",)),
}


@pytest.mark.parametrize("answer, keywords", SWISH_MISTAKES.values(), ids=SWISH_MISTAKES.keys())
def test_parametric_swish_mistakes_get_specific_reasons(answer, keywords):
    """Each likely mistake is rejected with its own reason."""
    assert_incorrect(section.parametric_swish.evaluate(answer), *keywords)


class SwishWithoutWeight(keras.layers.Layer):
    def __init__(self, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.beta = beta

    def call(self, inputs):
        return inputs * keras.ops.sigmoid(self.beta * inputs)


class SwishWithTwoWeights(keras.layers.Layer):
    def build(self, input_shape):
        self.a = self.add_weight(shape=(), initializer="ones")
        self.b = self.add_weight(shape=(), initializer="ones")

    def call(self, inputs):
        return inputs * keras.ops.sigmoid(self.a * self.b * inputs)


class StubSwish(keras.layers.Layer):
    def build(self, input_shape): ...

    def call(self, inputs): ...


def test_parametric_swish_python_float_beta():
    """A β kept as a Python float is no weight at all."""
    assert_incorrect(section.parametric_swish.evaluate(SwishWithoutWeight), "no trainable weight")


def test_parametric_swish_two_weights():
    """Two trainable weights, neither named beta, are one too many."""
    assert_incorrect(section.parametric_swish.evaluate(SwishWithTwoWeights), "2 trainable weights")


def test_parametric_swish_keras_layer_and_instance():
    """Keras's own layers and instances are rejected with their reasons."""
    assert_incorrect(section.parametric_swish.evaluate(keras.layers.Activation), "keras's own")
    assert_incorrect(section.parametric_swish.evaluate(make_swish()()), "class itself")


def test_parametric_swish_stub_not_attempted():
    """The exercise's skeleton is 'not attempted'."""
    assert section.parametric_swish.evaluate(StubSwish).outcome is Outcome.NOT_ATTEMPTED


# selu_conditions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        "a,c,d,f",
        "ACDF",
        "A, C, D and F",
        " (a) (c) (d) (f) ",
        "a c d f",
        ["a", "c", "d", "f"],
        {"A", "C", "D", "F"},
        ("F", "D", "C", "A"),
        ["ac", "df"],
        "a,c,d,f,a",
    ],
)
def test_selu_conditions_correct(answer):
    """The four conditions, in any spelling and order, are correct."""
    feedback = section.selu_conditions.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback.message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        pytest.param("abcdf", ("He initialization",), id="with_he"),
        pytest.param("acdef", ("output layer",), id="with_relu_output"),
        pytest.param("acdfg", ("batch size",), id="with_batch_size"),
        pytest.param("acdfh", ("alpha dropout",), id="with_no_alpha_dropout"),
        pytest.param("cdf", ("standardized",), id="missing_standardized_inputs"),
        pytest.param("adf", ("lecun",), id="missing_lecun"),
        pytest.param("acf", ("plain stack",), id="missing_plain_stack"),
        pytest.param("acd", ("max-norm", "batch normalization"), id="missing_no_regularization"),
        pytest.param("bcdf", ("standardized",), id="first_reason_first"),
        pytest.param("acdx", ("letters among",), id="unknown_letter"),
        pytest.param("he_normal", ("letters among",), id="word"),
        pytest.param(3, ("string or a list",), id="number"),
        pytest.param(["a", 3], ("each choice",), id="list_with_number"),
    ],
)
def test_selu_conditions_incorrect_with_reason(answer, keywords):
    """Each wrong or missing choice gets its own reason."""
    assert_incorrect(section.selu_conditions.evaluate(answer), *keywords)


def test_selu_conditions_counts_what_is_left_to_fix():
    """With several errors, the message explains one and says how many more there are."""
    assert "2 more choices" in section.selu_conditions.evaluate("bcd").message  # B wrong, A and F missing
    assert "One more choice" in section.selu_conditions.evaluate("acdfgh").message


def test_selu_conditions_reasons_differ():
    """Every wrong or missing letter has a message of its own."""
    answers = ["abcdf", "acdef", "acdfg", "acdfh", "cdf", "adf", "acf", "acd"]
    messages = {section.selu_conditions.evaluate(answer).message for answer in answers}
    assert len(messages) == len(answers)


@pytest.mark.parametrize("answer", ["", "  ", [], set(), ", ;"], ids=["empty", "blank", "list", "set", "separators"])
def test_selu_conditions_empty_not_attempted(answer):
    """An answer without any letter is 'not attempted'."""
    assert section.selu_conditions.evaluate(answer).outcome is Outcome.NOT_ATTEMPTED


# Answers a second review fed the checks (issue 7), kept as tests --------------------------------


class BareSuper(keras.layers.Layer):
    """Takes no **kwargs, so RReLU(name='x') fails, against the exercise's signature."""

    def __init__(self, lower=1 / 8, upper=1 / 3):
        super().__init__()
        self.lower, self.upper = lower, upper
        self.seed_generator = keras.random.SeedGenerator()

    def call(self, inputs, training=False):
        slope = (self.lower + self.upper) / 2
        if training:
            slope = keras.random.uniform(keras.ops.shape(inputs), self.lower, self.upper, seed=self.seed_generator)
        return keras.ops.where(inputs >= 0, inputs, slope * inputs)


class SwappedBounds(BareSuper):
    """upper before lower: RReLU(0.1, 0.3) would set upper=0.1."""

    def __init__(self, upper=1 / 3, lower=1 / 8, **kwargs):
        keras.layers.Layer.__init__(self, **kwargs)
        self.lower, self.upper = lower, upper
        self.seed_generator = keras.random.SeedGenerator()


class TrainingThroughKwargs(BareSuper):
    """Keras never passes `training` to a call that only has **kwargs."""

    def __init__(self, lower=1 / 8, upper=1 / 3, **kwargs):
        keras.layers.Layer.__init__(self, **kwargs)
        self.lower, self.upper = lower, upper
        self.seed_generator = keras.random.SeedGenerator()

    def call(self, inputs, **kwargs):
        return BareSuper.call(self, inputs, kwargs.get("training", False))


def static_shape(layer, inputs):
    return keras.random.uniform(inputs.shape, layer.lower, layer.upper, seed=layer.seed_generator)


def clipped_normal(layer, inputs):
    middle, spread = (layer.lower + layer.upper) / 2, (layer.upper - layer.lower) / 4
    draws = keras.random.normal(keras.ops.shape(inputs), middle, spread, seed=layer.seed_generator)
    return keras.ops.clip(draws, layer.lower, layer.upper)


def wide_normal(layer, inputs):
    return keras.random.normal(keras.ops.shape(inputs), 0.55, 0.1, seed=layer.seed_generator)


@pytest.mark.parametrize(
    "answer, keywords, unless",
    [
        pytest.param(BareSuper, ("keyword arguments",), None, id="no_kwargs"),
        pytest.param(SwappedBounds, ("lower first",), None, id="upper_before_lower"),
        pytest.param(TrainingThroughKwargs, ("names it in its signature",), None, id="training_in_kwargs"),
        pytest.param(make_rrelu(draw_slope=static_shape), ("keras.ops.shape",), None, id="inputs_shape"),
        pytest.param(make_rrelu(draw_slope=clipped_normal), ("uniformly",), None, id="clipped_normal"),
        pytest.param(make_rrelu(draw_slope=wide_normal), ("[lower, upper]",), "close to [0, 1]", id="normal"),
    ],
)
def test_rrelu_reviewed_answers(answer, keywords, unless):
    """Each gets the reason it deserves, and no reason it does not."""
    keras.utils.set_random_seed(0)  # the check judges random draws: the same ones in every run of the suite
    feedback = section.rrelu.evaluate(answer)
    assert_incorrect(feedback, *keywords)
    assert unless is None or unless not in feedback.message


class SwishWithBias(make_swish()):
    """A Swish with a second trainable weight is no longer Swish once trained."""

    def build(self, input_shape):
        super().build(input_shape)
        self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="bias")

    def call(self, inputs):
        return super().call(inputs) + self.bias


class SwishWithTfVariable(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.beta = tf.Variable(1.0)

    def call(self, inputs):
        return inputs * keras.ops.sigmoid(self.beta * inputs)


def test_parametric_swish_reviewed_answers():
    """A second weight, even beside one named beta, is wrong; an untracked tf.Variable is named as such."""
    assert_incorrect(section.parametric_swish.evaluate(SwishWithBias), "2 trainable weights")
    assert_incorrect(section.parametric_swish.evaluate(SwishWithTfVariable), "tf.Variable")


@pytest.mark.parametrize("answer", ["A-C-D-F", "a - c - d - f"])
def test_selu_conditions_accepts_dashes(answer):
    """A dash is as natural a separator as a comma."""
    assert section.selu_conditions.evaluate(answer).outcome is Outcome.CORRECT
