"""Section 3 checks judge meaning, not spelling, and explain each wrong answer specifically."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.feedback import assert_incorrect
from utils.exercises import Outcome
from utils.checks.batch_normalization import section

TOTAL = 4 * (784 + 200 + 50) + 784 * 200 + 200 * 50 + 50 * 10 + 10


# bn_param_count --------------------------------------------------------------------------------


def test_the_expected_total_is_what_keras_counts():
    """The check's target is the count Keras itself reports for the exercise's model."""
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(200, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.Dense(50, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    assert model.count_params() == TOTAL
    assert section.bn_param_count.evaluate(model.count_params()).outcome is Outcome.CORRECT


@pytest.mark.parametrize(
    "answer",
    [TOTAL, float(TOTAL), np.int64(TOTAL), np.float32(TOTAL), tf.constant(TOTAL), np.array(TOTAL)],
    ids=["int", "float", "np_int64", "np_float32", "tf_scalar", "0d_array"],
)
def test_bn_param_count_correct(answer):
    """Any numeric type holding the total is correct."""
    assert section.bn_param_count.evaluate(answer).outcome is Outcome.CORRECT


@pytest.mark.parametrize(
    "answer, keywords",
    [
        pytest.param(TOTAL - 2 * 1034, ("2 parameters per BN feature", "moving"), id="two_per_feature"),
        pytest.param(TOTAL - 4 * 784, ("first BN", "input"), id="no_input_bn"),
        pytest.param(TOTAL - 4 * 784 - 2 * 250, ("input BN", "2 parameters"), id="no_input_bn_and_two_per_feature"),
        pytest.param(TOTAL + 250, ("use_bias=False",), id="hidden_biases_counted"),
        pytest.param(TOTAL - 10, ("output layer",), id="no_output_bias"),
        pytest.param(170_412, ("3 parameters per BN feature",), id="three_per_feature"),
        pytest.param(169_628, ("2 parameters per BN feature and gave the hidden",), id="two_per_feature_and_biases"),
        pytest.param(168_422, ("28 features",), id="input_bn_on_28_features"),
        pytest.param(TOTAL + 40, ("after the output layer",), id="bn_after_the_output"),
        pytest.param(2 * 1034, ("non-trainable",), id="non_trainable_only"),
        pytest.param(TOTAL + 0.5, ("whole number",), id="fraction"),
        pytest.param(123_456, ("not the total",), id="unrelated"),
        pytest.param("171446", ("string", "quotes"), id="string"),
    ],
)
def test_bn_param_count_incorrect_with_reason(answer, keywords):
    """Each typical slip gets its own explanation."""
    assert_incorrect(section.bn_param_count.evaluate(answer), *keywords)


def test_bn_param_count_slips_are_told_apart():
    """The slips get different messages."""
    slips = [TOTAL - 2 * 1034, TOTAL - 4 * 784, TOTAL - 4 * 784 - 500, TOTAL + 250, TOTAL - 10, 2 * 1034,
             170_412, 169_628, 168_422, TOTAL + 40]
    assert len({section.bn_param_count.evaluate(value).message for value in slips}) == len(slips)


# bn_block --------------------------------------------------------------------------------------


def BN(momentum=0.9, **kwargs):
    """The block's BN layer, right unless kwargs say otherwise."""
    return keras.layers.BatchNormalization(momentum=momentum, **kwargs)


RELU = keras.layers.ReLU


def dense(**kwargs):
    """The block's Dense layer, right unless kwargs say otherwise."""
    kwargs = {"kernel_initializer": "he_normal", "use_bias": False, **kwargs}
    return keras.layers.Dense(kwargs.pop("units", 200), **kwargs)


RELUS = {
    "Activation_str": lambda: keras.layers.Activation("relu"),
    "Activation_fn": lambda: keras.layers.Activation(keras.activations.relu),
    "Activation_tf": lambda: keras.layers.Activation(tf.nn.relu),
    "ReLU_layer": lambda: keras.layers.ReLU(),
}


@pytest.mark.parametrize("relu", RELUS.values(), ids=RELUS.keys())
@pytest.mark.parametrize("container", ["list", "tuple", "Sequential", "Sequential_with_Input"])
def test_bn_block_correct_spellings(relu, container):
    """The three layers, as a list, a tuple or a Sequential, with any spelling of ReLU."""
    layers = [dense(), keras.layers.BatchNormalization(momentum=0.9), relu()]
    answer = {
        "list": lambda: layers,
        "tuple": lambda: tuple(layers),
        "Sequential": lambda: keras.Sequential(layers),
        "Sequential_with_Input": lambda: keras.Sequential([keras.Input((784,)), *layers]),
    }[container]()
    feedback = section.bn_block.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback.message


