"""Section 5 checks judge what the learner's functions build and how it trains, with a reason for each slip."""

import keras
import numpy as np
import pytest

from tests.feedback import assert_incorrect
from utils import reuse_layers
from utils.checks.reusing_pretrained_layers import probe_batch, section, small_model_A
from utils.exercises import Outcome, problems_of


def assert_correct(feedback):
    """The answer passes."""
    assert feedback.outcome is Outcome.CORRECT, feedback.message


def frozen_under_new_head(reused):
    """The layers ``reused``, frozen, under a new sigmoid output, in a new (uncompiled) model."""
    for layer in reused:
        layer.trainable = False
    return keras.Sequential([keras.Input((28, 28)), *reused, keras.layers.Dense(1, activation="sigmoid")])


def frozen_copy(model_A, n_reused):
    """The solution's construction without compiling: copies, frozen, a new sigmoid output."""
    clone = keras.models.clone_model(model_A)
    clone.set_weights(model_A.get_weights())
    return frozen_under_new_head(clone.layers[: 1 + n_reused])


def compiled(model, optimizer=None, loss="binary_crossentropy"):
    """``model`` compiled (SGD 0.01 unless told otherwise)."""
    model.compile(loss=loss, optimizer=optimizer or keras.optimizers.SGD(learning_rate=0.01))
    return model


# The check's own model A ------------------------------------------------------------------------


def test_the_checks_model_A_is_the_same_every_time():
    """Seeded initializers: two builds hold the same weights, so verdicts never depend on luck."""
    first, second = small_model_A(), small_model_A()
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# b_on_a ------------------------------------------------------------------------------------------


def via_from_config(model_A, n_reused):
    """Correct too: new layers from each layer's config, weights copied (what utils.reuse_layers does)."""
    model = reuse_layers(model_A, n_reused, keras.layers.Dense(1, activation="sigmoid"))
    for layer in model.layers[:-1]:
        layer.trainable = False
    return compiled(model, keras.optimizers.Adam(), keras.losses.BinaryCrossentropy())


def nested_body(model_A, n_reused):
    """Correct too: the reused layers in a nested model, frozen as a whole, and a logits output."""
    clone = keras.models.clone_model(model_A)
    clone.set_weights(model_A.get_weights())
    body = keras.Sequential([keras.Input((28, 28)), *clone.layers[: 1 + n_reused]])
    body.trainable = False
    model = keras.Sequential([keras.Input((28, 28)), body, keras.layers.Dense(1)])
    return compiled(model, loss=keras.losses.BinaryCrossentropy(from_logits=True))


@pytest.mark.parametrize(
    "b_on_a",
    [
        pytest.param(lambda model_A, n: compiled(frozen_copy(model_A, n)), id="clone_and_set_weights"),
        pytest.param(via_from_config, id="from_config_adam_bce_instance"),
        pytest.param(nested_body, id="nested_body_with_logits"),
    ],
)
def test_b_on_a_correct(b_on_a):
    """Every sound construction passes."""
    assert_correct(section.b_on_a.evaluate(b_on_a))


def shared_layers(model_A, n_reused):
    """The book's pitfall: A's own layers in the new model."""
    return compiled(frozen_under_new_head(model_A.layers[: 1 + n_reused]))


def clone_without_weights(model_A, n_reused):
    """clone_model alone: the right architecture with fresh random weights."""
    return compiled(frozen_under_new_head(keras.models.clone_model(model_A).layers[: 1 + n_reused]))


def not_frozen(model_A, n_reused):
    model = frozen_copy(model_A, n_reused)
    for layer in model.layers:
        layer.trainable = True
    return compiled(model)


def all_frozen(model_A, n_reused):
    model = frozen_copy(model_A, n_reused)
    model.layers[-1].trainable = False
    return compiled(model)


def keeps_output_layer(model_A, n_reused):
    """A's whole clone, hidden layers frozen: its 8-way output is still there."""
    clone = keras.models.clone_model(model_A)
    clone.set_weights(model_A.get_weights())
    for layer in clone.layers[:-1]:
        layer.trainable = False
    return compiled(clone, loss="sparse_categorical_crossentropy")


def ignores_n_reused(model_A, n_reused):
    return compiled(frozen_copy(model_A, 3))


def trained_before_freezing(model_A, n_reused):
    """Compiled and trained with everything trainable, frozen afterwards, never compiled again."""
    model = frozen_copy(model_A, n_reused)
    for layer in model.layers:
        layer.trainable = True
    compiled(model).train_on_batch(*probe_batch())
    for layer in model.layers[:-1]:
        layer.trainable = False
    return model


def compiled_before_freezing(model_A, n_reused):
    """Compiled while everything is trainable, frozen afterwards (untrained: Keras 3 would still honour it)."""
    model = frozen_copy(model_A, n_reused)
    for layer in model.layers:
        layer.trainable = True
    compiled(model)
    for layer in model.layers[:-1]:
        layer.trainable = False
    return model


