"""Saving and loading: the course's callbacks beside ModelCheckpoint, and no unregistered saveable Keras class in utils.

A callback is not saved with a model, but it runs in the same fit as a ModelCheckpoint, whose
file must load back. A class that can be part of a saved model (layer, optimizer, schedule,
initializer, constraint, regularizer, loss, metric) must load without ``custom_objects``, so any
such class utils defines must be registered under the package "course".
"""

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import keras
import numpy as np
import pytest

import utils
from utils.schedules import RateLog
from utils.training import EpochTimer, LiveProgress

# Keras 3.15 saves a TensorFlow variable through np.array(x), which NumPy 2 flags (the copy keyword); not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")

SAVED_WITH_A_MODEL = (
    keras.layers.Layer,  # models too
    keras.optimizers.Optimizer,
    keras.optimizers.schedules.LearningRateSchedule,
    keras.initializers.Initializer,
    keras.constraints.Constraint,
    keras.regularizers.Regularizer,
    keras.losses.Loss,
    keras.metrics.Metric,
)

CALLBACKS = {
    "LiveProgress": lambda: LiveProgress("tiny"),
    "EpochTimer": EpochTimer,
    "RateLog": RateLog,
}


def utils_classes(bases) -> list[type]:
    """Every class defined in a utils module (``__main__`` aside) that subclasses one of ``bases``."""
    modules = [importlib.import_module(info.name) for info in pkgutil.walk_packages(utils.__path__, "utils.")
               if not info.name.endswith("__main__")]  # importing __main__ would run the command line
    return [cls for module in modules for _, cls in inspect.getmembers(module, inspect.isclass)
            if cls.__module__ == module.__name__ and issubclass(cls, bases)]


def test_the_scan_finds_the_course_callbacks():
    """The scan below is only as good as what it sees: it must see the callbacks utils defines."""
    assert {cls.__name__ for cls in utils_classes(keras.callbacks.Callback)} >= set(CALLBACKS)


def test_every_saveable_utils_class_is_registered():
    """A saved model holding one of these loads with no custom_objects only if its class is registered."""
    unregistered = [f"{cls.__module__}.{cls.__name__}" for cls in utils_classes(SAVED_WITH_A_MODEL)
                    if not keras.saving.get_registered_name(cls).startswith("course>")]
    assert not unregistered, f"register_keras_serializable(package='course') is missing on {unregistered}"


def tiny_fit(tmp_path, callbacks):
    """Dense(3) on 4 features fitted 2 epochs of 2 steps with ``callbacks`` and a ModelCheckpoint; the model and X."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(0.01, momentum=0.9))
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "m.keras", save_best_only=False)
    history = model.fit(X, y, batch_size=4, epochs=2, verbose=0, shuffle=False, callbacks=[*callbacks, checkpoint])
    return model, X, history


@pytest.mark.parametrize("names", [[name] for name in CALLBACKS] + [list(CALLBACKS)], ids="+".join)
def test_callbacks_beside_model_checkpoint(tmp_path, names, capsys):
    """The fit runs, each callback records its run, and the last checkpoint loads as the trained model."""
    callbacks = {name: CALLBACKS[name]() for name in names}
    model, X, history = tiny_fit(tmp_path, callbacks.values())
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):  # step count and velocities
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    if "EpochTimer" in callbacks:
        assert len(callbacks["EpochTimer"].seconds) == 2 and len(history.history["seconds"]) == 2
    if "RateLog" in callbacks:
        assert callbacks["RateLog"].rates.tolist() == pytest.approx([0.01] * 4)
    if "LiveProgress" in callbacks:  # outside Jupyter it prints each epoch's line
        assert "tiny: epoch 2/2" in capsys.readouterr().out


# --- the Keras classes the notebooks define ------------------------------------------------------------

SOURCES = Path(__file__).resolve().parents[1] / "solutions" / "11_training_deep_networks" / "source"
NOTEBOOK_CLASSES = {  # source file: the classes of it that can be part of a saved model, and must load back alone
    "07_learning_rate_scheduling.py": ("PowerDecay", "PiecewiseLinear", "ScheduledMomentumSGD"),
    "08_regularization.py": ("MCDropout",),
    "09_practical_guidelines.py": ("OneCycle", "OneCycleNadam"),
}


def notebook_classes(source: str) -> dict:
    """The top-level classes and functions of a notebook's source, run with the imports every notebook has."""
    tree = ast.parse((SOURCES / source).read_text())
    namespace = {"keras": keras, "ops": keras.ops, "np": np}
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            try:
                exec(compile(ast.Module([node], type_ignores=[]), source, "exec"), namespace)
            except NameError:  # a helper whose defaults name the notebook's constants: not one of ours
                if isinstance(node, ast.ClassDef):
                    raise
    return {name: value for name, value in namespace.items() if callable(value)}


