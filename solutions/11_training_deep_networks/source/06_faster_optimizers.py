# %% [markdown]
# # 6. Faster optimizers
#
# Companion to *Hands-On Machine Learning* (3rd edition), chapter 11, "Faster Optimizers".
#
# **You will learn**
# - the update rules of momentum, Nesterov, AdaGrad, RMSProp, Adam, AdaMax, Nadam and AdamW,
#   each written in a few lines of NumPy and proven equal to the Keras optimizer of the same
#   name, step by step, including where Keras puts ε;
# - what each one changes, watched on small 2-D loss surfaces and counted in steps: momentum's
#   speed-up and overshoot, Nesterov's damping, AdaGrad's stall, Adam's bias correction;
# - why L2 regularization and weight decay are the same thing for SGD and not for Adam, and how
#   Keras 3 offers decoupled weight decay on every optimizer;
# - how to compare optimizers on a real network without fooling yourself: over seeds, each at a
#   learning rate that suits it.
#
# **Exercises** are marked ✍️. Replace each `...` with your answer and run the check cell below
# it: it says *not attempted*, *incorrect* (and why), or *correct*. Stuck? Uncomment the
# `.hint()` line (call it again for the next hint), or `.solution()`.

# %%
import utils  # first: it imports TensorFlow quietly, and checks its version

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

ex = utils.setup("faster_optimizers")

# %% [markdown]
# ## 6.1 Gradient descent on an elongated bowl
#
# Plain gradient descent takes a step against the gradient, w ← w − η∇L(w), with a learning
# rate η. Its trouble shows on the simplest surface that is not perfectly round: a bowl
# L(w) = (w₁² + 25 w₂²) / 2, 25 times steeper along w₂ than along w₁. The gradient is
# (w₁, 25 w₂).
#
# Along w₂ a step multiplies w₂ by (1 − 25η), so any η above 2/25 = 0.08 makes w₂ grow instead
# of shrink: the steep direction caps the learning rate. Along w₁ the same step multiplies w₁
# by (1 − η) only, so the flat direction crawls. Every update rule below is an object whose
# `step(w, g)` returns the new weights, and `utils.descend(rule, start, gradient, steps)` follows
# one on a surface and returns its path.

# %% tags=["nbval-check-output", "demo"]
CURVATURES = np.array([1.0, 25.0])
START = np.array([-9.0, 1.5])


def bowl(w1, w2):
    """The elongated bowl: 25 times steeper along w2 than along w1."""
    return (CURVATURES[0] * w1**2 + CURVATURES[1] * w2**2) / 2


def bowl_gradient(w):
    """The gradient of the bowl at w."""
    return CURVATURES * w


class GradientDescent:
    """Plain gradient descent: w ← w − η g."""

    def __init__(self, learning_rate=0.01):
        self.learning_rate = learning_rate

    def step(self, w, g):
        return w - self.learning_rate * g


for rate in (0.02, 0.079, 0.081):
    path = utils.descend(GradientDescent(rate), START, bowl_gradient, steps=1000)
    settled = utils.steps_to_settle(path, [0, 0], tolerance=0.01)
    print(f"η = {rate}: |w2| after 50 steps {abs(path[50, 1]):.3g}; steps to stay within 0.01 of the minimum: {settled}")

# %% [markdown]
# At η = 0.081, just above 2/25, w₂ runs away. At 0.079 it survives, flipping sign at every
# step and shrinking slowly, while w₁ moves four times faster than at 0.02: the path settles
# sooner, but one step beyond that rate, training diverges. A real network has no single known
# limit to sit just under. At η = 0.02 the steep direction is tame and the flat one takes
# hundreds of steps: this is the safe but slow situation the optimizers below improve on. The
# rest of the section uses η = 0.02 on this bowl and counts the steps each rule needs to stay
# within 0.01 of the minimum.

# %% [markdown]
# ## 6.2 Momentum
#
# Momentum optimization (Polyak, 1964) keeps a velocity, an exponentially decaying sum of past
# gradients, and moves the weights by it. Keras writes it with the learning rate inside the
# velocity:
#
# m ← βm − ηg, then w ← w + m,
#
# where β, the `momentum` argument, is typically 0.9. Here it is in NumPy, and then the proof
# that it is Keras's `SGD(momentum=...)`: the same 50 random gradients (of very different
# sizes per weight) go to both, and we compare the weights after every step. `utils.descend`
# drives a Keras optimizer the same way as our rules, on a float64 variable.

# %% tags=["demo"]
class Momentum:
    """Keras's SGD(learning_rate, momentum): m ← βm − ηg, w ← w + m."""

    def __init__(self, learning_rate=0.01, momentum=0.9):
        self.learning_rate, self.momentum = learning_rate, momentum
        self.velocity = 0.0

    def step(self, w, g):
        self.velocity = self.momentum * self.velocity - self.learning_rate * g
        return w + self.velocity


RANDOM_GRADIENTS = np.random.default_rng(0).normal(size=(50, 3)) * [1.0, 0.01, 100.0]


def largest_gap(rule, optimizer) -> float:
    """The largest difference, relative to the weights' size, between two paths fed the same gradients."""
    ours = utils.descend(rule, [1.0, -2.0, 0.5], RANDOM_GRADIENTS)
    theirs = utils.descend(optimizer, [1.0, -2.0, 0.5], RANDOM_GRADIENTS)
    return float(np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)))


# %% tags=["nbval-check-output", "demo"]
gap = largest_gap(Momentum(0.05, 0.9), keras.optimizers.SGD(learning_rate=0.05, momentum=0.9))
print(f"Momentum vs keras.optimizers.SGD(momentum=0.9), 50 steps: largest relative gap {gap:.0e}")
assert gap < 1e-6

# %% [markdown]
# The gap is rounding: Keras keeps its learning rate in float32. The velocity is where the
# speed-up comes from. On a slope whose gradient g stays the same, m settles where
# m = βm − ηg, that is at m = −ηg / (1 − β): momentum multiplies the step by **1/(1 − β)**,
# 10 for β = 0.9. Let's measure it on a constant gradient, after 300 steps:

# %% tags=["nbval-check-output", "demo"]
print(f"{'β':>5}  {'1/(1-β)':>8}  {'measured step / (ηg)':>21}")
for beta in (0.5, 0.9, 0.95, 0.99):
    path = utils.descend(Momentum(0.01, beta), [0.0], np.ones((300, 1)))
    last_step = path[-1, 0] - path[-2, 0]
    print(f"{beta:>5}  {1 / (1 - beta):8.1f}  {-last_step / 0.01:21.2f}")

# %% [markdown]
# For β = 0.99 the velocity is still growing after 300 steps (β³⁰⁰ ≈ 0.05 of the way remains):
# the larger β, the longer momentum takes to build up, and to die down.
#
# ### ✍️ Exercise 1: momentum as a number
#
# `keras.optimizers.SGD(learning_rate=0.01, momentum=0.95)` trains a weight whose gradient
# stays at 2.0 step after step. Once the velocity has settled, how far does each step move the
# weight (give the distance, a positive number)? Store it in `settled_step`.

