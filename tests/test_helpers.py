"""The plotting, diagnostic and reproducibility helpers, on tiny models and data."""

import matplotlib

matplotlib.use("Agg")

from types import SimpleNamespace

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf

import utils
import utils.plots as plots
from utils.diagnostics import activation_stats, deep_mlp, gradient_norms, hidden_layers
from utils.seeds import restarted
from utils.repro import set_seeds
from utils.exercises import problems_of


@pytest.fixture(autouse=True)
def clean_matplotlib():
    """Restore matplotlib's settings and close every figure after each test."""
    with matplotlib.rc_context():
        yield
    plt.close("all")


def small_mlp(n_hidden=3, units=5, initializer="he_normal", seed=0):
    """A tiny seeded MLP on 4 inputs with 2 outputs."""
    set_seeds(seed)
    return deep_mlp(n_hidden, units, "relu", initializer, shape=(4,), n_outputs=2)


# --- function_and_derivative ---------------------------------------------------------------


def test_sigmoid_and_its_derivative():
    """Sigmoid values are 1/(1+e^-z); the derivative is s(1-s), 0.25 at z=0."""
    z = np.linspace(-6, 6, 13)
    y, dy = plots.function_and_derivative(keras.activations.sigmoid, z)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(y, s, rtol=1e-5)
    np.testing.assert_allclose(dy, s * (1 - s), rtol=1e-4, atol=1e-7)
    assert dy[6] == pytest.approx(0.25, abs=1e-6)
    assert dy.argmax() == 6


def test_relu_slopes_are_zero_and_one():
    """ReLU's derivative is 0 for negative inputs and 1 for positive ones."""
    z = np.array([-3.0, -1.0, -0.1, 0.1, 1.0, 3.0])
    y, dy = plots.function_and_derivative(keras.activations.relu, z)
    np.testing.assert_allclose(y, np.maximum(z, 0), rtol=1e-6)
    np.testing.assert_array_equal(dy, [0, 0, 0, 1, 1, 1])


# --- plots ---------------------------------------------------------------------------------


def line_data(ax):
    """(x, y) of each line on an Axes, as float arrays."""
    return [(np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)) for line in ax.get_lines()]


@pytest.mark.parametrize(("log", "scale"), [(True, "log"), (False, "linear")])
def test_plot_per_layer_draws_one_line_per_series(log, scale):
    """One line per series, x = layer 1..n, in log scale when asked."""
    ax = plots.plot_per_layer({"a": [1, 10, 100], "b": [2.0, 3.0, 4.0, 5.0]}, "std", title="T", log=log)
    (xa, ya), (xb, yb) = line_data(ax)
    np.testing.assert_array_equal(xa, [1, 2, 3])
    np.testing.assert_array_equal(ya, [1, 10, 100])
    np.testing.assert_array_equal(xb, [1, 2, 3, 4])
    assert ax.get_yscale() == scale
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("layer", "std", "T")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_plot_per_layer_draws_on_a_given_axes():
    """Given an Axes, the plot goes there."""
    _, given = plt.subplots()
    assert plots.plot_per_layer({"a": [1, 2]}, "y", ax=given) is given
    assert len(given.get_lines()) == 1


def test_plot_learning_curves_accepts_dicts_and_histories():
    """A plain dict and an object with a .history dict each give one curve per epoch."""
    histories = {
        "dict": {"val_accuracy": [0.5, 0.6, 0.7], "loss": [3, 2, 1]},
        "history": SimpleNamespace(history={"val_accuracy": [0.4, 0.8], "loss": [1, 1]}),
    }
    ax = plots.plot_learning_curves(histories)
    (x1, y1), (x2, y2) = line_data(ax)
    np.testing.assert_array_equal(x1, [1, 2, 3])
    np.testing.assert_allclose(y1, [0.5, 0.6, 0.7])
    np.testing.assert_array_equal(x2, [1, 2])
    np.testing.assert_allclose(y2, [0.4, 0.8])
    assert ax.get_ylabel() == "val accuracy"
    assert ax.get_yscale() == "linear"


