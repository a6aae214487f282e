"""Checks for section 9: the chapter's concept questions, and the steps of its practice exercise.

The practice steps are judged by inspecting what the learner builds (layers, activations,
initializers, normalization, dropout, optimizer, loss, callbacks), never by its accuracy: the
builders are called for CIFAR-10's and Fashion-MNIST's input shapes alike.
"""

import functools

import keras
import numpy as np

from utils.exercises.core import Incorrect, Later, Problem, Section, gathered
from utils.exercises.judges import (
    a_type,
    activation_name,
    call_learner,
    initializer_signature,
    is_linear,
    ROWS_PROBE,
    updating_optimizer,
)
from utils.exercises.kinds import ChoiceProblem, ChoicesProblem, NumberProblem, Rule, RuleProblem

# Concept questions --------------------------------------------------------------------------------


class WhatInitializationSolves(ChoiceProblem):
    """The problem that Glorot and He initialization solve."""

    options = "abcde"
    answer = "c"
    reasons = {
        "a": "overfitting is about what a trained network does on new data; initialization only sets where training "
             "starts. Regularization (section 8) is the answer to overfitting.",
        "b": "any random initialization breaks the symmetry between units (question 2); Glorot and He are about how "
             "large the random weights are, not whether they are random.",
        "d": "no initialization can promise the global minimum of a deep network's loss; Glorot and He give "
             "gradient descent a start from which it can make progress at all.",
        "e": "He initialization keeps the signal's scale through ReLU layers, but a unit can still die during "
             "training, when a large step pushes its weighted sum below zero for every input; leaky variants of "
             "ReLU (section 2) address that.",
    }
    hints = (
        "Section 1: what happened to the gradients of the lower layers of a deep sigmoid network with weights "
        "drawn from N(0, 1)?",
        "Glorot and He choose the variance of the random weights from each layer's fan-in (and fan-out).",
        "The aim is for the variance of the outputs of each layer to equal that of its inputs, and likewise for "
        "the gradients flowing backwards.",
    )

    def praise(self):
        return ("they scale each layer's random weights to its fan-in (and fan-out), so that the signal keeps its "
                "variance going forward and the gradients keep theirs going backward: no vanishing or exploding at "
                "the start of training.")


class SameInitialWeights(ChoiceProblem):
    """Whether every weight of a layer may start at one shared value drawn with He initialization."""

    answer = "b"
    reasons = {
        "a": "He initialization sets the spread between the weights, so that each unit receives a different mix of "
             "its inputs. One value shared by every weight has no spread at all, whatever the value.",
        "c": "the biases do not help: units with the same weights and the same bias compute the same output and get "
             "the same gradient, so they stay identical.",
        "d": "nothing makes these gradients vanish; the trouble is that they are the same for every unit of the "
             "layer.",
    }
    hints = (
        "Imagine two units of the same layer with exactly the same incoming weights. What do they output?",
        "If two units output the same thing, what gradient does each receive, and what are their weights after "
        "the update?",
        "Training can never make them different: the layer behaves as if it had a single unit. The randomness "
        "must break this symmetry between units.",
    )

    def praise(self):
        return "identical weights give identical units, forever: initialization must break the symmetry."


class ZeroBiases(ChoiceProblem):
    """Whether the bias terms may start at zero."""

    answer = "a"
    reasons = {
        "b": "the symmetry between units is broken by the random weights: two units with different weights and the "
             "same zero bias compute different outputs and receive different gradients.",
        "c": "a ReLU unit dies when its weighted sum is negative for every input; with random weights and zero-mean "
             "inputs, about half the inputs give a positive sum, so a zero bias kills nothing at the start.",
        "d": "Keras starts the biases of every Dense layer at zero (bias_initializer='zeros'), whatever the "
             "activation; SELU is no exception and needs nothing else.",
    }
    hints = (
        "Question 2 showed what goes wrong when units start identical. Are units with zero biases identical?",
        "What makes two units of a layer compute different outputs at the start: their weights or their biases?",
        "Look at the default of bias_initializer in keras.layers.Dense.",
    )

    def praise(self):
        return ("the random weights already make every unit different, so the biases can start at zero (Keras's "
                "default); some start them at a small positive value for ReLU, which changes little.")