# %%
# BEGIN SOLUTION settled_step
# STUB: settled_step = ...
settled_step = 0.01 * 2.0 / (1 - 0.95)  # η g / (1 − β): 20 times a plain SGD step
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.settled_step.hint()
# ex.settled_step.solution()
ex.settled_step.check(settled_step)

# %% [markdown]
# ### A faster bowl, and an overshoot
#
# On the bowl, momentum carries the weights along the flat direction much faster, but a
# velocity also carries them past the minimum. The sweep below runs β from 0 (plain gradient
# descent) to 0.99 at η = 0.02, and counts the steps to settle, how far w₁ overshoots past 0 and
# the largest swing of w₂ from the first step on (it starts at 1.5).

# %% tags=["nbval-check-output", "demo"]
def bowl_sweep(make_rule, betas, steps=1500):
    """Steps to settle within 0.01, overshoot past the minimum along w1, and the largest |w2| once moving, per β."""
    rows = []
    for beta in betas:
        path = utils.descend(make_rule(beta), START, bowl_gradient, steps)
        rows.append({"β": beta, "steps to settle": utils.steps_to_settle(path, [0, 0], 0.01),
                     "w1 overshoot": max(path[:, 0].max(), 0.0), "largest |w2| from step 1": np.abs(path[1:, 1]).max()})
    return pd.DataFrame(rows).set_index("β").round(3)


BETAS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
momentum_sweep = bowl_sweep(lambda beta: Momentum(0.02, beta), BETAS)
momentum_sweep

# %% [markdown]
# Read the table from the top. Gradient descent (β = 0) needs hundreds of steps. Momentum cuts
# that several times over, up to the best β of the sweep, 0.8, where the first overshoot
# appears. Beyond it, the velocity carries w₁ past the minimum (the overshoot column) and back:
# the path spirals in, and settling takes longer again, until at β = 0.99 it is slower than
# no momentum at all. β = 0.9, the usual default, is not the best β for this bowl at this
# rate, but it still settles almost three times sooner than gradient descent.
#
# The best β depends on the surface and the rate, and for a quadratic there is a formula
# (Polyak, 1964). Along one direction of curvature λ, momentum is a damped oscillator. Too
# little β and it creeps towards the minimum (overdamped); too much and it spirals
# (underdamped). The fastest approach, *critical damping*, is at β* = (1 − √(ηλ))². The slow
# direction, w₁ with λ = 1, is the one that takes long, so it sets the best β:

# %% tags=["nbval-check-output", "demo"]
critical_beta = (1 - np.sqrt(0.02 * CURVATURES[0])) ** 2
print(f"β* = (1 − √(0.02 × {CURVATURES[0]:g}))² = {critical_beta:.3f}")
bowl_sweep(lambda beta: Momentum(0.02, beta), (0.7, 0.72, round(critical_beta, 3), 0.76, 0.78, 0.8))

# %% [markdown]
# The theory points between 0.7 and 0.8, where the first sweep found its best. The finer sweep
# settles fastest a little above β*: slightly underdamped, w₁ overshoots by about the 0.01
# tolerance on its way in (the overshoot column), barely leaving it, so it arrives sooner;
# further above, the overshoot grows and settling slows again. (The steep direction, λ = 25, is underdamped
# at any of these β, since its √(ηλ) is √0.5; its swings decay within a few dozen steps.)

# %% [markdown]
# ## 6.3 Nesterov accelerated gradient
#
# Nesterov's variant (1983; brought to deep learning by Sutskever et al., 2013) measures the
# gradient a little ahead, at w + βm, where the velocity is about to carry the weights. If
# that point has gone past the minimum, its gradient already points back, which damps the
# overshoot. Keras, like most libraries, rewrites the rule so that it needs only the gradient
# at the current weights (the docstring of `keras.optimizers.SGD` gives it):
#
# m ← βm − ηg, then w ← w + βm − ηg.
#
# ### ✍️ Exercise 2: write Nesterov's update
#
# Complete the class so that `Nesterov(learning_rate, momentum)` behaves as
# `keras.optimizers.SGD(learning_rate, momentum=momentum, nesterov=True)`: `step(w, g)` takes
# the weights and their gradient (NumPy arrays) and returns the new weights. The check feeds
# your class and Keras the same gradients and compares every step.

# %%
# BEGIN SOLUTION nesterov
# STUB: class Nesterov:
# STUB:     """Keras's SGD(learning_rate, momentum, nesterov=True), in NumPy."""
# STUB:
# STUB:     def __init__(self, learning_rate=0.01, momentum=0.9):
# STUB:         ...
# STUB:
# STUB:     def step(self, w, g):
# STUB:         ...
class Nesterov:
    """Keras's SGD(learning_rate, momentum, nesterov=True), in NumPy."""

    def __init__(self, learning_rate=0.01, momentum=0.9):
        self.eta, self.beta, self.m = learning_rate, momentum, 0.0

    def step(self, w, g):
        self.m = self.beta * self.m - self.eta * g
        return w + self.beta * self.m - self.eta * g  # the velocity's next move, plus the gradient step
# END SOLUTION


# %% tags=["nbval-check-output"]
# ex.nesterov.hint()
# ex.nesterov.solution()
ex.nesterov.check(Nesterov)

# %% [markdown]
# Keras's own Nesterov optimizer on the bowl, at the same β values as momentum (it needs no
# answer from you: `utils.descend` drives the Keras optimizer directly):

# %% tags=["nbval-check-output", "demo"]
nesterov_sweep = bowl_sweep(
    lambda beta: keras.optimizers.SGD(learning_rate=0.02, momentum=beta, nesterov=True), BETAS[1:]
)
pd.concat({"momentum": momentum_sweep.loc[list(BETAS[1:])], "Nesterov": nesterov_sweep}, axis=1)

# %% [markdown]
# At every β, Nesterov swings less along w₂, the steep direction. From β = 0.8 on it also
# overshoots less along w₁, and from β = 0.9 on it settles sooner, by more the larger β. For
# small β the two settle within a few steps of each other (Nesterov slightly behind): with
# little velocity, there is little to damp. Here are the paths at β = 0.9:

# %% tags=["demo"]
paths = {
    "gradient descent": utils.descend(GradientDescent(0.02), START, bowl_gradient, 150),
    "momentum 0.9": utils.descend(Momentum(0.02, 0.9), START, bowl_gradient, 150),
    "Nesterov 0.9": utils.descend(keras.optimizers.SGD(0.02, momentum=0.9, nesterov=True), START, bowl_gradient, 150),
}
utils.plot_paths(bowl, paths, box=(-10, 4, -2, 2), minimum=(0, 0), title="150 steps at η = 0.02")
plt.show()

