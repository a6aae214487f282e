"""Checks for section 3: batch normalization."""

import functools
import math

import keras
import numpy as np

from utils.exercises.core import Incorrect, Later, NotAttempted, Problem, Section, gathered
from utils.exercises.core import raised as raised_in
from utils.exercises.judges import (
    returned_none,
    a_type,
    activation_name,
    close,
    describe_initializer,
    initializer_signature,
    is_he_normal,
    is_linear,
    is_relu,
    numpy_of,
)
from utils.exercises.kinds import NumberProblem, Rule, RuleProblem

# bn_param_count ---------------------------------------------------------------------------------

# The model of the exercise: Flatten(28×28) → BN → Dense(200, no bias) → BN → ReLU
# → Dense(50, no bias) → BN → ReLU → Dense(10, softmax).
INPUTS, HIDDEN, OUTPUTS = 28 * 28, (200, 50), 10
BN_FEATURES = INPUTS + sum(HIDDEN)  # the input BN, then one BN after each hidden Dense
KERNELS = INPUTS * HIDDEN[0] + HIDDEN[0] * HIDDEN[1] + HIDDEN[1] * OUTPUTS
TOTAL_PARAMS = 4 * BN_FEATURES + KERNELS + OUTPUTS


# What one layer's count becomes after a typical slip, and how to say it.
LAYER_SLIPS = {
    -2 * INPUTS: "the input BN layer counts 4 parameters per pixel, not 2 (the moving mean and variance count too)",
    -2 * HIDDEN[0]: "the BN layer after Dense(200) counts 4 parameters per feature, not 2",
    -2 * HIDDEN[1]: "the BN layer after Dense(50) counts 4 parameters per feature, not 2",
    -4 * HIDDEN[0]: "the BN layer after Dense(200) is missing (4 parameters per feature)",
    -4 * HIDDEN[1]: "the BN layer after Dense(50) is missing (4 parameters per feature)",
    +HIDDEN[0]: "Dense(200) has no bias (use_bias=False), yet you counted 200 biases",
    +HIDDEN[1]: "Dense(50) has no bias (use_bias=False), yet you counted 50 biases",
    -INPUTS * HIDDEN[0]: "Dense(200)'s kernel, 784 × 200 weights, is missing",
    -HIDDEN[0] * HIDDEN[1]: "Dense(50)'s kernel, 200 × 50 weights, is missing",
    -(HIDDEN[1] * OUTPUTS + OUTPUTS): "the output layer, 50 × 10 weights and 10 biases, is missing",
    -HIDDEN[1] * OUTPUTS: "the output layer's kernel, 50 × 10 weights, is missing",
}


