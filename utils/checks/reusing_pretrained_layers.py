"""Checks for section 5: reusing pretrained layers.

The two function exercises are judged by what the functions build and by one real training step,
on a small model A the check makes itself: the learner's own models are never touched.
"""

import contextlib
import functools
from unittest import mock

import keras
import numpy as np

from utils.exercises.core import Incorrect, Later, NotAttempted, Problem, Section, error_text, gathered, raised
from utils.exercises.judges import a_type, is_stub, returned_none
from utils.exercises.kinds import ChoicesProblem, NumberProblem

WIDTHS = (24, 20, 16)  # the check's model A: distinct widths show which layers were reused
N_CLASSES_A = 8
N_REUSED = (2, 3)  # b_on_a is tried reusing 2, then 3 of model A's hidden layers
PHASE_1_RATES = (0.01, 1e-5)  # the rates of the phase-1 models given to fine_tune: a number written in fails one


def small_model_A() -> keras.Sequential:
    """A model A like the notebook's, small, with the same weights every time: Flatten, three hidden Dense layers,
    an 8-way output. (Its weights are set, not drawn by seeded initializers, which `clone_model` would copy.)"""
    layers = [keras.layers.Dense(width, activation="relu") for width in WIDTHS]
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), *layers,
                              keras.layers.Dense(N_CLASSES_A, activation="softmax")])
    rng = np.random.default_rng(5)
    model.set_weights([rng.normal(0, np.sqrt(2 / w.shape[0]), w.shape) if w.ndim == 2 else rng.normal(0, 0.1, w.shape)
                       for w in model.get_weights()])
    return model


def probe_batch():
    """16 images and binary labels, the same every time."""
    rng = np.random.default_rng(0)
    return rng.uniform(0, 1, size=(16, 28, 28)).astype(np.float32), rng.integers(0, 2, size=(16, 1)).astype(np.float32)


def all_layers(model) -> list:
    """Every layer of ``model``, looking inside nested models."""
    found = []
    for layer in model.layers:
        found += all_layers(layer) if isinstance(layer, keras.Model) else [layer]
    return found


def dense_layers(model) -> list:
    """The Dense layers of ``model``, in order, looking inside nested models."""
    return [layer for layer in all_layers(model) if isinstance(layer, keras.layers.Dense)]


def weights_of(layers) -> list[np.ndarray]:
    """Copies of the weights of ``layers``."""
    return [np.array(weight) for layer in layers for weight in layer.get_weights()]


def same_weights(before, after) -> bool:
    """True when two lists of arrays are equal to the last bit."""
    return len(before) == len(after) and all(np.array_equal(b, a) for b, a in zip(before, after, strict=True))


def loss_name(model) -> str:
    """The loss a model was compiled with, as a lowercase name ('' if none)."""
    loss = getattr(model, "loss", None)
    if loss is None:
        return ""
    return str(getattr(loss, "name", None) or getattr(loss, "__name__", None) or loss).lower()


def is_binary_loss(model) -> bool:
    """True when the model was compiled with binary cross-entropy (or a BCE-based loss)."""
    name = loss_name(model)
    return "binary" in name and "crossentropy" in name.replace("_", "").replace(" ", "")


def output_is_a_probability(model) -> bool:
    """True for one sigmoid unit, or one linear unit with a from_logits binary cross-entropy."""
    head = dense_layers(model)[-1]
    activation = keras.activations.serialize(head.activation)
    activation = activation if isinstance(activation, str) else getattr(head.activation, "__name__", "")
    from_logits = bool(getattr(model.loss, "from_logits", False))
    return (activation == "sigmoid" and not from_logits) or (activation == "linear" and from_logits)


def learning_rate_of(optimizer) -> float:
    """The optimizer's learning rate now."""
    return float(optimizer.learning_rate)  # a schedule's current value


