"""Section 7 checks: schedules judged by their rates at many steps, each typical slip named."""

import math

import keras
import numpy as np
import pytest

from tests.feedback import assert_incorrect
from utils.checks.learning_rate_scheduling import finder_curve, section
from utils.exercises import Outcome

S = keras.optimizers.schedules


def correct(feedback):
    return feedback.outcome is Outcome.CORRECT


# exponential_rate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        lambda step: 0.05 * 0.5 ** (step / 1000),
        lambda step: 0.05 * math.exp(math.log(0.5) * step / 1000),
        lambda step: 0.05 / 2 ** (step / 1000),
        lambda step: np.float32(0.05) * np.float32(0.5) ** np.float32(step / 1000),
        lambda step: S.ExponentialDecay(0.05, 1000, 0.5)(step),  # a tensor, from Keras's own object
    ],
)
def test_exponential_rate_correct(answer):
    feedback = section.exponential_rate.evaluate(answer)
    assert correct(feedback), feedback.message


def forgets_return(step):
    """The rate computed, but never returned."""
    rate = 0.05 * 0.5 ** (step / 1000)
    print(end="" if rate else "")


@pytest.mark.parametrize(
    "answer, keywords",
    [
        (lambda step: 0.05 * 0.5 ** (step // 1000), ("staircase",)),
        (lambda step: 0.05 * 0.5 ** ((step + 1) / 1000), ("off by one",)),
        (lambda step: 0.05 * 0.5**step, ("halves every 1 steps",)),
        (lambda step: 0.05 * math.exp(-0.5 * step / 1000), ("natural exponential",)),
        (lambda step: 0.05 * 0.5 ** (step / 1000 / 157), ("counting epochs",)),
        (lambda step: 0.05 * 0.5 ** (step / 10_000), ("halves every 10,000 steps",)),
        (lambda step: 0.05 * 0.5 ** step / 1000, ("binds tighter",)),
        (lambda step: (0.05 * 0.5) ** (step / 1000), ("inside the power",)),
        (forgets_return, ("returned none",)),
        (lambda step: 0.05 / (1 + 0.5 * step / 1000), ("inversetimedecay",)),
        (lambda step: 0.01 * 0.5 ** (step / 1000), ("at step 0",)),
        (lambda: 0.05, ("one argument",)),
        (S.ExponentialDecay(0.05, 1000, 0.5), ("schedule object",)),
        (0.05, ("function",)),
    ],
)
def test_exponential_rate_slips(answer, keywords):
    assert_incorrect(section.exponential_rate.evaluate(answer), *keywords)


def test_exponential_rate_stub_is_not_attempted():
    def exponential_rate(step):
        ...

    assert section.exponential_rate.evaluate(exponential_rate).outcome is Outcome.NOT_ATTEMPTED


# piecewise_boundaries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        lambda: S.PiecewiseConstantDecay([4299, 6449], [0.01, 0.005, 0.001]),
        lambda: S.PiecewiseConstantDecay([10 * 430 - 1, 15 * 430 - 1], [0.01, 0.005, 0.001]),
        lambda: S.PiecewiseConstantDecay([4299.0, 6449.0], [1e-2, 5e-3, 1e-3]),
    ],
)
def test_piecewise_boundaries_correct(answer):
    feedback = section.piecewise_boundaries.evaluate(answer())
    assert correct(feedback), feedback.message


@pytest.mark.parametrize(
    "answer, keywords",
    [
        (lambda: S.PiecewiseConstantDecay([10, 15], [0.01, 0.005, 0.001]), ("count epochs",)),
        (lambda: S.PiecewiseConstantDecay([4300, 6450], [0.01, 0.005, 0.001]), ("one step late",)),
        (lambda: S.PiecewiseConstantDecay([4298, 6448], [0.01, 0.005, 0.001]), ("one step early",)),
        (lambda: S.PiecewiseConstantDecay([4299, 2149], [0.01, 0.005, 0.001]), ("increasing order",)),
        (lambda: S.PiecewiseConstantDecay([4299, 6449], [0.01, 0.001, 0.005]), ("values",)),
        (lambda: S.PiecewiseConstantDecay([4299], [0.01, 0.005]), ("two boundaries",)),
        (lambda: S.PiecewiseConstantDecay([50_000, 80_000], [0.01, 0.005, 0.001]), ("step 4300",)),
        (lambda: S.ExponentialDecay(0.01, 100, 0.5), ("piecewiseconstantdecay",)),
        (lambda: "PiecewiseConstantDecay([4299, 6449], [0.01, 0.005, 0.001])", ("quotes",)),
        (lambda: [4299, 6449], ("expected",)),
    ],
)
def test_piecewise_boundaries_slips(answer, keywords):
    assert_incorrect(section.piecewise_boundaries.evaluate(answer()), *keywords)


# read_rate ---------------------------------------------------------------------------------------


def test_the_finder_curve_falls_then_blows_up():
    """The sweep to read looks like a finder's: flat, then falling to a minimum, then rising to 4 times it."""
    rates, losses = finder_curve()
    lowest = int(np.argmin(losses))
    assert 0 < lowest < len(rates) - 1
    assert losses[0] > 2 * losses[lowest] and losses[-1] > 3 * losses[lowest]
    assert section.read_rate.curve()[0].tolist() == rates.tolist()


def test_read_rate():
    rates, losses = finder_curve()
    at_lowest = rates[np.argmin(losses)]
    for chosen in (at_lowest / 10, at_lowest / 5, at_lowest / 20, at_lowest / 3):
        assert correct(section.read_rate.evaluate(chosen)), chosen
    for chosen, keyword in ((at_lowest * 3, "past the lowest"), (at_lowest, "no margin"), (at_lowest / 1.7, "close"),
                            (rates[0] * 3, "flat part"), (at_lowest / 60, "timid"), (-0.01, "positive"),
                            ("0.01", "string")):
        assert_incorrect(section.read_rate.evaluate(chosen), keyword)