class BnParamCount(NumberProblem):
    """The total number of parameters Keras reports for a model with three BN layers."""

    answer = TOTAL_PARAMS
    digits = None  # an exact count
    hints = (
        "Add up each layer: a Dense layer has inputs × units weights, plus one bias per unit if it "
        "uses a bias; a BatchNormalization layer has a fixed number of parameters per feature.",
        "Each BN feature has four parameters: γ and β (trainable), the moving mean and the moving "
        "variance (non-trainable). Keras counts all four. The hidden Dense layers here have no bias.",
        "Six layers hold parameters: three BN layers (on 784, 200 and 50 features), two Dense layers "
        "without bias, and the output layer with its bias. Count each, then add them up.",
    )
    slips = (
        (
            TOTAL_PARAMS - 2 * BN_FEATURES,
            "you counted 2 parameters per BN feature (γ and β, the trainable ones). Keras also counts "
            "the moving mean and the moving variance: 4 per feature.",
        ),
        (
            TOTAL_PARAMS - 4 * INPUTS,
            "you left out the first BN layer, which normalizes the 784 input pixels (4 parameters per pixel).",
        ),
        (
            TOTAL_PARAMS - 4 * INPUTS - 2 * sum(HIDDEN),
            "you left out the input BN layer and counted only 2 parameters per feature in the others; "
            "every BN layer has 4 per feature (γ, β, moving mean, moving variance).",
        ),
        (
            TOTAL_PARAMS + sum(HIDDEN),
            "you counted biases for the hidden Dense layers, but they were created with use_bias=False.",
        ),
        (TOTAL_PARAMS - OUTPUTS, "you forgot the 10 biases of the output layer, which keeps its bias."),
        (TOTAL_PARAMS + 4 * OUTPUTS, "you counted a BN layer after the output layer; the model has none there."),
        (
            TOTAL_PARAMS - BN_FEATURES,
            "you counted 3 parameters per BN feature; there are 4: γ and β (trainable), the moving mean and the "
            "moving variance (non-trainable).",
        ),
        (
            TOTAL_PARAMS - 2 * BN_FEATURES + sum(HIDDEN),
            "you counted 2 parameters per BN feature and gave the hidden Dense layers biases. They are created with "
            "use_bias=False (the BN after each does the shifting), and each BN feature has 4 parameters.",
        ),
        (
            TOTAL_PARAMS - 4 * (INPUTS - 28),
            "your first BN layer has 28 features, but it comes after Flatten: it normalizes each of the 28 × 28 = "
            "784 pixels.",
        ),
        (
            2 * BN_FEATURES,
            "that is the number of non-trainable parameters only (moving mean and variance); the "
            "exercise asks for the total.",
        ),
    )

    def unexplained(self, value):
        off = int(value) - TOTAL_PARAMS
        if off in LAYER_SLIPS:
            return f"{value:,.0f} is off by one layer's worth: {LAYER_SLIPS[off]}."
        return f"{value:,.0f} is not the total. Count each of the six layers that hold parameters, then add up."

    def praise(self):
        return (
            f"{TOTAL_PARAMS:,} parameters, of which {2 * BN_FEATURES:,} (the moving means and "
            "variances) are non-trainable."
        )


# bn_block ---------------------------------------------------------------------------------------

BLOCK_UNITS, BLOCK_MOMENTUM = 200, 0.9


def _kinds(layers) -> list[str]:
    """'Dense', 'BatchNormalization', 'ReLU' (a plain ReLU layer) or another layer's description."""
    return [_kind(layer) for layer in layers]


def _shape_reason(layers) -> str:
    """Why the block's sequence of layers is not Dense → BatchNormalization → ReLU."""
    kinds = _kinds(layers)
    if "BatchNormalization" not in kinds:
        return "the block has no BatchNormalization layer."
    if "Dense" not in kinds:
        return "the block has no Dense layer."
    if kinds == ["Dense", "BatchNormalization"] and is_relu(layers[0].activation):
        return (
            "the ReLU is inside the Dense layer, so it runs *before* the BN layer. Give the Dense "
            "no activation and add the ReLU as a separate layer after the BatchNormalization."
        )
    if kinds == ["Dense", "ReLU", "BatchNormalization"]:
        return (
            "wrong order: Dense → ReLU → BN normalizes after the activation. This block puts BN "
            "before the activation: Dense → BatchNormalization → ReLU."
        )
    if kinds == ["BatchNormalization", "Dense", "ReLU"]:
        return "wrong order: the BatchNormalization layer goes between the Dense layer and the ReLU."
    if kinds[:2] == ["Dense", "BatchNormalization"] and len(kinds) == 3:
        return f"the last layer is {kinds[2]}, not plain ReLU: use keras.layers.ReLU() or Activation('relu')."
    return f"the block is {' → '.join(kinds)}; it should be Dense → BatchNormalization → ReLU, three layers."


def _momentum_reason(layers) -> str:
    """Why the BN layer's momentum is not the one asked for."""
    momentum = layers[1].momentum
    if math.isclose(momentum, 1 - BLOCK_MOMENTUM):
        return (
            f"momentum={momentum:g} is the weight of the *new* batch in PyTorch's convention. "
            "Keras's momentum is the weight kept by the old estimate: momentum=0.9."
        )
    default = " (Keras's default)" if math.isclose(momentum, 0.99) else ""
    return (
        f"the BN layer has momentum {momentum:g}{default}; the exercise asks for {BLOCK_MOMENTUM}, so that "
        "the moving statistics catch up within a short training run."
    )


