"""Checks for section 8: regularization.

A dropout layer is judged against what ``keras.layers.Dropout`` does in both modes, measured on
many units at once (which are zeroed, how the rest are scaled, whether a new mask is drawn at each
call, also inside a traced function). An MC-dropout function is judged against the average of many
stochastic passes of a small model whose dropout is seeded, so that every check sees the same model.
"""

import functools
from unittest import mock

import keras
import numpy as np
import tensorflow as tf

from utils.exercises.core import Incorrect, Later, Problem, Section, gathered, gathered_now, raised
from utils.exercises.judges import a_type, call_learner, create, numpy_of, own_layer_class, returned_none
from utils.exercises.kinds import ChoiceProblem, NumberProblem

# Exercise 1: the ℓ2 penalty of one Dense layer, l2(0.01) on this kernel.
KERNEL = np.array([[0.5, -1.0], [2.0, 0.0], [-0.5, 1.5]])
BIAS = np.array([3.0, -3.0])
FACTOR = 0.01


class L2Penalty(NumberProblem):
    """The term l2(0.01) adds to the loss for the kernel [[0.5, -1], [2, 0], [-0.5, 1.5]] (bias [3, -3])."""

    answer = FACTOR * float(np.sum(KERNEL**2))
    exact = True
    slips = (
        (FACTOR * float(np.sum(KERNEL**2)) / 2, "that is half the penalty. Keras's l2(λ) adds λ·Σw², with no ½ in "
         "front (some books write ½λ·Σw², whose gradient is λ·w)."),
        (FACTOR * float(np.sum(KERNEL**2) + np.sum(BIAS**2)), "you penalized the bias too. kernel_regularizer "
         "penalizes the kernel only; biases have their own bias_regularizer, off by default."),
        (FACTOR * float(np.sum(np.abs(KERNEL))), "that is the ℓ1 penalty, λ·Σ|w| (it is also the ℓ2 penalty with "
         "one square left out, 1.5² = 2.25): ℓ2 sums the squares of all six weights."),
        (FACTOR * float(np.sqrt(np.sum(KERNEL**2))), "that is λ times the norm ‖w‖; ℓ2 regularization uses the "
         "squared norm, Σw², with no square root."),
        (float(np.sum(KERNEL**2)), "that is Σw² alone: multiply it by the factor λ = 0.01."),
        (FACTOR * float(np.mean(KERNEL**2)), "that is λ times the mean of the squares; Keras sums them."),
        (FACTOR * float(np.sum(KERNEL)) ** 2, "that is λ times the square of the sum, (Σw)²; ℓ2 sums the squares, "
         "Σw²: square each weight first, then add."),
        (FACTOR * float(np.sum(KERNEL)), "that is λ times the sum of the weights, Σw, signs and all; ℓ2 adds their "
         "squares, Σw²."),
        (10 * FACTOR * float(np.sum(KERNEL**2)), "that is Σw² times 0.1; the layer's factor is λ = 0.01."),
    )
    hints = (
        "kernel_regularizer looks at the kernel only, the 3 × 2 matrix of connection weights.",
        "l2(λ) adds λ times the sum of the squared weights, over every entry of the kernel.",
        "Square the six entries, add them up, and multiply by 0.01. (Check: the largest square is 4.)",
    )

    def praise(self):
        return f"0.01 × (0.25 + 1 + 4 + 0 + 0.25 + 2.25) = {self.answer:g}, and the bias adds nothing."


# Exercise 2: a dropout layer written from scratch.
RATE = 0.25
X_SHAPE = (2000, 50)  # 100,000 units: the fraction dropped is measured to about ±0.004


@functools.cache
def positive_inputs() -> np.ndarray:
    """Inputs in [0.5, 1.5]: no unit is zero before dropout, so every zero after it was dropped."""
    return np.random.default_rng(8).uniform(0.5, 1.5, X_SHAPE).astype("float32")


