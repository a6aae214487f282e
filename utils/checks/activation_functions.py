"""Checks for section 2: better activation functions."""

import functools
import inspect

import numpy as np
import tensorflow as tf

from utils.exercises.core import Incorrect, Later, Problem, Section, gathered
from utils.exercises.judges import TOLERANCE, close, create, own_layer_class, returned_none, run_layer
from utils.exercises.kinds import ChoicesProblem

# The check builds the learner's RReLU with bounds of its own, far from the defaults 1/8 and 1/3
# and from [0, 1], so that a layer ignoring its arguments shows it.
LOWER, UPPER = 0.4, 0.7
DEFAULT_LOWER, DEFAULT_UPPER = 1 / 8, 1 / 3
N_NEGATIVE = 32  # the first columns of the probe are negative, the others positive


def _probe_inputs() -> tf.Tensor:
    """A (128, 64) batch: 32 columns of negative inputs, then 32 of positive ones, none near 0."""
    rng = np.random.default_rng(0)
    magnitudes = rng.uniform(0.1, 3.0, size=(128, 2 * N_NEGATIVE))
    signs = np.concatenate([-np.ones(N_NEGATIVE), np.ones(N_NEGATIVE)])
    return tf.constant(magnitudes * signs, dtype=tf.float32)


class RReLU(Problem):
    """An RReLU layer: random slope per element in training, the average slope at inference."""

    name = "rrelu"
    stub_message = "complete the class RReLU (its `call` still returns None), then run the check again."
    hints = (
        "In `__init__`, pass the other keyword arguments on to the parent class and store `lower` and "
        "`upper`. In `call`, negative inputs are multiplied by a slope, positive ones are returned unchanged.",
        "Three steps in `call`: start from the inference slope, the average (lower + upper) / 2; when "
        "`training` is true, replace it by a tensor of random slopes, one per element, drawn between "
        "`self.lower` and `self.upper`; then return the inputs where they are positive and slope × inputs "
        "elsewhere.",
        "The tools: `keras.random.uniform(shape, minval, maxval, seed=...)` with the shape of the inputs "
        "(`keras.ops.shape(inputs)`) and a `keras.random.SeedGenerator()` created in `__init__` as the seed, "
        "so that each call draws new slopes; `keras.ops.where(condition, x, y)` picks between two tensors "
        "element by element.",
    )

    judged_outside = True

    def judge(self, answer):
        self.weigh(self.evidence(answer))

    def evidence(self, answer) -> dict:
        """The layer's outputs on the probe batch: twice in training, twice at inference, and (Later) at inference
        with its default bounds; a layer that cannot be built, called or traced ends the gathering."""
        cls = own_layer_class(answer, "RReLU")
        self._check_signature(cls)
        x = _probe_inputs()
        described = f"RReLU(lower={LOWER}, upper={UPPER})"
        layer = create(cls, described, lower=LOWER, upper=UPPER, name="rrelu_under_check")
        self._check_not_stub(cls, layer, x)
        training = [run_layer(layer, f"{described}(x, training=True)", x, training=True) for _ in range(2)]
        inference = [run_layer(layer, f"{described}(x, training=False)", x, training=False) for _ in range(2)]
        self._check_unknown_batch_size(layer)
        return {"training": training, "inference": inference, "defaults": Later(lambda: self._default_output(cls, x))}

    def weigh(self, evidence):
        """Judge the outputs: positive inputs unchanged, random slopes in [lower, upper] in training, their average
        at inference, and the default bounds."""
        training, inference = evidence["training"], evidence["inference"]
        x = _probe_inputs().numpy().astype(np.float64)
        for output, mode in ((training[0], "training"), (inference[0], "inference")):
            self._check_positive_part(x, output, mode)
        slopes = [output[:, :N_NEGATIVE] / x[:, :N_NEGATIVE] for output in training]
        inference_slopes = inference[0][:, :N_NEGATIVE] / x[:, :N_NEGATIVE]
        self._check_training_slopes(slopes, inference_slopes)
        self._check_inference_slope(inference_slopes, inference[1][:, :N_NEGATIVE] / x[:, :N_NEGATIVE])
        self._check_defaults(gathered(evidence["defaults"]), x)

    @staticmethod
    def _check_signature(cls):
        """`call` names `training`; `__init__` takes lower before upper, as RReLU(0.1, 0.3) expects."""
        try:
            call = inspect.signature(cls.call).parameters
            init = inspect.signature(cls.__init__).parameters.values()
            init = [p.name for p in init if p.kind is p.POSITIONAL_OR_KEYWORD]
        except (TypeError, ValueError):
            return
        if "training" not in call:
            raise Incorrect(
                "`call` needs a `training` parameter: Keras passes training=True during fit and training=False in "
                "predict and evaluate, but only to a `call` that names it in its signature (not through **kwargs); "
                "RReLU behaves differently in each."
            )
        if "lower" in init and "upper" in init and init.index("upper") < init.index("lower"):
            raise Incorrect(
                "`__init__` takes `upper` before `lower`: RReLU(0.1, 0.3) would set upper=0.1. Keep lower first."
            )

    @staticmethod
    def _check_unknown_batch_size(layer):
        """Inside a model the batch size is unknown until the data arrives: the layer must cope."""
        run = tf.function(lambda x: layer(x, training=True), input_signature=[tf.TensorSpec((None, 2 * N_NEGATIVE))])
        try:
            run.get_concrete_function()
        except Exception as error:
            raise Incorrect(
                "the layer works on a batch of known size but fails in a model, where the batch size is unknown "
                f"(None) until data arrives: {type(error).__name__}. If you took the shape with inputs.shape, use "
                "keras.ops.shape(inputs), which is known when the data arrives."
            ) from None

    @staticmethod
    def _check_not_stub(cls, layer, x):
        """A `call` that returns None (the stub) means not attempted, whatever else is missing."""
        try:
            output = cls.call(layer, x, training=True)
        except Exception:
            return  # calling it through Keras below gives the specific reason
        if output is None:
            raise returned_none(cls.call, f"{cls.__name__}'s call")

    @staticmethod
    def _check_positive_part(x, output, mode):
        positive = x[:, N_NEGATIVE:]
        result = output[:, N_NEGATIVE:]
        if close(result, positive):
            return
        if close(result, 0):
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
        if close(first, 0):
            raise Incorrect("in training, negative inputs came out as 0: that is ReLU; multiply them by the slope.")
        if close(first, 1):
            raise Incorrect("in training, negative inputs came out unchanged: multiply them by the random slope.")
        if first.std() < TOLERANCE:
            if close(first, average) and close(inference_slopes, average):
                raise Incorrect(
                    "in training, every negative input got the average slope (lower + upper) / 2: the "
                    "`training` flag is ignored. In training the slope must be random."
                )
            if not close(first, second):
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
        elif low > -TOLERANCE and low < 0.1 and high > 0.9 and high < 1 + TOLERANCE:
            raise Incorrect(
                f"the training slopes span {span}, close to [0, 1]: keras.random.uniform draws from [0, 1) "
                "unless you pass minval=self.lower and maxval=self.upper."
            )
        else:
            raise Incorrect(f"the training slopes span {span}; they must lie in [lower, upper] = [{LOWER}, {UPPER}].")
        if close(first, second):
            raise Incorrect(
                "two training calls drew exactly the same slopes: they must be drawn afresh at every call. A fixed "
                "integer seed in `call` repeats them; use a keras.random.SeedGenerator created in __init__."
            )
        spread, uniform = float(first.std()), (UPPER - LOWER) / np.sqrt(12)
        if abs(spread - uniform) > 0.15 * uniform:
            raise Incorrect(
                f"in training, the slopes lie in [lower, upper] but are not spread uniformly over it: their standard "
                f"deviation is {spread:.3f}, a uniform distribution's (upper − lower) / √12 = {uniform:.3f}. Draw "
                "them with keras.random.uniform."
            )

    @staticmethod
    def _check_inference_slope(slopes, again):
        average = (LOWER + UPPER) / 2
        if slopes.std() > TOLERANCE or not close(slopes, again):
            raise Incorrect(
                "at inference (training=False) the slopes are still random: the prediction for an input must not "
                "change from one call to the next. Use the fixed slope (lower + upper) / 2."
            )
        slope = float(slopes.mean())
        if close(slope, average):
            return
        reasons = {
            0.0: "negative inputs give 0, as in ReLU",
            1.0: "negative inputs pass through unchanged",
            LOWER: "that is `lower`",
            UPPER: "that is `upper`",
            (DEFAULT_LOWER + DEFAULT_UPPER) / 2: "that is the average of the default bounds, not of the bounds given",
        }
        reason = next((why for value, why in reasons.items() if close(slope, value)), "")
        raise Incorrect(
            f"at inference the slope is {slope:.4g}{' (' + reason + ')' if reason else ''}; it must be the average "
            f"slope of training, (lower + upper) / 2 = {average:.4g}."
        )

    @staticmethod
    def _default_output(cls, x) -> np.ndarray:
        """The output at inference of the layer created with its default bounds."""
        return run_layer(create(cls, "RReLU()"), "RReLU()(x, training=False)", x, training=False)

    @staticmethod
    def _check_defaults(output, x):
        slope = float(np.mean(output[:, :N_NEGATIVE] / x[:, :N_NEGATIVE]))
        expected = (DEFAULT_LOWER + DEFAULT_UPPER) / 2
        if close(slope, 2 / 11):
            raise Incorrect(
                "with its defaults, your layer's inference slope is 2/11, Xu et al.'s 1 / ((3 + 8) / 2) for a divisor "
                "a ~ U(3, 8). This exercise draws the slope itself from U(1/8, 1/3): at inference it is "
                "(1/8 + 1/3) / 2 = 11/48."
            )
        if not close(slope, expected):
            raise Incorrect(
                f"with its default arguments, your layer's inference slope is {slope:.4g}: give `lower` and `upper` "
                "the defaults 1/8 and 1/3, so that RReLU() has the inference slope 11/48."
            )

    def praise(self):
        return (
            "random slopes in [lower, upper], one per element, in training; their average at inference; "
            "positive inputs untouched."
        )


