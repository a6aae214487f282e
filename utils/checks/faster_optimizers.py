"""Checks for section 6: faster optimizers.

The update rules a learner writes are judged against the Keras optimizer of the same name: both
receive the same gradients from the same start, and every step is compared
(``utils.optimizers.descend`` drives either). Typical slips are recognised by running them too.
"""

import functools
import math

import keras
import numpy as np

from utils.exercises.core import Incorrect, Later, NotAttempted, Problem, Section, error_text, gathered
from utils.exercises.judges import a_type, code_in_quotes, short, updating_optimizer
from utils.exercises.kinds import ChoiceProblem, NumberProblem, Rule, RuleProblem
from utils.optimizers import descend

START = np.array([1.0, -2.0, 0.5])
GRADIENTS = np.random.default_rng(6).normal(size=(20, 3)) * [1.0, 0.1, 10.0]
RELATIVE_TOLERANCE = 1e-6  # Keras keeps its learning rate in float32; everything else runs in float64 here


def same_path(ours: np.ndarray, theirs: np.ndarray) -> bool:
    """True when two paths agree at every step, to the tolerance the float32 learning rate leaves; a NaN or an
    infinity agrees only with the same in the other path (a slip that divides by zero matches its own NaN)."""
    if ours.shape != theirs.shape:
        return False
    finite = np.isfinite(theirs)
    scale = RELATIVE_TOLERANCE * (1 + np.max(np.abs(theirs[finite]), initial=0.0))
    with np.errstate(invalid="ignore"):
        agree = np.where(finite, np.abs(ours - theirs) <= scale, (np.isnan(ours) & np.isnan(theirs)) | (ours == theirs))
    return bool(np.all(agree))


def first_difference(ours: np.ndarray, theirs: np.ndarray) -> int:
    """The first step (1 = the first update) at which two paths part."""
    scale = RELATIVE_TOLERANCE * (1 + np.max(np.abs(theirs)))
    with np.errstate(invalid="ignore"):
        return int(np.flatnonzero(np.any(~(np.abs(ours - theirs) <= scale), axis=1))[0])


