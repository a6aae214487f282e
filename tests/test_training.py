"""The training helpers (utils.training) and the plots that draw their records."""

import re

import matplotlib

matplotlib.use("Agg")

import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils.diagnostics import deep_mlp
from utils.plots import plot_histogram, plot_training_steps
from utils.repro import set_seeds
from utils import training
from utils.training import EpochTimer, LiveProgress, angle_degrees, applied_gradients, train_steps


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure after each test."""
    yield
    plt.close("all")


# --- applied_gradients ---------------------------------------------------------------------


def test_without_clipping_the_gradient_is_applied_as_is():
    """SGD at learning rate 1 moves a zero variable by exactly minus the gradient."""
    (applied,) = applied_gradients([[0.9, 100.0]])
    np.testing.assert_allclose(applied, [0.9, 100.0], rtol=1e-6)


def test_clipvalue_clips_each_component():
    """clipvalue bounds each component, keeping its sign."""
    (applied,) = applied_gradients([[0.9, 100.0, -7.0]], clipvalue=1.0)
    np.testing.assert_allclose(applied, [0.9, 1.0, -1.0], rtol=1e-6)


def test_clipnorm_is_per_variable_and_global_clipnorm_is_not():
    """clipnorm scales each variable's gradient alone; global_clipnorm scales all by one factor."""
    gradients = [[3.0, 4.0], [0.6, 0.8]]
    per_variable = applied_gradients(gradients, clipnorm=1.0)
    np.testing.assert_allclose(per_variable[0], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(per_variable[1], [0.6, 0.8], rtol=1e-6)
    together = applied_gradients(gradients, global_clipnorm=1.0)
    factor = 1.0 / np.sqrt(25 + 1)
    np.testing.assert_allclose(together[0], np.array([3.0, 4.0]) * factor, rtol=1e-5)
    np.testing.assert_allclose(together[1], np.array([0.6, 0.8]) * factor, rtol=1e-5)


# --- angle_degrees -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "u, v, expected",
    [
        ([[1.0, 0.0]], [[0.0, 2.0]], 90.0),
        ([[1.0, 1.0]], [[3.0, 3.0]], 0.0),
        ([[1.0, 0.0]], [[-1.0, 0.0]], 180.0),
        ([[1.0], [0.0]], [[1.0], [1.0]], 45.0),  # two variables form one vector
    ],
)
def test_angle_degrees(u, v, expected):
    """The angle between two vectors, in degrees, lists of arrays counting as one vector."""
    assert angle_degrees(u, v) == pytest.approx(expected, abs=1e-6)


# --- train_steps ---------------------------------------------------------------------------