def train_one_step(model, what: str) -> None:
    """One training step on the probe batch; Incorrect with the error if Keras refuses."""
    X, y = probe_batch()
    try:
        model.train_on_batch(X, y)
    except Exception as error:  # the learner's model may fail in many ways: say which
        message = error_text(error, 300)
        if "optimizer can only be called for the variables it was originally built with" in message:
            raise Incorrect(
                f"{what}: Keras refused to train it, because it was compiled again with the optimizer object of "
                "the first phase, which only knows the output layer's variables. Compile with a new optimizer, "
                "for instance `optimizer=keras.optimizers.SGD(learning_rate=...)`."
            ) from None
        raise Incorrect(f"{what}: one training step on images of shape (28, 28) raised "
                        f"{raised(error)}") from None


def called(function, *args, what: str):
    """``function(*args)``; Incorrect naming the call and the error if it raises."""
    try:
        return function(*args)
    except Exception as error:  # the learner's code may fail in any way: say where and how
        raise Incorrect(f"calling {what} raised {raised(error)}") from None


def the_model(result, what: str, function=None):
    """``result`` if it is a Keras model; for None, NotAttempted (the stub ``function``) or Incorrect; Incorrect for
    anything else."""
    if result is None:
        raise returned_none(function, what)
    if not isinstance(result, keras.Model):
        raise Incorrect(f"{what} returned {a_type(result)}: return the Keras model.")
    return result


@contextlib.contextmanager
def compiles_recorded():
    """Within: each ``compile`` of any model appends (model, {layer: trainable at that moment}) to the list given."""
    record, compile_model = [], keras.Model.compile

    def recording(model, *args, **kwargs):
        record.append((model, {id(layer): layer.trainable for layer in all_layers(model)}))
        return compile_model(model, *args, **kwargs)

    with mock.patch.object(keras.Model, "compile", recording):
        yield record


def flags_at_last_compile(compiles, model) -> dict:
    """{id(layer): trainable} as ``model`` stood when it was last compiled, from ``compiles_recorded``'s list."""
    return next((flags for compiled, flags in reversed(compiles) if compiled is model), {})