# %% [markdown]
# ## 6.4 AdaGrad: a learning rate per weight
#
# On the bowl the trouble is that one learning rate serves two directions of very different
# steepness. AdaGrad (Duchi et al., 2011) divides each weight's step by the square root of the
# sum of its own squared gradients, so steep directions get small steps and flat ones large
# steps:
#
# s ← s + g², then w ← w − ηg / √(s + ε)   (element-wise).
#
# Two Keras details matter when you reproduce it: ε sits **inside** the square root, and the
# accumulator s does not start at 0 but at `initial_accumulator_value=0.1`. Keras's default
# learning rate is 0.001, ε is 1e-7.

# %% tags=["demo"]
class AdaGrad:
    """Keras's Adagrad: s ← s + g², w ← w − ηg / √(s + ε)."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
        self.learning_rate, self.epsilon = learning_rate, epsilon
        self.s = initial_accumulator_value

    def step(self, w, g):
        self.s = self.s + g**2
        return w - self.learning_rate * g / np.sqrt(self.s + self.epsilon)


# %% tags=["nbval-check-output", "demo"]
gap = largest_gap(AdaGrad(0.05), keras.optimizers.Adagrad(learning_rate=0.05))
print(f"AdaGrad vs keras.optimizers.Adagrad: largest relative gap {gap:.0e}")
assert gap < 1e-6
for initial in (0.0, 0.1):  # the first step on a small gradient shows where the accumulator started
    w = utils.descend(keras.optimizers.Adagrad(0.1, initial_accumulator_value=initial), [0.0], [[0.01]])[-1, 0]
    print(f"initial_accumulator_value={initial}: first step on g = 0.01 moves w by {w:.4f}")

# %% [markdown]
# Starting from 0, the first step is η·g/|g| = η whatever the gradient's size; starting from
# 0.1, a small gradient gives a much smaller first step. On the bowl, AdaGrad's scaling moves
# both weights at the same pace at first (a diagonal) instead of plunging down the steep wall,
# then slides along the flat direction:

# %% tags=["demo"]
paths = {
    "gradient descent, η = 0.02": utils.descend(GradientDescent(0.02), START, bowl_gradient, 150),
    "AdaGrad, η = 1": utils.descend(AdaGrad(1.0), START, bowl_gradient, 150),
}
utils.plot_paths(bowl, paths, box=(-10, 4, -2, 2), minimum=(0, 0), title="150 steps")
plt.show()

# %% [markdown]
# But s only grows. Every step, large or small, makes all later steps smaller, for ever. On a
# surface with large gradients early and a long, gentle way to go after them, AdaGrad runs out
# of learning rate. The Rosenbrock function, (1 − w₁)² + 100(w₂ − w₁²)², is such a surface: a
# steep descent into a curved, nearly flat valley, whose minimum is at (1, 1).
#
# ## 6.5 RMSProp: forget old gradients
#
# RMSProp (Hinton's lecture notes, 2012) replaces AdaGrad's sum with an exponentially decaying
# average, so old gradients fade: s ← ρs + (1 − ρ)g², then w ← w − ηg / √(s + ε). In Keras ρ
# is `rho=0.9`, ε again sits inside the square root, and s starts at 0.

# %% tags=["demo"]
class RMSProp:
    """Keras's RMSprop: s ← ρs + (1 − ρ)g², w ← w − ηg / √(s + ε)."""

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7):
        self.learning_rate, self.rho, self.epsilon = learning_rate, rho, epsilon
        self.s = 0.0

    def step(self, w, g):
        self.s = self.rho * self.s + (1 - self.rho) * g**2
        return w - self.learning_rate * g / np.sqrt(self.s + self.epsilon)


# %% tags=["nbval-check-output", "demo"]
gap = largest_gap(RMSProp(0.05), keras.optimizers.RMSprop(learning_rate=0.05))
print(f"RMSProp vs keras.optimizers.RMSprop: largest relative gap {gap:.0e}")
assert gap < 1e-6

# %% [markdown]
# A fair race on Rosenbrock gives each optimizer its best learning rate: for each, a sweep over
# a wide grid, keeping the rate that ends closest to (1, 1) after 3,000 steps from (−1.5, 2).

# %% tags=["nbval-check-output", "demo"]
def rosenbrock(w1, w2):
    """A curved valley with its minimum at (1, 1)."""
    return (1 - w1) ** 2 + 100 * (w2 - w1**2) ** 2


def rosenbrock_gradient(w):
    """The gradient of the Rosenbrock function at w."""
    w1, w2 = w
    return np.array([-2 * (1 - w1) - 400 * w1 * (w2 - w1**2), 200 * (w2 - w1**2)])


ROSENBROCK_START, RATES = np.array([-1.5, 2.0]), np.logspace(-4, 1, 11)  # 1e-4 to 10, half a decade apart


def best_run(make_rule):
    """The rate, among RATES, whose path ends closest to (1, 1) after 3,000 steps; that path, and the distances."""
    best = None
    for rate in RATES:
        with np.errstate(all="ignore"):  # some rates diverge: they lose the race
            path = utils.descend(make_rule(rate), ROSENBROCK_START, rosenbrock_gradient, 3000)
            distance = np.linalg.norm(path - [1, 1], axis=1)
        if np.isfinite(distance[-1]) and (best is None or distance[-1] < best[2][-1]):
            best = (rate, path, distance)
    return best


race = {"AdaGrad": best_run(AdaGrad), "RMSProp": best_run(RMSProp),
        "momentum 0.9": best_run(lambda rate: Momentum(rate, 0.9))}
print(f"{'':>13}  {'best η':>7}  " + "  ".join(f"{f'after {n}':>11}" for n in (100, 300, 1000, 3000)))
for name, (rate, _path, distance) in race.items():
    print(f"{name:>13}  {rate:7.2g}  " + "  ".join(f"{distance[n]:11.3f}" for n in (100, 300, 1000, 3000)))

# %% [markdown]
# The table gives the distance to the minimum after 100 to 3,000 steps, each optimizer at its
# best rate (none of the best rates lies at an end of the grid). AdaGrad starts ahead of
# RMSProp, then falls behind and ends several times farther away. (Momentum, on a surface this
# smooth, beats both.) AdaGrad's effective rate per weight, η/√(s + ε), tells why:

# %% tags=["demo"]
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
utils.plot_paths(rosenbrock, {name: run[1] for name, run in race.items()}, box=(-2, 2, -1, 3), minimum=(1, 1),
                 title="3,000 steps, each at its best rate", ax=left)
for name, make_rule in (("AdaGrad", AdaGrad), ("RMSProp", RMSProp)):
    rate, path, _ = race[name]
    rule, effective = make_rule(rate), []
    for w in path[:-1]:  # replay the path, reading the rule's s after each step
        rule.step(w, rosenbrock_gradient(w))
        effective.append(rate / np.sqrt(rule.s + rule.epsilon))
    right.plot(np.array(effective)[:, 0], label=f"{name}, w1")
right.set(yscale="log", xlabel="step", ylabel="effective learning rate of w1", title="η / √(s + ε)")
right.legend()
plt.show()