@pytest.mark.parametrize(
    "initializer",
    [keras.initializers.HeNormal(), keras.initializers.VarianceScaling(2.0, "fan_in", "truncated_normal")],
    ids=["HeNormal", "VarianceScaling"],
)
def test_bn_block_accepts_he_normal_spellings(initializer):
    """He normal however written; an explicit activation=None or 'linear' is no activation."""
    for activation in (None, "linear"):
        layers = [dense(kernel_initializer=initializer, activation=activation), BN()]
        feedback = section.bn_block.evaluate([*layers, keras.layers.ReLU()])
        assert feedback.outcome is Outcome.CORRECT, feedback.message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        pytest.param(lambda: [dense(use_bias=True), BN(), RELU()], ("bias",), id="bias_left_on"),
        pytest.param(lambda: [dense(activation="relu"), BN()], ("inside the dense", "before"), id="relu_in_dense"),
        pytest.param(
            lambda: [dense(activation="relu"), BN(), RELU()], ("applies relu", "no activation"), id="relu_twice"
        ),
        pytest.param(lambda: [dense(), RELU(), BN()], ("wrong order",), id="bn_after_relu"),
        pytest.param(lambda: [BN(), dense(), RELU()], ("wrong order", "between"), id="bn_first"),
        pytest.param(lambda: [dense(), RELU()], ("no batchnormalization",), id="no_bn"),
        pytest.param(lambda: [BN(), RELU()], ("no dense",), id="no_dense"),
        pytest.param(lambda: [dense(units=100), BN(), RELU()], ("200",), id="units"),
        pytest.param(lambda: [dense(), BN(0.99), RELU()], ("default",), id="default_momentum"),
        pytest.param(lambda: [dense(), BN(0.1), RELU()], ("pytorch",), id="pytorch_momentum"),
        pytest.param(lambda: [dense(), BN(0.999), RELU()], ("0.999",), id="other_momentum"),
        pytest.param(lambda: [dense(kernel_initializer="glorot_uniform"), BN(), RELU()], ("glorot",), id="glorot"),
        pytest.param(lambda: [dense(kernel_initializer="he_uniform"), BN(), RELU()], ("uniform",), id="he_uniform"),
        pytest.param(lambda: [dense(), BN(center=False), RELU()], ("center",), id="no_center"),
        pytest.param(lambda: [dense(), BN(scale=False), RELU()], ("scale",), id="no_scale"),
        pytest.param(lambda: [dense(), BN(), keras.layers.Activation("elu")], ("activation(elu)", "elu"), id="elu"),
        pytest.param(lambda: [dense(), BN(), keras.layers.ReLU(negative_slope=0.2)], ("relu",), id="leaky"),
        pytest.param(lambda: [dense(), BN(), RELU(), keras.layers.Dropout(0.1)], ("three layers",), id="extra"),
        pytest.param(lambda: dense(), ("single",), id="single_layer"),
        pytest.param(lambda: [keras.layers.Dense, BN(), RELU()], ("class",), id="class_in_list"),
        pytest.param(lambda: keras.layers.BatchNormalization, ("class",), id="class"),
        pytest.param(lambda: [dense(), BN(), "relu"], ("not a keras layer",), id="string_in_list"),
        pytest.param(lambda: "Dense BN ReLU", ("expected a list",), id="string"),
    ],
)
def test_bn_block_incorrect_with_reason(answer, keywords):
    """Each wrong block is rejected with a reason naming what is wrong."""
    assert_incorrect(section.bn_block.evaluate(answer()), *keywords)


@pytest.mark.parametrize("answer", [[], (), keras.Sequential()], ids=["empty_list", "empty_tuple", "empty_model"])
def test_bn_block_empty_is_not_attempted(answer):
    """An empty container is the stub, not a wrong answer."""
    assert section.bn_block.evaluate(answer).outcome is Outcome.NOT_ATTEMPTED


# fold_batch_norm -------------------------------------------------------------------------------


def parts(dense, bn, epsilon=None):
    """(W, b, gamma, beta, mean, variance, epsilon) as float64 NumPy arrays, b zeros without a bias."""
    W = dense.kernel.numpy().astype("float64")
    b = dense.bias.numpy().astype("float64") if dense.use_bias else np.zeros(W.shape[1])
    gamma, beta, mean, variance = (w.numpy().astype("float64") for w in bn.weights)
    return W, b, gamma, beta, mean, variance, bn.epsilon if epsilon is None else epsilon


