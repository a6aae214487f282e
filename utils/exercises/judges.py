"""Reusable pieces of judgement: turn an answer into something comparable, or say why not.

One tolerance policy for the whole course: computed values agree when they differ by less than
``TOLERANCE`` times their size (float32 rounding, with room to spare), and a number a learner
types agrees with the answer when it is right to the precision the exercise asks for.
"""

import dis
import math
import numbers
import re

import keras
import numpy as np

from utils.exercises.core import Incorrect, NotAttempted, error_text, learner_frame, raised

TOLERANCE = 1e-4

# Values and types ---------------------------------------------------------------------------------


def type_name(value) -> str:
    """The type of ``value`` as a learner would write it, without touching the value itself."""
    kind = type(value)
    module = kind.__module__
    return kind.__qualname__ if module in ("builtins", "__main__") else f"{module}.{kind.__qualname__}"


def a_type(value) -> str:
    """'a float', 'an int', 'a numpy.ndarray': the type of ``value`` with its article."""
    name = type_name(value)
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"


def short(value, limit: int = 60) -> str:
    """A short, safe description of an arbitrary value: a string itself (cut with '…'), else its type."""
    if not isinstance(value, str):
        return a_type(value)
    return repr(value) if len(value) <= limit else repr(value[: limit - 1]) + "…"


def code_in_quotes(text: str) -> bool:
    """True for a string that holds Python code, such as 'SGD(clipnorm=1.0)' or '[1, 2]'."""
    return bool(re.search(r"[()\[\]=]", text))


# Numbers -------------------------------------------------------------------------------------------


def as_number(answer) -> float:
    """A finite real number from a Python, NumPy or TensorFlow scalar; Incorrect otherwise."""
    if isinstance(answer, bool):
        raise Incorrect("expected a number, got a bool.")
    if isinstance(answer, str):
        raise Incorrect(f"expected a number, got the string {answer[:40]!r}: drop the quotes.")
    if isinstance(answer, numbers.Real):
        try:
            value = float(answer)
        except OverflowError:
            raise Incorrect("expected a finite number; that one is too large for a float.") from None
    else:
        try:
            array = np.asarray(answer, dtype=float)
        except (TypeError, ValueError, OverflowError):
            raise Incorrect(f"expected a number, got {a_type(answer)}.") from None
        if array.size != 1:
            raise Incorrect(f"expected a single number, got an array of shape {array.shape}.")
        value = float(array.reshape(()))
    if not math.isfinite(value):
        raise Incorrect(f"expected a finite number, got {value}.")
    return value


def significant_digits(value: float) -> int:
    """How many significant digits ``value`` carries as written: 0.074 -> 2, 0.07442 -> 4, 300 -> 1."""
    mantissa = format(abs(value), ".15g").split("e")[0].replace(".", "")
    return max(len(mantissa.strip("0")), 1)


def agrees(value: float, target: float, digits: int, units: float = 0.6) -> bool:
    """True when ``value`` is ``target`` to ``digits`` significant figures: within ``units`` of the last
    figure (half a unit, the rounding, with a little slack for values near a rounding boundary)."""
    if target == 0:
        return abs(value) < units * 10.0 ** -digits
    unit = 10.0 ** (math.floor(math.log10(abs(target))) - digits + 1)
    return abs(value - target) <= units * unit * (1 + 1e-9)