# %% [markdown]
# AdaGrad's rate for w₁ collapses in the first few steps, on the steep wall, and then stays
# practically where it is: the accumulator can only grow, and the small gradients of the valley
# add almost nothing to the large sum of the wall's. The weight keeps moving, ever more slowly. RMSProp's follows the gradients of the last few dozen steps
# and rises again in the flat valley. This is why the book advises against AdaGrad for deep
# networks, although it can do well on simpler problems (and on sparse features, where most
# gradients are zero and its accumulators stay small).

# %% [markdown]
# ### ✍️ Exercise 3: who stalls?
#
# A loss surface has gradients around 100 for the first 200 steps, and gradients around 0.01
# for the thousands of steps after that, all the way to its minimum. Each optimizer below uses a
# learning rate that works well during the first 200 steps. In which one does the effective
# learning rate, the step divided by the gradient, stay stuck at the tiny value the first 200
# steps left it, so that it stalls long before the minimum? Store its letter in `stalls`.
#
# - a) `keras.optimizers.RMSprop`
# - b) `keras.optimizers.Adagrad`
# - c) `keras.optimizers.Adam`
# - d) `keras.optimizers.SGD(momentum=0.9)`

# %%
# BEGIN SOLUTION who_stalls
# STUB: stalls = ...
stalls = "b"  # its accumulator keeps the 200 large gradients for ever
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.who_stalls.hint()
# ex.who_stalls.solution()
ex.who_stalls.check(stalls)

# %% [markdown]
# ## 6.6 Adam and its variants
#
# Adam (Kingma and Ba, 2015) combines a momentum-like average of the gradients, m, with
# RMSProp's average of their squares, v, and corrects both for starting at zero:
#
# m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ),
# w ← w − η m̂ / (√v̂ + ε),
#
# where t counts the steps from 1. Unlike RMSProp and AdaGrad, ε sits **outside** the square
# root here. Keras's defaults: η = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e-7. Keras moves the
# corrections into the learning rate, η√(1 − β₂ᵗ) / (1 − β₁ᵗ), and adds ε to √v rather than to
# √v̂ (its docstring calls this "epsilon hat"). Written in the paper's form, Keras's ε is
# ε/√(1 − β₂ᵗ): about 32 times larger at the first step, the same after a few thousand. Only
# when ε is not negligible next to √v̂ does the difference show.
#
# ### ✍️ Exercise 4: write Adam, with its bias correction
#
# Complete the class so that it behaves as `keras.optimizers.Adam` with the same arguments.
# The check compares your steps with Keras's, including a case with a large ε, where the
# paper's placement and Keras's both pass and others fail.

# %%
# BEGIN SOLUTION adam
# STUB: class Adam:
# STUB:     """Keras's Adam, in NumPy."""
# STUB:
# STUB:     def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
# STUB:         ...
# STUB:
# STUB:     def step(self, w, g):
# STUB:         ...
class Adam:
    """Keras's Adam, in NumPy."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.eta, self.beta_1, self.beta_2, self.eps = learning_rate, beta_1, beta_2, epsilon
        self.m, self.v, self.t = 0.0, 0.0, 0

    def step(self, w, g):
        self.t += 1  # the first step is t = 1
        self.m = self.beta_1 * self.m + (1 - self.beta_1) * g
        self.v = self.beta_2 * self.v + (1 - self.beta_2) * g**2
        m_hat = self.m / (1 - self.beta_1**self.t)
        v_hat = self.v / (1 - self.beta_2**self.t)
        return w - self.eta * m_hat / (np.sqrt(v_hat) + self.eps)
# END SOLUTION


# %% tags=["nbval-check-output"]
# ex.adam.hint()
# ex.adam.solution()
ex.adam.check(Adam)

# %% [markdown]
# ### What the bias correction does
#
# The usual story is that m and v start at zero, so they are too small at first, and the
# correction "boosts" them. Both are boosted, though, and they pull in opposite directions: a
# larger m makes the step longer, a larger v makes it shorter. Which wins? Feed Keras's Adam a
# gradient that stays at 1.0 and compare the step it takes with the step it would take from
# the same m and v without the correction, η m / (√v + ε):

# %% tags=["nbval-check-output", "demo"]
steps = np.arange(1, 3001)
taken = -np.diff(utils.descend(keras.optimizers.Adam(learning_rate=0.001), [0.0], np.ones((3000, 1)))[:, 0])
m = 1 - 0.9**steps  # m and v after t steps of a constant gradient 1.0: (1 − β^t) times the gradient
v = 1 - 0.999**steps
uncorrected = 0.001 * m / (np.sqrt(v) + 1e-7)
ratio = uncorrected / taken
for t in (1, 10, 100, 1000, 3000):
    print(f"step {t:>4}: Adam moves {taken[t - 1]:.6f}; without correction it would move {ratio[t - 1]:.2f} times as far")
print(f"largest ratio {ratio.max():.2f}, at step {steps[ratio.argmax()]}")

# %% [markdown]
# With the correction, every step is η, as it should be for a steady gradient. Without it, the
# first steps would be several times **longer**, not shorter: v, with its β₂ = 0.999, takes
# about a thousand steps to forget its zero start, m only about ten. The correction's real job
# is to stop Adam from lurching at the start of training:

# %% tags=["demo"]
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.semilogy(steps[:300], taken[:300], label="Adam (corrected)")
ax.semilogy(steps[:300], uncorrected[:300], label="without the correction")
ax.set(xlabel="step", ylabel="step length", title="A constant gradient of 1.0, η = 0.001")
ax.legend()
plt.show()

# %% [markdown]
# ### AdaMax and Nadam
#
# **AdaMax** (in the same paper) replaces v by an exponentially decaying maximum of |g|,
# u ← max(β₂u, |g|), and divides by it; only m needs a correction. **Nadam** (Dozat, 2016) is
# Adam with Nesterov's look-ahead: it mixes the corrected m with the current gradient. Keras's
# Nadam also lets the momentum rise over the first steps, μₜ = β₁(1 − 0.5 × 0.96ᵗ). Dozat's
# paper (and Keras 2, with `schedule_decay=0.004`) used 0.96^(t/250), a rise over thousands of
# steps. Keras's rewritten optimizers (since Keras 2.11, and the only ones in Keras 3) drop the
# 1/250, so μₜ reaches β₁ within about a hundred steps. The NumPy version must follow Keras to
# match.

# %% tags=["demo"]
class AdaMax:
    """Keras's Adamax: m as in Adam, u ← max(β₂u, |g|), w ← w − η m / ((1 − β₁ᵗ)(u + ε))."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.learning_rate, self.beta_1, self.beta_2, self.epsilon = learning_rate, beta_1, beta_2, epsilon
        self.m, self.u, self.t = 0.0, 0.0, 0

    def step(self, w, g):
        self.t += 1
        self.m += (1 - self.beta_1) * (g - self.m)
        self.u = np.maximum(self.beta_2 * self.u, np.abs(g))
        return w - self.learning_rate * self.m / ((1 - self.beta_1**self.t) * (self.u + self.epsilon))