def test_plot_learning_curves_uses_the_metric_asked_for():
    """metric= picks which series of each history is drawn."""
    ax = plots.plot_learning_curves({"run": {"val_accuracy": [0.1, 0.2], "loss": [3.0, 1.5]}}, metric="loss")
    ((_, y),) = line_data(ax)
    np.testing.assert_allclose(y, [3.0, 1.5])


def test_plot_functions_and_derivatives_draws_both_panels():
    """Each function gets a line on the left panel and its derivative on the right."""
    functions = {"sigmoid": keras.activations.sigmoid, "relu": keras.activations.relu}
    left, right = plots.plot_functions_and_derivatives(functions, z=np.linspace(-4, 4, 81))
    assert len(left.get_lines()) == 2 and len(right.get_lines()) == 2
    (_, sig), (_, relu) = line_data(left)
    (_, dsig), (_, drelu) = line_data(right)
    assert sig.max() < 1 and relu.max() == pytest.approx(4.0)
    assert dsig.max() == pytest.approx(0.25, abs=1e-6)
    assert set(np.unique(drelu)) <= {0.0, 1.0}
    assert left.get_figure() is right.get_figure()


def test_save_fig_writes_a_png_in_the_section_folder(monkeypatch, tmp_path):
    """save_fig writes images/<section key>/<name>.png, creating the folders."""
    monkeypatch.setattr(plots, "IMAGES_DIR", tmp_path / "images")
    plots.use_course_style(figures="some_section")
    plots.plot_per_layer({"a": [1, 2, 3]}, "y")
    plots.save_fig("per_layer")
    assert [p.name for p in (tmp_path / "images").iterdir()] == ["some_section"]
    assert (tmp_path / "images" / "some_section" / "per_layer.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plots.use_course_style()


# --- diagnostics ---------------------------------------------------------------------------


def test_deep_mlp_layers_and_parameter_count():
    """n_hidden Dense layers of `units`, then the output layer; parameters add up."""
    model = small_mlp(n_hidden=3, units=5)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [5, 5, 5, 2]
    assert [layer.activation.__name__ for layer in dense] == ["relu"] * 3 + ["softmax"]
    assert model.count_params() == (4 * 5 + 5) + 2 * (5 * 5 + 5) + (5 * 2 + 2)
    assert model.output_shape == (None, 2)


@pytest.mark.parametrize("initializer", ["he_normal", keras.initializers.GlorotUniform()], ids=["name", "instance"])
def test_deep_mlp_gives_each_layer_its_own_initializer(initializer):
    """Every hidden layer has a distinct initializer instance, so equal shapes draw differently."""
    model = small_mlp(n_hidden=4, units=5, initializer=initializer)
    inits = [layer.kernel_initializer for layer in hidden_layers(model)]
    assert len({id(init) for init in inits}) == 4
    assert all(init is not initializer for init in inits)
    assert {type(init) for init in inits} == {type(keras.initializers.get(initializer))}
    kernels = [layer.kernel.numpy() for layer in hidden_layers(model)[1:]]  # all 5x5
    assert not np.allclose(kernels[0], kernels[1]) and not np.allclose(kernels[1], kernels[2])


def test_activation_stats_has_one_entry_per_hidden_layer():
    """activation_stats gives, per hidden layer, the mean, the overall std and each unit's std over the batch."""
    model = small_mlp(n_hidden=3)
    X = np.random.default_rng(0).standard_normal((32, 4)).astype(np.float32)
    stats = activation_stats(model, X)
    assert list(stats.index) == [1, 2, 3] and list(stats.columns) == ["mean", "std", "std_across_inputs"]
    assert np.all(stats["mean"] >= 0) and np.all(stats["std"] > 0)
    first = np.maximum(X @ model.layers[-4].kernel.numpy() + model.layers[-4].bias.numpy(), 0)
    assert stats.loc[1, "mean"] == pytest.approx(first.mean(), rel=1e-5)
    assert stats.loc[1, "std"] == pytest.approx(first.std(), rel=1e-5)
    assert stats.loc[1, "std_across_inputs"] == pytest.approx(first.std(axis=0).mean(), rel=1e-5)


def test_std_across_inputs_sees_a_layer_that_answers_every_input_alike():
    """Units with different constant outputs have a large overall std but none across inputs."""
    model = small_mlp(n_hidden=1, units=5)
    layer = hidden_layers(model)[0]
    layer.kernel.assign(np.zeros_like(layer.kernel.numpy()))
    layer.bias.assign(np.arange(5, dtype=np.float32))  # unit j outputs j, whatever the input
    stats = activation_stats(model, np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32))
    assert stats.loc[1, "std"] == pytest.approx(np.std(np.arange(5)), rel=1e-5)
    assert stats.loc[1, "std_across_inputs"] == 0