def as_vector(answer, size: int) -> np.ndarray:
    """A float vector from a list, tuple, NumPy array or tensor of numbers; Incorrect, saying why, otherwise."""
    expected = f"expected {size} numbers in a list, tuple or array"
    if isinstance(answer, str | bytes):
        raise Incorrect(f"{expected}, got a string: drop the quotes.")
    if isinstance(answer, dict | set | frozenset):
        raise Incorrect(f"{expected}, got {a_type(answer)}.")
    if isinstance(answer, list | tuple) and len({len(part) for part in answer if isinstance(part, list | tuple)}) > 1:
        raise Incorrect(f"{expected}: your lists hold different numbers of values ({describe_nesting(answer)}).")
    items = _flat_items(answer)
    for position, item in enumerate(items, start=1):
        if item is None or item is Ellipsis:
            raise Incorrect(f"item {position} of your answer is {item!r}: fill in every number.")
        if isinstance(item, str | bytes):
            raise Incorrect(f"item {position} of your answer is the string {item!r}: numbers go without quotes.")
        if isinstance(item, bool):
            raise Incorrect(f"item {position} of your answer is {item}, a bool; expected a number.")
    try:
        vector = np.asarray(answer, dtype=float)
    except Exception:
        raise Incorrect(f"{expected}, got {a_type(answer)}.") from None
    if not np.all(np.isfinite(vector)):
        raise Incorrect("your answer holds a NaN or an infinity; every number here is finite.")
    return vector


def describe_nesting(answer) -> str:
    """'2 and 1' for [[a, b], [c]]: how many values each inner list holds."""
    lengths = [str(len(part)) if isinstance(part, list | tuple) else "1" for part in answer]
    return ", ".join(lengths[:-1]) + " and " + lengths[-1]


def _flat_items(answer) -> list:
    """The leaves of nested lists and tuples (arrays and tensors count as leaves of numbers)."""
    if isinstance(answer, list | tuple):
        return [leaf for item in answer for leaf in _flat_items(item)]
    return [answer]


def close(value, target) -> bool:
    """True when ``value`` agrees with ``target`` (same shape, or a scalar) to ``TOLERANCE``, relative to its size."""
    value, target = np.asarray(value, dtype=float), np.asarray(target, dtype=float)
    if value.shape != target.shape and target.ndim > 0:
        return False
    scale = max(1.0, float(np.max(np.abs(target), initial=0.0)))
    return bool(np.all(np.abs(value - target) <= TOLERANCE * scale))


def describe(vector) -> str:
    """A short rendering of a vector, as a learner would write it."""
    return "[" + ", ".join(f"{x:.4g}" for x in np.ravel(vector)) + "]"


# Multiple choice -----------------------------------------------------------------------------------


def choice_letter(answer, options: str) -> str:
    """The single option letter in answers such as 'b', 'B', '(b)' or 'b)'; Incorrect otherwise."""
    if not isinstance(answer, str):
        raise Incorrect(f"answer with one letter as a string, such as \"{options[0]}\"; got {a_type(answer)}.")
    letter = re.sub(r"[\s().:]", "", answer).lower()
    if not letter:
        raise NotAttempted
    if len(letter) != 1 or letter not in options:
        raise Incorrect(f"answer with one of the letters {', '.join(options)}; got {answer[:40]!r}.")
    return letter


def choice_letters(answer, options: str) -> set[str]:
    """The set of option letters in answers such as 'a,c', 'AC', ['a', 'c'] or {'A', 'C'}."""
    parts = [answer] if isinstance(answer, str) else answer
    if not isinstance(parts, list | tuple | set | frozenset):
        example = f"{options[0]},{options[1]}"
        raise Incorrect(f"answer with letters in a string or a list, such as {example!r}; got {a_type(answer)}.")
    letters = set()
    for part in parts:
        if not isinstance(part, str):
            raise Incorrect(f"each choice is a letter in a string; got {a_type(part)}.")
        for token in re.split(r"[\s,;/+&()\[\]{}'\".:-]+|\band\b", part.lower()):
            if token and not set(token) <= set(options):
                raise Incorrect(f"answer with letters among {', '.join(options)}; {token[:40]!r} is not one.")
            letters |= set(token)
    if not letters:
        raise NotAttempted
    return letters


# Keras initializers and activations ----------------------------------------------------------------

# (scale, mode) of VarianceScaling -> the name of the initialization family.
FAMILIES = {(1.0, "fan_avg"): "Glorot", (2.0, "fan_in"): "He", (1.0, "fan_in"): "LeCun"}
NORMAL_FORMS = ("truncated_normal", "untruncated_normal", "normal")
PLAIN_RELU = {"negative_slope": 0, "max_value": None, "threshold": 0}


