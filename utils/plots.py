"""Plotting helpers with one look for the whole course; each returns the Axes it drew on."""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib.ticker import MaxNLocator

IMAGES_DIR = Path(__file__).resolve().parents[1] / "images"

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


def use_course_style() -> None:
    """Apply the course's matplotlib style."""
    plt.rcParams.update(STYLE)


def save_fig(name: str) -> None:
    """Save the current figure as images/<name>.png, an ignored folder."""
    IMAGES_DIR.mkdir(parents=True, exist_ok=True)
    plt.savefig(IMAGES_DIR / f"{name}.png")


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
    z = np.linspace(-5, 5, 401) if z is None else z
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for label, fn in functions.items():
        y, dy = function_and_derivative(fn, z)
        left.plot(z, y, label=label)
        right.plot(z, dy, label=label)
    new_axes(left, "Activation", "z", "f(z)").legend()
    new_axes(right, "Derivative", "z", "f′(z)").legend()
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
