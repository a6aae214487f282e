"""The seeds helper: repeat an experiment over seeds, summarize the spread, plot every run."""

import re

import matplotlib

matplotlib.use("Agg")

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils import seeds as seeds_module
from utils.seeds import over_seeds, plot_metric_vs_time, plot_runs, spread


@pytest.fixture(autouse=True)
def full_mode(monkeypatch):
    """These tests count seeds: run them as in full mode, whatever mode the test run is in."""
    monkeypatch.delenv("COURSE_QUICK", raising=False)


def test_quick_mode_runs_the_first_two_seeds_only(monkeypatch):
    """COURSE_QUICK=1 keeps the code and its table's shape, with the first two seeds of each configuration."""
    monkeypatch.setenv("COURSE_QUICK", "1")
    table = over_seeds(final_score, {"a": 0.0, "b": 1.0}, seeds=10)
    assert table.groupby("config")["seed"].apply(list).to_dict() == {"a": [0, 1], "b": [0, 1]}


def noisy_curve(level, callbacks):
    """A fake training: three epochs around ``level``, with noise drawn from the seeded NumPy generator."""
    return {"val_accuracy": level + 0.01 * np.random.rand(3), "seconds": 1.0}


def final_score(level, callbacks):
    """A fake measurement: one number per run."""
    return {"score": level + np.random.rand()}


def test_table_is_tidy_one_row_per_config_seed_and_epoch():
    """Per-epoch lists become rows with an epoch column; scalars repeat on each of the run's rows."""
    table = over_seeds(noisy_curve, {"low": 0.5, "high": 0.8}, seeds=4)
    assert list(table.columns) == ["config", "seed", "epoch", "val_accuracy", "seconds"]
    assert len(table) == 2 * 4 * 3
    assert list(dict.fromkeys(table["config"])) == ["low", "high"]
    assert sorted(set(table["seed"])) == [0, 1, 2, 3]
    assert set(table["epoch"]) == {1, 2, 3}
    assert (table["seconds"] == 1.0).all()
    assert table.loc[table["config"] == "high", "val_accuracy"].min() >= 0.8


def test_each_seed_gives_its_own_run_and_the_same_run_again():
    """Runs differ by seed; the same seeds give the same table; one seed draws alike in every configuration."""
    first = over_seeds(final_score, {"a": 0.0, "b": 10.0}, seeds=[3, 7])
    again = over_seeds(final_score, {"a": 0.0, "b": 10.0}, seeds=[3, 7])
    assert first.equals(again)
    a, b = (first.loc[first["config"] == name, "score"].to_numpy() for name in "ab")
    assert a[0] != a[1]
    np.testing.assert_allclose(b - 10.0, a)  # seed 3 draws the same number in both configurations


def test_a_keras_history_is_accepted_and_the_callbacks_show_progress(monkeypatch):
    """fit()'s History works as a result, and the callbacks handed to the experiment report on one line per config."""
    lines = []

    class Handle:
        def update(self, obj):
            lines.append(repr(obj))

    monkeypatch.setattr(seeds_module, "live_line", lambda text: Handle())

    def train(units, callbacks):
        X, y = np.random.rand(32, 4).astype("float32"), np.random.randint(0, 2, 32)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model.fit(X, y, epochs=2, batch_size=16, callbacks=callbacks, verbose=0)

    table = over_seeds(train, {"tiny": 2}, seeds=2)
    assert list(table.columns) == ["config", "seed", "epoch", "accuracy", "loss"]
    assert len(table) == 4
    assert any(line.startswith("tiny, seed 1 (2/2): epoch 2/2") for line in lines), lines
    assert re.fullmatch(r"tiny: 2 seeds in \d+ s; mean accuracy [\d.]+, loss [\d.]+", lines[-1]), lines[-1]
    # the time left: within the first run from its pace, then for the whole cell from the runs done
    assert any(re.match(r"tiny, seed 0 \(1/2\): epoch 1/2.*; about \d+ s left$", line) for line in lines), lines
    lines.clear()
    over_seeds(train, {"tiny": 2, "wider": 3}, seeds=2)
    assert any(re.fullmatch(r"tiny: seed 1 \(2/2\) \.\.\.; about \d+ s left after it", line) for line in lines), lines


