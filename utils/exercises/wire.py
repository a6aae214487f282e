"""Answers as plain data, so that they can leave a submission's sandbox and be judged where its code never ran.

``encode`` runs beside the learner's code and turns an answer into JSON-ready data: numbers, strings,
lists, arrays, and Keras layers, optimizers and models as their configuration. ``decode`` runs in the
grader and rebuilds an answer from that data alone, trusting none of it: no pickle, no code, and of Keras
only the course's kind of object (``KERAS_MODULES``), in Keras's safe mode. What cannot be encoded
becomes a stand-in that has only the type's name, so that a check can still say "expected a number, got
a Foo".
"""

import math
import numbers

import keras
import numpy as np

MAX_ITEMS = 100_000  # numbers in one answer
MAX_DEPTH = 20
MAX_TEXT = 10_000
# Where the Keras objects the exercises ask for live; a configuration naming any other module is refused.
KERAS_MODULES = {
    "keras", "keras.layers", "keras.initializers", "keras.regularizers", "keras.constraints", "keras.activations",
    "keras.optimizers", "keras.optimizers.schedules", "keras.models", "keras.src.models.sequential",
    "keras.src.models.functional", "keras.callbacks",
}  # fmt: skip
REFUSED = {"Lambda", "TFSMLayer"}  # Keras classes that run or load code of their own
KERAS_KINDS = (keras.layers.Layer, keras.optimizers.Optimizer)
# A callback has no configuration of its own: these are the settings of EarlyStopping an answer may carry.
EARLY_STOPPING = ("monitor", "min_delta", "patience", "verbose", "mode", "baseline", "restore_best_weights",
                  "start_from_epoch")


class Unreadable(ValueError):
    """Data that is not an answer ``encode`` could have written."""


def encode(value, depth: int = 0) -> dict:
    """``value`` as JSON-ready data, tagged with its kind."""
    if depth > MAX_DEPTH:
        raise Unreadable("nested too deep")
    if value is None or value is Ellipsis:
        return {"t": "none" if value is None else "ellipsis"}
    if isinstance(value, bool | np.bool_):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, np.generic) and np.issubdtype(value.dtype, np.number):
        return {"t": "numpy", "dtype": value.dtype.str, "v": _number(value.item())}
    if isinstance(value, int):
        return {"t": "int", "v": str(value)}
    if isinstance(value, numbers.Real):
        return {"t": "float", "v": _number(float(value))}
    if isinstance(value, str):
        return {"t": "str", "v": value[:MAX_TEXT]}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return {"t": type(value).__name__, "v": [encode(item, depth + 1) for item in list(items)[:MAX_ITEMS]]}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in list(value.items())[:1000]]}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and value.size <= MAX_ITEMS:
        return {"t": "ndarray", "dtype": value.dtype.str, "shape": list(value.shape),
                "v": [_number(x) for x in value.ravel().tolist()]}
    if _is_tensor(value):
        return {"t": "tensor", "v": encode(np.asarray(value), depth + 1)}
    if isinstance(value, type):
        return {"t": "class", "name": value.__qualname__[:200], "keras": _keras_path(value)}
    if isinstance(value, keras.callbacks.EarlyStopping):
        return {"t": "early_stopping", "v": {name: encode(getattr(value, name, None), depth + 1)
                                            for name in EARLY_STOPPING}}
    if isinstance(value, KERAS_KINDS):
        return {"t": "keras", "name": type(value).__qualname__[:200], "keras": _keras_path(type(value)),
                "config": _json_safe(keras.saving.serialize_keras_object(value))}
    return {"t": "opaque", "module": type(value).__module__[:200], "name": type(value).__qualname__[:200]}