class BOnA(Problem):
    """A function that builds B-on-A right: copies, frozen, a new sigmoid output, compiled after freezing."""

    name = "b_on_a"
    stub_message = "write the body of `b_on_a` (it still returns None), then run the check again."
    hints = (
        "Four steps: copy model A (architecture and weights), keep its Flatten and first n_reused hidden "
        "layers, freeze them, add a new output layer and compile. Section 5.2 shows the copy, 5.3 the rest.",
        "`keras.models.clone_model(model_A)` builds new layers with fresh weights, and `clone.set_weights("
        "model_A.get_weights())` copies the weights. `clone.layers[: 1 + n_reused]` is the Flatten layer and "
        "the first n_reused hidden layers.",
        "Set the `trainable` attribute of each reused layer to False; put the reused layers in a new "
        "`Sequential` model (after a `keras.Input` of model A's input shape), under a Dense layer of one unit "
        "with the sigmoid activation; only then compile, with the binary cross-entropy loss and an optimizer.",
    )

    judged_outside = True

    def judge(self, answer):
        self.weigh(self.evidence(answer))

    def evidence(self, answer) -> dict:
        """What the function builds on the check's model A, reusing 2 then 3 layers (Later, in that order)."""
        if not callable(answer) or isinstance(answer, keras.layers.Layer):
            raise Incorrect(f"expected the function b_on_a(model_A, n_reused), got {a_type(answer)}.")
        return {f"reusing {n}": Later(functools.partial(self._built, answer, n)) for n in N_REUSED}

    def weigh(self, evidence):
        """Judge each model built against the check's own model A."""
        for n_reused in N_REUSED:
            self._judge_one(gathered(evidence[f"reusing {n_reused}"]), n_reused)

    @staticmethod
    def _built(b_on_a, n_reused) -> dict:
        """What ``b_on_a(model_A, n_reused)`` returns, as facts and weights: its Dense layers (units, weights, flags
        now and at its last compile), how it is compiled, whether it shares or froze model A's layers, and (Later)
        its Dense layers and model A after one training step."""
        model_A = small_model_A()
        what = f"b_on_a(model_A, {n_reused})"
        with compiles_recorded() as compiles:
            model = the_model(called(b_on_a, model_A, n_reused, what=what), what, b_on_a)
        dense = dense_layers(model)
        at_compile = flags_at_last_compile(compiles, model)

        def trained() -> dict:
            train_one_step(model, what)
            return {"dense": [weights_of([layer]) for layer in dense], "model_A": weights_of(model_A.layers)}

        optimizer = getattr(model, "optimizer", None)
        return {
            "shares model A": any(layer is layer_A for layer in all_layers(model) for layer_A in model_A.layers),
            "froze model A": not all(layer.trainable for layer in model_A.layers),
            "units": [layer.units for layer in dense],
            "weights": [weights_of([layer]) for layer in dense],
            "trainable": [layer.trainable for layer in dense],
            "trainable at compile": [at_compile.get(id(layer)) for layer in dense],
            "model trainable": model.trainable,
            "already trained": optimizer is not None and int(optimizer.iterations.numpy()) > 0,
            "compiled": bool(getattr(model, "compiled", False)),
            "loss": loss_name(model),
            "binary loss": is_binary_loss(model),
            "probability": output_is_a_probability(model) if dense else None,
            "after a step": Later(trained),
        }

    @staticmethod
    def _judge_one(built: dict, n_reused: int):
        """Judge one model that b_on_a built (as ``_built`` describes it), reusing ``n_reused`` layers."""
        model_A = small_model_A()
        what = f"b_on_a(model_A, {n_reused})"
        if built["shares model A"]:
            raise Incorrect(
                f"{what} returned a model that shares layer objects with model_A: training it would change "
                "model A too (section 5.2). Reuse copies: clone the model and copy its weights."
            )
        if built["froze model A"]:
            raise Incorrect(f"{what} froze layers of model_A itself: freeze the copies, and leave model A as it was.")
        units, weights, trainable = built["units"], built["weights"], built["trainable"]
        if units[-1] != 1:
            reason = ("it ends with model A's output layer" if units[-1] == N_CLASSES_A else
                      f"its output layer has {units[-1]} units")
            raise Incorrect(f"{what}: {reason}. Task B is one yes-or-no question: replace A's output layer by a "
                            "new Dense layer with one sigmoid unit.")
        widths = tuple(units[:-1])
        if widths != WIDTHS[:n_reused]:
            raise Incorrect(f"{what} has hidden layers of widths {widths} under its output layer, but model_A's "
                            f"first {n_reused} hidden layers have widths {WIDTHS[:n_reused]}: reuse exactly "
                            "those, in order (`clone.layers[: 1 + n_reused]` after the Flatten layer).")
        reused = [array for arrays in weights[:-1] for array in arrays]
        if not same_weights(reused, weights_of(model_A.layers[1 : 1 + n_reused])):
            if built["already trained"]:
                raise Incorrect(f"{what} returned a model that was already trained, so its reused layers no longer "
                                "hold model A's weights: they trained while still trainable. Freeze, compile after "
                                "freezing, and return the model untrained.")
            raise Incorrect(f"{what}: the reused layers do not hold model A's weights. `clone_model` copies the "
                            "architecture with fresh random weights: copy the weights with `set_weights`.")
        if not trainable[-1]:
            raise Incorrect(f"{what}: the new output layer is frozen too, so nothing would train. "
                            "Freeze the reused layers only.")
        if not built["model trainable"]:
            raise Incorrect(f"{what}: the model's own flag is False (`model.trainable = False`), which freezes every "
                            "layer in it, the new output layer included, whatever the layer's own flag says. Freeze "
                            "the reused layers one by one.")
        if any(trainable[:-1]):
            raise Incorrect(f"{what}: some reused layers are still trainable. Freeze them "
                            "(`layer.trainable = False`) so that the new layer's first, large errors cannot "
                            "wreck them.")
        if not built["compiled"]:
            raise Incorrect(f"{what} returned a model that is not compiled: compile it, after freezing.")
        if any(built["trainable at compile"][:-1]):
            raise Incorrect(f"{what} compiles the model before freezing the reused layers. Here it happens to work, "
                            "because nothing has trained yet (section 5.3); but once a model has been fit, its "
                            "training step keeps the trainable weights it was built with, and the \"frozen\" layers "
                            "go on learning. Compile after freezing: it is right whatever came before.")
        if not built["binary loss"]:
            raise Incorrect(f"{what} is compiled with the loss {built['loss']!r}; task B has two classes "
                            "and one sigmoid output: use \"binary_crossentropy\".")
        if not built["probability"]:
            raise Incorrect(f"{what}: the output unit and the loss disagree. One sigmoid unit gives a probability, "
                            "for the plain binary cross-entropy; a loss with `from_logits=True` expects a linear unit "
                            "(it applies the sigmoid itself).")
        after = gathered(built["after a step"])
        if not same_weights(reused, [array for arrays in after["dense"][:-1] for array in arrays]):
            raise Incorrect(f"{what}: one training step changed the frozen layers. The model was compiled (and "
                            "trained) before they were frozen; compile it after freezing.")
        if same_weights(weights[-1], after["dense"][-1]):
            raise Incorrect(f"{what}: one training step left the new output layer unchanged; is the learning "
                            "rate 0?")
        if not same_weights(weights_of(model_A.layers), after["model_A"]):
            raise Incorrect(f"training what {what} returned changed model_A: reuse copies of its layers.")

    def praise(self):
        return ("copies, not shared layers, with model A's weights; the reused layers frozen, a new trainable "
                "output layer, compiled for task B. One training step moved only the new layer, and left model A "
                "as it was.")