def fold_numpy(dense, bn):
    W, b, gamma, beta, mean, variance, eps = parts(dense, bn)
    s = gamma / np.sqrt(variance + eps)
    return W * s, (b - mean) * s + beta


def fold_tensors(dense, bn):
    """The same with keras.ops on the variables, returning tensors in a list."""
    ops = keras.ops
    s = bn.gamma / ops.sqrt(bn.moving_variance + bn.epsilon)
    bias = dense.bias if dense.use_bias else ops.zeros((dense.units,))
    return [dense.kernel * s, (bias - bn.moving_mean) * s + bn.beta]


def fold_get_weights(dense, bn):
    """With get_weights(), handling the bias-less Dense."""
    kernel, *rest = dense.get_weights()
    bias = rest[0] if rest else 0.0
    gamma, beta, mean, variance = bn.get_weights()
    s = gamma / np.sqrt(variance + bn.epsilon)
    return kernel * s, (bias - mean) * s + beta


def fold_to_layer(dense, bn):
    """Returns a built Dense layer holding the folded weights."""
    kernel, bias = fold_numpy(dense, bn)
    layer = keras.layers.Dense(kernel.shape[1])
    layer.build((None, kernel.shape[0]))
    layer.set_weights([kernel, bias])
    return layer


@pytest.mark.parametrize("fold", [fold_numpy, fold_tensors, fold_get_weights, fold_to_layer])
def test_fold_correct(fold):
    """NumPy arrays, tensors, a list, or a built Dense layer: all correct."""
    feedback = section.fold_batch_norm.evaluate(fold)
    assert feedback.outcome is Outcome.CORRECT, feedback.message


def slip(make):
    """A fold function built from a formula of the (W, b, gamma, beta, mean, variance, eps) parts."""

    def fold(dense, bn):
        return make(*parts(dense, bn))

    return fold


SLIPS = {
    "no_epsilon": (slip(lambda W, b, g, be, m, v, e: (W * g / np.sqrt(v), (b - m) * g / np.sqrt(v) + be)), ("ε",)),
    "variance_not_sqrt": (
        slip(lambda W, b, g, be, m, v, e: (W * g / (v + e), (b - m) * g / (v + e) + be)),
        ("square root",),
    ),
    "hard_coded_epsilon": (
        slip(lambda W, b, g, be, m, v, e: (W * g / np.sqrt(v + 1e-3), (b - m) * g / np.sqrt(v + 1e-3) + be)),
        ("batch_norm.epsilon",),
    ),
    "gamma_beta_swapped": (
        slip(lambda W, b, g, be, m, v, e: (W * be / np.sqrt(v + e), (b - m) * be / np.sqrt(v + e) + g)),
        ("swapped",),
    ),
    "rows_scaled": (
        slip(lambda W, b, g, be, m, v, e: (W * (g / np.sqrt(v + e))[:, None], (b - m) * g / np.sqrt(v + e) + be)),
        ("rows", "columns"),
    ),
    "scale_inverted": (
        slip(lambda W, b, g, be, m, v, e: (W * np.sqrt(v + e) / g, (b - m) * g / np.sqrt(v + e) + be)),
        ("inverted",),
    ),
    "kernel_unchanged": (slip(lambda W, b, g, be, m, v, e: (W, (b - m) * g / np.sqrt(v + e) + be)), ("unchanged",)),
    "no_beta": (slip(lambda W, b, g, be, m, v, e: (W * g / np.sqrt(v + e), (b - m) * g / np.sqrt(v + e))), ("β",)),
    "no_dense_bias": (
        slip(lambda W, b, g, be, m, v, e: (W * g / np.sqrt(v + e), -m * g / np.sqrt(v + e) + be)),
        ("own bias",),
    ),
    "bias_not_scaled": (
        slip(lambda W, b, g, be, m, v, e: (W * g / np.sqrt(v + e), b - m + be)),
        ("not scaled",),
    ),
    "mean_not_scaled": (
        slip(lambda W, b, g, be, m, v, e: (W * g / np.sqrt(v + e), b * g / np.sqrt(v + e) - m + be)),
        ("μ must be scaled",),
    ),
    "no_mean": (
        slip(lambda W, b, g, be, m, v, e: (W * g / np.sqrt(v + e), b * g / np.sqrt(v + e) + be)),
        ("moving mean",),
    ),
    "sign_flipped": (
        slip(lambda W, b, g, be, m, v, e: (W * g / np.sqrt(v + e), (m - b) * g / np.sqrt(v + e) + be)),
        ("sign",),
    ),
    "bias_unchanged": (slip(lambda W, b, g, be, m, v, e: (W * g / np.sqrt(v + e), b)), ("bias is unchanged",)),
}