def test_spread_summarizes_the_last_epoch_or_a_chosen_one():
    """spread() gives mean, sample std, min, max and the number of seeds, per configuration, in order."""
    table = over_seeds(noisy_curve, {"low": 0.5, "high": 0.8}, seeds=3)
    summary = spread(table, "val_accuracy")
    assert list(summary.index) == ["low", "high"]
    assert list(summary.columns) == ["mean", "std", "min", "max", "seeds"]
    last = table[(table["config"] == "high") & (table["epoch"] == 3)]["val_accuracy"]
    assert summary.loc["high", "mean"] == pytest.approx(last.mean())
    assert summary.loc["high", "std"] == pytest.approx(last.std(ddof=1))
    assert summary.loc["high", "seeds"] == 3
    first = table[(table["config"] == "low") & (table["epoch"] == 1)]["val_accuracy"]
    assert spread(table, "val_accuracy", epoch=1).loc["low", "max"] == pytest.approx(first.max())


def test_spread_of_single_numbers():
    """Without epochs, each run is one row."""
    table = over_seeds(final_score, {"a": 0.0}, seeds=5)
    assert "epoch" not in table.columns
    assert spread(table, "score").loc["a", "seeds"] == 5


def test_plot_runs_draws_every_seed_and_the_mean():
    """Per epoch: one thin line per seed and one thick mean line per configuration, labelled with the seed count."""
    table = over_seeds(noisy_curve, {"low": 0.5, "high": 0.8}, seeds=3)
    ax = plot_runs(table, "val_accuracy", "title")
    assert len(ax.lines) == 2 * (3 + 1)
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["low (3 seeds)", "high (3 seeds)"]
    plt.close("all")


def test_plot_runs_of_single_numbers_shows_dots_and_means():
    """Without epochs: one dot per seed and a mean bar per configuration, named on the x axis."""
    table = over_seeds(final_score, {"a": 0.0, "b": 1.0}, seeds=4)
    ax = plot_runs(table, "score")
    dots = [line for line in ax.lines if line.get_marker() == "o" and len(line.get_xdata())]
    assert [len(line.get_xdata()) for line in dots] == [4, 4]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["a", "b"]
    plt.close("all")


def test_plot_metric_vs_time_puts_mean_cumulative_seconds_on_the_right():
    """Left panel: every run per epoch; right panel: the mean metric against the mean cumulative seconds."""
    timed = {0: [2.0, 1.0, 1.0], 1: [4.0, 1.0, 3.0]}
    table = over_seeds(lambda c, cb: {"val_accuracy": [0.5, 0.6, 0.7], "seconds": timed[int(np.random.rand() > 0.5)]},
                       {"run": None}, seeds=[0, 1])
    left, right = plot_metric_vs_time(table)
    np.testing.assert_array_equal(left.lines[-1].get_xdata(), [1, 2, 3])
    expected = table.pivot(index="epoch", columns="seed", values="seconds").cumsum().mean(axis=1)
    np.testing.assert_allclose(right.lines[0].get_xdata(), expected)
    np.testing.assert_allclose(right.lines[0].get_ydata(), [0.5, 0.6, 0.7])
    plt.close("all")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: over_seeds(final_score, {}, seeds=3), "at least one configuration"),
        (lambda: over_seeds(final_score, {"a": 0}, seeds=0), "at least 1"),
        (lambda: over_seeds(final_score, {"a": 0}, seeds=[1, 1]), "each once"),
        (lambda: over_seeds(lambda c, cb: 0.9, {"a": 0}, seeds=1), "return the History"),
        (lambda: over_seeds(lambda c, cb: {"x": [1, 2], "y": [1]}, {"a": 0}, seeds=1), "different lengths"),
        (lambda: spread(over_seeds(final_score, {"a": 0}, seeds=1), "accuracy"), "no metric 'accuracy'"),
    ],
)
def test_bad_input_gets_a_clear_message(call, message):
    """Each misuse says what was wrong."""
    with pytest.raises((ValueError, TypeError, KeyError), match=message):
        call()


def test_with_build_each_seed_trains_exactly_as_a_fresh_model_would():
    """A restarted model (BN, dropout, Adam) trains as a freshly built one does, seed by seed; one model serves."""
    X = np.random.default_rng(0).random((256, 8)).astype("float32")
    y = (X.sum(axis=1) > 4).astype(int)

    def build(units):
        model = keras.Sequential([
            keras.Input((8,)),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(2, activation="softmax"),
        ])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", steps_per_execution=4)
        return model

    used = set()

    def train_built(model, units, callbacks):
        used.add(id(model))
        return model.fit(X, y, epochs=2, batch_size=32, verbose=0)

    def train_fresh(units, callbacks):
        return build(units).fit(X, y, epochs=2, batch_size=32, verbose=0)

    reused = over_seeds(train_built, {"net": 16}, seeds=3, build=build)
    fresh = over_seeds(train_fresh, {"net": 16}, seeds=3)
    assert reused.equals(fresh)
    assert len(used) == 1