class ChooseActivation(ChoicesProblem):
    """When to use each activation function (SELU, leaky ReLU and its variants, ReLU, tanh, sigmoid, softmax)."""

    options = "abcdefg"
    answer = frozenset("acefg")
    reasons = {
        "a": "A is true: SELU self-normalizes a plain stack of Dense layers whose inputs are standardized and whose "
             "weights are LeCun normal (section 2.6).",
        "c": "C is true: ReLU is the cheapest activation to compute, and many libraries and accelerators optimize "
             "for it.",
        "e": "E is true: tanh's outputs lie in (−1, 1), centred on 0, which suits an output that must lie in that "
             "range.",
        "f": "F is true: softmax turns the output layer's scores into probabilities that sum to 1, for mutually "
             "exclusive classes.",
        "g": "G is true: a leaky variant (leaky ReLU, PReLU, RReLU) keeps a small slope below zero, so a unit always "
             "gets some gradient and can come back (section 2.2).",
        "b": "B is false: a skip connection adds a layer's input to its output, which breaks the conditions under "
             "which SELU keeps the mean at 0 and the variance at 1; use the default column (He, Swish or ReLU, "
             "batch normalization).",
        "d": "D is false: the sigmoid saturates at both ends and its derivative is at most 0.25, so the gradients "
             "vanish in a deep stack (section 1); keep it for an output that is a probability (binary "
             "classification, multilabel).",
    }
    hints = (
        "Go through the activations section 2 compared, and ask for each: what range do its outputs have, and "
        "what does a deep stack of it do to the gradients?",
        "SELU's self-normalization has conditions (section 2.6): a plain stack of Dense layers, LeCun normal, "
        "standardized inputs.",
        "Two statements are false: one breaks SELU's conditions, one puts a saturating function in a deep stack.",
    )

    def praise(self):
        return ("SELU for a deep plain stack that can self-normalize, ReLU where speed matters, a leaky variant when "
                "units die, tanh and sigmoid for outputs in (−1, 1) and (0, 1), softmax for exclusive classes.")


class MomentumNearOne(NumberProblem):
    """The factor by which momentum β = 0.99999 multiplies the step on a constant gradient, 1/(1 − β)."""

    answer = 100_000
    exact = True
    slips = (
        (99_999, "that is β/(1 − β), the sum of β + β² + ...; the step itself counts too: 1 + β + β² + ... = "
                 "1/(1 − β)."),
        (10, "that is the factor for β = 0.9; here 1 − β = 0.00001."),
        (100, "that is the factor for β = 0.99; here 1 − β = 0.00001."),
        (1_000, "that is the factor for β = 0.999; here 1 − β = 0.00001."),
        (10_000, "that is the factor for β = 0.9999; here 1 − β = 0.00001, five zeros after the point."),
        (float(1 / (1 - np.float32(0.99999))),
         "that is 1/(1 − β) computed in 32-bit floats (NumPy float32, or a TensorFlow tensor): 0.99999 has no exact "
         "32-bit value, and 1 − β comes out as 1.0014 × 10⁻⁵ instead of 10⁻⁵. Compute it with Python's floats "
         "(64 bits)."),
    )
    hints = (
        "On a constant gradient g, momentum adds η·g to a velocity that decays by β each step: the velocity "
        "settles where it no longer changes.",
        "At the settled velocity v, v = β·v + η·g, so v = η·g / (1 − β): 1/(1 − β) times plain gradient "
        "descent's step.",
        "Compute 1 − β for β = 0.99999, then its inverse.",
    )

    def screen(self, value):
        super().screen(value)
        if 0 < value < 1:
            raise Incorrect(f"{value:g} is smaller than 1: momentum makes the settled step larger, not smaller. "
                            "Invert it.")

    def praise(self):
        return ("a hundred thousand times plain gradient descent's step: the optimizer builds up huge speed, shoots "
                "past the minimum and takes tens of thousands of steps to slow down, so it oscillates instead of "
                "converging.")


