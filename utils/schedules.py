"""Learning-rate schedules observed: the rate a schedule gives at each step, and the rate training really used.

``rates_of(schedule, steps)`` evaluates a Keras schedule object; ``RateLog`` records, during
``fit``, the rate of every step and that step's own loss; ``check_schedule`` refuses a schedule
that would not change during the training it is meant for.
"""

import keras
import numpy as np
import tensorflow as tf

from utils._quiet import retracing_allowed
from utils.plots import new_axes


def rates_of(schedule, steps: int) -> np.ndarray:
    """The rate ``schedule`` gives at steps 0, 1, ..., steps - 1 (a Keras schedule, or any function of the step)."""
    try:  # most schedules accept every step at once, which is hundreds of times faster
        rates = keras.ops.convert_to_numpy(schedule(keras.ops.arange(steps))).astype(float)
        if rates.shape == (steps,):
            return rates
    except Exception:  # some schedules branch on the step (CosineDecay with warmup): one step at a time
        pass
    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):  # one traced loop over the steps
        every_step = tf.function(lambda: tf.map_fn(lambda step: tf.cast(schedule(step), tf.float32), tf.range(steps),
                                                   fn_output_signature=tf.float32))
        with retracing_allowed():  # a new function per schedule, on purpose
            return every_step().numpy().astype(float)
    return np.array([float(schedule(step)) for step in range(steps)])


def check_schedule(schedule, total_steps: int) -> None:
    """Raise ValueError if ``schedule`` does not change the rate during ``total_steps`` steps of training.

    A piecewise-constant schedule must also reach every one of its pieces: each boundary (a step
    count) must come before the end of training.
    """
    boundaries = getattr(schedule, "boundaries", None)
    if boundaries is not None:
        late = [int(boundary) for boundary in boundaries if boundary >= total_steps - 1]
        if late:
            raise ValueError(
                f"boundaries {late} lie at or beyond the last of the {total_steps:,} training steps: the pieces after "
                "them are never used. Boundaries count steps (batches), not epochs: after k epochs, training is at "
                "step k × steps per epoch."
            )
    rates = rates_of(schedule, total_steps)
    if np.allclose(rates, rates[0], rtol=1e-6, atol=0):
        raise ValueError(f"the rate stays at {rates[0]:.3g} for all {total_steps:,} steps: the schedule never acts")


class RateLog(keras.callbacks.Callback):
    """Record, for every training step, the learning rate the optimizer used and the loss of that step's batch.

    After ``fit``: ``rates``, ``losses`` (arrays, one entry per step) and ``epoch_starts`` (the step at
    which each epoch began). Keras reports the mean loss since the epoch began; each batch's own
    loss is recovered from two consecutive means. Compile with ``steps_per_execution=1`` (the
    default), or the callback sees only every n-th step.
    """

    def on_train_begin(self, logs=None):
        self._rates, self._losses, self.epoch_starts = [], [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_starts.append(len(self._rates))
        self._mean_so_far = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        self._rates.append(float(self.model.optimizer.learning_rate))  # the rate this step is about to use

    def on_train_batch_end(self, batch, logs=None):
        mean = float(logs["loss"])
        self._losses.append(mean * (batch + 1) - self._mean_so_far * batch)
        self._mean_so_far = mean

    @property
    def rates(self) -> np.ndarray:
        return np.array(self._rates)

    @property
    def losses(self) -> np.ndarray:
        return np.array(self._losses)


def plot_rates(rates: dict, steps_per_epoch: int, title=None, ax=None, log: bool = True):
    """Each named sequence of per-step learning rates against the step, with the epochs along the top."""
    ax = new_axes(ax, title, "step", "learning rate")
    for name, values in rates.items():
        ax.plot(np.arange(len(values)), values, label=name)
    if log:
        ax.set_yscale("log")
    top = ax.secondary_xaxis("top", functions=(lambda step: step / steps_per_epoch,
                                                lambda epoch: epoch * steps_per_epoch))
    top.set_xlabel("epoch")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return ax


class LearningRateFinder(keras.callbacks.Callback):
    """Section 7.4's learning-rate finder, for any ``steps_per_execution``: raise the rate exponentially from
    ``lowest`` to ``highest`` over ``steps`` steps, record the smoothed loss, stop when it diverges; then
    restore the model's weights and the optimizer's variables.

    Keras calls batch callbacks once per execution, so with ``steps_per_execution=n`` the rate rises in
    stairs of n steps and each recorded loss is the mean loss of those n batches.
    """

    def __init__(self, lowest=1e-5, highest=10.0, steps=300, smoothing=0.95, divergence=4.0):
        super().__init__()
        self.lowest, self.highest, self.steps = lowest, highest, steps
        self.smoothing, self.divergence = smoothing, divergence

    def on_train_begin(self, logs=None):
        self.saved_weights = self.model.get_weights()
        self.model.optimizer.build(self.model.trainable_variables)  # no-op if it has trained before
        self.saved_optimizer = [variable.numpy() for variable in self.model.optimizer.variables]
        self.rates, self.losses, self.average, self.done = [], [], 0.0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.mean_so_far, self.batches_so_far = 0.0, 0  # Keras reports the mean loss since the epoch began

    def on_train_batch_begin(self, batch, logs=None):
        rate = self.lowest * (self.highest / self.lowest) ** (self.done / (self.steps - 1))
        self.model.optimizer.learning_rate.assign(rate)
        self.rates.append(rate)

    def on_train_batch_end(self, batch, logs=None):
        batches = batch + 1 - self.batches_so_far  # the steps this execution ran
        loss = (logs["loss"] * (batch + 1) - self.mean_so_far * self.batches_so_far) / batches  # their own mean loss
        self.mean_so_far, self.batches_so_far, self.done = logs["loss"], batch + 1, self.done + batches
        weight = self.smoothing ** batches  # the average forgets as much as it would over that many steps
        self.average = weight * self.average + (1 - weight) * loss
        self.losses.append(self.average / (1 - self.smoothing ** self.done))
        diverged = not np.isfinite(self.losses[-1]) or self.losses[-1] > self.divergence * min(self.losses)
        if diverged or self.done >= self.steps:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.model.set_weights(self.saved_weights)
        for variable, value in zip(self.model.optimizer.variables, self.saved_optimizer, strict=True):
            variable.assign(value)

    def suggestion(self) -> float:
        """A tenth of the rate at which the smoothed loss was lowest."""
        return self.rates[int(np.argmin(self.losses))] / 10
