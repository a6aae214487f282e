"""Checks for section 2: better activation functions."""

import inspect

import keras
import numpy as np
import tensorflow as tf

from utils.exercises.core import Incorrect, NotAttempted, Problem, Section
from utils.exercises.judges import a_type, choice_letters

# The check builds the learner's RReLU with bounds of its own, far from the defaults 1/8 and 1/3
# and from [0, 1], so that a layer ignoring its arguments shows it.
LOWER, UPPER = 0.4, 0.7
DEFAULT_LOWER, DEFAULT_UPPER = 1 / 8, 1 / 3
N_NEGATIVE = 32  # the first columns of the probe are negative, the others positive
TOLERANCE = 1e-4


def _probe_inputs() -> tf.Tensor:
    """A (128, 64) batch: 32 columns of negative inputs, then 32 of positive ones, none near 0."""
    rng = np.random.default_rng(0)
    magnitudes = rng.uniform(0.1, 3.0, size=(128, 2 * N_NEGATIVE))
    signs = np.concatenate([-np.ones(N_NEGATIVE), np.ones(N_NEGATIVE)])
    return tf.constant(magnitudes * signs, dtype=tf.float32)


def _layer_class(answer, name: str) -> type:
    """``answer`` if it is a Layer subclass of the learner's own; Incorrect with a reason otherwise."""
    if isinstance(answer, keras.layers.Layer):
        raise Incorrect(
            f"that is a layer (an instance); pass the class itself, `{name}`, without parentheses: "
            "the check creates its own layers from it."
        )
    if not isinstance(answer, type):
        raise Incorrect(f"expected your class `{name}`, got {a_type(answer)}.")
    if not issubclass(answer, keras.layers.Layer):
        raise Incorrect(f"`{answer.__name__}` must be a subclass of keras.layers.Layer.")
    if answer.__module__.split(".")[0] in ("keras", "tensorflow", "tf_keras"):
        raise Incorrect(f"`{answer.__name__}` is one of Keras's own layers; write your own class `{name}`.")
    return answer


def _create(cls: type, description: str, **kwargs):
    """An instance of ``cls``; Incorrect, saying why, when the constructor fails."""
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise Incorrect(
            f"`{description}` failed ({error}). The constructor must accept these keyword arguments "
            "and pass any others (**kwargs) on to super().__init__."
        ) from None
    except Exception as error:
        raise Incorrect(f"`{description}` raised {type(error).__name__}: {error}") from None


def _run(layer, description: str, x, **kwargs) -> np.ndarray:
    """The layer's output on ``x`` as an array; NotAttempted for None, Incorrect if calling it fails."""
    try:
        output = layer(x, **kwargs)
    except Exception as error:
        raise Incorrect(f"calling `{description}` raised {type(error).__name__}: {error}") from None
    if output is None:
        raise NotAttempted
    try:
        array = np.asarray(output, dtype=np.float64)
    except (TypeError, ValueError):
        raise Incorrect(f"`call` must return a tensor; it returned {a_type(output)}.") from None
    if array.shape != tuple(x.shape):
        raise Incorrect(f"the output has shape {array.shape}; an activation keeps the input's shape {tuple(x.shape)}.")
    if not np.all(np.isfinite(array)):
        raise Incorrect("the output contains NaN or infinite values.")
    return array


def _close(value, target) -> bool:
    """True when ``value`` equals ``target`` up to float32 rounding."""
    return bool(np.allclose(value, target, rtol=TOLERANCE, atol=TOLERANCE))


