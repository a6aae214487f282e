"""Plotting helpers with one look for the whole course; each returns the Axes it drew on."""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib.ticker import MaxNLocator

IMAGES_DIR = Path(__file__).resolve().parents[1] / "images"
_figures = {"folder": IMAGES_DIR}  # where save_fig writes: images/<section key>/ once setup has run

STYLE = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "legend.frameon": False,
}


def use_course_style(figures: str | None = None) -> None:
    """Apply the course's matplotlib style; save figures under images/<figures>/ if given."""
    plt.rcParams.update(STYLE)
    _figures["folder"] = IMAGES_DIR / figures if figures else IMAGES_DIR


def save_fig(name: str) -> None:
    """Save the current figure as images/<section>/<name>.png (an ignored folder)."""
    folder = _figures["folder"]
    folder.mkdir(parents=True, exist_ok=True)
    plt.savefig(folder / f"{name}.png")


def new_axes(ax=None, title=None, xlabel=None, ylabel=None):
    """The given Axes, or a fresh one, labelled."""
    ax = ax if ax is not None else plt.subplots()[1]
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return ax


def function_and_derivative(fn, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values and derivatives of an element-wise function, by TensorFlow's automatic differentiation."""
    z = tf.constant(z, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = fn(z)
    return y.numpy(), tape.gradient(y, z).numpy()


def plot_functions_and_derivatives(functions: dict, z=None):
    """Two panels: each function, then its derivative, computed from the function itself."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    plot_functions(functions, z, "Activation", ax=left)
    plot_derivatives(functions, z, "Derivative", ax=right)
    return left, right


def plot_per_layer(series: dict, ylabel: str, title=None, log=True, ax=None):
    """One line per configuration across the layers of a network (layer 1 = nearest the input)."""
    ax = new_axes(ax, title, "layer", ylabel)
    for label, values in series.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if log:
        ax.set_yscale("log")
    ax.legend()
    return ax


def plot_learning_curves(histories: dict, metric: str = "val_accuracy", title=None, ax=None):
    """One curve of ``metric`` per epoch for each Keras History (or history dict)."""
    ax = new_axes(ax, title, "epoch", metric.replace("_", " "))
    for label, history in histories.items():
        values = getattr(history, "history", history)[metric]
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    return ax


def plot_functions(functions: dict, z=None, title="Activation functions", ax=None):
    """Each element-wise function of ``functions`` (label -> function) on one Axes."""
    return _plot_elementwise(functions, z, 0, new_axes(ax, title, "z", "f(z)"))


def plot_derivatives(functions: dict, z=None, title="Derivatives", ax=None):
    """The derivative of each function of ``functions``, by automatic differentiation, on one Axes."""
    return _plot_elementwise(functions, z, 1, new_axes(ax, title, "z", "f′(z)"))


def _plot_elementwise(functions: dict, z, which: int, ax):
    """Plot the values (which=0) or the derivatives (which=1) of each function over z (default [-5, 5])."""
    z = np.linspace(-5, 5, 401) if z is None else z
    for label, fn in functions.items():
        ax.plot(z, function_and_derivative(fn, z)[which], label=label)
    ax.legend()
    return ax


def plot_training_steps(runs: dict, title=None):
    """Each run's gradient norm and loss per training step, on log scales; × marks a run's last finite value."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for label, run in runs.items():
        for ax, key in zip(axes, ("gradient_norm", "loss"), strict=True):
            values = np.where(np.isfinite(run[key]), run[key], np.nan)  # inf and NaN are not drawn
            (line,) = ax.plot(np.arange(1, len(values) + 1), values, linewidth=1, label=label)
            finite = np.flatnonzero(np.isfinite(values))
            if len(finite) < len(values) and len(finite):
                ax.plot(finite[-1] + 1, values[finite[-1]], "x", color=line.get_color(), markersize=10, mew=2)
    new_axes(axes[0], "Gradient norm before clipping", "training step (log)", "global gradient norm (log)")
    new_axes(axes[1], "Training loss", "training step (log)", "mini-batch loss (log)")
    for ax in axes:  # log steps spread out the first few, where an explosion happens
        ax.set(xscale="log", yscale="log")
    axes[0].legend(loc="upper right")
    if title:
        fig.suptitle(title)
    return axes


def plot_histogram(values, marks: dict, xlabel: str, title=None, ax=None):
    """A histogram of the finite ``values``, with a labelled vertical line at each of ``marks``."""
    values = np.asarray(values, dtype=float)
    ax = new_axes(ax, title, xlabel, "count")
    ax.hist(values[np.isfinite(values)], bins=40, color="0.75")
    for (label, value), color in zip(marks.items(), plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False):
        ax.axvline(value, color=color, linestyle="--", label=f"{label}: {value:.3g}")
    ax.legend()
    return ax
