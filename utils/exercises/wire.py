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
import warnings

import keras
import numpy as np

from utils.exercises.judges import ACTIVATION_PROBES

MAX_ITEMS = 100_000  # numbers in one answer
MAX_DEPTH = 20
MAX_TEXT = 10_000
# Where the Keras objects the exercises ask for live (layers, models, initializers, optimizers, losses, metrics ...);
# a configuration naming any other module is refused.
KERAS_MODULES = {
    "keras", "keras.layers", "keras.initializers", "keras.regularizers", "keras.constraints", "keras.activations",
    "keras.optimizers", "keras.optimizers.schedules", "keras.models", "keras.src.models.sequential",
    "keras.src.models.functional", "keras.callbacks", "keras.losses", "keras.metrics",
}  # fmt: skip
REFUSED = {"Lambda", "TFSMLayer"}  # Keras classes that run or load code of their own
KERAS_KINDS = (keras.layers.Layer, keras.optimizers.Optimizer, keras.optimizers.schedules.LearningRateSchedule)
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
    if isinstance(value, bytes):
        return {"t": "bytes", "v": value[:MAX_TEXT].hex()}
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
    if isinstance(value, keras.layers.Lambda):
        return {"t": "lambda_layer", "name": value.name[:200], "behaviour": _behaviour(value.function)}
    if isinstance(value, KERAS_KINDS):
        return _keras_encoded(value)
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
    if kind == "bytes" and isinstance(value, str):
        try:
            return bytes.fromhex(value[: 2 * MAX_TEXT])
        except ValueError:
            raise Unreadable("not bytes") from None
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
    if kind == "lambda_layer":
        function = _recorded(data.get("behaviour"))
        return _stand_in("keras.layers", "Lambda", keras.layers.Layer)(name=str(data.get("name", "lambda"))[:200]) \
            if function is None else _lambda_layer(function, str(data.get("name", "lambda"))[:200])
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


KERAS_PARTS = (keras.layers.Layer, keras.initializers.Initializer, keras.regularizers.Regularizer,
               keras.constraints.Constraint, keras.optimizers.Optimizer,
               keras.optimizers.schedules.LearningRateSchedule, keras.losses.Loss, keras.metrics.Metric)


def _genuine(cls: type) -> bool:
    """True for a class Keras itself defines: found under its own name in the module it names (a learner's subclass
    may name a Keras module, to cross as the Keras class it is not)."""
    return _keras_class(f"{getattr(cls, '__module__', '')}.{cls.__qualname__}") is cls


def _screen_parts(value, depth: int = 0) -> None:
    """Unreadable if the object, or a Keras object it holds (its layers, initializers, regularizers, constraints,
    optimizer, loss, metrics), is of a class of the learner's own: its configuration would rebuild as Keras's class,
    and the grader would judge an object the learner did not give."""
    if not _genuine(type(value)):
        raise Unreadable(f"it holds a {type(value).__qualname__} of your own making where the exercise asks for "
                         "Keras's own; use the Keras class itself")
    if depth >= 3:
        return
    held = list(vars(value).values()) + list(getattr(value, "layers", []) if isinstance(value, keras.Model) else [])
    for item in held:
        for part in item if isinstance(item, list | tuple) else [item]:
            if isinstance(part, KERAS_PARTS) and part is not value:
                _screen_parts(part, depth + 1)


def _keras_encoded(value) -> dict:
    """A Keras layer, model or optimizer as its configuration; an activation function of the learner's own (in it or
    in its layers) by what it computes on the inputs the checks try (RELU_PROBE), for it cannot cross as code."""
    _screen_parts(value)
    parts = _with_activations(value)
    own = [None if _keras_own(part.activation) else _behaviour(part.activation) for part in parts]
    with warnings.catch_warnings():  # a lambda activation makes Keras warn; it does not cross as code anyway
        warnings.simplefilter("ignore")
        config = _json_safe(keras.saving.serialize_keras_object(value))
        if isinstance(value, keras.Sequential):  # one layer at several positions is listed once: list each position
            inputs = [layer for layer in config["config"]["layers"] if layer.get("class_name") == "InputLayer"]
            positions = [_json_safe(keras.saving.serialize_keras_object(layer)) for layer in value.layers]
            for number, position in enumerate(positions):  # Keras wants each name once: the names are not judged
                position["config"]["name"] = f"{position['config'].get('name', 'layer')}_{number}"
            config["config"]["layers"] = inputs + positions
    for part_config, behaviour in zip(_activation_configs(config, len(parts)), own, strict=False):
        if behaviour is not None and part_config is not None:
            part_config["activation"] = "linear"  # rebuilt as linear, then given the recorded function
    return {"t": "keras", "name": type(value).__qualname__[:200], "keras": _keras_path(type(value)),
            "config": config, "activations": own}


