"""Section 9 checks: the concept questions' wrong choices, and the practice builders judged by what they build."""

import keras
from keras.constraints import MaxNorm
from keras.regularizers import L2
import numpy as np
import pytest

from tests.feedback import assert_incorrect
from utils.checks.practical_guidelines import section
from utils.exercises import Outcome


def correct(feedback):
    return feedback.outcome is Outcome.CORRECT


# Concept questions -----------------------------------------------------------------------------


def test_same_initial_weights():
    assert correct(section.same_initial_weights.evaluate("b"))
    assert_incorrect(section.same_initial_weights.evaluate("a"), "spread")
    assert_incorrect(section.same_initial_weights.evaluate("d"), "vanish")


@pytest.mark.parametrize("answer", [100_000, 1 / (1 - 0.99999), 1e5])
def test_momentum_near_one_correct(answer):
    feedback = section.momentum_near_one.evaluate(answer)
    assert correct(feedback), feedback.message


@pytest.mark.parametrize("answer, keywords", [(10, ("β = 0.9;",)), (1_000, ("0.999",)), (1e-5, ("invert",)),
                                              (10_000, ("five zeros",)), (50_000, ("not the value",)),
                                              (99_999, ("β/(1 − β)",))])
def test_momentum_near_one_slips(answer, keywords):
    assert_incorrect(section.momentum_near_one.evaluate(answer), *keywords)


@pytest.mark.parametrize("answer", ["abf", "fba", ["a", "b", "f"], "A, B, F"])
def test_sparse_model_correct(answer):
    assert correct(section.sparse_model.evaluate(answer))


@pytest.mark.parametrize("answer, keywords", [("ab", ("toolkit",)), ("abcf", ("fades",)), ("abdf", ("activations",)),
                                              ("abef", ("rescaling",))])
def test_sparse_model_wrong(answer, keywords):
    assert_incorrect(section.sparse_model.evaluate(answer), *keywords)


@pytest.mark.parametrize("answer, keywords", [("abc", ("switched off",)), ("acd", ("as it is",)), ("c", ("thinned",)),
                                              ("ace", ("inverted dropout",))])
def test_dropout_cost(answer, keywords):
    assert correct(section.dropout_cost.evaluate("ca"))
    assert_incorrect(section.dropout_cost.evaluate(answer), *keywords)


# The practice builders -------------------------------------------------------------------------


def network(input_shape, activation="swish", initializer="he_normal", batch_norm=False, alpha=0.0, dropout=0.0,
            optimizer="nadam", hidden=20, units=100, split_activation=False, compile_it=True, metrics=("accuracy",),
            flatten=True, input_bn=False, split_output=False, after_output=()):
    """A builder's model, with every setting a learner might get wrong."""
    layers = [keras.Input(shape=input_shape)] + [keras.layers.Flatten()] * flatten
    if input_bn:  # as the book's solution does: batch normalization of the flattened inputs
        layers.append(keras.layers.BatchNormalization())
    for _ in range(hidden):
        if split_activation:  # Dense, BN, then the activation: batch normalization before the activation
            layers += [keras.layers.Dense(units, kernel_initializer=initializer), keras.layers.BatchNormalization(),
                       keras.layers.Activation(activation)]
            continue
        layers.append(keras.layers.Dense(units, activation=activation, kernel_initializer=initializer))
        if batch_norm:
            layers.append(keras.layers.BatchNormalization())
    if alpha:
        layers.append(keras.layers.AlphaDropout(alpha))
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    if split_output:
        layers += [keras.layers.Dense(10), keras.layers.Activation("softmax")]
    else:
        layers.append(keras.layers.Dense(10, activation="softmax"))
    model = keras.Sequential(layers + list(after_output))
    if compile_it:
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=list(metrics))
    return model


def with_hidden(model, **settings):
    """The same architecture rebuilt with ``settings`` added to every hidden Dense layer, compiled as before."""
    layers = [type(layer).from_config({**layer.get_config(), **(settings if layer.units == 100 else {})})
              if isinstance(layer, keras.layers.Dense) else type(layer).from_config(layer.get_config())
              for layer in model.layers]
    rebuilt = keras.Sequential([keras.Input(shape=model.inputs[0].shape[1:]), *layers])
    rebuilt.compile(optimizer="nadam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return rebuilt


def shared_hidden_layer(input_shape):
    """One Dense object reused for hidden layers 2 to 20: they share their weights."""
    first, shared = (keras.layers.Dense(100, activation="swish", kernel_initializer="he_normal") for _ in range(2))
    model = keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(), first, *[shared] * 19,
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="nadam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def one_layer_twenty_times(input_shape):
    """[Dense(...)] * 20: one layer object, which cannot take both the image and its own outputs."""
    hidden = [keras.layers.Dense(100, activation="swish", kernel_initializer="he_normal")] * 20
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(), *hidden,
                             keras.layers.Dense(10, activation="softmax")])


