"""Section 8 checks: the ℓ2 penalty's slips, dropout layers right and wrong in both modes, MC-dropout
functions right and wrong, and the convolution axis."""

import keras
import numpy as np
import pytest

from tests.feedback import assert_incorrect
from utils.checks.regularization import section
from utils.exercises import Outcome


def correct(feedback):
    return feedback.outcome is Outcome.CORRECT


# l2_penalty ------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [0.0775, np.float32(0.0775), 0.01 * 7.75])
def test_l2_penalty_correct(answer):
    feedback = section.l2_penalty.evaluate(answer)
    assert correct(feedback), feedback.message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        (0.03875, ("no ½",)),
        (0.2575, ("bias",)),
        (0.055, ("ℓ1",)),
        (0.01 * np.sqrt(7.75), ("norm",)),
        (7.75, ("multiply",)),
        (0.01 * 7.75 / 6, ("mean",)),
        (0.08, ("round less",)),
        (0.078, ("round less",)),
        (0.0625, ("square of the sum",)),
        (0.025, ("sum of the weights",)),
        (0.775, ("λ = 0.01",)),
        (0.1, ("not the value",)),
        ("0.0775", ("quotes",)),
    ],
)
def test_l2_penalty_slips(answer, keywords):
    assert_incorrect(section.l2_penalty.evaluate(answer), *keywords)


# dropout_layer ---------------------------------------------------------------------------------


class GoodDropout(keras.layers.Layer):
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(3)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        keep = keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator) >= self.rate
        return keras.ops.where(keep, inputs / (1 - self.rate), 0.0)


class KerasRandomDropout(GoodDropout):
    """Right too, through Keras's own random dropout function."""

    def call(self, inputs, training=False):
        return keras.random.dropout(inputs, self.rate, seed=self.seed_generator) if training else inputs


def variant(call):
    """A subclass of GoodDropout whose call is ``call``."""
    return type("MyDropout", (GoodDropout,), {"call": call})


class NoKwargsDropout(GoodDropout):
    """Drops **kwargs: Keras never receives the layer's name."""

    def __init__(self, rate, **kwargs):
        super().__init__(rate)


class WrapsKerasDropout(keras.layers.Layer):
    """A layer that hands the work to a keras.layers.Dropout inside it."""

    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.inner = keras.layers.Dropout(rate)

    def call(self, inputs, training=None):
        return self.inner(inputs, training=training)


def mask(layer, inputs):
    return keras.random.uniform(keras.ops.shape(inputs), seed=layer.seed_generator)


@pytest.mark.parametrize("answer", [GoodDropout, KerasRandomDropout])
def test_dropout_layer_correct(answer):
    feedback = section.dropout_layer.evaluate(answer)
    assert correct(feedback), feedback.message


class NumpyDropout(GoodDropout):
    def call(self, inputs, training=None):
        if not training:
            return inputs
        keep = np.random.default_rng().uniform(size=(2000, 50)) >= self.rate  # fixed while Keras traces it
        return keras.ops.where(keep, inputs / (1 - self.rate), 0.0)


class FixedMaskDropout(GoodDropout):
    def call(self, inputs, training=None):
        if not training:
            return inputs
        keep = keras.random.uniform(keras.ops.shape(inputs), seed=7) >= self.rate  # a fixed seed: the same mask
        return keras.ops.where(keep, inputs / (1 - self.rate), 0.0)


class SubclassOfKeras(keras.layers.Dropout):
    pass


@pytest.mark.parametrize(
    "answer, keywords",
    [
        (variant(lambda self, x, training=None: keras.ops.where(mask(self, x) >= self.rate, x, 0.0) if training else x),
         ("scale them",)),
        (variant(lambda self, x, training=None: keras.ops.where(mask(self, x) >= self.rate, x * (1 - self.rate), 0.0)
                 if training else x), ("divide by it",)),
        (variant(lambda self, x, training=None: keras.ops.where(mask(self, x) >= self.rate, x / self.rate, 0.0)
                 if training else x), ("probability of keeping",)),
        (variant(lambda self, x, training=None: keras.ops.where(mask(self, x) < self.rate, x / (1 - self.rate), 0.0)
                 if training else x), ("not of keeping",)),
        (variant(lambda self, x, training=None: x), ("no unit was dropped",)),
        (variant(lambda self, x, training=None: keras.ops.where(mask(self, x) >= self.rate, x, 0.0) if training
                 else x * (1 - self.rate)), ("original dropout",)),
        (variant(lambda self, x, training=None: keras.ops.where(mask(self, x) >= self.rate, x / (1 - self.rate), 0.0)),
         ("only drops during training",)),
        (variant(lambda self, x, training=None: keras.ops.where(mask(self, x) >= 0.5, x / 0.5, 0.0) if training
                 else x), ("expected about 25%",)),
        (FixedMaskDropout, ("same units",)),
        (NumpyDropout, ("numpy", "traced")),
        (SubclassOfKeras, ("keras.layers.layer",)),
        (type("MyDropout", (WrapsKerasDropout,), {}), ("hands its inputs to a keras.layers.dropout",)),
        (variant(lambda self, x, training=None: keras.ops.where(
            keras.random.uniform((1, keras.ops.shape(x)[-1]), seed=self.seed_generator) >= self.rate,
            x / (1 - self.rate), 0.0) if training else x), ("every instance lost the same units",)),
        (variant(lambda self, x, training=None: keras.ops.where(
            keras.random.uniform((keras.ops.shape(x)[0], 1), seed=self.seed_generator) >= self.rate,
            x / (1 - self.rate), 0.0) if training else x), ("whole instances",)),
        (variant(lambda self, x, training=None: None if not training else x), ("returned none",)),
        (NoKwargsDropout, ("lost the name",)),
        (GoodDropout(0.25), ("class itself",)),
        (keras.layers.Dropout, ("keras's own",)),
        (int, ("subclass of keras.layers.layer",)),
    ],
)
def test_dropout_layer_slips(answer, keywords):
    assert_incorrect(section.dropout_layer.evaluate(answer), *keywords)