class DropoutLayer(Problem):
    """MyDropout(rate): in training, zero each unit with probability rate and scale the rest by 1/(1 − rate);
    in inference, change nothing."""

    name = "dropout_layer"
    hints = (
        "Two modes: with training=True, draw a random keep/drop decision per unit; otherwise (training False "
        "or None) return the inputs unchanged.",
        "Keep a unit when a uniform random number in [0, 1) is at least the rate, so that it is dropped with "
        "probability rate; draw the numbers with keras.random.uniform and a keras.random.SeedGenerator "
        "created in __init__, so that a new mask is drawn at every call, even inside a traced function.",
        "Multiply the kept units by 1 / (1 − rate): their expected value, (1 − rate) × x / (1 − rate), is then "
        "x, so the next layer sees the same mean in training and in inference. keras.ops.where(keep, x / (1 - "
        "rate), 0) does both at once.",
    )

    judged_outside = True

    def judge(self, answer):
        self.weigh(self.evidence(answer))

    def evidence(self, answer) -> dict:
        """The layer's outputs on the check's inputs: in inference (training=False, then a plain call), twice in
        training, and traced in a model; each kept with what it raised. And whether it handed its work to a
        keras.layers.Dropout."""
        delegated = []
        keras_call = keras.layers.Dropout.call

        def spied(layer, *args, **kwargs):
            delegated.append(layer)
            return keras_call(layer, *args, **kwargs)

        with mock.patch.object(keras.layers.Dropout, "call", spied):  # a Dropout layer inside is noticed when called
            cls = own_layer_class(answer, "MyDropout")
            if issubclass(cls, keras.layers.Dropout):
                raise Incorrect("MyDropout inherits from Keras's Dropout, which does the work; subclass "
                                "keras.layers.Layer and write the dropping yourself.")
            layer = create(cls, f"MyDropout(rate={RATE})", rate=RATE)
            x = positive_inputs()
            evidence = {
                "inference": gathered_now(lambda: self.output(layer, x, training=False)),
                "plain call": gathered_now(lambda: self.output(layer, x)),
                "training": gathered_now(lambda: self.output(layer, x, training=True)),
                "again": gathered_now(lambda: self.output(layer, x, training=True)),
                "traced": gathered_now(lambda: self.traced(cls, x)),
            }
        return {**evidence, "delegated": bool(delegated)}

    def weigh(self, evidence):
        """Judge the outputs; a layer that handed its work to Keras's Dropout is told so, whatever they show."""
        try:
            self.weigh_outputs(evidence)
        except Incorrect:
            if not evidence["delegated"]:
                raise
        if evidence["delegated"]:
            raise Incorrect("MyDropout hands its inputs to a keras.layers.Dropout, which does the work: write the "
                            "dropping yourself, with keras.random and keras.ops.")

    def weigh_outputs(self, evidence):
        """Judge the outputs in inference, in training, and traced inside a model, in that order."""
        x = positive_inputs()
        self.check_inference(evidence, x)
        first = self.check_training(gathered(evidence["training"]), x)
        if np.array_equal(first, gathered(evidence["again"])):
            raise Incorrect("two calls in training dropped exactly the same units: draw a new random mask at every "
                            "call (a SeedGenerator created once in __init__ gives new numbers each time).")
        first, second, predicted = (np.asarray(output) for output in gathered(evidence["traced"]))
        if np.array_equal(first, second):
            raise Incorrect("inside a traced function (as fit runs it) the same units were dropped at every call: "
                            "the mask was drawn once, while Keras traced the layer. Draw it with keras.random and a "
                            "SeedGenerator, not with NumPy or Python's random.")
        if not np.allclose(predicted, x, rtol=1e-6):
            raise Incorrect("model.predict changed the inputs: in inference the layer must return them unchanged.")

    def output(self, layer, x, **kwargs) -> np.ndarray:
        """The layer's output on ``x`` as an array; NotAttempted for None, Incorrect if the call fails."""
        try:
            output = layer(x, **kwargs)
        except Exception as error:
            raise Incorrect(f"calling MyDropout({RATE}) with {kwargs or 'no training argument'} raised "
                            f"{raised(error)}") from None
        if output is None:
            raise returned_none(type(layer).call, f"MyDropout's call, with {kwargs or 'no training argument'},")
        array = np.asarray(numpy_of(output), dtype=np.float64)
        if array.shape != x.shape:
            raise Incorrect(f"the output has shape {array.shape}; dropout keeps the input's shape {x.shape}.")
        return array

    def check_inference(self, evidence, x):
        """In inference (training False or not given), the inputs pass unchanged."""
        for key, mode in (("inference", "training=False"), ("plain call", "no training argument (as a plain call)")):
            out = gathered(evidence[key])
            if np.allclose(out, x, rtol=1e-6):
                continue
            if np.allclose(out, x * (1 - RATE), rtol=1e-5):
                raise Incorrect(f"with {mode} the output is x × (1 − rate). That is the original dropout's way; "
                                "Keras scales the kept units during training instead, so inference leaves x "
                                "unchanged.")
            if np.mean(out == 0) > 0.05:
                raise Incorrect(f"with {mode}, {np.mean(out == 0):.0%} of the units are zero: dropout only drops "
                                "during training; in inference the layer must return its inputs unchanged.")
            raise Incorrect(f"with {mode} the output differs from the input; in inference dropout changes nothing.")

    def check_training(self, out, x) -> np.ndarray:
        """In training, about ``RATE`` of the units are zero and the rest are x / (1 − rate)."""
        dropped = np.mean(out == 0)
        if dropped == 0:
            raise Incorrect("with training=True no unit was dropped: in training, each unit must be zeroed with "
                            "probability rate.")
        if abs(dropped - (1 - RATE)) < 0.02:
            raise Incorrect(f"with rate={RATE} you dropped {dropped:.1%} of the units: rate is the probability of "
                            "dropping a unit, not of keeping it.")
        if abs(dropped - RATE) > 0.02:
            raise Incorrect(f"with rate={RATE} you dropped {dropped:.1%} of the units; expected about {RATE:.0%}.")
        kept = out != 0
        if np.all(kept == kept[:1]):
            raise Incorrect("every instance lost the same units: the mask has one number per unit, shared by the "
                            "whole batch. Draw one per unit and per instance: a mask of the inputs' full shape.")
        if np.all(kept == kept[:, :1]):
            raise Incorrect("whole instances were dropped or kept: the mask has one number per instance. Draw one "
                            "per unit and per instance: a mask of the inputs' full shape.")
        ratio = out[kept] / x[kept]
        for factor, reason in (
            (1.0, "the kept units are unchanged; scale them by 1 / (1 − rate), so that the expected output equals "
                  "the input (otherwise the next layer sees smaller values in training than in inference)."),
            (1 - RATE, "the kept units are multiplied by (1 − rate); divide by it instead: 1 / (1 − rate)."),
            (1 / RATE, "the kept units are divided by rate; divide by the probability of keeping, 1 − rate."),
        ):
            if np.allclose(ratio, factor, rtol=1e-4):
                raise Incorrect(reason)
        if not np.allclose(ratio, 1 / (1 - RATE), rtol=1e-4):
            raise Incorrect(f"a kept unit should be x / (1 − rate) = {1 / (1 - RATE):.4g} × x; yours range from "
                            f"{ratio.min():.4g} × x to {ratio.max():.4g} × x.")
        return out

    @staticmethod
    def traced(cls, x) -> tuple:
        """Inside a model: two calls of a traced function in training (as in fit), and a prediction."""
        try:
            model = keras.Sequential([keras.Input(shape=X_SHAPE[1:]), create(cls, "MyDropout(rate=0.25)", rate=RATE)])
            traced = tf.function(lambda inputs: model(inputs, training=True))
            first, second = (np.asarray(traced(tf.constant(x))) for _ in range(2))
            return first, second, np.asarray(model.predict_on_batch(x))
        except Incorrect:
            raise
        except Exception as error:
            raise Incorrect(f"inside a model, MyDropout raised {raised(error)}. Use keras.ops and "
                            "keras.random on the inputs (not NumPy), so that Keras can trace the layer.") from None

    def praise(self):
        return (f"about {RATE:.0%} of the units dropped, the rest scaled by 1/(1 − {RATE}) = {1 / (1 - RATE):.4g} "
                "in training, a new mask at every call, and nothing changed in inference: Keras's Dropout.")