def test_gradient_norms_are_positive_and_finite():
    """gradient_norms gives one positive, finite norm per hidden layer."""
    model = small_mlp(n_hidden=3, initializer="glorot_uniform")
    rng = np.random.default_rng(1)
    X = rng.standard_normal((32, 4)).astype(np.float32)
    y = rng.integers(0, 2, size=32)
    norms = gradient_norms(model, X, y)
    assert norms.shape == (3,)
    assert np.all(np.isfinite(norms)) and np.all(norms > 0)


@pytest.mark.parametrize(
    ("initializer", "low", "high"),
    [("he_normal", 0.1, 10.0), ("glorot_uniform", 0.0, 1e-3)],
)
def test_activation_scale_across_30_relu_layers(initializer, low, high):
    """He init keeps ReLU activations' scale across 30 layers; Glorot lets it collapse."""
    set_seeds(42)
    model = deep_mlp(30, 100, "relu", initializer, shape=(100,))
    X = np.random.default_rng(0).standard_normal((256, 100)).astype(np.float32)
    stds = activation_stats(model, X)["std"].to_numpy()
    ratio = stds[-1] / stds[0]
    assert stds.shape == (30,)
    assert low <= ratio <= high, ratio



def test_dead_units_counts_units_that_are_zero_for_every_input():
    """A unit whose bias and weights keep it negative for every input is dead; the others are not."""
    model = small_mlp(n_hidden=2, units=5)
    first = hidden_layers(model)[0]
    kernel, bias = first.kernel.numpy(), first.bias.numpy()
    kernel[:, :2], bias[:2] = 0.0, -1.0  # units 0 and 1 of layer 1: always -1 before ReLU
    first.set_weights([kernel, bias])
    X = np.random.default_rng(0).standard_normal((64, 4)).astype(np.float32)
    dead = utils.dead_units(model, X)
    assert dead.shape == (2,) and dead[0] == 2
    outputs = utils.hidden_outputs(model, X)
    assert [out.shape for out in outputs] == [(64, 5), (64, 5)]
    assert np.all(outputs[0][:, :2] == 0)
    probe = keras.Model(model.inputs[0], [layer.output for layer in hidden_layers(model)])
    for fast, reference in zip(outputs, probe(X, training=False), strict=True):
        np.testing.assert_array_equal(fast, np.asarray(reference))  # the same numbers as a probe model


def test_kernel_gradients_are_zero_for_dead_units_only():
    """The gradient of a dead ReLU unit's kernel column is exactly zero; gradient_norms are their norms."""
    model = small_mlp(n_hidden=2, units=5)
    first = hidden_layers(model)[0]
    kernel, bias = first.kernel.numpy(), first.bias.numpy()
    kernel[:, 0], bias[0] = 0.0, -1.0
    first.set_weights([kernel, bias])
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((64, 4)).astype(np.float32), rng.integers(0, 2, size=64)
    gradients = utils.kernel_gradients(model, X, y)
    assert [g.shape for g in gradients] == [(4, 5), (5, 5)]
    column_norms = np.linalg.norm(gradients[0], axis=0)
    assert column_norms[0] == 0 and np.all(column_norms[1:] > 0)
    np.testing.assert_allclose(gradient_norms(model, X, y), [np.linalg.norm(g) for g in gradients], rtol=1e-6)