def model_flag_frozen(model_A, n_reused):
    """model.trainable = False, then the head's own flag set back to True: the model's flag still freezes it."""
    model = frozen_copy(model_A, n_reused)
    model.trainable = False
    model.layers[-1].trainable = True
    return compiled(model)


def forgets_return(model_A, n_reused):
    compiled(frozen_copy(model_A, n_reused))


def freezes_model_A(model_A, n_reused):
    """Freezes model A's own layers, then copies."""
    for layer in model_A.layers[:-1]:
        layer.trainable = False
    return compiled(frozen_copy(model_A, n_reused))


def raises(model_A, n_reused):
    return model_A.layers[99]


@pytest.mark.parametrize(
    "b_on_a, keywords",
    [
        pytest.param(shared_layers, ("shares layer objects",), id="shared_layers"),
        pytest.param(clone_without_weights, ("set_weights",), id="clone_without_weights"),
        pytest.param(not_frozen, ("still trainable",), id="not_frozen"),
        pytest.param(all_frozen, ("output layer is frozen",), id="output_layer_frozen"),
        pytest.param(lambda model_A, n: frozen_copy(model_A, n), ("not compiled",), id="not_compiled"),
        pytest.param(keeps_output_layer, ("model a's output layer",), id="keeps_A_output_layer"),
        pytest.param(ignores_n_reused, ("widths",), id="ignores_n_reused"),
        pytest.param(trained_before_freezing, ("already trained",), id="trained_before_freezing"),
        pytest.param(compiled_before_freezing, ("before freezing",), id="compiled_before_freezing"),
        pytest.param(model_flag_frozen, ("model's own flag",), id="model_flag_frozen"),
        pytest.param(forgets_return, ("returned none",), id="forgets_return"),
        pytest.param(lambda model_A, n: compiled(frozen_copy(model_A, n), loss="sparse_categorical_crossentropy"),
                     ("binary_crossentropy",), id="wrong_loss"),
        pytest.param(lambda model_A, n: compiled(frozen_copy(model_A, n), keras.optimizers.SGD(learning_rate=0.0)),
                     ("learning rate 0",), id="zero_learning_rate"),
        pytest.param(freezes_model_A, ("froze layers of model_a",), id="freezes_model_A"),
        pytest.param(lambda model_A, n: compiled(frozen_copy(model_A, n),
                                                 loss=keras.losses.BinaryCrossentropy(from_logits=True)),
                     ("disagree",), id="sigmoid_with_from_logits"),
        pytest.param(lambda model_A, n: "model", ("returned a str",), id="returns_a_string"),
        pytest.param(raises, ("raised indexerror",), id="raises"),
        pytest.param(small_model_A(), ("expected the function",), id="a_model_not_a_function"),
    ],
)
def test_b_on_a_incorrect_with_reason(b_on_a, keywords):
    """Each typical slip gets its own explanation."""
    assert_incorrect(section.b_on_a.evaluate(b_on_a), *keywords)


def test_b_on_a_stub_is_not_attempted():
    """The stub function, which returns None, is not attempted; so is the untouched `...`."""
    def b_on_a(model_A, n_reused): ...

    assert section.b_on_a.evaluate(b_on_a).outcome is Outcome.NOT_ATTEMPTED
    assert section.b_on_a.evaluate(...).outcome is Outcome.NOT_ATTEMPTED


# trainable_count ---------------------------------------------------------------------------------


def test_the_expected_count_is_what_keras_counts():
    """10,201 is the trainable count Keras reports for the model the exercise describes."""
    model_A = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                                *[keras.layers.Dense(100) for _ in range(3)], keras.layers.Dense(8)])
    model = reuse_layers(model_A, 3, keras.layers.Dense(1, activation="sigmoid"))
    for layer in model.layers[:3]:
        layer.trainable = False
    assert sum(int(np.prod(v.shape)) for v in model.trainable_weights) == problems_of(section)["trainable_count"].answer


@pytest.mark.parametrize("answer", [10201, 10_201.0, np.int64(10201)])
def test_trainable_count_correct(answer):
    assert_correct(section.trainable_count.evaluate(answer))


@pytest.mark.parametrize(
    "answer, keywords",
    [
        pytest.param(10100, ("alone", "biases"), id="one_layer_or_no_biases"),
        pytest.param(101, ("output layer alone",), id="output_layer_only"),
        pytest.param(10101, ("100 biases too",), id="hidden_bias_forgotten"),
        pytest.param(20301, ("second hidden layer",), id="counts_second_layer"),
        pytest.param(98801, ("every parameter",), id="total"),
        pytest.param(88600, ("frozen parameters",), id="frozen_count"),
        pytest.param(10200, ("bias",), id="output_bias_forgotten"),
        pytest.param(5000, ("weights and biases",), id="unexplained"),
        pytest.param(10201.5, ("whole number",), id="fraction"),
        pytest.param("10201", ("quotes",), id="string"),
    ],
)
def test_trainable_count_incorrect_with_reason(answer, keywords):
    assert_incorrect(section.trainable_count.evaluate(answer), *keywords)