def round_trip(tmp_path, model, X, y):
    """Save ``model``, load it without custom_objects, take one more step with each; both must still agree."""
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is type(model.optimizer)
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations)
    for copy in (model, loaded):
        copy.train_on_batch(X, y)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    return loaded


def test_every_listed_notebook_class_is_registered():
    """The saveable classes above carry register_keras_serializable(package="course") in their notebook."""
    for source, names in NOTEBOOK_CLASSES.items():
        classes = notebook_classes(source)
        for name in names:
            assert keras.saving.get_registered_name(classes[name]) == f"course>{name}", f"{name} in {source}"


@pytest.mark.parametrize("schedule", ["PowerDecay", "PiecewiseLinear"])
def test_notebook_schedules_survive_saving(tmp_path, schedule):
    """A model trained with each learning-rate schedule of section 7 loads back and trains on identically."""
    classes = notebook_classes("07_learning_rate_scheduling.py")
    rate = {"PowerDecay": lambda: classes["PowerDecay"](0.01, steps=10, power=2.0),
            "PiecewiseLinear": lambda: classes["PiecewiseLinear"]([0, 5, 10], [0.001, 0.01, 0.0001])}[schedule]()
    model, X, y = tiny_model(keras.optimizers.SGD(rate, momentum=0.9))
    loaded = round_trip(tmp_path, model, X, y)
    steps = np.arange(12)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.optimizer.learning_rate),
                               keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    schedule_back = keras.saving.deserialize_keras_object(loaded.optimizer.get_config()["learning_rate"])
    np.testing.assert_allclose([float(schedule_back(s)) for s in steps], [float(rate(s)) for s in steps], rtol=1e-6)


def test_scheduled_momentum_sgd_survives_saving_and_checkpointing(tmp_path):
    """1cycle's optimizer (both schedules inside) comes back whole from ModelCheckpoint and from model.save."""
    classes = notebook_classes("07_learning_rate_scheduling.py")
    schedule = classes["PiecewiseLinear"]
    optimizer = classes["ScheduledMomentumSGD"](schedule([0, 4, 8], [0.001, 0.01, 0.001]),
                                                schedule([0, 4, 8], [0.95, 0.85, 0.95]))
    model, X, y = tiny_model(optimizer)
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "checkpoint.keras")
    model.fit(X, y, batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[checkpoint])
    from_checkpoint = keras.models.load_model(tmp_path / "checkpoint.keras")
    assert type(from_checkpoint.optimizer.momentum_schedule).__name__ == "PiecewiseLinear"
    loaded = round_trip(tmp_path, model, X, y)
    assert [float(loaded.optimizer.momentum_schedule(s)) for s in range(10)] == pytest.approx(
        [float(model.optimizer.momentum_schedule(s)) for s in range(10)])


def test_mc_dropout_survives_saving(tmp_path):
    """Section 8's always-on dropout layer loads back as itself, still active at inference."""
    classes = notebook_classes("08_regularization.py")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), classes["MCDropout"](0.5), keras.layers.Dense(3)])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded.layers[0]).__name__ == "MCDropout" and loaded.layers[0].rate == 0.5
    X = np.ones((1, 4), dtype="float32")
    passes = np.concatenate([loaded(X) for _ in range(10)])
    assert not np.allclose(passes, passes[0])  # each call at inference drops other units


