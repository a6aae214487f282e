"""Reusable pieces of judgement: turn an answer into something comparable, or say why not."""

import math
import numbers
import re

import keras
import numpy as np

from utils.exercises.core import Incorrect, NotAttempted

# (scale, mode) of VarianceScaling -> the name of the initialization family.
FAMILIES = {(1.0, "fan_avg"): "Glorot", (2.0, "fan_in"): "He", (1.0, "fan_in"): "LeCun"}
NORMAL_FORMS = ("truncated_normal", "untruncated_normal", "normal")


def type_name(value) -> str:
    """The type of ``value`` as a learner would write it, without touching the value itself."""
    kind = type(value)
    module = kind.__module__
    return kind.__qualname__ if module in ("builtins", "__main__") else f"{module}.{kind.__qualname__}"


def a_type(value) -> str:
    """'a float', 'an int', 'a numpy.ndarray': the type of ``value`` with its article."""
    name = type_name(value)
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"


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


def initializer_signature(initializer) -> tuple[float, str, str]:
    """(scale, mode, distribution) of any spelling of a VarianceScaling-type initializer."""
    if isinstance(initializer, keras.initializers.VarianceScaling):
        resolved = initializer
    else:
        try:
            resolved = keras.initializers.get(initializer)
        except Exception:
            raise Incorrect(f"{_short(initializer)} is not a Keras initializer.") from None
    if isinstance(
        resolved,
        keras.initializers.RandomNormal | keras.initializers.TruncatedNormal | keras.initializers.RandomUniform,
    ):
        raise Incorrect(
            f"{type(resolved).__name__} draws weights with a fixed spread, whatever the layer's "
            "fan-in: it matches He initialization for one layer size at most. Use an initializer "
            "whose variance scales with fan_in."
        )
    if not isinstance(resolved, keras.initializers.VarianceScaling):
        raise Incorrect(f"{type(resolved).__name__} is not a variance-scaling initialization.")
    return float(resolved.scale), resolved.mode, resolved.distribution


def describe_initializer(signature: tuple[float, str, str]) -> str:
    """A human name for (scale, mode, distribution), e.g. 'Glorot uniform'."""
    scale, mode, distribution = signature
    family = FAMILIES.get((scale, mode), f"VarianceScaling(scale={scale:g}, mode={mode!r})")
    form = "uniform" if distribution == "uniform" else "normal"
    return f"{family} {form}"


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
        for token in re.split(r"[\s,;/+&()\[\]{}'\".:]+|\band\b", part.lower()):
            if token and not set(token) <= set(options):
                raise Incorrect(f"answer with letters among {', '.join(options)}; {token[:40]!r} is not one.")
            letters |= set(token)
    if not letters:
        raise NotAttempted
    return letters


PLAIN_RELU = {"negative_slope": 0, "max_value": None, "threshold": 0}


def is_relu(activation) -> bool:
    """True for plain ReLU, given as a function, an Activation layer or a ReLU layer with default settings."""
    if isinstance(activation, keras.layers.Activation):
        return is_relu(activation.activation)
    if isinstance(activation, keras.layers.ReLU):
        return not relu_settings(activation)
    return getattr(activation, "__name__", None) == "relu"


def relu_settings(layer) -> dict:
    """The settings of a ReLU layer that make it differ from plain ReLU."""
    config = layer.get_config()
    return {key: config.get(key) for key, plain in PLAIN_RELU.items() if config.get(key, plain) != plain}

def _short(value) -> str:
    """A short, safe description of an arbitrary value."""
    if isinstance(value, str):
        return repr(value[:40])
    return a_type(value)
