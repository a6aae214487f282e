"""Checks for section 9: the chapter's concept questions, and the steps of its practice exercise.

The practice steps are judged by inspecting what the learner builds (layers, activations,
initializers, normalization, dropout, optimizer, loss, callbacks), never by its accuracy: the
builders are called for CIFAR-10's and Fashion-MNIST's input shapes alike.
"""

import keras
import numpy as np

from utils.exercises.core import Incorrect, Problem, Section
from utils.exercises.judges import a_type, activation_name, call_learner, initializer_signature, is_linear
from utils.exercises.kinds import ChoiceProblem, ChoicesProblem, NumberProblem, Rule, RuleProblem

# Concept questions --------------------------------------------------------------------------------


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
PROBE = np.linspace(-4, 4, 17).astype("float32")
ACTIVATIONS = {
    "Swish": lambda z: z / (1 + np.exp(-z)),
    "SELU": lambda z: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * (np.exp(z) - 1)),
}
INITIALIZERS = {"He": (2.0, "fan_in"), "LeCun": (1.0, "fan_in")}
ALLOWED_LAYERS = (keras.layers.Flatten, keras.layers.Dense, keras.layers.BatchNormalization, keras.layers.Activation,
                  keras.layers.Dropout, keras.layers.AlphaDropout, keras.layers.InputLayer)


def computes(activation, name: str) -> bool:
    """True when ``activation`` (a function or an Activation layer) computes the activation ``name``."""
    try:
        output = np.asarray(activation(keras.ops.convert_to_tensor(PROBE)), dtype=float)
    except Exception:
        return False
    return output.shape == PROBE.shape and bool(np.allclose(output, ACTIVATIONS[name](PROBE), atol=1e-4))


def built_model(builder, shape) -> keras.Model:
    """``builder(shape)``, a Keras model; NotAttempted for None, Incorrect otherwise."""
    model = call_learner(builder, shape, usage=f"your function, called with the input shape {shape},",
                         takes="one argument, the shape of one input image")
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
    """The activation a Dense layer's outputs go through: its own, or an Activation layer that follows it."""
    if not is_linear(dense.activation):
        return dense.activation
    return next((layer for layer in followers if isinstance(layer, keras.layers.Activation)), dense.activation)


class DeepNet(Problem):
    """A builder of the practice's deep network: ``activation``, ``initializer``, batch norm or not, dropout kind."""

    activation = "Swish"
    initializer = "He"
    batch_norm = False
    alpha_dropout = False
    step = "20 hidden layers of 100 units with He initialization and Swish, compiled with Nadam"

    def judge(self, answer):
        if isinstance(answer, keras.Model):
            raise Incorrect("that is a model; the exercise asks for the function that builds one, so that each "
                            "training (each seed) starts from a freshly built model.")
        if not callable(answer) or isinstance(answer, type):
            raise Incorrect(f"expected your function, taking the input shape, got {a_type(answer)}.")
        for shape in SHAPES:
            model = built_model(answer, shape)
            self.check_layers(model)
        if built_model(answer, SHAPES[-1]) is model:  # the same shape as the last model built
            raise Incorrect("your function returns the same model object every time; build a new one at each call.")
        self.check_compiled(model)

    def check_layers(self, model):
        """The architecture: 20 hidden Dense layers of 100 units, the activation, initializer, BN and dropout."""
        strangers = sorted({type(layer).__name__ for layer in model.layers if not isinstance(layer, ALLOWED_LAYERS)})
        if strangers:
            raise Incorrect(f"the model contains {', '.join(strangers)}: this step needs Flatten, Dense layers"
                            + (", BatchNormalization" if self.batch_norm else "")
                            + (", AlphaDropout" if self.alpha_dropout else "") + " only.")
        blocks = hidden_blocks(model)
        if len(blocks) != 21:
            raise Incorrect(f"the model has {len(blocks)} Dense layers; the exercise asks for 20 hidden ones and the "
                            "output layer, 21 in all.")
        *hidden, (output, _) = blocks
        if output.units != 10 or not getattr(output.activation, "__name__", "") == "softmax":
            raise Incorrect("the output layer needs 10 units (one per class) and the softmax activation.")
        for number, (dense, followers) in enumerate(hidden, start=1):
            self.check_hidden(number, dense, followers)
        self.check_dropout(model)

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
        normalized = any(isinstance(layer, keras.layers.BatchNormalization) for layer in followers)
        if self.batch_norm and not normalized:
            raise Incorrect(f"hidden layer {number} is not followed by a BatchNormalization layer; this step adds "
                            "one after each hidden layer.")
        if not self.batch_norm and normalized:
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
        if not isinstance(model.optimizer, keras.optimizers.Nadam):
            raise Incorrect(f"the optimizer is {type(model.optimizer).__name__}; the exercise uses Nadam.")
        config = model.get_compile_config() or {}
        if "sparse_categorical_crossentropy" not in repr(config.get("loss")):
            raise Incorrect("the labels are class numbers (0 to 9): use the loss sparse_categorical_crossentropy.")
        if "accuracy" not in repr(config.get("metrics")):
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
        "Batch normalization tolerates larger learning rates: the Nadam rate may go up, but the architecture "
        "check only looks at the layers.",
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
    """An EarlyStopping callback on a validation metric, with some patience, that restores the best weights."""

    rules = (
        Rule(lambda callback: callback.monitor.startswith("val_"),
             lambda callback: f"monitor={callback.monitor!r} watches the training set, which keeps improving as the "
                              "network overfits; watch a validation metric: 'val_loss' or 'val_accuracy'."),
        Rule(lambda callback: callback.monitor in ("val_loss", "val_accuracy"),
             lambda callback: f"{callback.monitor!r} is not a metric these models log; use 'val_loss' or "
                              "'val_accuracy'."),
        Rule(lambda callback: callback.patience >= 2,
             lambda callback: f"patience={callback.patience}: the validation metric is noisy, so one bad epoch would "
                              "stop training; allow a few epochs (at least 2)."),
        Rule(lambda callback: callback.restore_best_weights,
             "restore_best_weights=True is needed: without it the model keeps the weights of the last epoch, "
             "patience epochs past the best one."),
        Rule(lambda callback: (callback.monitor, callback.mode) not in (("val_accuracy", "min"), ("val_loss", "max")),
             lambda callback: f"mode={callback.mode!r} on {callback.monitor!r} counts the wrong direction as "
                              "improvement; leave mode='auto'."),
    )
    hints = (
        "keras.callbacks.EarlyStopping stops training when a monitored metric has stopped improving.",
        "Monitor the validation loss (or accuracy), not the training loss, and give it a few epochs of patience.",
        "restore_best_weights=True brings back the weights of the best epoch when training stops.",
    )

    def prepare(self, answer):
        if isinstance(answer, type):
            raise Incorrect("that is a class; create the callback: keras.callbacks.EarlyStopping(...).")
        if not isinstance(answer, keras.callbacks.EarlyStopping):
            raise Incorrect(f"expected a keras.callbacks.EarlyStopping(...), got {a_type(answer)}.")
        return answer

    def praise(self):
        return "early stopping on a validation metric, with patience, keeping the best epoch's weights."


section = Section(
    __name__,
    SameInitialWeights(),
    MomentumNearOne(),
    SparseModel(),
    DropoutCost(),
    BuildSwishNet(),
    EarlyStopping(),
    BuildBnNet(),
    BuildSeluNet(),
    BuildAlphaDropoutNet(),
)