class Nadam:
    """Keras's Nadam: Adam with a Nesterov look-ahead and Dozat's schedule for β₁."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.learning_rate, self.beta_1, self.beta_2, self.epsilon = learning_rate, beta_1, beta_2, epsilon
        self.m, self.v, self.t, self.mu_product = 0.0, 0.0, 0, 1.0

    def mu(self, t):
        """The momentum at step t: it rises from 0.5 β₁ towards β₁."""
        return self.beta_1 * (1 - 0.5 * 0.96**t)

    def step(self, w, g):
        self.t += 1
        mu, mu_next = self.mu(self.t), self.mu(self.t + 1)
        self.mu_product *= mu
        self.m += (1 - self.beta_1) * (g - self.m)
        self.v += (1 - self.beta_2) * (g**2 - self.v)
        look_ahead = mu_next * self.m / (1 - self.mu_product * mu_next) + (1 - mu) * g / (1 - self.mu_product)
        v_corrected = self.v / (1 - self.beta_2**self.t)
        return w - self.learning_rate * look_ahead / (np.sqrt(v_corrected) + self.epsilon)


# %% tags=["nbval-check-output", "demo"]
for rule, optimizer in ((AdaMax(0.05), keras.optimizers.Adamax(learning_rate=0.05)),
                        (Nadam(0.05), keras.optimizers.Nadam(learning_rate=0.05))):
    gap = largest_gap(rule, optimizer)
    print(f"{type(rule).__name__} vs keras.optimizers.{type(optimizer).__name__}: largest relative gap {gap:.0e}")
    assert gap < 1e-6

# %% [markdown]
# ## 6.7 Weight decay, coupled and decoupled
#
# L2 regularization adds λ‖w‖² to the loss, so its gradient 2λw joins the data gradient. With
# plain SGD the update becomes w ← w − η(g + 2λw): the weights shrink by a factor (1 − 2ηλ)
# each step, which is *weight decay*. Keras 3 offers weight decay directly on **every**
# optimizer: `weight_decay=d` shrinks each weight by w ← w − η·d·w before the optimizer's own
# update. Two things to know about Keras's version:
#
# - The decay is multiplied by the learning rate η, so a learning-rate schedule scales it too,
#   and changing η changes the decay. Loshchilov and Hutter's AdamW multiplies the decay by the
#   schedule's multiplier alone, w ← w − ηₜ/η₀ · λ · w, so that the rate and the decay can be
#   tuned separately; Keras's d is their λ divided by the base rate.
# - It decays **every** trainable variable, biases and batch normalization's γ and β included,
#   unless told otherwise (below). Section 8's ℓ2 penalty, by contrast, is attached to the
#   kernels you give a regularizer to, usually not the biases.
#
# One step with a zero gradient shows the decay for each optimizer: from w = 1, with η = 0.1
# and d = 0.1, each should land on 1 − 0.01 = 0.99.

# %% tags=["nbval-check-output", "demo"]
optimizer_classes = [keras.optimizers.SGD, keras.optimizers.Adagrad, keras.optimizers.RMSprop, keras.optimizers.Adam,
                     keras.optimizers.Adamax, keras.optimizers.Nadam, keras.optimizers.AdamW]
for optimizer_class in optimizer_classes:
    w = utils.descend(optimizer_class(learning_rate=0.1, weight_decay=0.1), [1.0], [[0.0]])[-1, 0]
    print(f"{optimizer_class.__name__:>8}(weight_decay=0.1): w = 1 -> {w:.6f}")

# %% [markdown]
# `exclude_from_weight_decay` keeps chosen variables out of the decay, by name or by variable;
# it must be called before the optimizer is built. One step with zero gradients on a layer
# with a bias of 1:

# %% tags=["nbval-check-output", "demo"]
for exclude in (False, True):
    layer = keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="ones")
    layer.build((None, 1))
    optimizer = keras.optimizers.AdamW(learning_rate=0.1, weight_decay=0.1)
    if exclude:
        optimizer.exclude_from_weight_decay(var_names=["bias"])
    optimizer.apply([keras.ops.zeros_like(v) for v in layer.trainable_variables], layer.trainable_variables)
    print(f"exclude bias: {exclude!s:>5}  kernel 1 -> {float(layer.kernel[0, 0]):.4f}, bias 1 -> {float(layer.bias[0]):.4f}")

# %% [markdown]
# In NumPy, decoupled weight decay is one line around any update rule. With it, our rules match
# Keras's optimizers given `weight_decay`, step by step: momentum becomes SGDW, and Adam
# becomes AdamW (that part runs once your Adam passes exercise 4; with the paper's placement
# of ε, its gap is a little larger, and still small).

# %% tags=["nbval-check-output", "demo"]
class Decoupled:
    """Decoupled weight decay around any rule: w ← w − η·d·w, then the rule's own step."""

    def __init__(self, rule, learning_rate, weight_decay):
        self.rule, self.learning_rate, self.weight_decay = rule, learning_rate, weight_decay

    def step(self, w, g):
        return self.rule.step(w - self.learning_rate * self.weight_decay * w, g)


pairs = {
    "SGD(momentum=0.9, weight_decay=0.1)": (Decoupled(Momentum(0.05, 0.9), 0.05, 0.1),
                                           keras.optimizers.SGD(0.05, momentum=0.9, weight_decay=0.1)),
    "Adamax(weight_decay=0.1)": (Decoupled(AdaMax(0.05), 0.05, 0.1),
                                 keras.optimizers.Adamax(0.05, weight_decay=0.1)),
}
for name, (rule, optimizer) in pairs.items():
    gap = largest_gap(rule, optimizer)
    print(f"Decoupled NumPy rule vs keras.optimizers.{name}: largest relative gap {gap:.0e}")
    assert gap < 1e-6
if ex.adam.solved(Adam):
    gap = largest_gap(Decoupled(Adam(learning_rate=0.05), 0.05, 0.1), keras.optimizers.AdamW(0.05, weight_decay=0.1))
    print(f"Decoupled(your Adam) vs keras.optimizers.AdamW(weight_decay=0.1): largest relative gap {gap:.0e}")

# %% [markdown]
# For plain SGD, decay d is exactly L2 with λ = d/2. With momentum it is not quite: the L2
# gradient also builds up in the velocity, while the decay does not (Loshchilov and Hutter call
# the decoupled version SGDW). With an adaptive optimizer the difference is larger: the L2
# gradient 2λw goes through the division by √v like any other gradient, so a weight whose
# data gradients are large (large v) is barely decayed, while a weight with small gradients is
# decayed hard. Loshchilov and Hutter (2019) called this out and proposed to apply the decay
# outside the adaptive update, *decoupled*: that is AdamW, which in Keras 3 is Adam with
# `weight_decay` (AdamW only changes the default, `weight_decay=0.004`).
#
# The experiment: 1,000 weights start at 1.0 and receive pure noise as their data gradient
# (no data pulls them anywhere), half of them noise of size 1, the other half of size 0.01.
# The only force towards zero is the regularization. Each optimizer runs 1,000 steps.