def tiny_model(optimizer, hidden=None):
    """A Dense(3) regression on 4 features (after ``hidden``, if given), compiled with ``optimizer``; the model
    and a batch of 8."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), *([hidden] if hidden is not None else []), keras.layers.Dense(3)])
    model.compile(loss="mse", optimizer=optimizer)
    model.fit(X, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    return model, X, y


EXERCISE_LAYERS = {  # the layers learners write (sections 2 and 8), as their solutions write them
    "RReLU": ("02_activation_functions.py", lambda cls: cls(0.1, 0.3)),
    "ParametricSwish": ("02_activation_functions.py", lambda cls: cls()),
    "MyDropout": ("08_regularization.py", lambda cls: cls(0.25)),
}


@pytest.mark.parametrize("name", EXERCISE_LAYERS)
def test_exercise_layers_survive_saving(tmp_path, name):
    """A model with a solution's layer saves and loads back (its class given, as a learner's would be)."""
    source, make = EXERCISE_LAYERS[name]
    cls = notebook_classes(source)[name]
    model, X, y = tiny_model(keras.optimizers.Adam(0.01), hidden=make(cls))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", custom_objects={name: cls})
    assert type(loaded.layers[0]) is cls
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    assert loaded.layers[0].get_config() == model.layers[0].get_config()


# MomentumOff is left out on purpose: section 7 shows it as what does NOT work (it sets SGD's momentum to 0
# mid-training, so a checkpoint's optimizer no longer matches its saved velocities).
@pytest.mark.parametrize("name", ["LearningRateFinder", "EpochScores"])
def test_notebook_callbacks_beside_model_checkpoint(tmp_path, name):
    """Each callback a notebook defines runs in a fit beside ModelCheckpoint, whose file then loads."""
    source = {"EpochScores": "08_regularization.py"}.get(name, "07_learning_rate_scheduling.py")
    cls = notebook_classes(source)[name]
    model, X, y = tiny_model(keras.optimizers.SGD(0.01, momentum=0.9))
    labels = np.argmax(y, axis=1)
    callback = {"LearningRateFinder": lambda: cls(steps=4), "EpochScores": lambda: cls(train=(X, labels))}[name]()
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "m.keras")
    history = model.fit(X, y, batch_size=4, epochs=2, verbose=0, shuffle=False, callbacks=[callback, checkpoint])
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.predict(X, verbose=0).shape == (8, 3)
    if name == "EpochScores":
        assert len(history.history["train_accuracy"]) == 2
    if name == "LearningRateFinder":
        assert len(callback.rates) == 4  # it stopped after its sweep and restored the model


def test_section_9_one_cycle_nadam_survives_saving(tmp_path):
    """Section 9's 1cycle (its schedule, and Nadam whose β₁ mirrors the rate) loads back alone and trains on
    identically, its β₁ moving with the rate."""
    classes = notebook_classes("09_practical_guidelines.py")
    cycle = classes["OneCycle"](0.01, total_steps=10)
    optimizer = classes["OneCycleNadam"](cycle)
    model, X, y = tiny_model(optimizer)
    loaded = round_trip(tmp_path, model, X, y)
    assert (loaded.optimizer.low, loaded.optimizer.high) == (0.85, 0.95)
    schedule = keras.saving.deserialize_keras_object(loaded.optimizer.get_config()["learning_rate"])
    rates = [float(schedule(step)) for step in range(12)]
    assert rates == pytest.approx([float(cycle(step)) for step in range(12)])
    momenta = keras.ops.convert_to_numpy(loaded.optimizer.momentum_at(np.array(rates + [0.01], dtype="float32")))
    assert momenta[0] == pytest.approx(0.95) and momenta[-1] == pytest.approx(0.85)  # the start, and the peak
    assert all(0.85 - 1e-6 <= momentum <= 0.95 + 1e-6 for momentum in momenta)
    assert float(loaded.optimizer.beta_1) == pytest.approx(float(optimizer.beta_1))