def forgot_return(input_shape):
    """A builder that builds and compiles, then forgets `return`."""
    model = network(input_shape)
    model.summary(print_fn=lambda *args, **kwargs: None)


def builder(**settings):
    return lambda input_shape: network(input_shape, **settings)


SELU = {"activation": "selu", "initializer": "lecun_normal"}


@pytest.mark.parametrize(
    "problem, answer",
    [
        ("build_swish_net", builder()),
        ("build_swish_net", builder(initializer="he_uniform", optimizer=keras.optimizers.Nadam(1e-4))),
        ("build_swish_net", builder(activation="silu")),
        ("build_bn_net", builder(batch_norm=True)),
        ("build_bn_net", builder(split_activation=True)),
        ("build_bn_net", builder(batch_norm=True, input_bn=True)),
        ("build_swish_net", builder(split_output=True)),
        ("build_swish_net", builder(metrics=("acc",))),
        ("build_swish_net", builder(metrics=(keras.metrics.SparseCategoricalAccuracy(),))),
        ("build_swish_net", builder(metrics=("sparse_categorical_accuracy",))),
        ("build_selu_net", builder(**SELU)),
        ("build_alpha_dropout_net", builder(alpha=0.1, **SELU)),
    ],
)
def test_builders_correct(problem, answer):
    feedback = getattr(section, problem).evaluate(answer)
    assert correct(feedback), feedback.message


FIXED = network((28, 28))
BUILT = {}


def one_model_per_shape(input_shape):
    """A builder that returns the same model object at every call for a shape."""
    if input_shape not in BUILT:
        BUILT[input_shape] = network(input_shape)
    return BUILT[input_shape]



@pytest.mark.parametrize(
    "problem, answer, keywords",
    [
        ("build_swish_net", builder(activation="relu"), ("uses relu",)),
        ("build_swish_net", builder(initializer="glorot_uniform"), ("he initialization",)),
        ("build_swish_net", builder(hidden=19), ("21 in all",)),
        ("build_swish_net", builder(units=64), ("100",)),
        ("build_swish_net", builder(optimizer="adam"), ("nadam",)),
        ("build_swish_net", builder(compile_it=False), ("not compiled",)),
        ("build_swish_net", builder(metrics=()), ("metrics",)),
        ("build_swish_net", builder(metrics=(keras.metrics.Accuracy(),)), ("metrics",)),
        ("build_swish_net", builder(flatten=False), ("(none, 28, 10)", "flatten")),
        ("build_swish_net", builder(split_output=True, after_output=[keras.layers.Dropout(0.1)]),
         ("after the softmax",)),
        ("build_swish_net", lambda shape: network(shape, after_output=[keras.layers.Activation("relu")]),
         ("after the softmax",)),
        ("build_alpha_dropout_net", builder(after_output=[keras.layers.AlphaDropout(0.1)], **SELU),
         ("after the softmax", "negative")),
        ("build_swish_net", builder(batch_norm=True), ("no batch normalization yet",)),
        ("build_swish_net", builder(dropout=0.2), ("has none",)),
        ("build_swish_net", one_model_per_shape, ("same model",)),
        ("build_swish_net", FIXED, ("function that builds",)),
        ("build_swish_net", lambda: network((28, 28)), ("one argument",)),
        ("build_swish_net", lambda input_shape: network((28, 28)), ("use its input_shape",)),
        ("build_swish_net", lambda input_shape: network(input_shape, hidden="20"), ("raised",)),
        ("build_swish_net", lambda input_shape: "model", ("return the keras model",)),
        ("build_bn_net", builder(), ("batchnormalization",)),
        ("build_selu_net", builder(activation="selu", initializer="he_normal"), ("lecun",)),
        ("build_selu_net", builder(activation="selu", initializer="lecun_uniform"), ("lecun_normal",)),
        ("build_selu_net", builder(batch_norm=True, **SELU), ("normalizes the activations itself",)),
        ("build_selu_net", builder(input_bn=True, **SELU), ("normalizes the activations itself",)),
        ("build_swish_net", builder(input_bn=True), ("no batch normalization yet",)),
        ("build_selu_net", builder(dropout=0.1, **SELU), ("alphadropout",)),
        ("build_selu_net", builder(), ("uses silu",)),
        ("build_alpha_dropout_net", builder(**SELU), ("no alphadropout",)),
        ("build_alpha_dropout_net", builder(alpha=0.7, **SELU), ("(0, 0.5]",)),
        ("build_selu_net", lambda shape: with_hidden(network(shape, **SELU), kernel_regularizer=L2(1e-4)),
         ("breaks selu's self-normalization",)),
        ("build_selu_net", lambda shape: with_hidden(network(shape, **SELU), kernel_constraint=MaxNorm(1.0)),
         ("max-norm",)),
        ("build_swish_net", shared_hidden_layer, ("same dense layer object",)),
        ("build_swish_net", one_layer_twenty_times, ("one layer object used twice",)),
        ("build_swish_net", forgot_return, ("returned none",)),
    ],
)
def test_builders_wrong(problem, answer, keywords):
    assert_incorrect(getattr(section, problem).evaluate(answer), *keywords)