# %% tags=["nbval-check-output", "demo"]
NOISE_SCALES = np.repeat([1.0, 0.01], 500)


def decayed(optimizer, l2=0.0, steps=1000):
    """Mean |w| of the large-noise and small-noise weights after ``steps`` noisy steps, with 2·l2·w added to g."""
    rng = np.random.default_rng(1)  # the same noise for every optimizer
    gradient = lambda w: NOISE_SCALES * rng.standard_normal(len(w)) + 2 * l2 * w  # noqa: E731
    w = utils.descend(optimizer, np.ones(len(NOISE_SCALES)), gradient, steps)[-1]
    return np.abs(w[:500]).mean(), np.abs(w[500:]).mean()


setups = {
    "SGD, L2 λ = 0.5 in the loss": (keras.optimizers.SGD(learning_rate=0.001), 0.5),
    "SGD, weight_decay = 1": (keras.optimizers.SGD(learning_rate=0.001, weight_decay=1.0), 0.0),
    "Adam, L2 λ = 0.5 in the loss": (keras.optimizers.Adam(learning_rate=0.001), 0.5),
    "AdamW, weight_decay = 1": (keras.optimizers.AdamW(learning_rate=0.001, weight_decay=1.0), 0.0),
}
print(f"{'':>29}  {'mean |w|, noise 1':>17}  {'mean |w|, noise 0.01':>20}  {'ratio':>5}")
for name, (optimizer, l2) in setups.items():
    large, small = decayed(optimizer, l2)
    print(f"{name:>29}  {large:17.3f}  {small:20.3f}  {large / small:5.2f}")
print(f"(1 − 0.001 × 1)^1000 = {(1 - 0.001) ** 1000:.3f}")

# %% [markdown]
# - With SGD, L2 (λ = 0.5) and weight decay (d = 1) shrink both groups alike, towards the
#   factor (1 − ηd)¹⁰⁰⁰ printed last; the noise only spreads the weights around it.
# - With Adam and L2 in the loss, the two groups part (see the ratio): the small-noise weights
#   shrink more than under SGD, the large-noise ones less. Adam divides each weight's L2
#   gradient by √v, and v is large where the noise is large.
# - AdamW decays both groups by the same factor, as SGD does, whatever their gradients.
#
# So with Adam, an L2 penalty regularizes the weights that the data moves most less than the
# others, and its strength interacts with the gradients' scale. Section 8 comes back to
# regularization.

# %% [markdown]
# ### ✍️ Exercise 5: configure decoupled weight decay
#
# Create an optimizer that applies Adam's update with a learning rate of 3e-4 and **decoupled**
# weight decay: before Adam's update, each step shrinks every weight w by η × 10⁻⁴ × w. Store
# it in `decoupled`.

# %%
# BEGIN SOLUTION decoupled_decay
# STUB: decoupled = ...
decoupled = keras.optimizers.AdamW(learning_rate=3e-4, weight_decay=1e-4)  # Adam(..., weight_decay=1e-4) is the same
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.decoupled_decay.hint()
# ex.decoupled_decay.solution()
ex.decoupled_decay.check(decoupled)

# %% [markdown]
# ## 6.8 On Fashion-MNIST, fairly
#
# Surfaces in two dimensions show mechanisms; a network shows what matters. The chapter
# trains its MLP (3 hidden layers of 100 ReLU units, He initialization) with each optimizer at
# one shared learning rate, 0.001, one run each. One shared rate favours the optimizers whose
# good rates lie near it: the adaptive ones, whose steps are roughly η whatever the gradient's
# size. Plain SGD's step is η times the gradient, and its good rates are ten to a hundred
# times larger. A fair comparison gives each optimizer its own rate.
#
# So we run each optimizer on a small grid of rates, half a decade apart, around its usual
# range, plus the shared 0.001, over 3 seeds, and choose each optimizer's rate by its mean
# validation accuracy. A grid is widened until the chosen rate lies inside it, where a first
# run found it at an end. To stay within the time budget, the runs train on 5,000 images for
# 3 epochs (471 steps of 32 images), which is enough for the optimizers to part. Plain SGD
# here has no momentum. AdamW is left out: with its default decay, 471 steps at η = 0.001
# shrink the weights by a factor of (1 − 0.001 × 0.004)⁴⁷¹ ≈ 0.998, so it would train as
# Adam does.

# %% tags=["demo"]
data = utils.load_fashion_mnist()
X_train, y_train = data.train[0][:5000], data.train[1][:5000]
X_valid, y_valid = data.valid
X_test, y_test = data.test
SHARED_RATE = 1e-3

OPTIMIZERS = {  # name: (class, its settings, a grid of rates around its usual range)
    "SGD": (keras.optimizers.SGD, {}, (0.01, 0.03, 0.1)),
    "momentum": (keras.optimizers.SGD, {"momentum": 0.9}, (0.003, 0.01, 0.03)),
    "Nesterov": (keras.optimizers.SGD, {"momentum": 0.9, "nesterov": True}, (0.003, 0.01, 0.03)),
    "AdaGrad": (keras.optimizers.Adagrad, {}, (0.003, 0.01, 0.03, 0.1)),
    "RMSProp": (keras.optimizers.RMSprop, {}, (1e-4, 3e-4, 1e-3, 3e-3)),
    "Adam": (keras.optimizers.Adam, {}, (3e-4, 1e-3, 3e-3)),
    "AdaMax": (keras.optimizers.Adamax, {}, (1e-3, 3e-3, 1e-2)),
    "Nadam": (keras.optimizers.Nadam, {}, (1e-4, 3e-4, 1e-3, 3e-3)),
}


def build_mlp(config):
    """The chapter's MLP, compiled with the optimizer ``config`` names, at its learning rate."""
    name, rate = config
    optimizer_class, settings, _ = OPTIMIZERS[name]
    model = utils.deep_mlp(3, 100, "relu", "he_normal")
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer_class(learning_rate=rate, **settings),
                  metrics=["accuracy"], steps_per_execution=50)  # 50 steps per call: less Python per step
    return model


EPOCHS = utils.full_or_quick(3, quick=1)  # quick mode: 1 epoch, and a grid of two rates per optimizer


def train_mlp(model, config, callbacks):
    """EPOCHS epochs on the 5,000 images; the learning curves, and the test accuracy at the end."""
    history = model.fit(X_train, y_train, epochs=EPOCHS, validation_data=(X_valid, y_valid), verbose=0,
                        validation_batch_size=1000, callbacks=callbacks)  # large batches: evaluating is faster
    return {**history.history, "test_accuracy": model.evaluate(X_test, y_test, batch_size=1000, verbose=0)[1]}