class TrainableCount(NumberProblem):
    """The trainable parameters when the first two of three reused hidden layers are frozen."""

    answer = (100 * 100 + 100) + (100 * 1 + 1)
    digits = None
    slips = (
        (100 * 100 + 100, "that is the third hidden layer alone (or both trainable layers without their "
                          "biases): the output layer trains too, and every unit has a bias."),
        (100 * 1 + 1, "that is the output layer alone: the third hidden layer is left trainable too."),
        (2 * (100 * 100 + 100) + 101, "that counts the second hidden layer, which is frozen."),
        (784 * 100 + 100 + 2 * (100 * 100 + 100) + 101, "that is every parameter of the model, frozen ones included."),
        (784 * 100 + 100 + 100 * 100 + 100, "that is the number of frozen parameters: count the other ones."),
        (100 * 100 + 100 + 100 * 1, "the output layer has a bias too."),
        (100 * 100 + 101, "the third hidden layer has 100 biases too, one per unit."),
    )
    hints = (
        "Only the third hidden layer and the output layer train. Count the parameters of each and add them.",
        "A Dense layer with n inputs and m units has n × m weights and m biases.",
        "The third hidden layer has 100 inputs and 100 units; the output layer 100 inputs and 1 unit.",
    )

    def unexplained(self, value):
        return (f"{value:,.0f} is not the count: add the weights and biases of the two trainable layers, the third "
                "hidden layer and the output layer.")

    def praise(self):
        return f"{self.answer:,}: 10,100 in the third hidden layer and 101 in the output layer."