class UpdateRuleProblem(Problem):
    """A NumPy update rule, a class whose ``step(w, g)`` returns the new weights, judged against Keras.

    Subclasses set ``settings`` (the keyword arguments of each case tried), ``keras_optimizer``
    (the reference), ``accepted`` (other right rules) and ``slips`` (wrong rules and their reasons).
    """

    settings: tuple[dict, ...] = ()
    rule_name = ""

    def keras_optimizer(self, **settings):
        """The Keras optimizer the rule must match."""
        raise NotImplementedError

    def accepted(self, **settings) -> tuple:
        """Rules that are right too (another placement of ε ...), as objects with a step method."""
        return ()

    def slips(self, **settings) -> tuple:
        """(a wrong rule, why), in the order to try them."""
        return ()

    judged_outside = True

    def judge(self, answer):
        self.weigh(self.evidence(answer))

    def evidence(self, answer) -> dict:
        """The paths that new objects of the learner's class take from START on GRADIENTS: twice with the first
        settings (the same, if the state lives on the object), then with each other setting, and with each argument
        of the first changed alone; those last ones Later, as the judgement needs them only when the path is off."""
        rule_class = self.screen(answer)
        evidence = {"first": self.path_of(rule_class, self.settings[0]),
                    "again": self.path_of(rule_class, self.settings[0])}
        for number, settings in enumerate(self.settings[1:], start=1):
            evidence[f"settings {number}"] = Later(functools.partial(self.path_of, rule_class, settings))
        for name, other in self.settings[1].items():
            varied = {**self.settings[0], name: other}
            evidence[f"varied {name}"] = Later(functools.partial(self.path_of, rule_class, varied))
        return evidence

    def weigh(self, evidence):
        """Judge the paths against Keras's optimizer (and other right rules), and name a known slip."""
        if not same_path(evidence["first"], evidence["again"]):
            raise Incorrect(
                "two new objects of your class, given the same gradients, took different steps: the state (velocity, "
                "averages, step count) must live on the object (self....), created in __init__, not on the class."
            )
        for number, settings in enumerate(self.settings):
            ours = evidence["first"] if number == 0 else gathered(evidence[f"settings {number}"])
            right = [descend(self.keras_optimizer(**settings), START, GRADIENTS)]
            right += [descend(rule, START, GRADIENTS) for rule in self.accepted(**settings)]
            if any(same_path(ours, path) for path in right):
                continue
            for rule, reason in self.slips(**settings):
                with np.errstate(all="ignore"):
                    if same_path(ours, descend(rule, START, GRADIENTS)):
                        raise Incorrect(reason)
            self.screen_direction(ours, right[0])
            self.screen_arguments(evidence)
            if not np.all(np.isfinite(ours)):
                raise Incorrect(self.not_finite(int(np.flatnonzero(~np.all(np.isfinite(ours), axis=1))[0])))
            raise Incorrect(self.unexplained(ours, right[0], settings))

    @staticmethod
    def screen_direction(ours, theirs) -> None:
        """Incorrect when the steps go uphill (the update added, not subtracted), or step returns the update itself."""
        if same_path(2 * START - ours, theirs):
            raise Incorrect("your steps go uphill: each is Keras's step with the opposite sign. The gradient points up "
                            "the slope, so the update is subtracted from the weights.")
        with np.errstate(all="ignore"):
            scale = RELATIVE_TOLERANCE * (1 + np.max(np.abs(theirs)))
            if np.all(np.abs(ours[1] - (theirs[1] - START)) <= scale):
                raise Incorrect("step returns the change of the weights, not the new weights: return w plus that "
                                "change (w - update).")

    def screen_arguments(self, evidence) -> None:
        """Incorrect, naming the argument, when the class takes the same steps whatever value of it it is given."""
        for name, other in self.settings[1].items():
            if same_path(gathered(evidence[f"varied {name}"]), evidence["first"]):
                raise Incorrect(
                    f"your class takes the same steps with {name}={self.settings[0][name]} and {name}={other}: it "
                    f"ignores the {name} given to __init__ (a value written into the formula?). Store each argument "
                    "on the object and use it in step."
                )

    def screen(self, answer):
        """The class to judge, or Incorrect saying what the answer is instead."""
        if isinstance(answer, keras.optimizers.Optimizer):
            raise Incorrect(
                "that is Keras's own optimizer; the exercise asks for your NumPy class, which the check compares to it."
            )
        if isinstance(answer, str):
            raise Incorrect(f"{short(answer)} is a string; pass your class itself, {self.rule_name}, without quotes.")
        if not isinstance(answer, type):
            if callable(getattr(answer, "step", None)):
                raise Incorrect(
                    f"that is an object of your class; pass the class itself ({self.rule_name}, without parentheses): "
                    "the check creates its own objects, with other settings."
                )
            raise Incorrect(f"expected your class {self.rule_name}, got {a_type(answer)}.")
        if not callable(getattr(answer, "step", None)):
            raise Incorrect(f"your class has no step method; {self.rule_name} needs step(self, w, g).")
        return answer

    def path_of(self, rule_class, settings) -> np.ndarray:
        """The path of a new object of ``rule_class`` with ``settings``; the stub is not attempted."""
        try:
            rule = rule_class(**settings)
        except TypeError as error:
            call = f"{rule_class.__name__}({', '.join(f'{k}={v}' for k, v in settings.items())})"
            raise Incorrect(
                f"{call} failed ({error_text(error)}): keep the arguments of the class's __init__ as given."
            ) from None
        with np.errstate(all="ignore"):  # a NaN is judged below, with its reason; no warning on the way
            first = rule.step(START.copy(), GRADIENTS[0].copy())
        if first is None:
            if not vars(rule):
                raise NotAttempted
            raise Incorrect("step returned None: end it with `return` and the new weights.")
        rule = rule_class(**settings)  # a new object: the first step above changed this one's state
        with np.errstate(all="ignore"):
            path = [START]
            for g in GRADIENTS:
                path.append(np.asarray(rule.step(path[-1].copy(), g.copy()), dtype=float))
        if any(w.shape != START.shape for w in path):
            raise Incorrect(f"step must return the new weights, an array of the same shape as w {START.shape}.")
        return np.array(path)  # NaNs included: a slip may explain them

    def not_finite(self, step: int) -> str:
        """Why the path holds a NaN or an infinity from ``step`` on, when no known slip explains it."""
        return (
            f"step {step} gave NaN or infinite weights, from finite gradients: look for a division by zero, or the "
            "square root of a negative number."
        )

    def unexplained(self, ours, theirs, settings) -> str:
        """The reason for a path that matches no known slip."""
        step = first_difference(ours, theirs)
        shown = ", ".join(f"{k}={v}" for k, v in settings.items())
        agree = {1: "already", 2: "step 1 agrees with Keras, but"}.get(step, f"steps 1 to {step - 1} agree with "
                                                                              "Keras, but")
        return f"with {shown}, {agree} step {step} differs: compare your formula with the one in the text."