class rrelu(Problem):
    """An RReLU layer: random slope per element in training, the average slope at inference."""

    stub_message = "complete the class RReLU (its `call` still returns None), then run the check again."
    hints = (
        "In `__init__`, call `super().__init__(**kwargs)` and store `lower` and `upper`. In `call`, negative "
        "inputs are multiplied by a slope, positive ones are returned unchanged.",
        "In training, draw one slope per element: `keras.random.uniform(keras.ops.shape(inputs), minval, maxval, "
        "seed=...)`, with a `keras.random.SeedGenerator()` created in `__init__`. At inference, the slope is "
        "`(self.lower + self.upper) / 2`. `keras.ops.where(inputs >= 0, inputs, slope * inputs)` puts it together.",
        "`slope = (self.lower + self.upper) / 2`, then `if training: slope = keras.random.uniform("
        "keras.ops.shape(inputs), self.lower, self.upper, seed=self.seed_generator)`, and finally "
        "`return keras.ops.where(inputs >= 0, inputs, slope * inputs)`.",
    )

    def judge(self, answer):
        cls = _layer_class(answer, "RReLU")
        self._check_signature(cls)
        x = _probe_inputs()
        described = f"RReLU(lower={LOWER}, upper={UPPER})"
        layer = _create(cls, described, lower=LOWER, upper=UPPER)
        self._check_not_stub(cls, layer, x)
        training = [_run(layer, f"{described}(x, training=True)", x, training=True) for _ in range(2)]
        inference = [_run(layer, f"{described}(x, training=False)", x, training=False) for _ in range(2)]
        x = x.numpy().astype(np.float64)
        for output, mode in ((training[0], "training"), (inference[0], "inference")):
            self._check_positive_part(x, output, mode)
        slopes = [output[:, :N_NEGATIVE] / x[:, :N_NEGATIVE] for output in training]
        inference_slopes = inference[0][:, :N_NEGATIVE] / x[:, :N_NEGATIVE]
        self._check_training_slopes(slopes, inference_slopes)
        self._check_inference_slope(inference_slopes, inference[1][:, :N_NEGATIVE] / x[:, :N_NEGATIVE])
        self._check_defaults(cls, _probe_inputs())

    @staticmethod
    def _check_signature(cls):
        try:
            parameters = inspect.signature(cls.call).parameters.values()
        except (TypeError, ValueError):
            return
        names = {p.name for p in parameters}
        if "training" not in names and not any(p.kind is p.VAR_KEYWORD for p in parameters):
            raise Incorrect(
                "`call` needs a `training` argument: Keras passes training=True during fit and "
                "training=False in predict and evaluate, and RReLU behaves differently in each."
            )

    @staticmethod
    def _check_not_stub(cls, layer, x):
        """A `call` that returns None (the stub) means not attempted, whatever else is missing."""
        try:
            output = cls.call(layer, x, training=True)
        except Exception:
            return  # calling it through Keras below gives the specific reason
        if output is None:
            raise NotAttempted

    @staticmethod
    def _check_positive_part(x, output, mode):
        positive = x[:, N_NEGATIVE:]
        result = output[:, N_NEGATIVE:]
        if _close(result, positive):
            return
        if _close(result, 0):
            raise Incorrect(f"in {mode}, positive inputs came out as 0: is the condition inverted?")
        ratios = result / positive
        if np.all((ratios > LOWER - TOLERANCE) & (ratios < UPPER + TOLERANCE)):
            raise Incorrect(
                f"in {mode}, positive inputs were multiplied by the slope too: only negative inputs get "
                "the slope; positive inputs pass through unchanged."
            )
        raise Incorrect(
            f"in {mode}, positive inputs must come out unchanged: {positive[0, 0]:.3f} gave {result[0, 0]:.3f}."
        )

    @staticmethod
    def _check_training_slopes(slopes, inference_slopes):
        first, second = slopes
        average = (LOWER + UPPER) / 2
        if _close(first, 0):
            raise Incorrect("in training, negative inputs came out as 0: that is ReLU; multiply them by the slope.")
        if _close(first, 1):
            raise Incorrect("in training, negative inputs came out unchanged: multiply them by the random slope.")
        if first.std() < TOLERANCE:
            if _close(first, average) and _close(inference_slopes, average):
                raise Incorrect(
                    "in training, every negative input got the average slope (lower + upper) / 2: the "
                    "`training` flag is ignored. In training the slope must be random."
                )
            if not _close(first, second):
                raise Incorrect(
                    "in training, one random slope is shared by the whole batch: draw one slope per element "
                    "(a tensor shaped like the inputs), so that every unit of every example gets its own noise, "
                    "as in Xu et al.'s a_ji."
                )
            raise Incorrect(
                f"in training, every negative input got the same slope ({first.flat[0]:.4g}): the slope "
                "must be drawn at random from U(lower, upper), one per element."
            )
        if np.max(first.std(axis=0)) < TOLERANCE:
            raise Incorrect(
                "in training, every example of the batch got the same slopes (one per unit): draw one slope per "
                "element, with the full shape of the inputs (keras.ops.shape(inputs))."
            )
        if np.max(first.std(axis=1)) < TOLERANCE:
            raise Incorrect(
                "in training, all the units of an example share one slope: draw one slope per element, with the "
                "full shape of the inputs (keras.ops.shape(inputs))."
            )
        low, high = first.min(), first.max()
        span = f"[{low:.3f}, {high:.3f}]"
        if low < -TOLERANCE:
            raise Incorrect(f"in training, some slopes are negative (span {span}); they must lie in [lower, upper].")
        if low > LOWER - TOLERANCE and high < UPPER + TOLERANCE:
            if high - low < (UPPER - LOWER) / 2:
                raise Incorrect(
                    f"in training, the slopes only span {span}, a small part of [lower, upper] = [{LOWER}, "
                    f"{UPPER}]: draw them uniformly over the whole range."
                )
        elif low > DEFAULT_LOWER - TOLERANCE and high < DEFAULT_UPPER + TOLERANCE:
            raise Incorrect(
                f"the layer was created with lower={LOWER}, upper={UPPER}, but its training slopes span {span}, "
                "inside the default range [1/8, 1/3]: use self.lower and self.upper, not fixed numbers."
            )
        elif low > 1 / UPPER - TOLERANCE and high < 1 / LOWER + TOLERANCE:
            raise Incorrect(
                f"the training slopes span {span} = [1/upper, 1/lower]: you divided by the random number, as "
                "Xu et al. write it. Here lower and upper bound the slope itself: multiply by a ~ U(lower, upper)."
            )
        elif low > -TOLERANCE and high < 1 + TOLERANCE and high - low > 0.5:
            raise Incorrect(
                f"the training slopes span {span}, close to [0, 1]: keras.random.uniform draws from [0, 1) "
                "unless you pass minval=self.lower and maxval=self.upper."
            )
        else:
            raise Incorrect(f"the training slopes span {span}; they must lie in [lower, upper] = [{LOWER}, {UPPER}].")
        if _close(first, second):
            raise Incorrect(
                "two training calls drew exactly the same slopes: they must be drawn afresh at every call. A fixed "
                "integer seed in `call` repeats them; use a keras.random.SeedGenerator created in __init__."
            )

    @staticmethod
    def _check_inference_slope(slopes, again):
        average = (LOWER + UPPER) / 2
        if slopes.std() > TOLERANCE or not _close(slopes, again):
            raise Incorrect(
                "at inference (training=False) the slopes are still random: the prediction for an input must not "
                "change from one call to the next. Use the fixed slope (lower + upper) / 2."
            )
        slope = float(slopes.mean())
        if _close(slope, average):
            return
        reasons = {
            0.0: "negative inputs give 0, as in ReLU",
            1.0: "negative inputs pass through unchanged",
            LOWER: "that is `lower`",
            UPPER: "that is `upper`",
            (DEFAULT_LOWER + DEFAULT_UPPER) / 2: "that is the average of the default bounds, not of the bounds given",
        }
        reason = next((why for value, why in reasons.items() if _close(slope, value)), "")
        raise Incorrect(
            f"at inference the slope is {slope:.4g}{' (' + reason + ')' if reason else ''}; it must be the average "
            f"slope of training, (lower + upper) / 2 = {average:.4g}."
        )

    @staticmethod
    def _check_defaults(cls, x):
        layer = _create(cls, "RReLU()")
        output = _run(layer, "RReLU()(x, training=False)", x, training=False)
        slope = float(np.mean(output[:, :N_NEGATIVE] / x.numpy()[:, :N_NEGATIVE]))
        expected = (DEFAULT_LOWER + DEFAULT_UPPER) / 2
        if _close(slope, 2 / 11):
            raise Incorrect(
                "with its defaults, your layer's inference slope is 2/11, Xu et al.'s 1 / ((3 + 8) / 2) for a divisor "
                "a ~ U(3, 8). This exercise draws the slope itself from U(1/8, 1/3): at inference it is "
                "(1/8 + 1/3) / 2 = 11/48."
            )
        if not _close(slope, expected):
            raise Incorrect(
                f"with its default arguments, your layer's inference slope is {slope:.4g}: give `lower` and `upper` "
                "the defaults 1/8 and 1/3, so that RReLU() has the inference slope 11/48."
            )

    def praise(self):
        return (
            "random slopes in [lower, upper], one per element, in training; their average at inference; "
            "positive inputs untouched."
        )