def initializer_signature(initializer) -> tuple[float, str, str]:
    """(scale, mode, distribution) of any spelling of a VarianceScaling-type initializer."""
    if isinstance(initializer, keras.initializers.VarianceScaling):
        resolved = initializer
    else:
        try:
            resolved = keras.initializers.get(initializer)
        except Exception:
            raise Incorrect(f"{short(initializer)} is not a Keras initializer.") from None
    fixed = keras.initializers.RandomNormal | keras.initializers.TruncatedNormal | keras.initializers.RandomUniform
    if isinstance(resolved, fixed):
        raise Incorrect(
            f"{type(resolved).__name__} draws weights with a fixed spread, whatever the layer's fan-in: it "
            "matches a variance-scaling initialization for one layer size at most. Use an initializer whose "
            "variance scales with the fan."
        )
    if not isinstance(resolved, keras.initializers.VarianceScaling):
        raise Incorrect(f"{type(resolved).__name__} is not a variance-scaling initialization.")
    return float(resolved.scale), resolved.mode, resolved.distribution


def is_he_normal(initializer) -> bool:
    """True for any spelling of He initialization in a normal form (truncated or not)."""
    scale, mode, distribution = initializer_signature(initializer)
    return (scale, mode) == (2.0, "fan_in") and distribution in NORMAL_FORMS


def describe_initializer(signature: tuple[float, str, str]) -> str:
    """A human name for (scale, mode, distribution), e.g. 'Glorot uniform'."""
    scale, mode, distribution = signature
    family = FAMILIES.get((scale, mode), f"VarianceScaling(scale={scale:g}, mode={mode!r})")
    form = "uniform" if distribution == "uniform" else "normal"
    return f"{family} {form}"


RELU_PROBE = np.array([-3.0, -1.0, -0.25, 0.0, 0.25, 1.0, 3.0, 10.0], dtype="float32")
_LINE = np.linspace(-4, 4, 17)
ROWS_PROBE = np.stack([_LINE, _LINE[::-1] / 2]).astype("float32")  # two rows: softmax needs a batch axis
ACTIVATION_PROBES = (RELU_PROBE, ROWS_PROBE)  # every input on which a check tries an activation function


def is_relu(activation) -> bool:
    """True for anything that computes plain ReLU: a function, an Activation, ReLU or Lambda layer.

    Judged by what it does on a few inputs, not by its name: a lambda calling relu passes, a
    ReLU(max_value=6) or a function named relu that computes something else does not.
    """
    if activation is None or isinstance(activation, type) or not callable(activation):
        return False
    try:
        output = np.asarray(activation(keras.ops.convert_to_tensor(RELU_PROBE)), dtype=float)
    except Exception:
        return False
    return output.shape == RELU_PROBE.shape and bool(np.allclose(output, np.maximum(RELU_PROBE, 0), atol=1e-6))


def relu_settings(layer) -> dict:
    """The settings of a ReLU layer that make it differ from plain ReLU."""
    config = layer.get_config()
    return {key: config.get(key) for key, plain in PLAIN_RELU.items() if config.get(key, plain) != plain}


def is_linear(activation) -> bool:
    """True for no activation at all (Keras stores it as the 'linear' function)."""
    return activation is None or getattr(activation, "__name__", None) == "linear"


def activation_name(activation) -> str:
    """The name of an activation function or layer, for messages: 'tanh', 'ReLU(max_value=6)', 'a function of yours'."""
    if isinstance(activation, keras.layers.Activation):
        return activation_name(activation.activation)
    if isinstance(activation, keras.layers.ReLU):
        settings = ", ".join(f"{key}={value:g}" for key, value in relu_settings(activation).items())
        return f"ReLU({settings})"
    if isinstance(activation, keras.layers.Layer):
        return type(activation).__name__
    name = getattr(activation, "__name__", type(activation).__name__)
    return "a function of yours" if name == "<lambda>" else name


# Keras layers and classes a learner writes ---------------------------------------------------------