class SettledStep(NumberProblem):
    """The settled step of SGD(0.01, momentum=0.95) on a constant gradient 2.0: ηg/(1 − β) = 0.4, exactly."""

    answer = 0.01 * 2.0 / (1 - 0.95)
    exact = True  # 0.4 has one figure, and every slip is a short exact number too
    hints = (
        "Once the velocity has settled it no longer changes from one step to the next: m = βm − ηg.",
        "Solve m = βm − ηg for m: m = −ηg / (1 − β). Each step adds m to the weight.",
        "Put in η = 0.01, g = 2.0 and β = 0.95, and give the size of m (a positive number).",
    )
    slips = (
        (0.02, "that is plain SGD's step, ηg. With momentum the velocity builds up to 1/(1 − β) times that."),
        (20.0, "1/(1 − β) = 20 is the factor momentum multiplies the step by; multiply it by plain SGD's step ηg."),
        (40.0, "you left out the learning rate: the settled step is η g / (1 − β)."),
        (0.2, "you left out the gradient: the settled step is η g / (1 − β), and g = 2.0."),
        (0.38, "that is βm, the part of the step carried over from before; the step is the whole velocity, βm − ηg."),
        (0.001, "you multiplied by (1 − β); the settled velocity is ηg divided by (1 − β)."),
        (0.019, "that is βηg, one step's gradient carried over once; the settled step sums all of them: "
         "ηg (1 + β + β² + ...) = ηg / (1 − β)."),
        (0.04, "you divided by 0.5: 1 − β with β = 0.95 is 0.05."),
        (0.01 * 2.0 * (1 - 0.95**100) / (1 - 0.95),
         "that is the step after 100 steps, still building up (1 − β¹⁰⁰ of the way there): the settled step is "
         "the limit, which the velocity approaches for ever, ηg / (1 − β)."),
    )

    def screen(self, value):
        if value < 0:
            raise Incorrect(f"{value:g} is negative: the exercise asks for the distance, the size of the step.")

    def praise(self):
        return "0.4: twenty times plain SGD's 0.02, the 1/(1 − β) of momentum 0.95."


class PlainMomentum:
    """A slip: momentum without Nesterov's look-ahead."""

    def __init__(self, learning_rate, momentum):
        self.eta, self.beta, self.m = learning_rate, momentum, 0.0

    def step(self, w, g):
        self.m = self.beta * self.m - self.eta * g
        return w + self.m


class NesterovVariant(PlainMomentum):
    """A slip of Nesterov's rule: ``weight`` maps (w, m, g, η, β) to the new weights."""

    def __init__(self, learning_rate, momentum, weight, velocity_sign=-1.0):
        super().__init__(learning_rate, momentum)
        self.weight, self.velocity_sign = weight, velocity_sign

    def step(self, w, g):
        self.m = self.beta * self.m + self.velocity_sign * self.eta * g
        return self.weight(w, self.m, g, self.eta, self.beta)