class SparseModel(ChoicesProblem):
    """The ways to get a sparse model (most weights exactly zero)."""

    options = "abcdef"
    answer = frozenset("abf")
    reasons = {
        "a": "A is a way: ℓ1's pull, λ·sign(w), is as strong for tiny weights as for large ones, so it drives the "
             "weights the loss does not need towards zero.",
        "b": "B is a way: once training is over, weights that are nearly zero can be set to exactly zero, checking "
             "that the accuracy holds.",
        "f": "F is a way: the toolkit prunes (zeros) weights gradually during training, and lets the network adapt.",
        "c": "C is not: ℓ2's pull, 2λw, fades as a weight approaches zero, so it makes weights small but not zero.",
        "d": "D is not: dropout zeroes activations for one step at a time; the weights themselves stay dense.",
        "e": "E is not: max-norm bounds each unit's weight norm by rescaling the whole vector; it zeroes nothing.",
    }
    hints = (
        "Sparse means most weights exactly zero, not merely small.",
        "A penalty leads to zeros only if its pull stays strong near zero; one that fades near zero only shrinks.",
        "Three options act on the weights themselves, towards zero: one penalty and two ways to cut weights off.",
    )

    def praise(self):
        return "ℓ1 regularization, zeroing the tiny weights after training, and pruning with the toolkit."


class DropoutCost(ChoicesProblem):
    """What dropout and MC dropout cost in training and at inference."""

    options = "abcde"
    answer = frozenset("ac")
    reasons = {
        "a": "A is true: each step trains a thinned network on noisy activations, so the loss falls more slowly "
             "(section 8's dropout curves still rose at the last epoch).",
        "c": "C is true: each MC prediction is the average of many full forward passes with dropout on, so it "
             "costs about that many predictions.",
        "b": "B is false: at inference, dropout is switched off, and the layer passes its inputs through unchanged.",
        "d": "D is false: MC dropout uses the model trained with ordinary dropout as it is; only the way of "
             "predicting changes.",
        "e": "E is false: Keras scales the kept units by 1/(1 − p) during training (inverted dropout), so inference "
             "needs no correction.",
    }
    hints = (
        "Think about what dropout does at each training step, then what it does at inference.",
        "At inference, the Keras Dropout layer returns its inputs unchanged; MC dropout keeps it on instead.",
        "Two statements are true: one about training, one about MC dropout's predictions.",
    )

    def praise(self):
        return ("dropout slows convergence, not inference; MC dropout slows inference by the number of passes, and "
                "needs no retraining.")


# The practice exercise: what the builders must build ---------------------------------------------

SHAPES = ((32, 32, 3), (28, 28))  # CIFAR-10 and Fashion-MNIST: the notebook uses whichever is available
PROBE = ROWS_PROBE
ACTIVATIONS = {
    "Swish": lambda z: z / (1 + np.exp(-z)),
    "SELU": lambda z: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * (np.exp(z) - 1)),
    "softmax": lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True),
}
INITIALIZERS = {"He": (2.0, "fan_in"), "LeCun": (1.0, "fan_in")}
ALLOWED_LAYERS = (keras.layers.Flatten, keras.layers.Dense, keras.layers.BatchNormalization, keras.layers.Activation,
                  keras.layers.Softmax, keras.layers.Dropout, keras.layers.AlphaDropout, keras.layers.InputLayer)
ACTIVATION_LAYERS = (keras.layers.Activation, keras.layers.Softmax)


def computes(activation, name: str) -> bool:
    """True when ``activation`` (a function or an Activation layer) computes the activation ``name``."""
    try:
        output = np.asarray(activation(keras.ops.convert_to_tensor(PROBE)), dtype=float)
    except Exception:
        return False
    return output.shape == PROBE.shape and bool(np.allclose(output, ACTIVATIONS[name](PROBE), atol=1e-4))


ACCURACY_NAMES = {"accuracy", "acc", "sparse_categorical_accuracy"}