class FineTune(Problem):
    """A function that readies B-on-A's second phase: all trainable, compiled again, lower learning rate."""

    name = "fine_tune"
    stub_message = "write the body of `fine_tune` (it still changes nothing), then run the check again."
    hints = (
        "Two steps: make every layer trainable, then compile again, with a new optimizer whose learning rate is "
        "lower than the first phase's.",
        "Set the `trainable` attribute of every layer of the model to True, layer by layer. The first phase's "
        "rate is `float(model.optimizer.learning_rate)`.",
        "Compile with `loss=\"binary_crossentropy\"` and, for instance, "
        "`optimizer=keras.optimizers.SGD(learning_rate=rate / 10)`: a new optimizer object, not the old one.",
    )

    judged_outside = True

    def judge(self, answer):
        self.weigh(self.evidence(answer))

    def evidence(self, answer) -> dict:
        """What the function makes of a first-phase model trained at each of PHASE_1_RATES (Later, in order)."""
        if not callable(answer) or isinstance(answer, keras.layers.Layer):
            raise Incorrect(f"expected the function fine_tune(model), got {a_type(answer)}.")
        return {f"after {rate:g}": Later(functools.partial(self._tuned, answer, rate)) for rate in PHASE_1_RATES}

    def weigh(self, evidence):
        """Judge each fine-tuned model."""
        for phase_1_rate in PHASE_1_RATES:
            self._judge_one(gathered(evidence[f"after {phase_1_rate:g}"]), phase_1_rate)

    def _tuned(self, answer, phase_1_rate) -> dict:
        """What ``answer`` makes of a first-phase model trained at ``phase_1_rate``, as facts: its frozen Dense layers,
        its loss, its flags at its last compile, and (Later) its learning rate, whether one training step with a
        kept optimizer moves the reused layers, and whether one more step does."""
        model, old_optimizer = self._phase_1_model(phase_1_rate)
        before = [layer.trainable for layer in model.layers]
        with compiles_recorded() as compiles:
            try:
                result = called(answer, model, what="fine_tune(model)")
            except Incorrect as wrong:
                if "learning_rate" in str(wrong) and "float" in str(wrong):
                    raise Incorrect("Keras refused the learning rate: it wants a Python number. Convert it first, "
                                    f"float(model.optimizer.learning_rate) / 10. ({wrong})") from None
                raise
        if result is None:
            if [layer.trainable for layer in model.layers] == before and model.optimizer is old_optimizer:
                if is_stub(answer):
                    raise NotAttempted
                raise Incorrect("fine_tune(model) changed nothing: unfreeze every layer, then compile again with a "
                                "lower learning rate.")
            result = model
        result = the_model(result, "fine_tune(model)")
        at_compile = flags_at_last_compile(compiles, result)
        dense = dense_layers(result)
        facts = {
            "frozen": [layer.name for layer in dense if not layer.trainable],
            "model trainable": result.trainable,
            "loss": loss_name(result),
            "binary loss": is_binary_loss(result),
            "trainable at compile": [at_compile.get(id(layer)) for layer in dense],
            "rate": Later(lambda: learning_rate_of(result.optimizer)),
            "stale": Later(lambda: result.optimizer is old_optimizer or result.optimizer.iterations.numpy() > 0),
        }
        facts["kept optimizer moves the reused layers"] = Later(lambda: self._step_moves(result) if facts["stale"]()
                                                                 else True)
        facts["a step moves the reused layers"] = Later(lambda: self._step_moves(result))
        return facts

    def _judge_one(self, tuned: dict, phase_1_rate):
        """Judge one fine-tuned model (as ``_tuned`` describes it) of a first phase at ``phase_1_rate``."""
        frozen = tuned["frozen"]
        if frozen:
            trap = ""
            if tuned["model trainable"]:
                trap = (" (If you set `model.trainable = True`: in Keras 3.15 that changes nothing when the "
                        "model's own flag is already True, as it is here, and the layers keep their flags.)")
            raise Incorrect(f"after fine_tune, {len(frozen)} Dense layer(s) are still frozen: unfreeze every layer "
                            f"(`layer.trainable = True` for each).{trap}")
        if not tuned["binary loss"]:
            raise Incorrect("after fine_tune, the model is compiled with the loss "
                            f"{tuned['loss']!r}: keep \"binary_crossentropy\" for task B.")
        if any(flag is False for flag in tuned["trainable at compile"]):
            raise Incorrect("fine_tune compiles the model before unfreezing its layers. Here it happens to work, "
                            "because the new training step is built at the next fit; the rule of section 5.3 is to "
                            "compile after every change of `trainable`, which is right whatever came before.")
        rate = gathered(tuned["rate"])
        if gathered(tuned["stale"]) and not gathered(tuned["kept optimizer moves the reused layers"]):
            raise Incorrect("the model was not compiled again: Keras keeps the training step built in the first "
                            "phase, which trains the output layer only, so unfreezing changed nothing. Compile "
                            "after unfreezing.")
        if rate >= phase_1_rate * (1 - 1e-6):  # float32 holds 0.01 as 0.0099999998
            written = (" Your rate looks written in rather than read from the model: the check also tries a first "
                       f"phase at {phase_1_rate:g}; compute it from float(model.optimizer.learning_rate)."
                       if phase_1_rate != PHASE_1_RATES[0] else "")
            raise Incorrect(f"the learning rate is {rate:g}, not lower than the first phase's {phase_1_rate:g}: the "
                            "unfrozen layers hold useful weights, and large steps would overwrite them. Lower it "
                            f"(a tenth is usual).{written}")
        if rate <= 0:
            raise Incorrect(f"a learning rate of {rate:g} changes nothing: lower the first phase's rate, not to 0.")
        if not gathered(tuned["a step moves the reused layers"]):
            raise Incorrect("one training step after fine_tune left the reused layers unchanged. Was the model "
                            "compiled again after unfreezing?")

    @staticmethod
    def _step_moves(model) -> bool:
        """True when one training step changes the weights of the Dense layers below the output layer."""
        before = weights_of(dense_layers(model))
        train_one_step(model, "the fine-tuning model")
        return not same_weights(before[:-2], weights_of(dense_layers(model))[:-2])

    def _phase_1_model(self, phase_1_rate):
        """A correct B-on-A after a first-phase step at ``phase_1_rate``: copies of a small model A, frozen, compiled,
        trained."""
        model_A = small_model_A()
        clone = keras.models.clone_model(model_A)
        clone.set_weights(model_A.get_weights())
        model = keras.Sequential([keras.Input((28, 28)), *clone.layers[:-1],
                                  keras.layers.Dense(1, activation="sigmoid")])
        for layer in model.layers[:-1]:
            layer.trainable = False
        optimizer = keras.optimizers.SGD(learning_rate=phase_1_rate)
        model.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])
        model.train_on_batch(*probe_batch())
        return model, optimizer

    def praise(self):
        return ("every layer trainable, compiled again with a new optimizer at a lower rate: one training step "
                "moved the reused layers too.")