def grid(names):
    """One configuration per optimizer and rate (the shared rate included), an optimizer's rates in a row."""
    return {f"{name} {rate:g}": (name, rate) for name in names
            for rate in sorted({SHARED_RATE, *utils.full_or_quick(OPTIMIZERS[name][2], quick=OPTIMIZERS[name][2][:1])})}


# %% [markdown]
# `utils.over_seeds` traces each optimizer's training step once and reuses it for every seed
# and every rate of that optimizer (a learning rate is a variable the step reads). Two
# optimizers per cell:

# %% tags=["demo"]
sgd_runs = utils.over_seeds(train_mlp, grid(["SGD", "momentum"]), seeds=3, build=build_mlp)

# %% tags=["demo"]
nesterov_runs = utils.over_seeds(train_mlp, grid(["Nesterov", "AdaGrad"]), seeds=3, build=build_mlp)

# %% tags=["demo"]
rmsprop_runs = utils.over_seeds(train_mlp, grid(["RMSProp", "Adam"]), seeds=3, build=build_mlp)

# %% tags=["demo"]
adamax_runs = utils.over_seeds(train_mlp, grid(["AdaMax", "Nadam"]), seeds=3, build=build_mlp)

# %% [markdown]
# Each run's optimizer and rate go into the table, and a summary per configuration:

# %% tags=["demo"]
runs = pd.concat([sgd_runs, nesterov_runs, rmsprop_runs, adamax_runs], ignore_index=True)
settings = grid(OPTIMIZERS)
runs["optimizer"] = runs["config"].map(lambda config: settings[config][0])
runs["rate"] = runs["config"].map(lambda config: settings[config][1])
summary = utils.spread(runs, "val_accuracy")
summary["optimizer"] = [settings[config][0] for config in summary.index]
summary["rate"] = [settings[config][1] for config in summary.index]
best = summary.loc[summary.groupby("optimizer", sort=False)["mean"].idxmax()]
display(summary[["mean", "std", "min", "max", "seeds"]].round(3))

# %% [markdown]
# ### At the shared rate, as in the chapter

# %% tags=["demo"]
shared = runs[runs["rate"] == SHARED_RATE].assign(config=lambda table: table["optimizer"])
utils.plot_runs(shared, "val_accuracy", title=f"Every optimizer at η = {SHARED_RATE:g} ({shared.seed.nunique()} seeds each)")
plt.show()

# %% [markdown]
# ### Each at its best rate

# %% tags=["demo"]
chosen = runs[runs["config"].isin(best.index)].assign(config=lambda table: table["optimizer"] + " " +
                                                      table["rate"].map("{:g}".format))
utils.plot_runs(chosen, "val_accuracy", title="Every optimizer at the rate of its grid with the best mean")
plt.show()

# %% [markdown]
# ### The comparison, side by side
#
# One row per optimizer: its test accuracy at the shared rate, the rate chosen on validation
# (and whether it lies at the edge of its grid, where a rate beyond the grid might do better
# still), and the validation and test accuracies at that rate, mean ± standard deviation over
# the seeds. The test set played no part in the choice.

# %% tags=["demo"]
def mean_and_std(values) -> str:
    """'0.812 ± 0.004' for a series of runs."""
    return f"{values.mean():.3f} ± {values.std():.3f}"


last = runs[runs["epoch"] == runs["epoch"].max()]
table = pd.DataFrame({
    name: {
        f"test at η = {SHARED_RATE:g}": mean_and_std(last[(last["optimizer"] == name)
                                                          & (last["rate"] == SHARED_RATE)]["test_accuracy"]),
        "chosen η": f"{rate:g}" + ("" if utils.best_of_grid(runs, "val_accuracy", grid([name])).inside
                                   else " (grid edge)"),
        "val at chosen η": mean_and_std(last[last["config"] == config]["val_accuracy"]),
        "test at chosen η": mean_and_std(last[last["config"] == config]["test_accuracy"]),
    }
    for config, (name, rate) in zip(best.index, zip(best["optimizer"], best["rate"], strict=True), strict=True)
}).T
for label, rows in (("at the shared rate", last["rate"] == SHARED_RATE), ("at the chosen rates",
                                                                          last["config"].isin(best.index))):
    means = last[rows].groupby("optimizer")["test_accuracy"].mean().sort_values(ascending=False)
    print(f"mean test accuracy {label}: " + ", ".join(f"{name} {mean:.3f}" for name, mean in means.items()))
table

# %% [markdown]
# The means make an order; the paired differences say which gaps the seeds support. Each
# optimizer at its chosen rate against Adam at its chosen rate, on the test images
# (difference = optimizer − Adam):

# %% tags=["demo"]
adam_config = best.index[best["optimizer"] == "Adam"][0]
utils.compare_all(last[last["config"].isin(best.index)], "test_accuracy", adam_config).round(3)

# %% [markdown]
# The book's notebook (ageron/handson-ml3) runs the chapter's comparison once per optimizer at
# η = 0.001, for 10 epochs on all 55,000 images: about 17,000 steps, against our 471. Its
# stored validation accuracies after the last epoch, beside ours at the same rate (its plain
# SGD cell stores the output of an earlier version of the code, which used momentum: its
# numbers are the momentum cell's, so there is no plain SGD result to quote):

# %% tags=["demo"]
BOOK_VAL_ACCURACY = {  # handson-ml3, 11_training_deep_neural_networks.ipynb, epoch 10/10 at η = 0.001, one run each
    "momentum": 0.8672, "Nesterov": 0.8708, "AdaGrad": 0.8424, "RMSProp": 0.8636,
    "Adam": 0.8696, "AdaMax": 0.8780, "Nadam": 0.8740, "AdamW": 0.8702,
}
ours_at_shared = last[last["rate"] == SHARED_RATE].groupby("optimizer", sort=False)["val_accuracy"].mean()
pd.DataFrame({
    "book: 10 epochs on 55,000 images, 1 run": pd.Series(BOOK_VAL_ACCURACY),
    f"ours: {EPOCHS} epochs on {len(X_train):,} images, mean of {last.seed.nunique()} seeds": ours_at_shared,
}).reindex([*OPTIMIZERS, "AdamW"]).round(3)

# %% [markdown]
# What the numbers say:
#
# - **At the shared rate**, the chapter's setup, plain SGD and AdaGrad reach a mean test accuracy
#   of about 0.54 and 0.65 (the first column), where the others reach 0.75 to 0.81. That is a
#   statement about the rate 0.001 as much as about the optimizers: SGD's steps at 0.001 are too
#   small to get far in 471 steps.
# - **Each at its chosen rate**, the means close up to within a few points: SGD's rate rose
#   thirtyfold, AdaGrad's to 0.03. Tuning SGD's rate closed most of its gap to Adam.
# - **Against Adam, seed by seed**, no optimizer at its chosen rate could be told apart from
#   Adam at its own (the verdict table): the Adam family's means lead the others by about two
#   points, but the intervals of the paired differences all straddle zero. Three seeds and 471
#   steps rank the means, not the optimizers. Nesterov's and momentum's mean test accuracies
#   differ by a thousandth: no sign here of Nesterov being faster.
# - Every chosen rate lies inside its grid (no *grid edge* mark): the grids of AdaGrad, RMSProp
#   and Nadam were widened after a first run found their best at an end. Some choices are
#   close, and the choice goes by the mean: a neighbouring rate may be as good.
# - This is a short training, 471 steps. It measures how fast each optimizer makes progress,
#   which is what this section is about. It says little about where each would end after a
#   long training, or about how well it generalizes: there the chapter, after Wilson et al.
#   (2017), warns that adaptive methods sometimes do worse than SGD with momentum.