def is_accuracy(metric) -> bool:
    """True for the accuracy on class numbers, however it is written: 'accuracy', 'acc' or the metric object."""
    if isinstance(metric, str):
        return metric in ACCURACY_NAMES
    if isinstance(metric, dict):  # a compile config stores metric objects as their configs
        return metric.get("class_name") == "SparseCategoricalAccuracy"
    return isinstance(metric, keras.metrics.SparseCategoricalAccuracy)


def built_model(builder, shape) -> keras.Model:
    """``builder(shape)``, a Keras model; NotAttempted for None, Incorrect otherwise."""
    try:
        model = call_learner(builder, shape, usage=f"your function, called with the input shape {shape},",
                             takes="one argument, the shape of one input image")
    except Incorrect as wrong:
        if "expected axis -1 of input shape to have value" in str(wrong):  # a layer object used twice, mostly
            raise Incorrect("Keras refused to stack your layers: is one layer object used twice? "
                            "`[keras.layers.Dense(...)] * 20` repeats the same layer, which cannot take both the "
                            f"image and its own outputs: create a new one for each position, in a loop. ({wrong})"
                            ) from None
        raise
    if not isinstance(model, keras.Model):
        raise Incorrect(f"your function returned {a_type(model)}; return the Keras model it builds.")
    try:
        input_shape = tuple(model.inputs[0].shape[1:])
    except (AttributeError, IndexError, TypeError, ValueError):
        raise Incorrect("the model has no defined input: start it with keras.Input(shape=input_shape).") from None
    if input_shape != tuple(shape):
        raise Incorrect(f"called with input_shape={shape}, your function built a model for inputs of shape "
                        f"{input_shape}: use its input_shape argument in keras.Input.")
    return model


def _with_distinct_dense(model: Later) -> tuple:
    """(the model, how many distinct Dense objects it holds)."""
    built = model()
    return built, len({id(layer) for layer in built.layers if isinstance(layer, keras.layers.Dense)})


def hidden_blocks(model) -> list[tuple]:
    """One (Dense layer, its activation, the layers after it up to the next Dense) per Dense layer."""
    blocks, current = [], None
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            current = (layer, [])
            blocks.append(current)
        elif current is not None:
            current[1].append(layer)
    return blocks


def effective_activation(dense, followers):
    """The activation a Dense layer's outputs go through: its own, or an activation layer that follows it."""
    if not is_linear(dense.activation):
        return dense.activation
    return next((layer for layer in followers if isinstance(layer, ACTIVATION_LAYERS)), dense.activation)