class Nesterov(UpdateRuleProblem):
    """A NumPy class equal to keras.optimizers.SGD(momentum=β, nesterov=True)."""

    rule_name = "Nesterov"
    settings = ({"learning_rate": 0.05, "momentum": 0.9}, {"learning_rate": 0.2, "momentum": 0.5})
    hints = (
        "Keep the velocity m on the object (start it at 0.0 in __init__) and update it at every step as momentum "
        "does: m ← βm − ηg.",
        "The difference from momentum is only in how the weights move: not w + m, but w + βm − ηg, with the "
        "velocity you have just updated.",
        "step(w, g): first self.m = β·self.m − η·g, then return w + β·self.m − η·g, where β and η are the "
        "momentum and learning_rate given to __init__.",
    )

    def keras_optimizer(self, learning_rate, momentum):
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum, nesterov=True)

    def slips(self, learning_rate, momentum):
        def variant(weight, sign=-1.0):
            return NesterovVariant(learning_rate, momentum, weight, sign)

        return (
            (PlainMomentum(learning_rate, momentum),
             "that is plain momentum, w + m. Nesterov moves the weights by βm − ηg, with the updated m."),
            (variant(lambda w, m, g, eta, beta: w - eta * g),
             "that is plain SGD, w − ηg: the velocity never reaches the weights."),
            (variant(lambda w, m, g, eta, beta: w + beta * m),
             "the weights move by βm only: Nesterov's step is βm − ηg, the look-ahead plus a gradient step."),
            (variant(lambda w, m, g, eta, beta: w + beta * m + eta * g, sign=1.0),
             "your steps go uphill: a gradient points up the slope, so the velocity adds −ηg."),
            (variant(lambda w, m, g, eta, beta: w + beta * m - g),
             "the gradient term lacks the learning rate: w + βm − ηg."),
            (NesterovVariant(0.01, 0.9, lambda w, m, g, eta, beta: w + beta * m - eta * g),
             "your class uses the default learning rate and momentum whatever it is given: store the arguments of "
             "__init__ and use those."),
        )

    def praise(self):
        return "every step equals keras.optimizers.SGD(momentum=..., nesterov=True), in both settings tried."


class WhoStalls(ChoiceProblem):
    """Which optimizer stalls after large early gradients: AdaGrad."""

    answer = "b"
    hints = (
        "Ask of each optimizer: what does it remember of the first 200 steps, 1,000 steps later?",
        "Momentum and Adam's averages decay exponentially, so early gradients fade. One accumulator never fades.",
        "Which optimizer divides by the square root of the *sum* of all the squared gradients since the start?",
    )
    reasons = {
        "a": "RMSProp's average of the squared gradients decays (ρ = 0.9): after a few dozen small gradients it "
        "has forgotten the large ones, and its effective rate rises again. That is what it was designed for.",
        "c": "Adam's v decays too: with β₂ = 0.999 it takes about 17,000 steps to forget 200 gradients of 100, so "
        "Adam is slow for a long while, but its effective rate then recovers. It does not divide by a sum that "
        "only grows.",
        "d": "SGD's steps do become 10⁴ times smaller, but only because the gradients did: its effective rate, η, "
        "stays the same (and momentum multiplies the step by 10 on a steady slope). Slow, not shrinking.",
    }

    def praise(self):
        return (
            "AdaGrad's accumulator holds 200 × 100² for ever, so with gradients of 0.01 its steps are about "
            "η × 0.01 / 1,400: it stalls, as it did on the Rosenbrock valley."
        )


class PaperAdam:
    """Adam as in Algorithm 1 of Kingma and Ba: ε added to √v̂ (Keras adds it to √v). ``variant`` makes slips."""

    def __init__(self, learning_rate, beta_1, beta_2, epsilon, variant=""):
        self.eta, self.b1, self.b2, self.eps, self.variant = learning_rate, beta_1, beta_2, epsilon, variant
        self.m = self.v = 0.0
        self.t = 0

    def step(self, w, g):
        self.t += 1
        t = {"t from 0": self.t - 1, "t from 2": self.t + 1}.get(self.variant, self.t)
        b1, b2 = (1 - self.b1, 1 - self.b2) if self.variant == "betas swapped" else (self.b1, self.b2)
        a1, a2 = (1 - b1, 1 - b2) if self.variant == "averages swapped" else (b1, b2)  # in the averages only
        a1, a2 = (a2, a1) if self.variant == "betas crossed" else (a1, a2)
        square = {"v of g": g, "v of |g|": np.abs(g)}.get(self.variant, g**2)
        self.m = a1 * self.m + (1 - a1) * g if self.variant != "m without 1 - beta" else a1 * self.m + g
        self.v = a2 * self.v + (1 - a2) * square
        m_hat = self.m if self.variant in ("no correction", "v corrected only") else self.m / (1 - b1**t)
        v_hat = self.v if self.variant in ("no correction", "m corrected only") else self.v / (1 - b2**t)
        if self.variant == "corrected stored":
            self.m, self.v = m_hat, v_hat  # the corrected averages overwrite the running ones
        if self.variant == "no square root":
            return w - self.eta * m_hat / (v_hat + self.eps)
        if self.variant == "ε inside":
            return w - self.eta * m_hat / np.sqrt(v_hat + self.eps)
        if self.variant == "no momentum":
            return w - self.eta * g / (np.sqrt(v_hat) + self.eps)
        return w - self.eta * m_hat / (np.sqrt(v_hat) + self.eps)