class WhyTwoPhases(ChoicesProblem):
    """Why freeze first, and why a lower rate after unfreezing."""

    options = "abcde"
    answer = frozenset("acd")
    reasons = {
        "a": "a is true: while the new output layer is random, its errors are large, and so are the gradients "
             "that would flow into the reused layers. Freezing shields them until the new layer has caught up; "
             "how much that matters depends on the task and the rate (section 5.4 measures it).",
        "b": "b is false: unfreezing lets the reused layers adapt to task B, which is the point of the second "
             "phase. What protects task A's knowledge is copying the layers (model A itself never changes).",
        "c": "c is true: the unfrozen layers start from useful weights, and a smaller rate makes each step "
             "small, so fine-tuning adjusts them instead of overwriting them.",
        "d": "d is true: with more data the reused layers can adapt without overfitting, so it pays to unfreeze "
             "more of them (and with very little data, to keep more of them frozen).",
        "e": "e is false: the learning rate scales each step, not the work per step; an epoch costs the same. "
             "(Freezing does save time: frozen layers need no weight gradients.)",
    }
    hints = (
        "Think about what the new output layer's gradients look like at the start, and what the reused "
        "layers already know.",
        "The learning rate sets the size of each step, not its cost.",
        "Three statements are true. For each of the others, ask what it says about model A itself, or about "
        "the time an epoch takes.",
    )


section = Section(__name__, BOnA(), TrainableCount(), FineTune(), WhyTwoPhases())