class parametric_swish(Problem):
    """A Swish layer z·σ(βz) whose β is a trainable weight, initialized to 1."""

    stub_message = "complete the class ParametricSwish (its `call` still returns None), then run the check again."
    hints = (
        "β must be a weight of the layer, so that the optimizer updates it: create it with `self.add_weight` in "
        "`build`, and use it in `call`.",
        "`self.beta = self.add_weight(shape=(), initializer='ones', name='beta')` is trainable by default; "
        "`call` returns `inputs * keras.ops.sigmoid(self.beta * inputs)`.",
    )
    betas = (1.0, 0.5, 2.0, -1.5)

    def judge(self, answer):
        cls = _layer_class(answer, "ParametricSwish")
        layer = _create(cls, "ParametricSwish()")
        z = tf.constant(np.linspace(-4.0, 4.0, 48).reshape(12, 4), dtype=tf.float32)
        _run(layer, "ParametricSwish()(z)", z)  # builds the layer; a stub returns None
        beta = self._beta(layer)
        initial = beta.numpy()
        if not _close(initial, 1):
            detail = " (with β = 0, Swish is the straight line z/2)" if _close(initial, 0) else ""
            raise Incorrect(
                f"β starts at {np.ravel(initial)[:3]}{detail}: initialize it to 1, so that the layer starts "
                "as plain Swish, z·σ(z)."
            )
        zs = z.numpy().astype(np.float64)
        for value in self.betas:
            beta.assign(np.full(beta.shape, value, dtype=beta.dtype))
            self._check_output(_run(layer, f"ParametricSwish()(z) with β = {value}", z), zs, value)
        beta.assign(np.ones(beta.shape, dtype=beta.dtype))
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(z))
        gradient = tape.gradient(loss, beta)
        if gradient is None or _close(gradient, 0):
            raise Incorrect(
                "no gradient reaches β: use the weight itself in `call` (with keras.ops or tf functions), "
                "not a copy such as float(self.beta) or self.beta.numpy()."
            )

    @staticmethod
    def _beta(layer):
        trainable = list(layer.trainable_weights)
        if not trainable:
            if layer.non_trainable_weights:
                raise Incorrect("β is a weight but not a trainable one: create it with trainable=True (the default).")
            raise Incorrect(
                "the layer has no trainable weight: create β with self.add_weight(...) in `build` (or `__init__`). "
                "A Python float or a constant is never updated by the optimizer."
            )
        named = [weight for weight in trainable if "beta" in weight.name.lower()]
        if len(trainable) == 1:
            return trainable[0]
        if len(named) == 1:
            return named[0]
        raise Incorrect(f"the layer has {len(trainable)} trainable weights; it needs one, β.")

    @staticmethod
    def _check_output(output, z, beta):
        sigmoid = 1 / (1 + np.exp(-beta * z))
        if _close(output, z * sigmoid):
            return
        plain = z / (1 + np.exp(-z))
        if beta != 1 and _close(output, plain):
            raise Incorrect(
                f"with β set to {beta}, the output is still z·σ(z): β must scale the sigmoid's input, and `call` "
                "must read the weight itself, not a value copied from it earlier."
            )
        if _close(output, beta * plain):
            raise Incorrect("the output is β·z·σ(z): β goes inside the sigmoid, z·σ(βz).")
        if _close(output, sigmoid):
            raise Incorrect("the output is σ(βz): multiply it by z, z·σ(βz).")
        if _close(output, z / (1 + np.exp(-z / beta))):
            raise Incorrect("the output is z·σ(z/β): multiply by β inside the sigmoid, do not divide.")
        raise Incorrect(
            f"with β = {beta}, z = {z.flat[0]:.2f} gave {output.flat[0]:.4f}; z·σ(βz) = {(z * sigmoid).flat[0]:.4f}."
        )

    def praise(self):
        return "z·σ(βz) with β a trainable weight that starts at 1 and receives a gradient."