def test_a_build_that_changes_shape_is_refused():
    """If build(config) does not give the same model each time, restarting would be wrong: say so."""
    sizes = iter([4, 8])

    def build(config):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(next(sizes))])
        model.compile(loss="mse", optimizer="sgd")
        return model

    with pytest.raises(ValueError, match="same architecture"):
        over_seeds(lambda model, config, callbacks: {"x": 1.0}, {"a": None}, seeds=2, build=build)


def test_a_build_of_two_phases_restarts_both_and_matches_fresh_models():
    """build may return a tuple of models (a frozen phase, then fine-tuning): each is restarted, the results
    equal those of fresh models, and a phase that never trained restarts too."""
    X = np.random.default_rng(1).random((128, 6)).astype("float32")
    y = (X[:, 0] > 0.5).astype("float32")

    def build(frozen_epochs):
        phases = []
        for trainable, rate in ((False, 0.1), (True, 0.01)):
            model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="relu"),
                                      keras.layers.Dense(1, activation="sigmoid")])
            model.layers[0].trainable = trainable
            model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=rate, momentum=0.9))
            phases.append(model)
        return tuple(phases)

    def train(phases, frozen_epochs, callbacks):
        frozen, tuned = phases
        if frozen_epochs:
            frozen.fit(X, y, epochs=frozen_epochs, verbose=0)
        tuned.set_weights(frozen.get_weights())
        return {"loss": tuned.fit(X, y, epochs=2, verbose=0).history["loss"]}

    configs = {"frozen 1": 1, "never frozen": 0}
    reused = over_seeds(train, configs, seeds=3, build=build)
    fresh = over_seeds(lambda frozen_epochs, callbacks: train(build(frozen_epochs), frozen_epochs, callbacks),
                       configs, seeds=3)
    assert reused.equals(fresh)


def test_a_build_that_changes_its_number_of_models_is_refused():
    """A tuple of models must keep its length from seed to seed."""
    counts = iter([2, 1])

    def build(config):
        models = [keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]) for _ in range(next(counts))]
        for model in models:
            model.compile(loss="mse", optimizer="sgd")
        return tuple(models)

    with pytest.raises(ValueError, match="same number of models"):
        over_seeds(lambda models, config, callbacks: {"x": 1.0}, {"a": None}, seeds=2, build=build)


def test_configurations_that_differ_in_learning_rate_only_share_one_traced_model():
    """A new learning rate reuses the model (the rate is a variable); a new momentum, baked into the
    traced step, gets a model of its own; every run equals a fresh build's."""
    X = np.random.default_rng(2).random((96, 5)).astype("float32")
    y = (X[:, 1] > 0.5).astype(int)

    def build(config):
        rate, momentum = config
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="relu"),
                                  keras.layers.Dense(2, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy",
                      optimizer=keras.optimizers.SGD(learning_rate=rate, momentum=momentum))
        return model

    models = []

    def train_built(model, config, callbacks):
        models.append(id(model))
        return model.fit(X, y, epochs=2, batch_size=16, verbose=0)

    configs = {"0.1": (0.1, 0.5), "0.01": (0.01, 0.5), "0.01, momentum 0.9": (0.01, 0.9)}
    reused = over_seeds(train_built, configs, seeds=2, build=build)
    fresh = over_seeds(lambda config, callbacks: build(config).fit(X, y, epochs=2, batch_size=16, verbose=0),
                       configs, seeds=2)
    assert reused.equals(fresh)
    assert models[0] == models[2] != models[4]  # config 2 reused config 1's model; config 3 did not


def test_a_later_call_reuses_the_traced_model_unless_a_class_was_redefined():
    """A second over_seeds call with the same training step trains the model of the first (restarted), and gives
    the same numbers; a layer class defined anew (as a re-run notebook cell does) gets a model of its own."""
    X = np.random.default_rng(3).random((64, 4)).astype("float32")
    y = (X[:, 0] > 0.5).astype(int)

    def layer_class():
        class Doubling(keras.layers.Layer):
            def call(self, inputs):
                return 2 * inputs
        return Doubling

    def build(doubling):
        model = keras.Sequential([keras.Input((4,)), doubling(), keras.layers.Dense(2, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        return model

    models = []

    def train_built(model, config, callbacks):
        models.append(id(model))
        return model.fit(X, y, epochs=2, batch_size=16, verbose=0)

    first_class = layer_class()
    first = over_seeds(train_built, {"net": first_class}, seeds=2, build=build)
    again = over_seeds(train_built, {"net": first_class}, seeds=2, build=build)
    assert first.equals(again) and len(set(models)) == 1
    over_seeds(train_built, {"net": layer_class()}, seeds=1, build=build)
    assert models[-1] != models[0]