def test_plot_functions_and_plot_derivatives_draw_one_line_each():
    """plot_functions draws values, plot_derivatives slopes, one labelled line per function."""
    functions = {"relu": keras.activations.relu, "identity": lambda z: z}
    z = np.linspace(-2, 2, 41)
    values, slopes = plots.plot_functions(functions, z), plots.plot_derivatives(functions, z)
    (_, relu), (_, identity) = line_data(values)
    np.testing.assert_allclose(relu, np.maximum(z, 0), atol=1e-6)
    np.testing.assert_allclose(identity, z, atol=1e-6)
    (_, drelu), (_, didentity) = line_data(slopes)
    assert set(np.unique(drelu)) <= {0.0, 1.0} and np.all(didentity == 1)
    assert [t.get_text() for t in slopes.get_legend().get_texts()] == ["relu", "identity"]
    assert (values.get_ylabel(), slopes.get_ylabel()) == ("f(z)", "f′(z)")

# --- reproducibility and setup -------------------------------------------------------------


def initial_weights(seed):
    """The initial weights of a small model built right after set_seeds(seed)."""
    set_seeds(seed)
    return deep_mlp(2, 8, "relu", "he_normal", shape=(4,), n_outputs=3).get_weights()


def test_set_seeds_makes_initial_weights_reproducible():
    """The same seed gives the same weights; another seed gives different ones."""
    first, again, other = initial_weights(7), initial_weights(7), initial_weights(8)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def trained_run(seed, model=None):
    """Weights after two shuffled epochs of fit(), one shuffled pass of tf.data and dropout, from set_seeds(seed);
    ``model`` (a compiled one, its step already traced) is trained again rather than a new one."""
    set_seeds(seed)
    X, y = np.random.rand(64, 4).astype("float32"), np.random.randint(0, 3, 64)
    layers = [keras.layers.Dropout(0.3), keras.layers.Dense(3, activation="softmax")]
    fresh = keras.Sequential([keras.Input((4,)), *layers])
    fresh.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    model = fresh if model is None else restarted(model, fresh)
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    model.fit(utils.epochs_in_one_pass(X, y, 1, batch_size=8), shuffle=False, verbose=0)
    return model, [weight.copy() for weight in model.get_weights()]


def test_a_seed_gives_the_same_training_again_after_other_seeds():
    """set_seeds keeps TensorFlow's traced steps (it skips TensorFlow's cache clearing), yet a seed still gives the
    same shuffles, dropout masks and weights, whatever ran before; another seed gives another training."""
    model, first = trained_run(5)
    _, other = trained_run(6, model)
    _, again = trained_run(5, model)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_set_seeds_keeps_the_traced_steps(monkeypatch):
    """A new seed does not empty TensorFlow's kernel caches (which would set every traced step up again)."""
    from tensorflow.python import pywrap_tfe

    cleared = []
    monkeypatch.setattr(pywrap_tfe, "TFE_ContextClearCaches", cleared.append)
    set_seeds(11)
    assert not cleared and tf.random.uniform(()) is not None


def test_set_seeds_also_seeds_numpy():
    """NumPy's global generator restarts with the seed."""
    set_seeds(3)
    a = np.random.rand(3)
    set_seeds(3)
    np.testing.assert_array_equal(a, np.random.rand(3))


@pytest.mark.parametrize(
    ("quick", "mode", "other"), [("1", "quick mode", "full mode"), (None, "full mode", "quick mode")]
)
def test_setup_reports_versions_and_mode(monkeypatch, capsys, quick, mode, other):
    """setup() names the TensorFlow version and the mode, and applies the course style."""
    if quick is None:
        monkeypatch.delenv("COURSE_QUICK", raising=False)
    else:
        monkeypatch.setenv("COURSE_QUICK", quick)
    plt.rcParams["axes.spines.top"] = True
    exercises = utils.setup("unstable_gradients", seed=5)
    out = capsys.readouterr().out
    assert "glorot_limit" in problems_of(exercises)
    assert f"TensorFlow {tf.__version__}" in out
    assert mode in out and other not in out
    assert "seed 5" in out
    assert plt.rcParams["axes.spines.top"] is False