def tiny_problem(seed=0):
    """A small seeded MLP and a separable toy dataset."""
    set_seeds(seed)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(256, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    return deep_mlp(2, 8, "relu", "he_normal", shape=(4,), n_outputs=2), X, y


def test_train_steps_records_one_loss_and_norm_per_step_and_learns():
    """Every step gives a finite loss and norm; the loss goes down on an easy problem."""
    model, X, y = tiny_problem()
    run = train_steps(model, keras.optimizers.SGD(learning_rate=0.1), X, y, steps=60, batch_size=32)
    assert run["loss"].shape == run["gradient_norm"].shape == (60,)
    assert np.all(np.isfinite(run["loss"])) and np.all(run["gradient_norm"] > 0)
    assert run["loss"][-10:].mean() < run["loss"][:10].mean()


def test_train_steps_records_the_norm_before_clipping():
    """With a tiny global_clipnorm, the recorded norms still exceed it: they are taken before clipping."""
    model, X, y = tiny_problem()
    optimizer = keras.optimizers.SGD(learning_rate=0.1, global_clipnorm=1e-3)
    run = train_steps(model, optimizer, X, y, steps=5)
    assert np.all(run["gradient_norm"] > 1e-3)


def test_train_steps_is_reproducible_from_the_same_weights():
    """Same weights, same batches, same optimizer settings: the same record."""
    model, X, y = tiny_problem()
    weights = model.get_weights()
    first = train_steps(model, keras.optimizers.SGD(learning_rate=0.05), X, y, steps=10)
    model.set_weights(weights)
    second = train_steps(model, keras.optimizers.SGD(learning_rate=0.05), X, y, steps=10)
    np.testing.assert_allclose(first["loss"], second["loss"], rtol=1e-6)


# --- EpochTimer and the plots --------------------------------------------------------------


def test_epoch_timer_adds_seconds_to_the_history():
    """Each epoch's wall-clock seconds appear in the History, one per epoch."""
    model, X, y = tiny_problem()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    timer = EpochTimer()
    history = model.fit(X, y, epochs=3, callbacks=[timer], verbose=0)
    assert len(history.history["seconds"]) == 3 and all(s > 0 for s in history.history["seconds"])
    assert timer.seconds == history.history["seconds"]


def test_epoch_timer_leaves_validation_out(monkeypatch):
    """Time spent validating (here 100 s that a fake clock adds when validation begins) is not training time."""
    model, X, y = tiny_problem()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    clock = {"offset": 0.0}
    monkeypatch.setattr(training.time, "perf_counter", lambda: time.monotonic() + clock["offset"])

    class SlowValidation(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            clock["offset"] += 100.0

    timer = EpochTimer()
    model.fit(X, y, epochs=2, validation_data=(X, y), callbacks=[timer, SlowValidation()], verbose=0)
    assert len(timer.seconds) == 2 and max(timer.seconds) < 100


def test_plot_training_steps_marks_the_last_finite_value_of_a_diverged_run():
    """A run that turns infinite gets an × at its last finite point; a healthy one does not."""
    healthy = {"gradient_norm": np.array([1.0, 2.0, 1.5]), "loss": np.array([2.0, 1.0, 0.5])}
    diverged = {"gradient_norm": np.array([1.0, 50.0, np.inf]), "loss": np.array([2.0, 9.0, np.nan])}
    norms_ax, loss_ax = plot_training_steps({"healthy": healthy, "diverged": diverged})
    for ax in (norms_ax, loss_ax):
        markers = [line for line in ax.lines if line.get_marker() == "x"]
        assert len(markers) == 1 and markers[0].get_xdata()[0] == 2
        assert ax.get_xscale() == ax.get_yscale() == "log"


def test_plot_histogram_draws_one_line_per_mark_and_skips_nonfinite_values():
    """Non-finite values are left out of the histogram; each mark is a labelled vertical line."""
    ax = plot_histogram([1.0, 2.0, 2.5, np.inf, np.nan], {"median": 2.0, "max": 2.5}, "norm")
    assert sum(patch.get_height() for patch in ax.patches) == 3
    assert [line.get_label() for line in ax.lines] == ["median: 2", "max: 2.5"]


class FakeHandle:
    """Stands in for IPython's display handle: records every update of the live line."""

    def __init__(self):
        self.lines = []

    def update(self, line):
        self.lines.append(repr(line))


def tiny_fit(callback, epochs=2):
    """Fit a tiny model on random data with ``callback``, quietly."""
    set_seeds(0)
    X, y = np.random.rand(64, 4).astype("float32"), np.random.randint(0, 2, 64)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, y, epochs=epochs, batch_size=16, validation_data=(X, y), callbacks=[callback], verbose=0)


def test_live_progress_updates_one_line_in_jupyter_and_ends_with_a_summary(monkeypatch):
    """In a kernel, the line updates in place (one display), and its last state is the run's summary."""
    handle = FakeHandle()
    monkeypatch.setattr(training, "live_line", lambda text: handle)
    tiny_fit(LiveProgress("tiny model", every_s=0.0))
    assert any(re.match(r"tiny model: epoch 1/2, batch .*; about \d+ s left$", line) for line in handle.lines)
    assert re.search(r"tiny model: epoch 1/2; val_accuracy [\d.]+, val_loss [\d.]+, accuracy [\d.]+; about \d+ s left",
                     "\n".join(handle.lines)), handle.lines
    assert re.fullmatch(r"tiny model: 2 epochs in \d+ s; val_accuracy [\d.]+, val_loss [\d.]+, accuracy [\d.]+",
                        handle.lines[-1])


def test_live_progress_prints_each_epoch_outside_jupyter(capsys):
    """In a terminal, each epoch prints one line (there is no display to update)."""
    tiny_fit(LiveProgress("tiny model"), epochs=3)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(";")[0] for line in lines] == [f"tiny model: epoch {e}/3" for e in (1, 2, 3)]


def test_progress_lines_stay_short():
    """At most three metrics, validation first, whatever the logs hold; the time left rounds as it grows."""
    logs = {f"{kind}_{metric}": 0.5 for kind in ("train", "val", "test") for metric in ("accuracy", "loss")}
    assert training.short_metrics({**logs, "accuracy": 0.9, "loss": 0.1, "lr": 0.001}) == (
        "val_accuracy 0.5, val_loss 0.5, accuracy 0.9")
    assert training.time_left(0.2) == "about 1 s left" and training.time_left(62) == "about 60 s left"


def test_progress_shows_each_item_then_the_time(monkeypatch):
    """progress() yields every item unchanged, naming the one under way, and ends with the time taken."""
    handle = FakeHandle()
    monkeypatch.setattr(training, "live_line", lambda text: handle)
    items = [("first", 1), ("second", 2)]
    assert list(training.progress(items, "measuring")) == items
    assert handle.lines[0] == "measuring: 0/2 done, now first"
    assert re.fullmatch(r"measuring: 1/2 done, now second; about \d+ s left", handle.lines[1])
    assert re.fullmatch(r"measuring: 2/2 done in \d+ s", handle.lines[-1])