class BnBlock(RuleProblem):
    """Dense(200, no bias, He normal) → BatchNormalization(momentum=0.9) → ReLU, as a list or a Sequential."""

    hints = (
        "Three layers: the linear part, the normalization and the activation. In which order does section 3.3 "
        "put them?",
        "The Dense layer gets no activation of its own, and no bias: BN subtracts the mean, which cancels any "
        "bias, and BN's β takes over its job. The ReLU comes as a layer of its own.",
        "Dense(200) with kernel_initializer='he_normal' and use_bias=False; BatchNormalization with its "
        "`momentum` argument; then an activation layer. Put the three in a list.",
    )
    rules = (
        Rule(lambda layers: _kinds(layers) == ["Dense", "BatchNormalization", "ReLU"], _shape_reason),
        Rule(
            lambda layers: layers[0].units == BLOCK_UNITS,
            lambda layers: f"the Dense layer has {layers[0].units} units; the exercise asks for {BLOCK_UNITS}.",
        ),
        Rule(
            lambda layers: is_linear(layers[0].activation),
            lambda layers: f"the Dense layer applies {activation_name(layers[0].activation)} itself; give it no "
            "activation: the ReLU layer after the BN does that job.",
        ),
        Rule(
            lambda layers: not layers[0].use_bias,
            "the Dense layer still has a bias (use_bias=True). BN subtracts the batch mean, which cancels any "
            "constant added before it, and β plays the bias's role: use_bias=False.",
        ),
        Rule(
            lambda layers: is_he_normal(layers[0].kernel_initializer),
            lambda layers: f"the kernel initializer is "
            f"{describe_initializer(initializer_signature(layers[0].kernel_initializer))}; the chapter uses He "
            "normal (kernel_initializer='he_normal') before a ReLU.",
        ),
        Rule(
            lambda layers: layers[1].center,
            "the BN layer has center=False, so it has no β: with the bias gone too, the block cannot learn any "
            "offset. Keep center=True (the default).",
        ),
        Rule(lambda layers: layers[1].scale, "the BN layer has scale=False, so it has no γ. Keep scale=True."),
        Rule(
            lambda layers: layers[1].axis in (-1, 1),
            lambda layers: f"the BN layer normalizes axis {layers[1].axis}; the Dense outputs' features are axis -1.",
        ),
        Rule(lambda layers: math.isclose(layers[1].momentum, BLOCK_MOMENTUM), _momentum_reason),
    )

    def prepare(self, answer):
        return _block_layers(answer)

    def praise(self):
        return "Dense without bias, then BN (its β is the bias) with a fast-moving average, then the ReLU."


def _block_layers(answer) -> list:
    """The layers of a block given as a list, a tuple or a model (input layers left out)."""
    if isinstance(answer, type):
        raise Incorrect(f"that is the class {answer.__name__} itself; give the three layers, created.")
    if isinstance(answer, keras.Model):
        layers = _flattened(answer.layers)
    elif isinstance(answer, list | tuple):
        layers = _flattened(answer)
    elif isinstance(answer, keras.layers.Layer):
        raise Incorrect(
            f"that is a single {type(answer).__name__} layer; the block is three layers, in a list or a Sequential."
        )
    else:
        raise Incorrect(f"expected a list of layers or a keras.Sequential, got {a_type(answer)}.")
    layers = [layer for layer in layers if not isinstance(layer, keras.layers.InputLayer)]
    if not layers:
        raise NotAttempted
    for item in layers:
        if isinstance(item, type):
            raise Incorrect(f"the block holds the class {item.__name__} itself; create the layer (call it).")
        if not isinstance(item, keras.layers.Layer):
            raise Incorrect(f"the block holds {a_type(item)}, which is not a Keras layer.")
    return layers


def _flattened(items) -> list:
    """The items, with the layers of any nested model in their place."""
    flat = []
    for item in items:
        flat.extend(_flattened(item.layers) if isinstance(item, keras.Model) else [item])
    return flat