def _swish_inputs() -> tf.Tensor:
    """A (12, 4) batch from -4 to 4."""
    return tf.constant(np.linspace(-4.0, 4.0, 48).reshape(12, 4), dtype=tf.float32)


class ParametricSwish(Problem):
    """A Swish layer z·σ(βz) whose β is a trainable weight, initialized to 1."""

    stub_message = "complete the class ParametricSwish (its `call` still returns None), then run the check again."
    hints = (
        "β must be a weight of the layer, so that the optimizer updates it; a Python float in `__init__` "
        "never changes during training.",
        "Create β in `build` with `self.add_weight(...)`: one number (shape `()`), initialized to 1 "
        "(initializer `'ones'`); weights are trainable by default.",
        "In `call`, use the weight itself inside the sigmoid, with keras.ops functions, so that the gradient "
        "reaches it: z·σ(βz).",
    )
    betas = (1.0, 0.5, 2.0, -1.5)

    judged_outside = True

    def judge(self, answer):
        self.weigh(self.evidence(answer))

    def evidence(self, answer) -> dict:
        """β's initial value, and (Later, in this order) the layer's outputs with β set to each of ``betas``, and
        the gradient that reaches β."""
        cls = own_layer_class(answer, "ParametricSwish")
        layer = create(cls, "ParametricSwish()")
        z = _swish_inputs()
        run_layer(layer, "ParametricSwish()(z)", z)  # builds the layer; a stub returns None
        beta = self._beta(layer)
        evidence = {"initial": beta.numpy()}
        for value in self.betas:
            evidence[f"output {value}"] = Later(functools.partial(self._output_with, layer, beta, z, value))
        evidence["gradient"] = Later(functools.partial(self._gradient, layer, beta, z))
        return evidence

    def weigh(self, evidence):
        """Judge β's start, the outputs against z·σ(βz), and the gradient."""
        initial = evidence["initial"]
        if not close(initial, 1):
            detail = " (with β = 0, Swish is the straight line z/2)" if close(initial, 0) else ""
            raise Incorrect(
                f"β starts at {np.ravel(initial)[:3]}{detail}: initialize it to 1, so that the layer starts "
                "as plain Swish, z·σ(z)."
            )
        zs = _swish_inputs().numpy().astype(np.float64)
        for value in self.betas:
            self._check_output(gathered(evidence[f"output {value}"]), zs, value)
        gradient = gathered(evidence["gradient"])
        if gradient is None or close(gradient, 0):
            raise Incorrect(
                "no gradient reaches β: use the weight itself in `call` (with keras.ops or tf functions), "
                "not a copy such as float(self.beta) or self.beta.numpy()."
            )

    @staticmethod
    def _output_with(layer, beta, z, value) -> np.ndarray:
        """The layer's output on ``z`` with β set to ``value``."""
        beta.assign(np.full(beta.shape, value, dtype=beta.dtype))
        return run_layer(layer, f"ParametricSwish()(z) with β = {value}", z)

    @staticmethod
    def _gradient(layer, beta, z):
        """The gradient of the summed output with respect to β (β back at 1), or None if none reaches it."""
        beta.assign(np.ones(beta.shape, dtype=beta.dtype))
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(z))
        gradient = tape.gradient(loss, beta)
        return None if gradient is None else gradient.numpy()

    @staticmethod
    def _beta(layer):
        trainable = list(layer.trainable_weights)
        if not trainable:
            if layer.non_trainable_weights:
                raise Incorrect("β is a weight but not a trainable one: create it with trainable=True (the default).")
            raise Incorrect(
                "the layer has no trainable weight: create β with self.add_weight(...) in `build` (or `__init__`). "
                "A Python float, a constant or a tf.Variable is not one of the layer's weights, so the optimizer "
                "never updates it."
            )
        if len(trainable) != 1:
            raise Incorrect(f"the layer has {len(trainable)} trainable weights; it needs one, β.")
        (beta,) = trainable
        if int(np.prod(beta.shape)) != 1:
            raise Incorrect(
                f"β has shape {tuple(beta.shape)}: one value per unit. The exercise asks for one trainable number "
                "shared by every unit: shape=()."
            )
        return beta

    @staticmethod
    def _check_output(output, z, beta):
        sigmoid = 1 / (1 + np.exp(-beta * z))
        if close(output, z * sigmoid):
            return
        plain = z / (1 + np.exp(-z))
        if beta != 1 and close(output, plain):
            raise Incorrect(
                f"with β set to {beta}, the output is still z·σ(z): β must scale the sigmoid's input, and `call` "
                "must read the weight itself, not a value copied from it earlier."
            )
        if close(output, beta * plain):
            raise Incorrect("the output is β·z·σ(z): β goes inside the sigmoid, z·σ(βz).")
        if close(output, sigmoid):
            raise Incorrect("the output is σ(βz): multiply it by z, z·σ(βz).")
        if close(output, z / (1 + np.exp(-z / beta))):
            raise Incorrect("the output is z·σ(z/β): multiply by β inside the sigmoid, do not divide.")
        raise Incorrect(
            f"with β = {beta}, z = {z.flat[0]:.2f} gave {output.flat[0]:.4f}; z·σ(βz) = {(z * sigmoid).flat[0]:.4f}."
        )

    def praise(self):
        return "z·σ(βz) with β a trainable weight that starts at 1 and receives a gradient."


class SeluConditions(ChoicesProblem):
    """Which conditions self-normalization with SELU requires."""

    options = "abcdefgh"
    answer = frozenset("acdf")
    reasons = {
        "a": "A is needed: the guarantee is for activations whose mean and variance start near 0 and 1, so the "
        "input features must be standardized (a network fed raw pixels may recover, but nothing guarantees it).",
        "c": "C is needed: SELU's constants were computed for weights with variance 1 / fan_in, LeCun normal.",
        "d": "D is needed: the proof covers a plain stack of dense layers; recurrent layers or skip connections "
        "feed a layer with something other than the previous layer's normalized outputs.",
        "f": "F is needed: ℓ1/ℓ2 penalties and max-norm change the scale of the weights, batch normalization "
        "re-normalizes with other statistics, and ordinary dropout changes the activations' variance.",
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
        "Of the two dropout statements, one forbids a kind of dropout that SELU's authors designed to keep "
        "self-normalization. Of the two initializations, only one has SELU's variance 1 / fan_in.",
    )

    def praise(self):
        return "standardized inputs, LeCun normal weights, a plain dense stack, and no regularization that disturbs it."


section = Section(__name__, RReLU(), SeluConditions(), ParametricSwish())