# Exercise 3: an MC-dropout prediction function.
N_FEATURES, N_CLASSES, N_ROWS = 6, 4, 20
REFERENCE_PASSES, TRIED_PASSES = 4000, 400
DROPOUT_OFF = ("these are the predictions with dropout off (as model.predict gives them): call the model with "
               "training=True, so that each pass drops different units.")
TOLERANCE = 0.06  # the largest gap allowed between two averages of 400 and 4,000 passes
ONE_PASS_GAP = 0.2  # one pass lies further than this from the average (0.71 measured); 100 passes, within 0.1


def check_model() -> keras.Model:
    """A small softmax classifier with dropout on its inputs, fixed weights and a seeded dropout mask."""
    rng = np.random.default_rng(11)
    model = keras.Sequential([keras.Input(shape=(N_FEATURES,)), keras.layers.Dropout(0.5, seed=5),
                              keras.layers.Dense(N_CLASSES, activation="softmax")])
    model.layers[-1].set_weights([rng.normal(0, 1.5, (N_FEATURES, N_CLASSES)), np.zeros(N_CLASSES)])
    return model


@functools.cache
def check_inputs() -> np.ndarray:
    """The rows the check predicts."""
    return np.random.default_rng(12).normal(0, 1, (N_ROWS, N_FEATURES)).astype("float32")