class DeepNet(Problem):
    """A builder of the practice's deep network: ``activation``, ``initializer``, batch norm or not, dropout kind."""

    activation = "Swish"
    initializer = "He"
    batch_norm = False
    alpha_dropout = False
    step = "20 hidden layers of 100 units with He initialization and Swish, compiled with Nadam"

    judged_outside = True

    def judge(self, answer):
        self.weigh(self.evidence(answer))

    def evidence(self, answer) -> dict:
        """The models the builder returns for each of SHAPES (with how many distinct Dense objects each holds: a
        configuration cannot tell one object used twice), and whether a second call returns the same object; each
        Later, in the order the judgement asks for them."""
        if isinstance(answer, keras.Model):
            raise Incorrect("that is a model; the exercise asks for the function that builds one, so that each "
                            "training (each seed) starts from a freshly built model.")
        if not callable(answer) or isinstance(answer, type):
            raise Incorrect(f"expected your function, taking the input shape, got {a_type(answer)}.")
        models = [Later(functools.partial(built_model, answer, shape)) for shape in SHAPES]
        evidence = {f"model {number}": Later(functools.partial(_with_distinct_dense, model))
                    for number, model in enumerate(models)}
        evidence["same object"] = Later(lambda: built_model(answer, SHAPES[-1]) is models[-1]())
        return evidence

    def weigh(self, evidence):
        """Judge the models' layers, that each call builds a new model, and the compilation."""
        for number in range(len(SHAPES)):
            model, distinct = gathered(evidence[f"model {number}"])
            self.check_layers(model, distinct)
        if gathered(evidence["same object"]):  # the same shape as the last model built
            raise Incorrect("your function returns the same model object every time; build a new one at each call.")
        self.check_compiled(model)

    def check_layers(self, model, distinct: int):
        """The architecture: 20 hidden Dense layers of 100 units (``distinct`` objects), the activation, initializer,
        BN and dropout."""
        strangers = sorted({type(layer).__name__ for layer in model.layers if not isinstance(layer, ALLOWED_LAYERS)})
        if strangers:
            raise Incorrect(f"the model contains {', '.join(strangers)}: this step needs Flatten, Dense layers"
                            + (", BatchNormalization" if self.batch_norm else "")
                            + (", AlphaDropout" if self.alpha_dropout else "") + " only.")
        blocks = hidden_blocks(model)
        if len(blocks) != 21:
            raise Incorrect(f"the model has {len(blocks)} Dense layers; the exercise asks for 20 hidden ones and the "
                            "output layer, 21 in all.")
        repeated = len(blocks) - distinct
        if repeated:
            raise Incorrect(f"{repeated + 1} positions of the model hold the same Dense layer object, so they share "
                            "one set of weights: create a new layer for each position, in a loop.")
        *hidden, (output, after_output) = blocks
        self.check_output(model, output, after_output)
        for number, (dense, followers) in enumerate(hidden, start=1):
            self.check_hidden(number, dense, followers)
        self.check_normalization(model)
        self.check_dropout(model)

    def check_output(self, model, output, after_output):
        """10 softmax units at the very end, one probability vector per image."""
        if output.units != 10:
            raise Incorrect(f"the output layer has {output.units} units; it needs 10, one per class.")
        activation = effective_activation(output, after_output)
        if not computes(activation, "softmax"):
            raise Incorrect(f"the output layer uses {activation_name(activation)}; it needs the softmax activation, "
                            "so that its 10 outputs are the probabilities of the classes.")
        extra = [layer for layer in after_output if layer is not activation]
        if extra:
            raise Incorrect(f"{type(extra[0]).__name__} comes after the softmax output: nothing may change the "
                            "probabilities once they are computed (dropout there would even make them negative in "
                            "training). Put it before the output layer.")
        shape = tuple(model.outputs[0].shape[1:])
        if shape != (10,):
            raise Incorrect(f"the model's output has shape (None, {', '.join(map(str, shape))}) instead of (None, 10): "
                            "each image must be flattened into one vector before the Dense layers "
                            "(keras.layers.Flatten() right after the Input).")

    def check_hidden(self, number, dense, followers):
        """One hidden layer: its size, activation, initializer and the batch normalization after it."""
        if dense.units != 100:
            raise Incorrect(f"hidden layer {number} has {dense.units} units; each needs 100.")
        activation = effective_activation(dense, followers)
        if not computes(activation, self.activation):
            raise Incorrect(f"hidden layer {number} uses {activation_name(activation)}; this step uses "
                            f"{self.activation}.")
        scale_mode = initializer_signature(dense.kernel_initializer)[:2]
        if scale_mode != INITIALIZERS[self.initializer]:
            raise Incorrect(f"hidden layer {number} is initialized with scale {scale_mode[0]:g} and mode "
                            f"{scale_mode[1]!r}; {self.activation} wants {self.initializer} initialization "
                            f"({'he_normal' if self.initializer == 'He' else 'lecun_normal'}).")
        if self.initializer == "LeCun" and initializer_signature(dense.kernel_initializer)[2] == "uniform":
            raise Incorrect("SELU's self-normalization was derived for normally distributed weights: use "
                            "lecun_normal, not lecun_uniform.")
        if dense.kernel_regularizer is not None or dense.kernel_constraint is not None:
            added = "an ℓ1/ℓ2 penalty" if dense.kernel_regularizer is not None else "a max-norm constraint"
            raise Incorrect(f"hidden layer {number} has {added}: "
                            + ("that breaks SELU's self-normalization (section 2's conditions: no ℓ1/ℓ2, no "
                               "max-norm)." if self.activation == "SELU" else "this step has no regularization."))
        if self.batch_norm and not any(isinstance(layer, keras.layers.BatchNormalization) for layer in followers):
            raise Incorrect(f"hidden layer {number} is not followed by a BatchNormalization layer; this step adds "
                            "one to each hidden layer (before or after its activation).")

    def check_normalization(self, model):
        """No batch normalization anywhere (not even after Flatten) in the steps without it."""
        if not self.batch_norm and any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers):
            raise Incorrect("the model contains BatchNormalization: "
                            + ("SELU normalizes the activations itself; batch normalization would break the "
                               "conditions of self-normalization." if self.activation == "SELU"
                               else "this step has no batch normalization yet."))

    def check_dropout(self, model):
        """Ordinary dropout never; alpha dropout where this step asks for it."""
        plain = [layer for layer in model.layers if type(layer) is keras.layers.Dropout]
        alpha = [layer for layer in model.layers if isinstance(layer, keras.layers.AlphaDropout)]
        if plain:
            raise Incorrect("the model contains ordinary Dropout, which changes the variance of the activations "
                            "and breaks self-normalization: use AlphaDropout." if self.activation == "SELU" else
                            "the model contains Dropout; this step has none.")
        if self.alpha_dropout and not alpha:
            raise Incorrect("the model has no AlphaDropout layer; this step regularizes the SELU network with "
                            "alpha dropout.")
        if not self.alpha_dropout and alpha:
            raise Incorrect("the model contains AlphaDropout; this step has no dropout yet.")
        if any(not 0 < layer.rate <= 0.5 for layer in alpha):
            raise Incorrect("an AlphaDropout rate lies outside (0, 0.5]: the usual rates are 5% to 20%.")

    def check_compiled(self, model):
        """Compiled with Nadam, the sparse categorical cross-entropy and the accuracy metric."""
        if getattr(model, "optimizer", None) is None or not model.compiled:
            raise Incorrect("the model is not compiled: compile it with the Nadam optimizer, the loss "
                            "sparse_categorical_crossentropy and metrics=['accuracy'].")
        if not isinstance(updating_optimizer(model.optimizer), keras.optimizers.Nadam):
            raise Incorrect(f"the optimizer is {type(model.optimizer).__name__}; the exercise uses Nadam.")
        config = model.get_compile_config() or {}
        if "sparse_categorical_crossentropy" not in repr(config.get("loss")):
            raise Incorrect("the labels are class numbers (0 to 9): use the loss sparse_categorical_crossentropy.")
        metrics = config.get("metrics") or []
        metrics = metrics if isinstance(metrics, list | tuple) else [metrics]
        if not any(is_accuracy(metric) for metric in metrics):
            raise Incorrect("add metrics=['accuracy'] to compile(): the steps are compared on their accuracy.")

    def praise(self):
        return f"{self.step}: the checks on its layers, initializers and optimizer pass for both input shapes."