def _kind(layer) -> str:
    """'Dense', 'BatchNormalization', 'ReLU' (any weightless layer computing plain ReLU) or a description."""
    if isinstance(layer, keras.layers.Dense):
        return "Dense"
    if isinstance(layer, keras.layers.BatchNormalization):
        return "BatchNormalization"
    if not layer.weights and is_relu(layer):
        return "ReLU"
    if isinstance(layer, keras.layers.Activation):
        return f"Activation({activation_name(layer)})"
    return activation_name(layer)


# fold_batch_norm --------------------------------------------------------------------------------

# (inputs, units, use_bias, epsilon): a square layer first (so scaling rows instead of columns
# gives wrong numbers rather than a shape error), then no bias, then a non-default epsilon.
FOLD_CASES = ((4, 4, True, 1e-3), (6, 3, True, 1e-3), (5, 3, False, 1e-3), (3, 5, True, 1e-2))


class FoldBatchNorm(Problem):
    """A function folding a BN layer (its moving statistics) into the Dense layer before it."""

    hints = (
        "In inference mode the BN layer computes γ · (y − μ) / √(σ² + ε) + β with its moving "
        "statistics μ and σ², where y = x·W + b is the Dense layer's output. Expand it and collect "
        "what multiplies x and what does not.",
        "Read the values with `.numpy()`: `dense.kernel`, `dense.bias` (None without a bias: use zeros then), "
        "`batch_norm.gamma`, `.beta`, `.moving_mean`, `.moving_variance`, and the float `batch_norm.epsilon`.",
        "With s = γ / √(σ² + ε), one factor per unit, column j of the new kernel is column j of W times s[j] "
        "(NumPy broadcasting `W * s` does exactly that), and the new bias is (b − μ) · s + β.",
    )
    stub_message = "write the body of `fold_batch_norm` (it returns None so far), then run the check again."

    judged_outside = True

    def judge(self, answer):
        self.weigh(self.evidence(answer))

    def evidence(self, answer) -> dict:
        """The (kernel, bias) the function returns for each of the check's Dense → BN pairs (Later, in order)."""
        if isinstance(answer, type) or not callable(answer):
            raise Incorrect(f"expected the function fold_batch_norm itself, got {a_type(answer)}.")
        return {f"case {number}": Later(functools.partial(self._folded, answer, *case))
                for number, case in enumerate(FOLD_CASES)}

    def weigh(self, evidence):
        """Judge each fold by the predictions of a Dense layer with it, against the Dense → BN pair's."""
        for number, case in enumerate(FOLD_CASES):
            kernel, bias = gathered(evidence[f"case {number}"])
            self._judge_fold(np.asarray(kernel, dtype="float32"), np.asarray(bias, dtype="float32"), *case)

    @staticmethod
    def _folded(fold, n_in, units, use_bias, epsilon) -> tuple:
        """What ``fold`` returns for the pair of this case, as (kernel, bias), if it left the layers as they were."""
        dense, batch_norm, _ = _fold_case(n_in, units, use_bias, epsilon)
        before = [w.numpy().copy() for w in (*dense.weights, *batch_norm.weights)]
        layer = f"a Dense({units}{'' if use_bias else ', use_bias=False'}) layer on {n_in} inputs"
        try:
            result = fold(dense, batch_norm)
        except Exception as error:
            raise Incorrect(_explain_error(error, layer, use_bias)) from None
        after = [w.numpy() for w in (*dense.weights, *batch_norm.weights)]
        if any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True)):
            changed = "moving statistics" if not _same(before[-2:], after[-2:]) else "weights"
            raise Incorrect(
                f"your function changed the layers' {changed}. Calling the BN layer with training=True "
                "updates its moving statistics, and assigning to the Dense layer overwrites it: read the "
                "values, compute new arrays, and return them, leaving both layers as they were."
            )
        if result is None:
            raise returned_none(fold, "your function")
        return _as_kernel_and_bias(result, n_in, units)

    @staticmethod
    def _judge_fold(kernel, bias, n_in, units, use_bias, epsilon):
        """Return if a Dense layer with ``kernel`` and ``bias`` predicts as the pair does; else name the slip."""
        dense, batch_norm, X = _fold_case(n_in, units, use_bias, epsilon)
        expected = numpy_of(batch_norm(dense(X), training=False))
        folded = keras.layers.Dense(units, kernel_initializer="zeros", name="folded_check_dense")
        folded.build((None, n_in))
        folded.set_weights([kernel, bias])
        if close(numpy_of(folded(X)), expected):
            return
        layer = f"a Dense({units}{'' if use_bias else ', use_bias=False'}) layer on {n_in} inputs"
        raise Incorrect(f"with {layer}: {_diagnose(kernel, bias, dense, batch_norm)}")

    def praise(self):
        return "W' = W · γ/√(σ² + ε) column by column, b' = (b − μ) · γ/√(σ² + ε) + β: the BN layer is gone."


