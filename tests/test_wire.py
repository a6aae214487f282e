"""Answers cross a sandbox's wall as data (utils.exercises.wire): what comes back is rebuilt from data alone,
and anything that is not what ``encode`` writes is refused, never run."""

import json

import keras
import numpy as np
import pytest

from utils.exercises import wire
from utils.exercises.judges import RELU_PROBE


def crossed(value):
    """``value`` encoded, through JSON, and decoded, as the grader receives it."""
    return wire.decode(json.loads(json.dumps(wire.encode(value))))


@pytest.mark.parametrize("value", [None, ..., True, 3, 2**70, 0.0744, float("nan"), "b", [1, (2.5, "a")],
                                   {"a", "c"}, frozenset("b"), {"k": 1}])
def test_plain_values_cross_unchanged(value):
    """Python's own values come back equal, and of the same type."""
    back = crossed(value)
    assert type(back) is type(value)
    assert back == value or (value != value and back != back)


def test_arrays_and_numpy_numbers_keep_their_type():
    """A NumPy number keeps its dtype; an array its shape and dtype."""
    assert crossed(np.float32(0.25)).dtype == np.float32
    array = crossed(np.arange(6, dtype="int64").reshape(2, 3))
    assert array.dtype == np.int64 and array.shape == (2, 3)


def test_an_unknown_object_comes_back_as_a_stand_in_of_its_name():
    """An object the wire cannot carry keeps only its type's name, for the check to name."""

    class Foo:
        def __float__(self):
            return 0.0744

    back = crossed(Foo())
    assert type(back).__qualname__.endswith("Foo") and not hasattr(back, "__float__")


def test_a_keras_layer_crosses_as_its_configuration():
    """A Dense layer comes back as the same kind of layer with the same settings."""
    back = crossed(keras.layers.Dense(7, activation="relu", kernel_initializer="he_normal"))
    assert isinstance(back, keras.layers.Dense) and back.units == 7
    assert isinstance(back.kernel_initializer, keras.initializers.HeNormal)


def test_a_function_of_the_learner_crosses_as_what_it_computes():
    """A learner's activation cannot cross as code: it comes back as its outputs on the checks' inputs."""

    def relu(x):  # named relu, computes tanh
        return keras.ops.tanh(x)

    back = crossed(keras.layers.Dense(3, activation=relu)).activation
    assert back.__name__ == "relu"
    assert np.allclose(back(RELU_PROBE), np.tanh(RELU_PROBE), atol=1e-6)
    with pytest.raises(ValueError):
        back(np.zeros(3))


@pytest.mark.parametrize(
    "config",
    [
        {"module": "os", "class_name": "system", "config": "touch /tmp/owned", "registered_name": None},
        {"module": "builtins", "class_name": "eval", "config": "1", "registered_name": None},
        {"module": "keras.layers", "class_name": "TFSMLayer", "config": {"filepath": "/tmp"}, "registered_name": None},
        {"module": "keras.layers", "class_name": "Lambda", "config": {"function": "x"}, "registered_name": None},
        {"module": "keras.layers", "class_name": "Dense", "config": {"units": 3, "kernel_initializer": {
            "module": "__main__", "class_name": "Mine", "config": {}, "registered_name": "Mine"}}},
    ],
    ids=["os.system", "eval", "TFSMLayer", "Lambda", "nested_own_class"],
)
def test_a_configuration_naming_other_code_is_refused(config):
    """A forged configuration that names code outside Keras's layers and optimizers is never rebuilt."""
    with pytest.raises(wire.Unreadable):
        wire.decode({"t": "keras", "name": "Dense", "keras": None, "config": config})


@pytest.mark.parametrize("name", sorted(wire.REFUSED))
def test_keras_classes_that_run_code_are_refused_with_or_without_their_module(name):
    """Lambda and TFSMLayer are refused before Keras sees them, whether or not the configuration names their module
    (a legacy one does not; a red team's suggestion)."""
    for config in ({"module": "keras.layers", "class_name": name, "config": {}}, {"class_name": name, "config": {}}):
        with pytest.raises(wire.Unreadable):
            wire._screen(config)


@pytest.mark.parametrize(
    "data",
    [
        "0.0744",
        {"t": "pickle", "v": "gASVAAAA"},
        {"t": "float", "v": "__import__('os')"},
        {"t": "int", "v": "9" * 10_000},
        {"t": "ndarray", "dtype": "object", "shape": [1], "v": [1]},
        {"t": "list", "v": [{"t": "list", "v": []}]} | {"v": [{"t": "x"}]},
    ],
    ids=["not_tagged", "pickle", "code_as_float", "huge_int", "object_array", "unknown_kind"],
)
def test_anything_else_is_refused(data):
    """Data that encode could not have written is Unreadable."""
    with pytest.raises(wire.Unreadable):
        wire.decode(data)


def test_deep_nesting_is_refused():
    """An answer nested without end cannot exhaust the grader."""
    data = {"t": "none"}
    for _ in range(100):
        data = {"t": "list", "v": [data]}
    with pytest.raises(wire.Unreadable):
        wire.decode(data)


def test_a_class_of_the_learner_dressed_as_keras_does_not_cross():
    """A subclass that names a Keras module (to be rebuilt as the Keras class it is not), itself or held in a layer,
    is refused: the grader would judge an object the learner did not give."""

    class Dense(keras.layers.Dense):
        def call(self, inputs):
            return keras.ops.zeros_like(super().call(inputs))

    class HeNormal(keras.initializers.HeNormal):
        def __call__(self, shape, dtype=None):
            return keras.ops.zeros(shape)

    Dense.__module__, HeNormal.__module__ = "keras.layers", "keras.initializers"
    with pytest.raises(wire.Unreadable, match="of your own making"):
        wire.encode(Dense(3))
    with pytest.raises(wire.Unreadable, match="HeNormal of your own making"):
        wire.encode(keras.layers.Dense(3, kernel_initializer=HeNormal()))
