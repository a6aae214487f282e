"""utils.schedules: rates from schedule objects, a check that catches schedules that never act, and a rate log."""

import keras
import numpy as np
import pytest

from tests.test_saving import notebook_classes
from utils.schedules import LearningRateFinder, RateLog, check_schedule, rates_of

S = keras.optimizers.schedules


@pytest.mark.parametrize(
    "schedule",
    [
        S.ExponentialDecay(0.01, 100, 0.1),
        S.InverseTimeDecay(0.01, 100, 1.0),
        S.PiecewiseConstantDecay([100, 200], [0.01, 0.005, 0.001]),
        S.CosineDecay(0.001, 300, warmup_target=0.01, warmup_steps=50),  # branches on the step
        S.PolynomialDecay(0.01, 300, 1e-4, power=2.0),
    ],
    ids=lambda schedule: type(schedule).__name__,
)
def test_rates_of_equals_the_schedule_step_by_step(schedule):
    """Whichever way rates_of evaluates a schedule (all steps at once or a traced loop), each rate is the object's."""
    rates = rates_of(schedule, 400)
    assert rates.shape == (400,)
    for step in (0, 1, 49, 50, 100, 101, 299, 399):
        assert np.isclose(rates[step], float(schedule(step)), rtol=1e-6), step


def test_rates_of_a_plain_function():
    assert rates_of(lambda step: 0.1 / (step + 1), 3).tolist() == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_check_schedule_catches_boundaries_beyond_training():
    """The chapter's boundaries (50,000 and 80,000 steps) never fire in 10 epochs of 1,719 steps."""
    with pytest.raises(ValueError, match="never used"):
        check_schedule(S.PiecewiseConstantDecay([50_000, 80_000], [0.01, 0.005, 0.001]), 17_190)
    with pytest.raises(ValueError, match=r"\[999\]"):  # the last boundary at the last step: its piece never starts
        check_schedule(S.PiecewiseConstantDecay([500, 999], [0.01, 0.005, 0.001]), 1000)
    check_schedule(S.PiecewiseConstantDecay([500, 998], [0.01, 0.005, 0.001]), 1000)


def test_check_schedule_catches_a_rate_that_never_changes():
    with pytest.raises(ValueError, match="never acts"):
        check_schedule(S.ExponentialDecay(0.01, 100, 1.0), 1000)
    check_schedule(S.ExponentialDecay(0.01, 100, 0.5), 1000)


def test_rate_log_records_the_rate_and_loss_of_every_step():
    """The logged rates are the schedule's, step by step; each epoch's recovered batch losses average to its mean."""
    X = np.random.default_rng(0).random((100, 3)).astype("float32")
    y = X.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    schedule = S.PiecewiseConstantDecay([5], [0.05, 0.01])
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(schedule))
    log = RateLog()
    history = model.fit(X, y, batch_size=20, epochs=2, verbose=0, shuffle=False, callbacks=[log])
    np.testing.assert_allclose(log.rates, rates_of(schedule, 10), rtol=1e-6)
    assert log.epoch_starts == [0, 5]
    epoch_means = [log.losses[start:start + 5].mean() for start in log.epoch_starts]
    np.testing.assert_allclose(epoch_means, history.history["loss"], rtol=1e-5)


def finder_problem(steps_per_execution):
    """A small classifier compiled with SGD and momentum, and its data: 128 batches of 8."""
    keras.utils.set_random_seed(0)
    X = np.random.default_rng(0).normal(size=(1024, 6)).astype("float32")
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="sparse_categorical_crossentropy",
                  steps_per_execution=steps_per_execution)
    return model, X, y


def test_finder_matches_section_7_one_step_at_a_time():
    """With one step per execution, utils' finder records what section 7's finder records, rate for rate."""
    section_7 = notebook_classes("07_learning_rate_scheduling.py")["LearningRateFinder"]
    recorded = []
    for finder_class in (section_7, LearningRateFinder):
        model, X, y = finder_problem(1)
        finder = finder_class(lowest=1e-4, highest=10.0, steps=100)
        model.fit(X, y, batch_size=8, epochs=1, verbose=0, callbacks=[finder])
        recorded.append((finder.rates, finder.losses, finder.suggestion()))
    assert recorded[0][0] == recorded[1][0]
    np.testing.assert_allclose(recorded[0][1], recorded[1][1], rtol=1e-6)
    assert recorded[0][2] == recorded[1][2]


def test_finder_with_several_steps_per_execution_sweeps_in_stairs_and_restores_everything():
    """With 10 steps per execution: one rate per execution, rising as in the one-step sweep; the weights and the
    optimizer's variables are back as they were."""
    model, X, y = finder_problem(10)
    weights = [w.copy() for w in model.get_weights()]
    model.optimizer.build(model.trainable_variables)
    slots = [v.numpy().copy() for v in model.optimizer.variables]
    finder = LearningRateFinder(lowest=1e-4, highest=10.0, steps=100, divergence=1e9)
    model.fit(X, y, batch_size=8, epochs=1, verbose=0, callbacks=[finder])
    assert len(finder.rates) == len(finder.losses) == 10  # 100 steps, 10 per execution
    expected = 1e-4 * (10.0 / 1e-4) ** (np.arange(0, 100, 10) / 99)
    np.testing.assert_allclose(finder.rates, expected, rtol=1e-6)
    assert all(np.isfinite(finder.losses))
    for before, after in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    for before, after in zip(slots, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(before, after.numpy())