def _fold_case(n_in, units, use_bias, epsilon):
    """A built Dense → BN pair with random weights and moving statistics, and a batch of inputs.

    The weights come from a private NumPy generator and the layers use constant initializers, so
    a check draws nothing from the notebook's global random state.
    """
    rng = np.random.default_rng(1000 * n_in + 10 * units + use_bias)
    dense = keras.layers.Dense(units, use_bias=use_bias, kernel_initializer="zeros", name="check_dense")
    dense.build((None, n_in))
    weights = [rng.normal(0, 1, (n_in, units))] + ([rng.uniform(-1, 1, units)] if use_bias else [])
    dense.set_weights([w.astype("float32") for w in weights])
    batch_norm = keras.layers.BatchNormalization(epsilon=epsilon, name="check_batch_norm")
    batch_norm.build((None, units))
    gamma = rng.uniform(0.5, 2.0, units)
    beta = rng.uniform(-1.0, 1.0, units)
    moving_mean = rng.normal(0.0, 1.0, units)
    moving_variance = rng.uniform(0.002, 0.02, units)  # small, so that forgetting ε shows
    batch_norm.set_weights([a.astype("float32") for a in (gamma, beta, moving_mean, moving_variance)])
    X = rng.normal(0, 1, (16, n_in)).astype("float32")
    return dense, batch_norm, X


def _same(arrays, others) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(arrays, others, strict=True))


def _explain_error(error, layer, use_bias) -> str:
    """Why the learner's function raised, with the likely cause when it is recognisable."""
    text = str(error)
    raised = f"your function raised {raised_in(error)} when given {layer}"
    if not use_bias and ("NoneType" in text or "unpack" in text or "index" in text):
        return (
            f"{raised}. It has no bias: `dense.bias` is None and `dense.get_weights()` holds the kernel "
            "alone. Use a bias of zeros then."
        )
    if "broadcast" in text.lower() or "shape" in text.lower():
        return f"{raised}. The BN factors (one per unit) scale the kernel's columns: `kernel * scale`."
    return f"{raised}."


def _as_kernel_and_bias(result, n_in, units):
    """(kernel, bias) as float32 arrays from a (kernel, bias) pair or a built Dense layer."""
    if isinstance(result, keras.layers.Dense):
        if not result.built:
            raise Incorrect("your function returned a Dense layer that is not built, so it has no weights yet.")
        kernel = numpy_of(result.kernel)
        bias = numpy_of(result.bias) if result.use_bias else np.zeros(kernel.shape[-1])
        result = (kernel, bias)
    if isinstance(result, dict) or not isinstance(result, list | tuple):
        raise Incorrect(
            f"return the pair (kernel, bias) (or a built Dense layer); your function returned {a_type(result)}."
        )
    if len(result) != 2:
        raise Incorrect(f"return exactly two arrays, (kernel, bias); your function returned {len(result)} items.")
    if result[1] is None:
        raise Incorrect(
            "your function returned no bias. The folded layer needs one even when the Dense had none: "
            "b' = (0 − μ) · γ/√(σ² + ε) + β."
        )
    try:
        kernel, bias = (np.asarray(numpy_of(item), dtype="float32") for item in result)
    except Exception:
        raise Incorrect("the kernel and the bias should be arrays (NumPy arrays or tensors) of numbers.") from None
    if kernel.shape == (units,) and bias.shape == (n_in, units):
        raise Incorrect("your function returned (bias, kernel); return them in the order (kernel, bias).")
    if kernel.shape != (n_in, units):
        reason = " (transposed)" if kernel.shape == (units, n_in) else ""
        raise Incorrect(
            f"the kernel has shape {kernel.shape}{reason}; it should keep the Dense kernel's shape {(n_in, units)}."
        )
    if bias.size != units:
        raise Incorrect(f"the bias has shape {bias.shape}; it should hold one value per unit, shape {(units,)}.")
    if not (np.isfinite(kernel).all() and np.isfinite(bias).all()):
        raise Incorrect("the kernel or the bias contains NaN or infinite values.")
    return kernel, bias.reshape(units)