@functools.cache
def mc_reference() -> np.ndarray:
    """The MC-dropout probabilities, averaged over 4,000 passes (one call on 4,000 copies of the inputs:
    each row draws its own mask, so this is the same average, 4,000 times faster)."""
    copies = np.tile(check_inputs(), (REFERENCE_PASSES, 1))
    passes = check_model()(copies, training=True).numpy().reshape(REFERENCE_PASSES, N_ROWS, N_CLASSES)
    return passes.mean(axis=0)


class McDropoutPredict(Problem):
    """mc_dropout_predict(model, X, passes): the class probabilities averaged over passes with dropout on."""

    hints = (
        "model.predict(X) and model(X) switch dropout off. Call the model itself with training=True: each call "
        "then drops a different random set of units.",
        "Collect `passes` such predictions, each of shape (instances, classes), and average them over the passes: "
        "the result has the shape of a single prediction.",
        "np.stack the list of predictions into shape (passes, instances, classes), then take the mean over axis 0.",
    )

    judged_outside = True

    def judge(self, answer):
        """Judge the function ``answer`` on the check's model: shape, dropout on, averaged, uses ``passes``."""
        self.weigh(self.evidence(answer))

    def evidence(self, answer) -> dict:
        """What the function returns on the check's model and rows, with 1 pass and twice with TRIED_PASSES (the
        second tells one noisy pass from a poor average); the first call that fails ends the gathering."""
        if not callable(answer) or isinstance(answer, type):
            raise Incorrect(f"expected your function mc_dropout_predict(model, X, passes), got {a_type(answer)}.")
        model, x = check_model(), check_inputs()
        single = self.call(answer, model, x, 1)
        if single.shape == (N_ROWS, N_CLASSES) and np.allclose(single, model(x, training=False).numpy(), atol=1e-5):
            raise Incorrect(DROPOUT_OFF)  # a quick look first: a slow mistake fails fast
        result = self.call(answer, model, x, TRIED_PASSES)
        again = Later(lambda: self.call(answer, model, x, TRIED_PASSES))  # needed when the first seems too far off
        return {"single": single, "result": result, "again": again}

    def weigh(self, evidence):
        """Judge the function's results (``evidence``) against the check's own average of many passes."""
        single, result, again = (evidence[key] for key in ("single", "result", "again"))
        plain, reference = check_model()(check_inputs(), training=False).numpy(), mc_reference()
        if single.shape == (N_ROWS, N_CLASSES) and np.allclose(single, plain, atol=1e-5):
            raise Incorrect(DROPOUT_OFF)
        if result.shape == (TRIED_PASSES, N_ROWS, N_CLASSES):
            raise Incorrect(f"the result has shape {result.shape}: one prediction per pass. Average them over the "
                            "passes (axis 0), to shape (instances, classes).")
        if result.shape == (N_ROWS,):
            raise Incorrect("the result holds one number per instance; return the averaged class probabilities, "
                            "shape (instances, classes), not the predicted classes.")
        if result.shape != (N_ROWS, N_CLASSES):
            raise Incorrect(self.wrong_shape(result.shape))
        if np.allclose(result, plain, atol=1e-5):
            raise Incorrect(DROPOUT_OFF)
        if np.allclose(result.sum(axis=1), 0, atol=1e-3):
            raise Incorrect("the rows sum to 0, not 1: average the probabilities; do not subtract anything.")
        sums = result.sum(axis=1)
        if np.allclose(sums, TRIED_PASSES, rtol=1e-3):
            raise Incorrect(f"each row sums to {TRIED_PASSES}, the number of passes: you added the passes' "
                            "probabilities. Divide by the number of passes (or take their mean), so that a row sums "
                            "to 1.")
        if not np.allclose(sums, 1, atol=1e-3):
            rounded = np.allclose(sums, 1, atol=0.03) and np.allclose(result, np.round(result, 2), atol=1e-9)
            raise Incorrect("your probabilities are rounded (to 2 decimals), so their rows no longer sum to 1: "
                            "return them unrounded, and round only to print." if rounded else
                            f"each row of averaged probabilities should sum to 1; yours sum to {sums.min():.3g} to "
                            f"{sums.max():.3g}.")
        if single.shape == result.shape and np.max(np.abs(single - reference)) < ONE_PASS_GAP:
            raise Incorrect("with passes=1 the result is as smooth as an average of many passes: your function "
                            "ignores its `passes` argument.")
        gap = np.max(np.abs(result - reference))
        if gap > TOLERANCE:
            again = gathered(again)
            if again.shape != result.shape or np.max(np.abs(again - result)) > TOLERANCE:  # new masks
                raise Incorrect(f"two calls with passes={TRIED_PASSES} disagree by more than {TOLERANCE}: the "
                                "result looks like one stochastic pass (or very few). Average all the passes.")
            raise Incorrect(f"with {TRIED_PASSES} passes, a probability differs by {gap:.3f} from the average of "
                            f"{REFERENCE_PASSES} passes; expected less than {TOLERANCE}.")

    @staticmethod
    def wrong_shape(shape) -> str:
        """Why a result of ``shape`` is not the (instances, classes) average, naming the axis when that explains it."""
        axes = {"passes": TRIED_PASSES, "instances": N_ROWS, "classes": N_CLASSES}
        stacked = (TRIED_PASSES, N_ROWS, N_CLASSES)
        for axis, name in enumerate(axes):
            if shape == stacked[:axis] + stacked[axis + 1:] and name != "passes":
                return (f"the result has shape {shape}: you averaged over axis {axis}, the {name}. Stacked, the "
                        f"passes have shape {stacked} (passes, instances, classes): average over axis 0, the passes.")
        if shape == (TRIED_PASSES * N_ROWS, N_CLASSES):
            return (f"the result has shape {shape}: the passes are concatenated end to end. Stack them (np.stack) "
                    "into shape (passes, instances, classes), then average over axis 0.")
        if shape == ():
            return ("the result is a single number: the mean was taken over every axis. Average over axis 0 only, "
                    "the passes.")
        return f"the result has shape {shape}; for {N_ROWS} instances and {N_CLASSES} classes it should be " \
               f"({N_ROWS}, {N_CLASSES})."

    @staticmethod
    def call(answer, model, x, passes) -> np.ndarray:
        """The answer's result as an array; NotAttempted for None, Incorrect when it raises."""
        try:
            result = call_learner(answer, model, x, passes, usage=f"mc_dropout_predict(model, X, {passes})",
                                  takes="the model, the inputs and the number of passes")
        except Incorrect as wrong:
            if "unexpected keyword argument 'training'" in str(wrong):
                raise Incorrect("model.predict has no training argument, and always runs with dropout off: call "
                                "the model itself, model(X, training=True), for each pass.") from None
            raise
        try:
            return np.asarray(numpy_of(result), dtype=np.float64)
        except (TypeError, ValueError):
            raise Incorrect(f"expected an array of probabilities, got {a_type(result)}.") from None

    def praise(self):
        return (f"the average of the passes agrees with {REFERENCE_PASSES:,} passes to within {TOLERANCE}; with "
                "dropout on at each pass, the average is the MC-dropout estimate.")