class Adam(UpdateRuleProblem):
    """A NumPy class equal to keras.optimizers.Adam, bias correction included."""

    rule_name = "Adam"
    settings = (
        {"learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
        {"learning_rate": 0.1, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 0.1},  # a large ε shows where it goes
    )
    hints = (
        "Keep m, v and a step counter t on the object, starting at 0. At each step, first add 1 to t: the first "
        "step uses t = 1.",
        "Update the averages: m ← β₁m + (1 − β₁)g and v ← β₂v + (1 − β₂)g². Then correct both: m̂ = m / (1 − β₁ᵗ), "
        "v̂ = v / (1 − β₂ᵗ).",
        "Return w − η m̂ / (√v̂ + ε): ε outside the square root (np.sqrt), added after it.",
    )

    def keras_optimizer(self, **settings):
        return keras.optimizers.Adam(**settings)

    def accepted(self, **settings):
        return (PaperAdam(**settings),)

    def slips(self, **settings):
        reasons = {
            "no correction": "the bias correction is missing: divide m by (1 − β₁ᵗ) and v by (1 − β₂ᵗ), with t the "
            "step number, from 1.",
            "m corrected only": "m is corrected, but v is not: divide v by (1 − β₂ᵗ) too.",
            "v corrected only": "v is corrected, but m is not: divide m by (1 − β₁ᵗ) too.",
            "ε inside": "ε is inside the square root, as in RMSProp and AdaGrad; Adam adds ε after it: √v̂ + ε.",
            "t from 2": "your corrections use t + 1: the first step must use t = 1 (β^1), so that m̂ equals the "
            "first gradient exactly.",
            "t from 0": "the first step divides by zero: with t = 0, 1 − βᵗ is 0. Add 1 to t before you use it, "
            "so that the first step uses t = 1.",
            "averages swapped": "β and 1 − β are swapped in the averages: m ← β₁m + (1 − β₁)g keeps most of the old "
            "m and adds a little of the new gradient (the same for v, with β₂ and g²).",
            "betas swapped": "β and 1 − β are swapped, in the averages and in the corrections: m ← β₁m + (1 − β₁)g "
            "keeps most of the old m, and the corrections divide by 1 − β₁ᵗ and 1 − β₂ᵗ.",
            "corrected stored": "you store the corrected averages back into m and v (self.m = m / (1 − β₁ᵗ)): the "
            "corrections are for the step only. Keep m and v as running averages; compute m̂ and v̂ in separate "
            "variables.",
            "betas crossed": "β₁ and β₂ are crossed: m, the average of the gradients, uses β₁ = 0.9; v, the average "
            "of their squares, uses β₂ = 0.999.",
            "no square root": "the step divides by v̂ + ε: take the square root of v̂ first, √v̂ + ε, so that the "
            "step has the size of the learning rate.",
            "v of |g|": "v averages |g|, the absolute gradients; it averages their squares, g² = g * g.",
            "m without 1 - beta": "m ← β₁m + g leaves out the (1 − β₁) factor on the gradient: m ← β₁m + (1 − β₁)g.",
            "v of g": "v averages the gradients, not their squares: v ← β₂v + (1 − β₂)g², with g² = g * g (or "
            "g ** 2). With g, v goes negative and its square root is NaN.",
            "no momentum": "the weights move by g / (√v̂ + ε), which is RMSProp with a correction: Adam uses m̂, "
            "the average of the gradients, in place of g.",
        }
        return tuple((PaperAdam(**settings, variant=variant), reason) for variant, reason in reasons.items())

    def praise(self):
        return (
            "every step equals keras.optimizers.Adam's, even with ε = 0.1, where the placement of ε shows "
            "(Keras adds it to √v rather than √v̂; the paper's placement passes too)."
        )


TARGET_RATE, TARGET_DECAY = 3e-4, 1e-4


def _decay_reason(optimizer) -> str:
    """Why a weight_decay that is not 1e-4 is wrong, naming the likely slip."""
    decay = optimizer.weight_decay
    if math.isclose(decay, 0.004, rel_tol=1e-6):
        return "weight_decay=0.004 is AdamW's default; the exercise asks for 1e-4."
    if math.isclose(decay, TARGET_RATE * TARGET_DECAY, rel_tol=1e-6):
        return (
            f"weight_decay={decay:g} is η × 1e-4: Keras multiplies weight_decay by the learning rate itself, "
            "so give 1e-4."
        )
    if math.isclose(decay, TARGET_DECAY / 2, rel_tol=1e-6):
        return "λ = d/2 converts weight decay to an L2 penalty for SGD; here Keras's weight_decay is d itself, 1e-4."
    return f"weight_decay={decay:g}; the exercise asks for 1e-4."


def _rate(optimizer):
    """The optimizer's learning rate as a number, or None for a schedule."""
    if isinstance(optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        return None
    return float(optimizer.learning_rate)


class DecoupledDecay(RuleProblem):
    """Adam's update with decoupled weight decay 1e-4 at a learning rate of 3e-4."""

    hints = (
        "Decoupled weight decay is applied by the optimizer, outside the gradient: no regularizer in the model.",
        "In Keras 3 every optimizer takes a weight_decay argument; one optimizer is named after Adam with decoupled "
        "weight decay, and its default decay is not the one asked for.",
        "keras.optimizers.AdamW(learning_rate=..., weight_decay=...) with the two numbers of the exercise "
        "(Adam with the same two arguments is the same optimizer).",
    )
    rules = (
        Rule(
            lambda optimizer: type(optimizer) in (keras.optimizers.Adam, keras.optimizers.AdamW),
            lambda optimizer: f"{type(optimizer).__name__} does not apply Adam's update; the exercise asks for Adam's "
            "update (keras.optimizers.AdamW, or Adam with weight_decay).",
        ),
        Rule(
            lambda optimizer: optimizer.weight_decay,
            "this optimizer has no weight decay: set weight_decay (AdamW requires it).",
        ),
        Rule(lambda optimizer: math.isclose(optimizer.weight_decay, TARGET_DECAY, rel_tol=1e-6), _decay_reason),
        Rule(
            lambda optimizer: _rate(optimizer) is not None,
            "the learning rate is a schedule; the exercise asks for a constant 3e-4.",
        ),
        Rule(
            lambda optimizer: math.isclose(_rate(optimizer), TARGET_RATE, rel_tol=1e-6),
            lambda optimizer: f"learning_rate={_rate(optimizer):g}; the exercise asks for 3e-4 (Adam's default is "
            "1e-3).",
        ),
    )

    def prepare(self, answer):
        if isinstance(answer, str):
            if code_in_quotes(answer):
                raise Incorrect(f"{short(answer)} is a string holding code: remove the quotes.")
            raise Incorrect(f"{short(answer)} names an optimizer with its defaults; create one, with its arguments.")
        if isinstance(answer, type):
            raise Incorrect(f"that is the class {answer.__name__} itself; call it, with the arguments asked for.")
        if not isinstance(answer, keras.optimizers.Optimizer):
            raise Incorrect(f"expected a Keras optimizer such as keras.optimizers.AdamW(...), got {a_type(answer)}.")
        return updating_optimizer(answer)  # a LossScaleOptimizer(AdamW(...)) applies AdamW's update

    def praise(self):
        w = descend(keras.optimizers.AdamW(learning_rate=TARGET_RATE, weight_decay=TARGET_DECAY), [1.0], [[0.0]])
        return (
            f"with a zero gradient, one step takes w = 1 to {w[-1, 0]:.10f}: the decay η·d·w = 3e-8, applied outside "
            "Adam's division by √v."
        )


section = Section(__name__, SettledStep(), Nesterov(), WhoStalls(), Adam(), DecoupledDecay())