class BuildSwishNet(DeepNet):
    """build_swish_net(input_shape): 20 × 100 He + Swish, compiled with Nadam."""

    hints = (
        "Start from keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(), ...]), then add the "
        "hidden layers in a loop (a list comprehension inside the list works too).",
        "Each hidden layer is Dense(100, activation=\"swish\", kernel_initializer=\"he_normal\"); the output layer "
        "is Dense(10, activation=\"softmax\").",
        "Compile with optimizer=keras.optimizers.Nadam(learning_rate=...), loss=\"sparse_categorical_crossentropy\" "
        "and metrics=[\"accuracy\"], and return the model.",
    )


class BuildBnNet(DeepNet):
    """build_bn_net(input_shape): the Swish network with batch normalization after every hidden layer."""

    batch_norm = True
    step = "the Swish network with batch normalization after each of its 20 hidden layers"
    hints = (
        "Take your Swish network and insert a keras.layers.BatchNormalization() after each hidden Dense layer.",
        "In a loop, add two layers per hidden layer: the Dense layer, then its BatchNormalization.",
        "Either placement passes: BatchNormalization after each Dense layer with its activation, or a Dense layer "
        "without activation, then BatchNormalization, then keras.layers.Activation(\"swish\").",
    )


class BuildSeluNet(DeepNet):
    """build_selu_net(input_shape): 20 × 100 SELU with LeCun normal initialization, no batch normalization."""

    activation, initializer = "SELU", "LeCun"
    step = "20 hidden SELU layers with LeCun normal initialization and nothing that breaks self-normalization"
    hints = (
        "Section 2: SELU self-normalizes a plain stack of Dense layers when the weights are LeCun normal and the "
        "inputs standardized (this notebook standardizes them for you).",
        "Use activation=\"selu\" and kernel_initializer=\"lecun_normal\" in every hidden layer.",
        "Leave batch normalization and ordinary dropout out: SELU keeps the activations normalized by itself.",
    )