def _diagnose(kernel, bias, dense, batch_norm) -> str:
    """The likely slip behind a wrong fold, found by comparing with folds that make it."""
    W = dense.kernel.numpy().astype("float64")
    b = dense.bias.numpy().astype("float64") if dense.use_bias else np.zeros(W.shape[1])
    gamma, beta, mu, var = (w.numpy().astype("float64") for w in batch_norm.weights)
    eps = batch_norm.epsilon
    s = gamma / np.sqrt(var + eps)

    square = W.shape[0] == W.shape[1]
    kernel_slips = (
        (W * gamma / np.sqrt(var), "you forgot ε: divide by √(σ² + ε), with ε = batch_norm.epsilon, not by √σ²."),
        (W * gamma / (var + eps), "you divided by the variance σ² + ε; divide by its square root, √(σ² + ε)."),
        (W * gamma / (np.sqrt(var) + eps), "ε goes inside the square root: √(σ² + ε), not √σ² + ε."),
        (W * gamma / np.sqrt(var + 1e-3), "you used ε = 0.001; read this layer's own ε from batch_norm.epsilon."),
        (W * beta / np.sqrt(var + eps), "γ and β are swapped: γ (gamma) is the scale, β (beta) the offset."),
        (
            W * s[:, None] if square else None,
            "you scaled the kernel's rows; scale its columns: column j feeds output unit j, which BN "
            "rescales by γ_j/√(σ²_j + ε).",
        ),
        ((W * s).T if square else None, "the kernel is transposed: keep the Dense kernel's shape (inputs, units)."),
        (W / s, "the scale is inverted: multiply by γ/√(σ² + ε), do not divide by it."),
        (W, "the kernel is unchanged; multiply each column j by γ_j/√(σ²_j + ε)."),
    )
    for wrong_kernel, reason in kernel_slips:
        # A slip that happens to give the right kernel here (ε = 0.001 hard-coded when it is) says nothing.
        if wrong_kernel is not None and not close(wrong_kernel, W * s) and close(kernel, wrong_kernel):
            return reason
    if not close(kernel, W * s):
        return "the kernel is wrong: column j should be W[:, j] · γ_j/√(σ²_j + ε), with the moving variance σ²."
    bias_slips = (
        ((b - mu) * s, "you forgot β: add it after scaling, b' = (b − μ) · s + β."),
        (-mu * s + beta, "you left out the Dense layer's own bias b: b' = (b − μ) · s + β."),
        (b - mu + beta, "the bias is not scaled: b' = (b − μ) · s + β, with s = γ/√(σ² + ε)."),
        (b * s - mu + beta, "only b is scaled; μ must be scaled too: b' = (b − μ) · s + β."),
        (b * s + beta, "you forgot to subtract the moving mean μ: b' = (b − μ) · s + β."),
        ((mu - b) * s + beta, "the sign is flipped: b' = (b − μ) · s + β, not (μ − b) · s + β."),
        (b, "the bias is unchanged; the fold changes it: b' = (b − μ) · s + β."),
        (beta, "the bias is just β; it should be b' = (b − μ) · s + β."),
    )
    for wrong_bias, reason in bias_slips:
        if close(bias, wrong_bias):
            return f"the kernel is right, but {reason}"
    return (
        "the kernel is right but the bias is not: b' = (b − μ) · γ/√(σ² + ε) + β, with the moving "
        "mean μ and variance σ² (not statistics of some batch)."
    )


section = Section(__name__, BnParamCount(), BnBlock(), FoldBatchNorm())