@pytest.mark.parametrize("fold, keywords", SLIPS.values(), ids=SLIPS.keys())
def test_fold_slips_get_their_reason(fold, keywords):
    """Each typical slip in the formula is named."""
    assert_incorrect(section.fold_batch_norm.evaluate(fold), *keywords)


def test_fold_slip_messages_differ():
    """No two slips share a message."""
    messages = [section.fold_batch_norm.evaluate(fold).message for fold, _ in SLIPS.values()]
    assert len(set(messages)) == len(messages)


def fold_with_batch_statistics(dense, bn):
    """Normalizes with the statistics of a made-up batch, updating the moving averages on the way."""
    batch = np.ones((8, dense.kernel.shape[0]), dtype="float32")
    bn(dense(batch), training=True)
    return fold_numpy(dense, bn)


def fold_bias_is_none(dense, bn):
    W, b, gamma, beta, mean, variance, eps = parts(dense, bn)
    s = gamma / np.sqrt(variance + eps)
    return W * s, ((b - mean) * s + beta) if dense.use_bias else None


def fold_reads_none_bias(dense, bn):
    s = bn.gamma.numpy() / np.sqrt(bn.moving_variance.numpy() + bn.epsilon)
    return dense.kernel.numpy() * s, (dense.bias.numpy() - bn.moving_mean.numpy()) * s + bn.beta.numpy()


def fold_unpacks_two(dense, bn):
    kernel, bias = dense.get_weights()
    return fold_numpy(dense, bn)


def fold_rows_by_broadcast(dense, bn):
    W, b, gamma, beta, mean, variance, eps = parts(dense, bn)
    s = gamma / np.sqrt(variance + eps)
    return W * s[:, np.newaxis] if W.shape[0] == W.shape[1] else W * s.reshape(-1, 1), (b - mean) * s + beta


def fold_in_place(dense, bn):
    kernel, bias = fold_numpy(dense, bn)
    dense.kernel.assign(kernel.astype("float32"))
    return kernel, bias


OTHER_MISTAKES = {
    "batch_statistics": (fold_with_batch_statistics, ("moving statistics",)),
    "bias_none_without_dense_bias": (fold_bias_is_none, ("no bias", "needs one")),
    "reads_none_bias": (fold_reads_none_bias, ("no bias", "zeros")),
    "unpacks_two_weights": (fold_unpacks_two, ("no bias", "zeros")),
    "rows_broadcast_error": (fold_rows_by_broadcast, ("rows", "columns")),
    "modifies_dense": (fold_in_place, ("changed", "leaving both layers")),
    "bias_kernel_order": (lambda dense, bn: fold_numpy(dense, bn)[::-1], ("order",)),
    "transposed_kernel": (lambda dense, bn: (fold_numpy(dense, bn)[0].T, fold_numpy(dense, bn)[1]), ("shape",)),
    "kernel_only": (lambda dense, bn: fold_numpy(dense, bn)[0], ("pair", "two arrays")),
    "three_items": (lambda dense, bn: (*fold_numpy(dense, bn), 1.0), ("two arrays",)),
    "dict": (lambda dense, bn: dict(zip(("kernel", "bias"), fold_numpy(dense, bn), strict=True)), ("pair",)),
    "raises": (lambda dense, bn: 1 / 0, ("ZeroDivisionError",)),
    "wrong_arity": (lambda dense: None, ("TypeError",)),
    "nan": (lambda dense, bn: (fold_numpy(dense, bn)[0] * np.nan, fold_numpy(dense, bn)[1]), ("nan",)),
    "not_a_function": (lambda: 3, ("function",)),
}


@pytest.mark.parametrize("fold, keywords", OTHER_MISTAKES.values(), ids=OTHER_MISTAKES.keys())
def test_fold_other_mistakes_get_their_reason(fold, keywords):
    """Wrong return forms, errors, missing biases, mutated layers: each explained."""
    answer = fold() if fold.__code__.co_argcount == 0 else fold
    assert_incorrect(section.fold_batch_norm.evaluate(answer), *keywords)