def test_dropout_layer_stub_is_not_attempted():
    stub = variant(lambda self, x, training=None: None)
    assert section.dropout_layer.evaluate(stub).outcome is Outcome.NOT_ATTEMPTED


def test_dropout_layer_without_rate_argument_says_so():
    class NoRate(keras.layers.Layer):
        def call(self, inputs, training=None):
            return inputs

    assert_incorrect(section.dropout_layer.evaluate(NoRate), "keyword arguments")


# mc_dropout_predict ----------------------------------------------------------------------------


def mc_mean(model, X, passes=100):
    return np.stack([model(X, training=True) for _ in range(passes)]).mean(axis=0)


@pytest.mark.parametrize(
    "answer",
    [
        mc_mean,
        lambda model, X, passes=100: np.mean([model(X, training=True).numpy() for _ in range(passes)], axis=0),
        lambda model, X, passes=100: keras.ops.mean(keras.ops.stack([model(X, training=True)
                                                                     for _ in range(passes)]), axis=0),
    ],
)
def test_mc_dropout_predict_correct(answer):
    feedback = section.mc_dropout_predict.evaluate(answer)
    assert correct(feedback), feedback.message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        (lambda model, X, passes=100: model(X, training=True), ("one stochastic pass",)),
        (lambda model, X, passes=100: model.predict(X, verbose=0), ("dropout off",)),
        (lambda model, X, passes=100: model(X), ("dropout off",)),
        (lambda model, X, passes=100: np.stack([model(X, training=True) for _ in range(passes)]), ("axis 0",)),
        (lambda model, X, passes=100: mc_mean(model, X, passes).argmax(axis=1), ("predicted classes",)),
        (lambda model, X, passes=100: mc_mean(model, X, passes).mean(axis=0), ("shape",)),
        (lambda model, X, passes=100: mc_mean(model, X, 200), ("ignores",)),
        (lambda model, X, passes=100: mc_mean(model, X, 100), ("ignores",)),
        (lambda model, X: mc_mean(model, X), ("number of passes",)),
        (lambda model, X, passes=100: mc_mean(model, X, passes) * 2, ("sum to 1",)),
        (lambda model, X, passes=100: mc_mean(model, X, passes) * passes, ("divide by the number of passes",)),
        (lambda model, X, passes=100: np.stack([model(X, training=True) for _ in range(passes)]).mean(axis=1),
         ("averaged over axis 1, the instances",)),
        (lambda model, X, passes=100: np.stack([model(X, training=True) for _ in range(passes)]).mean(axis=2),
         ("averaged over axis 2, the classes",)),
        (lambda model, X, passes=100: np.concatenate([model(X, training=True) for _ in range(passes)]),
         ("concatenated",)),
        (lambda model, X, passes=100: np.mean([model(X, training=True) for _ in range(passes)]), ("every axis",)),
        (lambda model, X, passes=100: model.predict(X, training=True), ("no training argument",)),
        (lambda model, X, passes=100: np.round(mc_mean(model, X, passes), 2), ("rounded",)),
        (mc_mean(keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)]), np.ones((1, 2)), 1),
         ("function",)),
    ],
)
def test_mc_dropout_predict_slips(answer, keywords):
    assert_incorrect(section.mc_dropout_predict.evaluate(answer), *keywords)


def test_mc_dropout_predict_stub_is_not_attempted():
    def mc_dropout_predict(model, X, passes=100):
        ...

    assert section.mc_dropout_predict.evaluate(mc_dropout_predict).outcome is Outcome.NOT_ATTEMPTED


# conv_max_norm_axis ----------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["c", "C", " c "])
def test_conv_max_norm_axis_correct(answer):
    assert correct(section.conv_max_norm_axis.evaluate(answer))


@pytest.mark.parametrize(
    "answer, keywords", [("a", ("rows",)), ("b", ("across the 128 filters",)), ("d", ("whole kernel",))]
)
def test_conv_max_norm_axis_wrong_choices(answer, keywords):
    assert_incorrect(section.conv_max_norm_axis.evaluate(answer), *keywords)