def test_builder_stub_is_not_attempted():
    def build_swish_net(input_shape):
        ...

    assert section.build_swish_net.evaluate(build_swish_net).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("answer", [
    keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True, mode="min"),
])
def test_early_stopping_correct(answer):
    feedback = section.early_stopping.evaluate(answer)
    assert correct(feedback), feedback.message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        (keras.callbacks.EarlyStopping(monitor="loss", patience=3, restore_best_weights=True), ("training set",)),
        (keras.callbacks.EarlyStopping(monitor="val_acc", patience=3, restore_best_weights=True), ("not a metric",)),
        (keras.callbacks.EarlyStopping(patience=1, restore_best_weights=True), ("noisy", "3 epochs")),
        (keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True), ("3 epochs",)),
        (keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True), ("3 epochs",)),
        (keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=3, restore_best_weights=True),
         ("validation loss",)),
        (keras.callbacks.EarlyStopping(patience=3), ("restore_best_weights",)),
        (keras.callbacks.EarlyStopping(monitor="val_loss", mode="max", patience=3, restore_best_weights=True),
         ("wrong direction",)),
        (keras.callbacks.EarlyStopping, ("create the callback",)),
        (keras.callbacks.ReduceLROnPlateau(), ("earlystopping",)),
    ],
)
def test_early_stopping_wrong(answer, keywords):
    assert_incorrect(section.early_stopping.evaluate(answer), *keywords)


@pytest.mark.parametrize("answer, keywords", [("a", ("overfitting",)), ("b", ("symmetry",)), ("d", ("global minimum",)),
                                              ("e", ("die",))])
def test_what_initialization_solves(answer, keywords):
    assert correct(section.what_initialization_solves.evaluate("c"))
    assert_incorrect(section.what_initialization_solves.evaluate(answer), *keywords)


@pytest.mark.parametrize("answer, keywords", [("b", ("symmetry",)), ("c", ("kills nothing",)), ("d", ("selu",))])
def test_zero_biases(answer, keywords):
    assert correct(section.zero_biases.evaluate("a"))
    assert_incorrect(section.zero_biases.evaluate(answer), *keywords)


@pytest.mark.parametrize("answer, keywords", [("acefgb", ("skip connection",)), ("acdefg", ("saturates",)),
                                              ("acef", ("leaky",)), ("aefg", ("cheapest",))])
def test_choose_activation(answer, keywords):
    assert correct(section.choose_activation.evaluate("gfeca"))
    assert_incorrect(section.choose_activation.evaluate(answer), *keywords)


def test_momentum_near_one_names_the_float32_slip_and_never_shows_a_slip_as_the_answer():
    """The factor computed in float32 gets its own reason; 99,999 is shown as itself, not rounded to 1e+05."""
    assert_incorrect(section.momentum_near_one.evaluate(1 / (1 - np.float32(0.99999))), "32-bit")
    message = section.momentum_near_one.evaluate(99_999).message
    assert "99999" in message and "1e+05" not in message
    assert "99998" in section.momentum_near_one.evaluate(99_998).message