def test_fold_stub_is_not_attempted():
    """The stub function (body `...`) returns None: not attempted."""

    def fold_batch_norm(dense, batch_norm): ...

    assert section.fold_batch_norm.evaluate(fold_batch_norm).outcome is Outcome.NOT_ATTEMPTED


def test_fold_check_leaves_global_random_state_alone():
    """A check draws nothing from Keras's global RNG, so later notebook cells are unaffected."""
    keras.utils.set_random_seed(7)
    expected = keras.random.uniform((3,)).numpy()
    keras.utils.set_random_seed(7)
    section.fold_batch_norm.evaluate(fold_numpy)
    assert np.array_equal(keras.random.uniform((3,)).numpy(), expected)


# Verdicts a learner review found vague (issue 7), kept as tests ---------------------------------


@pytest.mark.parametrize(
    "answer, layer",
    [
        pytest.param(TOTAL + 200, "Dense(200) has no bias", id="bias_on_dense_200"),
        pytest.param(TOTAL + 50, "Dense(50) has no bias", id="bias_on_dense_50"),
        pytest.param(TOTAL - 2 * 200, "after Dense(200) counts 4", id="two_per_feature_bn_200"),
        pytest.param(TOTAL - 2 * 784, "input BN layer counts 4", id="two_per_feature_input_bn"),
        pytest.param(TOTAL - 4 * 50, "after Dense(50) is missing", id="bn_50_missing"),
        pytest.param(TOTAL - 510, "output layer", id="output_layer_missing"),
    ],
)
def test_bn_param_count_says_which_layer_is_off(answer, layer):
    """A total that one layer's slip explains names that layer."""
    assert_incorrect(section.bn_param_count.evaluate(answer), layer)


def test_bn_param_count_unexplained_total_does_not_give_the_answer_away():
    """A total no slip explains gets a way forward, not the difference to the right total."""
    feedback = section.bn_param_count.evaluate(TOTAL + 12345)
    assert_incorrect(feedback, "each of the six layers")
    assert "12,345" not in feedback.message and f"{TOTAL:,}" not in feedback.message


def test_bn_block_relu6_gets_named():
    """ReLU(max_value=6) is not plain ReLU, and the reason says what it is."""
    answer = [dense(), BN(), keras.layers.ReLU(max_value=6)]
    assert_incorrect(section.bn_block.evaluate(answer), "max_value=6")


def test_fold_epsilon_outside_the_root():
    """γ / (√σ² + ε) instead of γ / √(σ² + ε) gets its own reason."""

    def fold(dense, bn):
        W, b, gamma, beta, mean, variance, epsilon = parts(dense, bn)
        s = gamma / (np.sqrt(variance) + epsilon)
        return W * s, (b - mean) * s + beta

    assert_incorrect(section.fold_batch_norm.evaluate(fold), "inside the square root")


@pytest.mark.parametrize(
    "relu",
    [
        pytest.param(lambda: keras.layers.Activation(lambda x: keras.ops.relu(x)), id="Activation_lambda"),
        pytest.param(lambda: keras.layers.Lambda(keras.ops.relu), id="Lambda_layer"),
    ],
)
def test_bn_block_judges_relu_by_what_it_computes(relu):
    """Any layer that computes plain ReLU will do, as the exercise says."""
    assert section.bn_block.evaluate([dense(), BN(), relu()]).outcome is Outcome.CORRECT


def test_bn_block_nested_sequential_is_the_same_block():
    """[Dense, Sequential([BN, ReLU])] computes the same as the three layers side by side."""
    answer = [dense(), keras.Sequential([BN(), keras.layers.ReLU()])]
    assert section.bn_block.evaluate(answer).outcome is Outcome.CORRECT


def test_bn_block_relu6_is_named_once():
    """The modified ReLU is described once, not as ReLU(ReLU(...))."""
    message = section.bn_block.evaluate([dense(), BN(), keras.layers.ReLU(max_value=6.0)]).message
    assert "ReLU(max_value=6)" in message and "ReLU(ReLU" not in message


def test_bn_param_count_messages_write_counts_in_full():
    """Slip messages write counts as the others do (169,378), and a fraction shows its decimals."""
    assert f"{TOTAL - 2 * 1034:,}:" in section.bn_param_count.evaluate(TOTAL - 2 * 1034).message
    assert "171446.4" in section.bn_param_count.evaluate(TOTAL + 0.4).message
