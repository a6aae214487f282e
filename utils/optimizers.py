"""Optimizers at work on small problems: follow one on a loss surface, measure its path, draw it.

An *update rule* is anything with a ``step(w, g)`` method that returns the new weights (the
notebooks write them in NumPy), or a Keras optimizer; ``descend`` runs either the same way, so
their paths can be compared number for number.
"""

import keras
import numpy as np
import tensorflow as tf

from utils._quiet import retracing_allowed
from utils.plots import new_axes


def descend(update, start, gradient, steps: int | None = None) -> np.ndarray:
    """The path of ``update`` from ``start``: an array of the weights before and after each step.

    ``gradient`` is a function of the weights (a loss surface) or a sequence of gradients to apply
    in turn. ``update`` is a NumPy rule (``update.step(w, g)`` returns the new weights) or a Keras
    optimizer, which then updates a float64 variable, so that only the rule itself can differ.
    """
    if not callable(gradient):
        gradients = np.asarray(gradient, dtype=float)
        steps = len(gradients) if steps is None else steps
        gradient = _one_after_another(gradients)
    if steps is None:
        raise ValueError("give the number of steps: the gradient is a function, so nothing says when to stop")
    if isinstance(update, keras.optimizers.Optimizer):
        update = _KerasRule(update, start)
    elif not callable(getattr(update, "step", None)):
        raise TypeError(f"expected a Keras optimizer or a rule with a step(w, g) method, not {type(update).__name__}")
    path = [np.asarray(start, dtype=float)]
    for _ in range(steps):
        path.append(np.asarray(update.step(path[-1], gradient(path[-1])), dtype=float))
    return np.array(path)


def _one_after_another(gradients: np.ndarray):
    """A gradient function that ignores the weights and gives the next of ``gradients`` at each call."""
    remaining = iter(gradients)
    return lambda w: next(remaining)


class _KerasRule:
    """A Keras optimizer seen as an update rule: it owns one float64 variable, the weights."""

    def __init__(self, optimizer, start):
        variable = keras.Variable(np.asarray(start, dtype="float64"), dtype="float64")
        optimizer.build([variable])

        @tf.function  # traced once: a step then takes a fraction of a millisecond instead of milliseconds
        def apply(g):
            optimizer.apply_gradients([(g, variable)])
            return variable.value

        self.apply = apply
        with retracing_allowed():  # each rule traces its own step, on purpose
            apply.get_concrete_function(tf.TensorSpec(variable.shape, tf.float64))

    def step(self, w, g):
        return self.apply(tf.constant(g, dtype=tf.float64)).numpy()


def steps_to_settle(path: np.ndarray, target, tolerance: float) -> int | None:
    """The first step after which the path stays within ``tolerance`` of ``target``; None if it never does."""
    distances = np.linalg.norm(np.asarray(path) - np.asarray(target, dtype=float), axis=-1)
    outside = np.flatnonzero(distances > tolerance)
    if len(outside) == 0:
        return 0
    return None if outside[-1] == len(distances) - 1 else int(outside[-1] + 1)


def plot_paths(loss, paths: dict, box, minimum=None, title=None, ax=None, levels: int = 20):
    """Contours of ``loss(x, y)`` over ``box`` = (xmin, xmax, ymin, ymax), and each named path on top."""
    ax = new_axes(ax, title, "$w_1$", "$w_2$")
    xs, ys = np.linspace(box[0], box[1], 300), np.linspace(box[2], box[3], 300)
    X, Y = np.meshgrid(xs, ys)
    Z = loss(X, Y)
    ax.contour(X, Y, Z, levels=np.quantile(Z, np.linspace(0, 1, levels + 2)[1:-1] ** 2), colors="0.75",
               linewidths=0.7)  # squared quantiles: more contours near the minimum, where the paths end
    for name, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], marker="o", markersize=2.5, linewidth=1.2, label=name)
    ax.plot(*paths[next(iter(paths))][0], "ks", markersize=6, label="start")
    if minimum is not None:
        ax.plot(*minimum, "k*", markersize=12, label="minimum")
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.legend(fontsize=8, loc="best")
    return ax

