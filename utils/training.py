"""Training helpers: callbacks and small utilities used while fitting models."""

import time

import keras
import numpy as np
import tensorflow as tf


class EpochTimer(keras.callbacks.Callback):
    """Record the wall-clock seconds of each epoch in ``self.seconds`` (and in the History as ``seconds``)."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)
        if logs is not None:
            logs["seconds"] = self.seconds[-1]  # History records it next to the metrics


def applied_gradients(gradients, **clipping) -> list[np.ndarray]:
    """The gradients an optimizer with ``clipping`` really applies: one SGD step at learning rate 1."""
    gradients = [tf.constant(g, dtype=tf.float32) for g in gradients]
    variables = [keras.Variable(tf.zeros_like(g)) for g in gradients]  # each starts at 0 ...
    keras.optimizers.SGD(learning_rate=1.0, **clipping).apply_gradients(zip(gradients, variables, strict=True))
    return [-variable.numpy() for variable in variables]  # ... and moves by -1 × the applied gradient


def angle_degrees(u, v) -> float:
    """The angle between two vectors, in degrees; lists of arrays count as one long vector."""
    u, v = (np.concatenate([np.ravel(part) for part in x]).astype(float) for x in (u, v))
    cosine = u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def train_steps(model, optimizer, X, y, steps: int, batch_size: int = 32) -> dict[str, np.ndarray]:
    """Train on ``steps`` consecutive mini-batches; the loss and the global gradient norm (before clipping) of each."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    optimizer.build(model.trainable_variables)

    @tf.function
    def step(X_batch, y_batch):
        with tf.GradientTape() as tape:
            loss = loss_fn(y_batch, model(X_batch, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))  # clipping happens in here
        return loss, tf.linalg.global_norm(gradients)

    losses, norms = np.empty(steps), np.empty(steps)
    for i in range(steps):
        start = i * batch_size % (len(X) - batch_size + 1)  # walk through the data in order, wrapping around
        batch = slice(start, start + batch_size)
        losses[i], norms[i] = (float(t) for t in step(tf.constant(X[batch]), tf.constant(y[batch])))
    return {"loss": losses, "gradient_norm": norms}
