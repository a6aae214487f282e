"""Training helpers: callbacks and small utilities used while fitting models."""

import time

import keras
import numpy as np
import tensorflow as tf


class LiveProgress(keras.callbacks.Callback):
    """Show one live line per training run (its label, epoch, batch, a few metrics, the time left), then its summary.

    In Jupyter the line is an IPython display updated in place, so a stored notebook keeps just the
    final summary; elsewhere it prints the summary of each epoch. ``later_s`` is the time expected
    for what comes after this run (other runs of the same cell), added to the time left shown.
    """

    def __init__(self, label: str, every_s: float = 1.0, line=None, later_s: float | None = None):
        super().__init__()
        self.label, self.every_s, self.line, self.later_s = label, every_s, line, later_s

    def on_train_begin(self, logs=None):
        self._started = self._shown = time.perf_counter()
        self._epoch, self._epochs_done, self._logs = 0, 0, {}
        self._handle = self.line or live_line(f"{self.label}: starting ...")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._handle is not None and time.perf_counter() - self._shown >= self.every_s:
            steps = self.params.get("steps")
            done = self._epoch + (batch + 1) / steps if steps else self._epoch
            self._show(f"epoch {self._epoch + 1}/{self.params['epochs']}, batch {batch + 1}/{steps or '?'}", logs, done)

    def on_epoch_end(self, epoch, logs=None):
        self._epochs_done, self._logs = epoch + 1, dict(logs or {})
        self._show(f"epoch {epoch + 1}/{self.params['epochs']}", logs, epoch + 1)

    def on_train_end(self, logs=None):
        if self._handle is not None:  # a terminal has seen every epoch's line already
            seconds = time.perf_counter() - self._started
            self._show(f"{self._epochs_done} epochs in {seconds:.0f} s", self._logs)

    def _show(self, where: str, logs, epochs_done: float | None = None) -> None:
        """Show the run's label, ``where`` it is, a few metrics and, while it trains, the time left."""
        line = f"{self.label}: {where}"
        metrics = short_metrics(logs)
        if metrics:
            line += f"; {metrics}"
        if epochs_done:  # the rest of this run at the pace so far, then what comes after it
            left = (time.perf_counter() - self._started) / epochs_done * (self.params["epochs"] - epochs_done)
            line += f"; {time_left(left + (self.later_s or 0.0))}"
        say(self._handle, line)
        self._shown = time.perf_counter()


SHOWN_METRICS = 3  # a progress line stays short: the first few of the metrics, validation ones first


def short_metrics(logs) -> str:
    """At most SHOWN_METRICS numeric entries of ``logs``, validation metrics first: 'val_accuracy 0.85, ...'."""
    numbers = {key: value for key, value in (logs or {}).items() if _is_number(value)}
    chosen = []
    for key in sorted(numbers, key=lambda key: ("val_" not in key, "accuracy" not in key, len(key))):
        if len(chosen) < SHOWN_METRICS and not any(key.endswith(shown) for shown in chosen):  # not final_val_loss too
            chosen.append(key)
    return ", ".join(f"{key} {float(numbers[key]):.4g}" for key in chosen)


def time_left(seconds: float) -> str:
    """'about 40 s left', rounded so that it does not flicker (to 5 s above a minute)."""
    if seconds >= 60:
        return f"about {5 * round(seconds / 5):.0f} s left"
    return f"about {max(1, round(seconds))} s left"


def progress(items, label: str):
    """Iterate over ``items`` showing a live line (label, which item, how many done, the time left), then the time
    taken."""
    items = list(items)
    started, handle = time.perf_counter(), live_line(f"{label}: 0/{len(items)}")
    for done, item in enumerate(items):
        name = item[0] if isinstance(item, tuple) and isinstance(item[0], str) else item
        left = f"; {time_left((time.perf_counter() - started) / done * (len(items) - done))}" if done else ""
        say(handle, f"{label}: {done}/{len(items)} done, now {name}{left}")
        yield item
    say(handle, f"{label}: {len(items)}/{len(items)} done in {time.perf_counter() - started:.0f} s")


def say(handle, line: str) -> None:
    """Show ``line``: update the live display, or print it where there is none."""
    if handle is None:
        print(line, flush=True)
    else:
        handle.update(_Line(line))


class _Line:
    """A line of text that Jupyter shows as plain text (a str would show with its quotes)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self):
        return self.text


def _is_number(value) -> bool:
    """True for anything float() accepts (Python and NumPy scalars, 0-d tensors)."""
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def live_line(text: str):
    """A display handle showing ``text`` in a Jupyter kernel (update it with ``say``), or None anywhere else."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return None
    return display(_Line(text), display_id=True)


class EpochTimer(keras.callbacks.Callback):
    """Record the seconds each epoch spent training in ``self.seconds`` (and in the History as ``seconds``).

    The clock stops when validation begins, so an epoch's time is that of its training steps alone.
    """

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._stop = time.perf_counter(), None

    def on_test_begin(self, logs=None):
        if getattr(self, "_stop", 0) is None:  # validation inside fit, not a separate evaluate()
            self._stop = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append((self._stop or time.perf_counter()) - self._start)
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
