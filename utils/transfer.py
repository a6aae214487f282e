"""Helpers for reusing layers (section 5): where models are saved, copies of a model's lower layers,
and training on a few hundred images without paying Keras's per-epoch bookkeeping."""

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"


def model_path(name: str) -> Path:
    """Where to save the model ``name``: models/<name>.keras, in a folder git ignores."""
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    return MODELS_DIR / f"{name}.keras"


def reuse_layers(source: keras.Sequential, n_hidden: int, head: keras.layers.Layer) -> keras.Sequential:
    """A new model: copies of ``source``'s layers up to its ``n_hidden``-th Dense layer, with their weights,
    then ``head``. Nothing is shared with ``source``, and every copy is trainable."""
    dense = [i for i, layer in enumerate(source.layers) if isinstance(layer, keras.layers.Dense)]
    if not 0 <= n_hidden <= len(dense):
        raise ValueError(f"n_hidden={n_hidden}: the source has {len(dense)} Dense layers")
    kept = source.layers[: dense[n_hidden - 1] + 1] if n_hidden else source.layers[: dense[0]]
    copies = [type(layer).from_config(layer.get_config()) for layer in kept]
    model = keras.Sequential([keras.Input(source.input_shape[1:]), *copies, head])
    for copy, layer in zip(copies, kept, strict=True):
        copy.set_weights(layer.get_weights())
        copy.trainable = True
    return model


def epochs_in_one_pass(X, y, epochs: int, batch_size: int = 32) -> tf.data.Dataset:
    """``epochs`` epochs of (X, y), reshuffled each epoch, as one tf.data pass: ``fit(dataset)`` trains them
    as if ``fit(X, y, epochs=epochs)``, without Keras's per-epoch overhead (most of an epoch's time on 200 images)."""
    pairs = tf.data.Dataset.from_tensor_slices((X, y))
    return pairs.shuffle(len(X), reshuffle_each_iteration=True).batch(batch_size).repeat(epochs)


def binary_accuracy(model: keras.Model, X, y) -> float:
    """The share of images whose predicted probability falls on the right side of 0.5."""
    probabilities = np.asarray(model(X, training=False))[:, 0]
    return float(np.mean((probabilities > 0.5) == (np.asarray(y) > 0.5)))