class ConvMaxNormAxis(ChoiceProblem):
    """Which axis makes MaxNorm bound each filter of a Conv2D kernel of shape (3, 3, 64, 128)."""

    answer = "c"
    reasons = {
        "a": "axis=0 takes the norm along the kernel's rows only: one norm per (column, input channel, filter), "
             "each over 3 weights. That bounds tiny slices of each filter, not the filter.",
        "b": "axis=3 takes the norm across the 128 filters: one norm per (row, column, input channel), which mixes "
             "weights of different filters. A filter's weights lie along the other three axes.",
        "d": "axes 0 to 3 take one norm over the whole kernel: every filter is then scaled by the same factor, as "
             "soon as the whole layer's norm passes the limit. Max-norm bounds each filter on its own.",
    }
    hints = (
        "MaxNorm computes norms along the axes you give and keeps one norm for each position along the others.",
        "For a Dense kernel (inputs, units), axis=0 gives one norm per unit: the norm runs over the inputs, and the "
        "unit's axis is kept.",
        "Here the output channel, one per filter, is the last axis; which axes hold one filter's weights?",
    )

    def praise(self):
        return ("axis=[0, 1, 2] takes each norm over a filter's 3 × 3 × 64 weights and keeps one norm per filter, "
                "as axis=0 does per unit of a Dense layer.")


section = Section(__name__, L2Penalty(), DropoutLayer(), McDropoutPredict(), ConvMaxNormAxis())