class selu_conditions(Problem):
    """Which conditions self-normalization with SELU requires."""

    options = "abcdefgh"
    correct = frozenset("acdf")
    missing = {
        "a": "A is needed: the guarantee is for activations whose mean and variance start near 0 and 1, so the "
        "input features must be standardized.",
        "c": "C is needed: SELU's constants were computed for weights with variance 1 / fan_in, LeCun normal.",
        "d": "D is needed: the proof covers a plain stack of dense layers; recurrent layers or skip connections "
        "feed a layer with something other than the previous layer's normalized outputs.",
        "f": "F is needed: ℓ1/ℓ2 penalties and max-norm change the scale of the weights, batch normalization "
        "re-normalizes with other statistics, and ordinary dropout changes the activations' variance.",
    }
    wrong = {
        "b": "B is wrong: He initialization (variance 2 / fan_in) is for ReLU; SELU needs variance 1 / fan_in.",
        "e": "E is wrong: the conditions are about the hidden layers; the output layer uses what the task needs "
        "(softmax for classification).",
        "g": "G is wrong: each layer maps every input on its own, whatever the batch size; it is batch "
        "normalization that depends on the batch.",
        "h": "H is wrong: alpha dropout, designed by SELU's authors, keeps the mean and variance of the activations, "
        "so it is allowed; only ordinary dropout is not.",
    }
    hints = (
        "Four of the eight statements are conditions. Think about what the fixed point (mean 0, standard "
        "deviation 1) assumes about the inputs, the weights and what flows between layers.",
        "The inputs, the initialization, the architecture and the regularization each contribute one condition; "
        "the batch size and the output layer play no part, and one of the dropout statements is too strict.",
        "A, C, D and F.",
    )

    def judge(self, answer):
        letters = choice_letters(answer, self.options)
        if letters == self.correct:
            return
        # One reason at a time, in letter order, so that the message stays readable.
        to_fix = sorted(letters ^ self.correct)
        first = to_fix[0]
        reason = self.wrong[first] if first in self.wrong else self.missing[first]
        more = {1: "", 2: " One more choice to fix."}.get(len(to_fix), f" {len(to_fix) - 1} more choices to fix.")
        raise Incorrect(reason + more)

    def praise(self):
        return "standardized inputs, LeCun normal weights, a plain dense stack, and no regularization that disturbs it."


section = Section(
    "11_training_deep_networks/02_activation_functions",
    rrelu(),
    selu_conditions(),
    parametric_swish(),
)