def _with_activations(value) -> list:
    """The object and its layers (a Sequential's), those that hold an activation function, in order."""
    parts = [value, *getattr(value, "layers", [])] if isinstance(value, keras.Model) else [value]
    return [part for part in parts if callable(getattr(part, "activation", None))]


def _activation_configs(config: dict, count: int) -> list:
    """The configurations, inside an encoded object's, that hold an activation, in the order _with_activations gives."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            inner = node.get("config")
            if isinstance(inner, dict) and "activation" in inner:
                found.append(inner)
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(config)
    return found[:count] if len(found) >= count else [None] * count


def _keras_own(function) -> bool:
    """True for an activation function Keras defines (its configuration names it, and it rebuilds as itself)."""
    return getattr(function, "__module__", "").startswith("keras.") and getattr(function, "__name__", "") != "<lambda>"


def _behaviour(function) -> dict:
    """A function of the learner's as its name and what it returns for each of ACTIVATION_PROBES (None where it
    raised)."""
    outputs = []
    for probe in ACTIVATION_PROBES:
        try:
            output = np.asarray(function(keras.ops.convert_to_tensor(probe)), dtype=float)
            outputs.append([_number(x) for x in output.ravel().tolist()] if output.shape == probe.shape else None)
        except Exception:
            outputs.append(None)
    return {"name": str(getattr(function, "__name__", type(function).__name__))[:200], "outputs": outputs}


def _recorded(behaviour):
    """A function that returns what the learner's returned for each of ACTIVATION_PROBES, and raises for any other
    input (or where the learner's raised)."""
    if not isinstance(behaviour, dict) or not isinstance(behaviour.get("outputs"), list):
        return None
    answers = []
    for probe, outputs in zip(ACTIVATION_PROBES, behaviour["outputs"], strict=False):
        values = None
        if isinstance(outputs, list) and len(outputs) == probe.size:
            values = np.array([_float(x) for x in outputs], dtype="float32").reshape(probe.shape)
        answers.append((probe, values))

    def recorded(x):
        given = np.asarray(x, dtype="float32")
        for probe, values in answers:
            if given.shape == probe.shape and np.array_equal(given, probe) and values is not None:
                return values
        raise ValueError("this function of yours was recorded on the checks' inputs only")

    recorded.__name__ = recorded.__qualname__ = str(behaviour.get("name", "function"))[:200]
    return recorded


def _lambda_layer(function, name: str):
    """A stand-in for a learner's Lambda layer: a layer without weights that computes what the recorded function
    does."""

    class Lambda(keras.layers.Layer):
        def call(self, x):
            return keras.ops.convert_to_tensor(function(x))

    Lambda.__module__ = "keras.src.layers.core.lambda_layer"
    return Lambda(name=name)


def _keras_object(data: dict):
    """A Keras object rebuilt from its configuration, in safe mode, when it names only the course's modules; with
    the activation functions of the learner's own put back as recorded."""
    config = data.get("config")
    _screen(config)
    try:
        rebuilt = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:
        raise Unreadable(f"its configuration could not be rebuilt ({type(error).__name__})") from None
    recorded = data.get("activations") or []
    parts = _with_activations(rebuilt)
    if not isinstance(recorded, list) or len(recorded) > len(parts):
        raise Unreadable("activations that the object does not have")
    for part, behaviour in zip(parts, recorded, strict=False):
        if behaviour is not None:
            part.activation = _recorded(behaviour)
    return rebuilt


def _screen(config, depth: int = 0) -> None:
    """Refuse a configuration that names a module outside KERAS_MODULES, or a class that runs code."""
    if depth > 50:
        raise Unreadable("nested too deep")
    if isinstance(config, dict):
        module, name = config.get("module"), config.get("class_name")
        if name in REFUSED or (module is not None and module not in KERAS_MODULES):  # named with or without module
            raise Unreadable(f"it holds {module}.{name}, not one of Keras's own objects that the exercises use")
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