# %% [markdown]
# ## 6.9 Choosing an optimizer
#
# Everything this notebook measured, one row per optimizer, next to what the chapter says of
# each (in our words):

# %% tags=["demo"]
surfaces = {
    "SGD": f"bowl: {momentum_sweep.loc[0.0, 'steps to settle']} steps to settle",
    "momentum": f"bowl: {momentum_sweep.loc[0.9, 'steps to settle']} steps (β = 0.9), overshoot "
                f"{momentum_sweep.loc[0.9, 'w1 overshoot']:.1f}; Rosenbrock: {race['momentum 0.9'][2][-1]:.3f} left",
    "Nesterov": f"bowl: {nesterov_sweep.loc[0.9, 'steps to settle']} steps (β = 0.9), overshoot "
                f"{nesterov_sweep.loc[0.9, 'w1 overshoot']:.1f}",
    "AdaGrad": f"Rosenbrock: {race['AdaGrad'][2][-1]:.3f} left after 3,000 steps",
    "RMSProp": f"Rosenbrock: {race['RMSProp'][2][-1]:.3f} left after 3,000 steps",
    "Adam": f"without bias correction, early steps up to {ratio.max():.1f}× longer",
    "AdaMax": "",
    "Nadam": "",
}
chapter = {
    "SGD": "the slowest to converge",
    "momentum": "much faster than plain SGD",
    "Nesterov": "generally a little faster than momentum",
    "AdaGrad": "often stops too early on neural networks: avoid it for deep nets",
    "RMSProp": "fast, and far better than AdaGrad",
    "Adam": "fast; the usual first choice, though adaptive methods can generalize worse",
    "AdaMax": "sometimes more stable than Adam",
    "Nadam": "often converges a little faster than Adam",
}
pd.set_option("display.max_colwidth", None)  # show each sentence whole
choosing = table.assign(**{"2-D surfaces (6.1-6.6)": pd.Series(surfaces), "the chapter": pd.Series(chapter)})
choosing[["2-D surfaces (6.1-6.6)", f"test at η = {SHARED_RATE:g}", "chosen η", "test at chosen η", "the chapter"]]

# %% [markdown]
# Where the measurements agree with the chapter, and where they add to it:
#
# - **Momentum and Nesterov** speed up gradient descent several times over on the bowl, with a
#   well-chosen β (too large a β, 0.99, made it slower than no momentum), and Nesterov
#   overshoots less, as the chapter says. Its edge in speed showed only at large β on the bowl;
#   on Fashion-MNIST the two means differ by a thousandth.
# - **AdaGrad** fell behind on the Rosenbrock valley, its rate spent on the first steep steps,
#   as the chapter warns; yet in a short training with its own rate, it kept up with the
#   others. Its slowdown needs a long run of large gradients, then small ones.
# - **Adam's bias correction** shortens the first steps rather than lengthening them: without
#   it, the early steps would be several times too long.
# - **One shared learning rate ranks rates, not optimizers**, in a short training: in our 471
#   steps, 0.001 suits the adaptive optimizers and starves SGD. In a long one the picture
#   changes: the book's notebook trains 10 epochs on all 55,000 images (about 17,000 steps),
#   and its stored outputs show momentum at 0.001 level with Adam (validation accuracy 0.8672
#   and 0.8696 after the last epoch; the table in section 6.8).
#
# **What to reach for.** Adam at its default rate, 0.001, was the best of its grid here and is
# a fine first choice; AdaMax preferred 0.003 and Nadam 0.0003, so even the defaults of the
# Adam family deserve a quick check. SGD with momentum (Nesterov or not) is the usual
# alternative; tune its rate, which lies well above 0.001. With weight decay and an adaptive
# optimizer, use decoupled decay, `AdamW` or `weight_decay=`, not an L2 penalty in the loss.
# Whatever the optimizer, tune the learning rate first: the next section is about changing it
# during training.

# %% [markdown]
# ## Summary
#
# - Each optimizer is a few lines of NumPy, and each was proven equal to Keras's, step by step.
#   Keras puts ε inside the square root for AdaGrad and RMSProp and outside for the Adam family;
#   AdaGrad's accumulator starts at 0.1; Nadam follows a schedule for β₁.
# - Momentum multiplies the step by 1/(1 − β) on a steady slope, and overshoots when β is large;
#   Nesterov damps the overshoot.
# - AdaGrad's learning rates only shrink; RMSProp and Adam forget old gradients.
# - Keras 3 gives every optimizer `weight_decay`, applied outside the update (decoupled); with
#   Adam it is not the same as an L2 penalty, which Adam rescales per weight.
# - Compare optimizers over seeds and each at its own learning rate, or the comparison ranks
#   learning rates.
#
# ## Papers
#
# - B. T. Polyak, [Some methods of speeding up the convergence of iteration
#   methods](https://doi.org/10.1016/0041-5553(64)90137-5), USSR Computational Mathematics and
#   Mathematical Physics, 1964.
# - Y. Nesterov, A method for unconstrained convex minimization problem with the rate of
#   convergence O(1/k²), Doklady AN USSR, 1983.
# - I. Sutskever, J. Martens, G. Dahl, G. Hinton, [On the importance of initialization and
#   momentum in deep learning](https://proceedings.mlr.press/v28/sutskever13.html), ICML 2013.
# - J. Duchi, E. Hazan, Y. Singer, [Adaptive subgradient methods for online learning and
#   stochastic optimization](https://jmlr.org/papers/v12/duchi11a.html), JMLR 2011.
# - T. Tieleman, G. Hinton, RMSProp, lecture 6.5 of *Neural Networks for Machine Learning*,
#   Coursera, 2012.
# - D. P. Kingma, J. Ba, [Adam: a method for stochastic optimization](https://arxiv.org/abs/1412.6980),
#   ICLR 2015.
# - T. Dozat, [Incorporating Nesterov momentum into Adam](https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ),
#   ICLR 2016 workshop.
# - I. Loshchilov, F. Hutter, [Decoupled weight decay regularization](https://arxiv.org/abs/1711.05101),
#   ICLR 2019.
# - A. C. Wilson, R. Roelofs, M. Stern, N. Srebro, B. Recht, [The marginal value of adaptive
#   gradient methods in machine learning](https://arxiv.org/abs/1705.08292), NeurIPS 2017.
# - Keras API: [optimizers](https://keras.io/api/optimizers/).
