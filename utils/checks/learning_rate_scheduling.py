"""Checks for section 7: learning-rate scheduling.

Schedules are judged by their rates at many steps, against the Keras object that defines the
right answer; typical slips (staircase, off by one step, epochs for steps) are recognised the
same way.
"""

import math

import keras
import numpy as np

from utils.exercises.core import Incorrect, Problem, Section, raised
from utils.exercises.judges import a_type, as_number, code_in_quotes, returned_none, short
from utils.schedules import rates_of

STEPS = np.array([0, 1, 2, 10, 250, 500, 999, 1000, 1001, 1500, 2000, 2999, 3000, 4321, 10_000])
INITIAL, DECAY_STEPS, DECAY_RATE = 0.05, 1000, 0.5


def keras_exponential(step):
    """The right answer: Keras's ExponentialDecay(0.05, 1000, 0.5) at ``step``."""
    return float(keras.optimizers.schedules.ExponentialDecay(INITIAL, DECAY_STEPS, DECAY_RATE)(step))


class ExponentialRate(Problem):
    """exponential_rate(step): ExponentialDecay(0.05, decay_steps=1000, decay_rate=0.5) at any step."""

    hints = (
        "ExponentialDecay multiplies the initial rate by decay_rate once every decay_steps steps, smoothly: "
        "after half of decay_steps, by the square root of decay_rate.",
        "Each step multiplies the rate by the same factor, chosen so that 1,000 steps multiply it by exactly 0.5; "
        "no rounding of the step (staircase=False is the default).",
        "So the rate at step t is 0.05 × 0.5 raised to the power t / 1,000. Check yourself at step 1,500: "
        "0.05 × 0.5^1.5 ≈ 0.0177.",
    )
    slips = (
        (lambda t: INITIAL * DECAY_RATE ** (t // DECAY_STEPS),
         "that is the staircase version (staircase=True): t // 1000 holds the rate for 1,000 steps. The default "
         "decays smoothly: use t / 1000."),
        (lambda t: INITIAL * DECAY_RATE ** ((t + 1) / DECAY_STEPS),
         "off by one step: at step 0 the rate must be exactly the initial 0.05, so use step, not step + 1."),
        (lambda t: INITIAL * DECAY_RATE ** ((t - 1) / DECAY_STEPS),
         "off by one step: at step 0 the rate must be exactly the initial 0.05, so use step, not step - 1."),
        (lambda t: INITIAL * math.exp(-DECAY_RATE * t / DECAY_STEPS),
         "that is e^(−0.5 t/1000), a natural exponential with rate 0.5; Keras raises decay_rate itself to the power "
         "t/1000: 0.5 ** (t / 1000)."),
        (lambda t: INITIAL * DECAY_RATE**t / DECAY_STEPS,
         "Python's ** binds tighter than / : 0.5 ** step / 1000 is (0.5 ** step) / 1000, a thousandth of 0.5 to the "
         "power step. Put the exponent in parentheses: 0.5 ** (step / 1000)."),
        (lambda t: (INITIAL * DECAY_RATE) ** (t / DECAY_STEPS),
         "the initial rate is inside the power: (0.05 × 0.5)^(t/1000) starts at 1. Only the decay rate is raised to "
         "the power: 0.05 * 0.5 ** (step / 1000)."),
        (lambda t: INITIAL / (1 + DECAY_RATE * t / DECAY_STEPS),
         "that is InverseTimeDecay, power scheduling: 0.05 / (1 + 0.5 t/1000). Exponential decay is "
         "0.05 × 0.5^(t/1000)."),
    )

    judged_outside = True

    def judge(self, answer):
        self.weigh(self.evidence(answer))

    def evidence(self, answer) -> list[float]:
        """The function's rates at the check's steps."""
        if isinstance(answer, keras.optimizers.schedules.LearningRateSchedule):
            raise Incorrect("that is a Keras schedule object; the exercise asks for your own function of the step.")
        if not callable(answer):
            raise Incorrect(f"expected a function of the step, exponential_rate(step), got {a_type(answer)}.")
        values = []
        for step in STEPS:
            try:
                value = answer(int(step))
            except TypeError as error:
                raise Incorrect(f"exponential_rate({int(step)}) raised {raised(error)}; it takes one argument, "
                                "the step.") from None
            if value is None:
                raise returned_none(answer, f"exponential_rate({int(step)})")
            values.append(as_number(value))
        return values

    def weigh(self, evidence):
        """Judge the rates against Keras's ExponentialDecay at the same steps, and name a known slip."""
        values = np.array(evidence, dtype=float)
        if values.shape != STEPS.shape:
            raise Incorrect("the grader received rates for other steps than it asked for.")
        right = np.array([keras_exponential(step) for step in STEPS])
        if np.allclose(values, right, rtol=1e-5):
            return
        for slip, reason in self.slips:
            if np.allclose(values, [slip(int(step)) for step in STEPS], rtol=1e-5):
                raise Incorrect(reason)
        halving = self.halving_period(values)
        if halving is not None:
            unit = " (are you counting epochs instead of steps?)" if halving > DECAY_STEPS else "."
            every = f"{halving:,.0f}" if halving >= 10 else f"{halving:.3g}"
            raise Incorrect(f"your rate starts at 0.05 and halves every {every} steps; it must halve every "
                            f"1,000 steps{unit}")
        wrong = int(np.flatnonzero(~np.isclose(values, right, rtol=1e-5))[0])
        raise Incorrect(f"at step {STEPS[wrong]} your rate is {values[wrong]:.6g}; Keras's is {right[wrong]:.6g}.")

    def halving_period(self, values):
        """The number of steps over which ``values`` halve, if they decay exponentially from 0.05; else None."""
        later = (values > 0) & (STEPS > 0)  # a fast decay underflows to 0 at late steps
        if not np.isclose(values[0], INITIAL, rtol=1e-5) or later.sum() < 2 or np.any(values[later] >= INITIAL):
            return None
        periods = STEPS[later] * math.log(DECAY_RATE) / np.log(values[later] / INITIAL)
        return float(periods[0]) if np.allclose(periods, periods[0], rtol=1e-3) else None

    def praise(self):
        return "equal to Keras's ExponentialDecay at every step tried, from 0 to 10,000 (0.05, 0.025 at 1,000, ...)."


EPOCH_STEPS, EPOCHS = 430, 20
RIGHT_BOUNDARIES = (10 * EPOCH_STEPS - 1, 15 * EPOCH_STEPS - 1)
VALUES = (0.01, 0.005, 0.001)


class PiecewiseBoundaries(Problem):
    """A PiecewiseConstantDecay for 20 epochs of 430 steps: 0.01, then 0.005 from epoch 11, 0.001 from epoch 16."""

    hints = (
        "Boundaries count steps, not epochs: with 430 steps per epoch, epoch k (from 1) covers steps "
        "430 (k − 1) to 430 k − 1.",
        "Keras uses values[0] up to and including step boundaries[0]: so the first boundary is the last step "
        "of epoch 10, and the second the last step of epoch 15.",
        "boundaries=[10 * 430 - 1, 15 * 430 - 1], values=[0.01, 0.005, 0.001].",
    )

    judged_outside = True  # a Keras schedule crosses as its configuration

    def judge(self, answer):
        if isinstance(answer, str):
            advice = "remove the quotes" if code_in_quotes(answer) else "create the schedule object"
            raise Incorrect(f"{short(answer)} is a string: {advice}.")
        if not isinstance(answer, keras.optimizers.schedules.PiecewiseConstantDecay):
            if isinstance(answer, keras.optimizers.schedules.LearningRateSchedule):
                raise Incorrect(f"a {type(answer).__name__}; the exercise asks for a PiecewiseConstantDecay.")
            raise Incorrect(f"expected keras.optimizers.schedules.PiecewiseConstantDecay(...), got {a_type(answer)}.")
        boundaries = [float(b) for b in answer.boundaries]
        values = [float(v) for v in answer.values]
        if len(values) != len(boundaries) + 1:
            raise Incorrect(f"{len(boundaries)} boundaries need {len(boundaries) + 1} values, one per piece.")
        if len(boundaries) != 2:
            raise Incorrect(f"{len(boundaries)} boundaries make {len(values)} pieces; three rates (0.01, 0.005, "
                            "0.001) need two boundaries.")
        if not np.allclose(values, VALUES, rtol=1e-6):
            raise Incorrect(f"values {values}: the exercise asks for 0.01, then 0.005, then 0.001.")
        if np.allclose(boundaries, [10, 15]) or np.allclose(boundaries, [9, 14]):
            raise Incorrect("your boundaries count epochs, but Keras schedules count steps: epoch 10 ends at step "
                            "10 × 430 − 1.")
        if np.allclose(boundaries, [b + 1 for b in RIGHT_BOUNDARIES]):
            raise Incorrect("one step late: Keras keeps values[0] up to and including step boundaries[0], so with "
                            "boundary 4300 the first step of epoch 11 (step 4300) would still use 0.01. Subtract 1.")
        if np.allclose(boundaries, [b - 1 for b in RIGHT_BOUNDARIES]):
            raise Incorrect("one step early: with boundary 4298, the last step of epoch 10 (step 4299) would already "
                            "use 0.005.")
        if np.allclose(boundaries, [10 * EPOCH_STEPS - 1, 5 * EPOCH_STEPS - 1]) or boundaries[1] <= boundaries[0]:
            raise Incorrect("boundaries are steps from the start of training, in increasing order, not lengths of "
                            "the pieces.")
        rates = rates_of(answer, EPOCHS * EPOCH_STEPS)
        right = rates_of(keras.optimizers.schedules.PiecewiseConstantDecay(list(RIGHT_BOUNDARIES), list(VALUES)),
                         EPOCHS * EPOCH_STEPS)
        if not np.allclose(rates, right):
            wrong = int(np.flatnonzero(~np.isclose(rates, right))[0])
            raise Incorrect(f"at step {wrong} (epoch {wrong // EPOCH_STEPS + 1}) your schedule gives {rates[wrong]:g}; "
                            f"it should give {right[wrong]:g}.")

    def praise(self):
        return "0.01 for steps 0-4299, 0.005 for 4300-6449, 0.001 to the end: each rate starts with its epoch."


def finder_curve():
    """A learning-rate finder's sweep: 200 rates from 1e-5 to 10, and a smoothed loss with its minimum near 0.2."""
    rates = np.logspace(-5, 1, 200)
    x = np.log10(rates)
    progress = 1 / (1 + np.exp(-2.2 * (x + 2.2)))  # the loss starts to fall around 1e-3 ...
    blow_up = np.exp(3.0 * (x + 0.7))  # ... and explodes past a few tenths
    noise = 0.02 * np.random.default_rng(7).standard_normal(len(rates))
    losses = 2.3 - 1.75 * progress + 0.25 * blow_up + np.convolve(noise, np.ones(9) / 9, mode="same")
    keep = losses < 4 * losses.min()  # the finder stops when the loss passes 4 times its minimum
    keep[np.argmax(~keep & (np.arange(len(rates)) > np.argmin(losses))):] = False
    return rates[keep], losses[keep]


class ReadRate(Problem):
    """A learning rate read off a finder plot: about a tenth of the rate at the lowest loss."""

    offers = ("curve",)  # the notebook plots the sweep the learner reads the rate from
    judged_outside = True  # a number

    hints = (
        "Find the lowest point of the curve, and read the rate under it (the axis is logarithmic).",
        "At the lowest point the rate is already as high as training tolerates: past it, the loss shoots up. "
        "Back off from it.",
        "The usual choice is a tenth of the rate at the lowest loss (anything from about a thirtieth to a "
        "third of it is reasonable).",
    )

    def curve(self):
        """The rates and smoothed losses of the sweep to read."""
        return finder_curve()

    def judge(self, answer):
        rate = as_number(answer)
        rates, losses = finder_curve()
        at_lowest = rates[np.argmin(losses)]
        if rate <= 0:
            raise Incorrect("a learning rate is positive.")
        if rate > at_lowest * 1.5:
            raise Incorrect(f"{rate:.3g} lies past the lowest point ({at_lowest:.2g}), where the loss is already "
                            "climbing: training would diverge.")
        if rate >= at_lowest / 1.5:
            raise Incorrect(f"{rate:.3g} is about the rate at the lowest loss: the highest rate before training "
                            "turns unstable, with no margin. Back off by about 10 times.")
        if rate > at_lowest / 2:
            raise Incorrect(f"{rate:.3g} is close below the lowest point: still little margin. The usual choice is "
                            "about a tenth of the rate at the lowest loss.")
        starts_falling = rates[np.argmax(losses < losses[0] - 0.05)]
        if rate < starts_falling:
            raise Incorrect(f"{rate:.3g} is on the flat part at the left, where the rate is too small for the loss to "
                            "move: training would crawl.")
        if rate < at_lowest / 30:
            raise Incorrect(f"{rate:.3g} is safe but timid: the loss still falls quickly at rates several times "
                            "larger. Aim for about a tenth of the rate at the lowest loss.")

    def praise(self):
        rates, losses = finder_curve()
        return (f"the loss is lowest near {rates[np.argmin(losses)]:.2g}; a rate around a tenth of it trains fast "
                "with a safety margin.")


section = Section(__name__, ExponentialRate(), PiecewiseBoundaries(), ReadRate())