def decode(data, depth: int = 0):
    """The answer that ``data`` describes; Unreadable if it is not what ``encode`` writes."""
    if depth > MAX_DEPTH or not isinstance(data, dict):
        raise Unreadable("not an encoded answer")
    kind, value = data.get("t"), data.get("v")
    if kind in ("none", "ellipsis"):
        return None if kind == "none" else Ellipsis
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "int" and isinstance(value, str) and len(value) <= 5000:
        return int(value)
    if kind == "float":
        return _float(value)
    if kind == "numpy":
        return np.dtype(_numeric_dtype(data.get("dtype"))).type(_float(value))
    if kind == "str" and isinstance(value, str):
        return value[:MAX_TEXT]
    if kind in ("list", "tuple", "set", "frozenset") and isinstance(value, list) and len(value) <= MAX_ITEMS:
        items = [decode(item, depth + 1) for item in value]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[kind](items)
    if kind == "dict" and isinstance(value, list) and len(value) <= 1000:
        return {decode(k, depth + 1): decode(v, depth + 1) for k, v in value}
    if kind == "ndarray" and isinstance(value, list) and len(value) <= MAX_ITEMS:
        shape = tuple(int(n) for n in data.get("shape", []))
        array = np.array([_float(x) for x in value], dtype=_numeric_dtype(data.get("dtype")))
        return array.reshape(shape)
    if kind == "tensor":
        import tensorflow as tf

        return tf.constant(decode(value, depth + 1))
    if kind == "class":
        return _class(data)
    if kind == "keras":
        return _keras_object(data)
    if kind == "early_stopping" and isinstance(value, dict):
        settings = {name: decode(value[name], depth + 1) for name in EARLY_STOPPING if name in value}
        if not all(isinstance(v, str | int | float | bool | None) for v in settings.values()):
            raise Unreadable("settings of EarlyStopping that are not plain values")
        callback = keras.callbacks.EarlyStopping()
        for name, setting in settings.items():  # as the learner's object held them, not as __init__ would read them
            setattr(callback, name, setting)
        return callback
    if kind == "opaque":
        return _stand_in(str(data.get("module", "")), str(data.get("name", "object")))()
    raise Unreadable(f"unknown kind {kind!r}")


def _number(x):
    """A number as JSON can hold it: NaN and infinities as strings."""
    return x if isinstance(x, int | bool) or math.isfinite(x) else repr(float(x))


def _float(value) -> float:
    """A float from what ``_number`` wrote."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Unreadable("not a number")
    if isinstance(value, str) and value not in ("nan", "inf", "-inf"):
        raise Unreadable("not a number")
    return float(value)


def _numeric_dtype(name) -> np.dtype:
    """A NumPy number type from its name; Unreadable for any other."""
    try:
        dtype = np.dtype(name)
    except (TypeError, ValueError):
        raise Unreadable("not a number type") from None
    if dtype.kind not in "biuf":
        raise Unreadable("not a number type")
    return dtype


def _is_tensor(value) -> bool:
    """True for a TensorFlow tensor or variable (without importing TensorFlow for an answer that is not one)."""
    return type(value).__module__.startswith(("tensorflow", "keras")) and hasattr(value, "numpy")


def _keras_path(cls: type) -> str | None:
    """'module.Name' of the nearest class among ``cls`` and its bases that Keras itself defines, or None."""
    for base in cls.__mro__:
        if base.__module__.split(".")[0] == "keras":
            return f"{base.__module__}.{base.__qualname__}"
    return None


def _keras_class(path) -> type | None:
    """The Keras class at ``path`` (as ``_keras_path`` writes it), or None if Keras has none there."""
    import importlib

    if not isinstance(path, str) or not path.startswith("keras."):
        return None
    module, _, name = path.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return found if isinstance(found, type) else None


def _stand_in(module: str, name: str, base: type = object) -> type:
    """A class of that name, deriving from ``base``, with nothing of the original's behaviour."""
    stand_in = type(name.rpartition(".")[2] or "object", (base,), {})
    stand_in.__module__, stand_in.__qualname__ = module or "__main__", name
    return stand_in


def _class(data: dict) -> type:
    """A class answer: Keras's own where it is one, else a stand-in deriving from its nearest Keras class."""
    name, base = str(data.get("name", "")), _keras_class(data.get("keras"))
    if base is not None and base.__qualname__ == name:
        return base
    return _stand_in("__main__", name, base or object)


def _keras_object(data: dict):
    """A Keras object rebuilt from its configuration, in safe mode, when it names only the course's modules."""
    config = data.get("config")
    _screen(config)
    try:
        return keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:
        raise Unreadable(f"its configuration could not be rebuilt ({type(error).__name__})") from None


def _screen(config, depth: int = 0) -> None:
    """Refuse a configuration that names a module outside KERAS_MODULES, or a class that runs code."""
    if depth > 50:
        raise Unreadable("nested too deep")
    if isinstance(config, dict):
        module, name = config.get("module"), config.get("class_name")
        if module is not None and (module not in KERAS_MODULES or name in REFUSED):
            raise Unreadable(f"it holds {module}.{name}, which is not one of Keras's own layers or optimizers")
        for item in config.values():
            _screen(item, depth + 1)
    elif isinstance(config, list):
        for item in config:
            _screen(item, depth + 1)


def _json_safe(value):
    """A configuration with NumPy scalars and tuples turned into JSON's own types."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return _number(value.item())
    if isinstance(value, float):
        return _number(value)
    return value