class BuildAlphaDropoutNet(DeepNet):
    """build_alpha_dropout_net(input_shape): the SELU network, regularized with alpha dropout."""

    activation, initializer, alpha_dropout = "SELU", "LeCun", True
    step = "the SELU network with alpha dropout"
    hints = (
        "Section 8.4: with SELU, only alpha dropout keeps the activations' mean and variance.",
        "Add keras.layers.AlphaDropout(rate) layers to the SELU network: after the last hidden layer, or after "
        "each of the last few.",
        "Keep the rate small, 5% to 20%: 20 layers of dropout at 50% would leave little signal.",
    )


class EarlyStopping(RuleProblem):
    """EarlyStopping as the exercise states it: on the validation loss, patience 3, restoring the best weights."""

    rules = (
        Rule(lambda callback: callback.monitor.startswith("val_"),
             lambda callback: f"monitor={callback.monitor!r} watches the training set, which keeps improving as the "
                              "network overfits; watch the validation loss, 'val_loss'."),
        Rule(lambda callback: callback.monitor != "val_accuracy",
             "'val_accuracy' is a fair signal too, but the exercise asks for the validation loss ('val_loss'), so "
             "that every step stops by the same rule and the step table compares like with like."),
        Rule(lambda callback: callback.monitor == "val_loss",
             lambda callback: f"{callback.monitor!r} is not a metric these models log; use 'val_loss'."),
        Rule(lambda callback: callback.patience >= 2,
             lambda callback: f"patience={callback.patience}: the validation loss is noisy, so one bad epoch would "
                              "stop training; the exercise waits 3 epochs."),
        Rule(lambda callback: callback.patience == 3,
             lambda callback: f"patience={callback.patience}: the exercise waits 3 epochs, so that every step stops "
                              "by the same rule (and, with at most a dozen epochs, a longer wait would rarely stop)."),
        Rule(lambda callback: callback.restore_best_weights,
             "restore_best_weights=True is needed: without it the model keeps the weights of the last epoch, "
             "patience epochs past the best one."),
        Rule(lambda callback: callback.mode != "max",
             "mode='max' counts the wrong direction as improvement: a rising loss; leave mode='auto' (or 'min')."),
    )
    hints = (
        "keras.callbacks.EarlyStopping stops training when a monitored metric has stopped improving.",
        "Monitor the validation loss (monitor=\"val_loss\"), not the training loss, with patience=3.",
        "restore_best_weights=True brings back the weights of the best epoch when training stops.",
    )

    def prepare(self, answer):
        if isinstance(answer, type):
            raise Incorrect("that is a class; create the callback: keras.callbacks.EarlyStopping(...).")
        if not isinstance(answer, keras.callbacks.EarlyStopping):
            raise Incorrect(f"expected a keras.callbacks.EarlyStopping(...), got {a_type(answer)}.")
        return answer

    def praise(self):
        return "early stopping on the validation loss, waiting 3 epochs, keeping the best epoch's weights."


section = Section(
    __name__,
    WhatInitializationSolves(),
    SameInitialWeights(),
    ZeroBiases(),
    ChooseActivation(),
    MomentumNearOne(),
    SparseModel(),
    DropoutCost(),
    BuildSwishNet(),
    EarlyStopping(),
    BuildBnNet(),
    BuildSeluNet(),
    BuildAlphaDropoutNet(),
)