def not_a_class_of_layers(answer, what: str = "layer") -> None:
    """Incorrect for a class given where a created object is expected, or a whole model."""
    if isinstance(answer, type):
        raise Incorrect(f"that is the class {answer.__name__} itself; create the {what} (call it).")
    if isinstance(answer, keras.Model):
        raise Incorrect(f"that is a whole model; give just the {what}.")


def own_layer_class(answer, name: str) -> type:
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


def create(cls: type, description: str, **kwargs):
    """An instance of ``cls``; Incorrect, saying why, when the constructor fails or drops the keyword arguments Keras
    needs (a layer is always given a name, which must reach Keras through **kwargs)."""
    if isinstance(cls, type) and issubclass(cls, keras.layers.Layer):
        kwargs.setdefault("name", f"{cls.__name__.lower()}_under_check")
    try:
        instance = cls(**kwargs)
    except TypeError as error:
        raise Incorrect(
            f"`{description}` failed ({error_text(error)}). The constructor must accept these keyword arguments "
            "and pass any others (**kwargs) on to super().__init__."
        ) from None
    except Exception as error:
        raise Incorrect(f"`{description}` raised {raised(error)}") from None
    if "name" in kwargs and getattr(instance, "name", kwargs["name"]) != kwargs["name"]:
        raise Incorrect(f"`{description}` lost the name it was given: the constructor must pass the other keyword "
                        "arguments (**kwargs) on to super().__init__(**kwargs), so that Keras gets name, dtype and "
                        "the rest (a saved model needs them to load).")
    return instance


def run_layer(layer, description: str, x, **kwargs) -> np.ndarray:
    """The layer's output on ``x`` as an array; NotAttempted for None, Incorrect if calling it fails."""
    try:
        output = layer(x, **kwargs)
    except Exception as error:
        raise Incorrect(f"calling `{description}` raised {raised(error)}") from None
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


def _stub(*args, **kwargs):
    """The body every stub of the course has."""
    ...


def is_stub(function) -> bool:
    """True for a function or method whose body is only `...` (or `pass`, or a docstring): the exercise's stub, as
    opposed to a body that forgot its `return`."""
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    return code is not None and _instructions(code) == _instructions(_stub.__code__)


def _instructions(code) -> list[tuple]:
    """A code object's instructions with their resolved arguments (not their indexes into its tables)."""
    return [(instruction.opname, instruction.argval) for instruction in dis.get_instructions(code)]


def returned_none(function, usage: str) -> Exception:
    """NotAttempted for the stub; Incorrect for a written function that returned None (a forgotten `return`)."""
    if is_stub(function):
        return NotAttempted()
    return Incorrect(f"{usage} returned None: end it with `return` and the result.")


def call_learner(function, *args, usage: str, takes: str):
    """``function(*args)``: NotAttempted when it returns None; Incorrect, saying what went wrong, when it raises.

    ``usage`` shows the call in messages; ``takes`` says which arguments the function must accept.
    """
    try:
        result = function(*args)
    except TypeError as error:
        if learner_frame(error) is None:  # raised by the call itself: the function's arguments do not fit
            raise Incorrect(f"{usage} raised TypeError ({error_text(error)}); it takes {takes}.") from None
        raise Incorrect(f"{usage} raised {raised(error)}") from None
    except Exception as error:
        raise Incorrect(f"{usage} raised {raised(error)}") from None
    if result is None:
        raise returned_none(function, usage)
    return result


def updating_optimizer(optimizer):
    """The optimizer that computes the updates: a LossScaleOptimizer's inner one (the wrapper only scales the loss
    and passes the unscaled gradients on), or the optimizer itself."""
    inner = getattr(optimizer, "inner_optimizer", None)
    return inner if isinstance(optimizer, keras.optimizers.LossScaleOptimizer) and inner is not None else optimizer


def numpy_of(value):
    """A NumPy array from an array, a tensor or a Keras variable (through its own ``numpy()``)."""
    return value.numpy() if callable(getattr(value, "numpy", None)) else np.asarray(value)