# fine_tune ---------------------------------------------------------------------------------------


def solution_fine_tune(model):
    rate = float(model.optimizer.learning_rate)
    for layer in model.layers:
        layer.trainable = True
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=rate / 10))
    return model


def in_place_with_adam(model):
    """Correct too: returns nothing, Adam at a tenth of the first phase's rate."""
    for layer in model.layers:
        layer.trainable = True
    rate = float(model.optimizer.learning_rate)
    model.compile(loss=keras.losses.BinaryCrossentropy(), optimizer=keras.optimizers.Adam(learning_rate=rate / 10))


def adam_at_its_default(model):
    """Adam at its default 0.001, whatever the first phase's rate was."""
    for layer in model.layers:
        layer.trainable = True
    model.compile(loss=keras.losses.BinaryCrossentropy(), optimizer="adam")


def compiled_before_unfreezing(model):
    model.compile(loss="binary_crossentropy",
                  optimizer=keras.optimizers.SGD(learning_rate=float(model.optimizer.learning_rate) / 10))
    for layer in model.layers:
        layer.trainable = True


def does_nothing(model):
    """A body written, but that changes nothing (and returns nothing)."""
    rate = float(model.optimizer.learning_rate)
    print(rate, end="")


def rate_as_numpy(model):
    for layer in model.layers:
        layer.trainable = True
    rate = model.optimizer.learning_rate.numpy()
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=rate * 0.1))


def model_trainable_flag(model):
    """Keras 3 trap: the model's own flag is already True, so setting it again leaves the layers frozen."""
    model.trainable = True
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.001))


@pytest.mark.parametrize("fine_tune", [solution_fine_tune, in_place_with_adam])
def test_fine_tune_correct(fine_tune):
    assert_correct(section.fine_tune.evaluate(fine_tune))


def unfreeze_only(model):
    for layer in model.layers:
        layer.trainable = True
    return model


def same_optimizer(model):
    for layer in model.layers:
        layer.trainable = True
    model.compile(loss="binary_crossentropy", optimizer=model.optimizer)
    return model


def with_rate(rate):
    """A fine_tune that recompiles with SGD at ``rate``."""
    def fine_tune(model):
        for layer in model.layers:
            layer.trainable = True
        model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=rate))
    return fine_tune


def head_only(model):
    model.layers[-1].trainable = True
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.001))


def mse_loss(model):
    for layer in model.layers:
        layer.trainable = True
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=0.001))


@pytest.mark.parametrize(
    "fine_tune, keywords",
    [
        pytest.param(unfreeze_only, ("not compiled again",), id="forgotten_recompile"),
        pytest.param(same_optimizer, ("optimizer object",), id="same_optimizer"),
        pytest.param(with_rate(0.01), ("not lower",), id="rate_left_high"),
        pytest.param(with_rate(0.1), ("not lower",), id="rate_raised"),
        pytest.param(with_rate(0.0), ("changes nothing",), id="rate_zero"),
        pytest.param(head_only, ("still frozen",), id="reused_layers_left_frozen"),
        pytest.param(model_trainable_flag, ("model.trainable = true",), id="model_trainable_flag"),
        pytest.param(mse_loss, ("binary_crossentropy",), id="wrong_loss"),
        pytest.param(lambda model: "done", ("returned a str",), id="returns_a_string"),
        pytest.param(adam_at_its_default, ("written in",), id="adam_default_rate"),
        pytest.param(with_rate(1e-4), ("written in",), id="rate_written_in"),
        pytest.param(compiled_before_unfreezing, ("before unfreezing",), id="compiled_before_unfreezing"),
        pytest.param(does_nothing, ("changed nothing",), id="body_that_changes_nothing"),
        pytest.param(rate_as_numpy, ("python number",), id="rate_as_a_numpy_value"),
        pytest.param(0.001, ("expected the function",), id="a_number"),
    ],
)
def test_fine_tune_incorrect_with_reason(fine_tune, keywords):
    assert_incorrect(section.fine_tune.evaluate(fine_tune), *keywords)


def test_fine_tune_stub_is_not_attempted():
    def fine_tune(model): ...

    assert section.fine_tune.evaluate(fine_tune).outcome is Outcome.NOT_ATTEMPTED


# why_two_phases ----------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["acd", "ACD", "a, c, d", ["a", "c", "d"], "dca"])
def test_why_two_phases_correct(answer):
    assert_correct(section.why_two_phases.evaluate(answer))


@pytest.mark.parametrize(
    "answer, keywords",
    [
        pytest.param("ac", ("more data",), id="missing_d"),
        pytest.param("abcd", ("b is false",), id="with_b"),
        pytest.param("acde", ("e is false",), id="with_e"),
        pytest.param("cd", ("a is true",), id="missing_a"),
    ],
)
def test_why_two_phases_incorrect_with_reason(answer, keywords):
    assert_incorrect(section.why_two_phases.evaluate(answer), *keywords)
