# %% [markdown]
# # 4. Gradient clipping
#
# Companion to *Hands-On Machine Learning* (3rd edition), chapter 11, "Gradient Clipping".
#
# **You will learn**
# - what clipping by value, by norm and by global norm do to a gradient, measured on a real
#   Keras optimizer step rather than taken on trust;
# - why clipping by value can turn the gradient, while clipping by norm only shortens it;
# - how Keras's `clipnorm` (each variable on its own) differs from `global_clipnorm` (all
#   variables together);
# - how to watch the gradient norm blow up when the learning rate is too high, and how clipping
#   tames it;
# - where clipping is used, and how to choose its threshold.
#
# **Exercises** are marked ✍️. Replace each `...` with your answer and run the check cell below
# it: it says *not attempted*, *incorrect* (and why), or *correct*. Stuck? Uncomment the
# `.hint()` line (call it again for the next hint), or `.solution()`.

# %%
import utils  # first: it imports TensorFlow quietly, and checks its version

import keras
import numpy as np

ex = utils.setup("gradient_clipping")

# %% [markdown]
# ## 4.1 Clipping happens inside the optimizer
#
# When gradients explode, a single update can throw the weights far from anything useful.
# *Gradient clipping* puts a cap on the gradient after backpropagation has computed it and
# before the optimizer uses it. Every Keras optimizer takes one of three arguments for this:
#
# - `clipvalue=v`: clip **each component** of the gradient to the interval [-v, v];
# - `clipnorm=c`: if the ℓ2 norm of **a variable's gradient** exceeds c, scale that gradient
#   down to norm c;
# - `global_clipnorm=c`: if the norm of **all the gradients together** exceeds c, scale them
#   all down by the same factor, to a global norm of c.
#
# Rather than believe these descriptions, let's watch one optimizer step. Take a variable that
# holds 0 and plain SGD with a learning rate of 1. SGD updates w ← w − learning rate × g, so
# after one step the variable holds exactly minus the gradient the optimizer applied, *after*
# clipping. Here is the book's example, the gradient [0.9, 100.0], with `clipvalue=1.0`:

# %% tags=["nbval-check-output", "demo"]
gradient = np.array([0.9, 100.0], dtype=np.float32)
variable = keras.Variable(np.zeros(2, dtype=np.float32))
optimizer = keras.optimizers.SGD(learning_rate=1.0, clipvalue=1.0)
optimizer.apply_gradients([(gradient, variable)])
applied = -variable.numpy()  # the variable went from 0 to 0 - 1.0 × (applied gradient)
print(f"gradient {gradient} -> applied gradient {applied}")

# %% [markdown]
# `utils.applied_gradients(gradients, **clipping)` runs exactly this experiment for a list of
# gradients, one per variable, and returns what the optimizer applied. Let's put the three
# kinds of clipping side by side. Next to each result: its norm, and the angle between it and
# the original gradient, which tells whether clipping changed the gradient's *direction*.

# %% tags=["nbval-check-output", "demo"]
clippings = {
    "no clipping": {},
    "clipvalue=1.0": {"clipvalue": 1.0},
    "clipnorm=1.0": {"clipnorm": 1.0},
    "global_clipnorm=1.0": {"global_clipnorm": 1.0},
}
gradient = [0.9, 100.0]
print(f"{'':>20}  {'applied gradient':>26}  {'norm':>8}  {'angle to the gradient':>21}")
for name, clipping in clippings.items():
    (applied,) = utils.applied_gradients([gradient], **clipping)
    angle = utils.angle_degrees([gradient], [applied])
    shown = np.array2string(applied, separator=", ")  # float32, shortest digits that identify it
    print(f"{name:>20}  {shown:>26}  {np.linalg.norm(applied):8.4f}  {angle:20.1f}°")

# %% [markdown]
# - **By value**, 100.0 became 1.0 while 0.9 stayed: the gradient pointed almost along the
#   second axis, and now points roughly along the diagonal. The angle column measures the
#   turn.
# - **By norm**, the whole vector was scaled down to norm 1, the book's [0.00899964,
#   0.9999595]: same direction, shorter. The first component almost vanished, but it was
#   almost nothing to begin with.
# - With a single variable, `clipnorm` and `global_clipnorm` do the same thing (the last
#   digit differs because they compute the norm in different ways, in float32); section 4.2
#   shows where they part.
#
# Clipping only ever *shrinks*. A gradient below the threshold passes untouched, and the sign
# of each component is kept:

# %% tags=["nbval-check-output", "demo"]
for gradient in ([-5.0, 0.5], [0.3, -0.4]):
    for name in ("clipvalue=1.0", "clipnorm=1.0"):
        (applied,) = utils.applied_gradients([gradient], **clippings[name])
        print(f"{name:>14}: {gradient} -> {np.round(applied, 4)}")

# %% [markdown]
# ### How Keras does it
#
# Keras clips inside `apply_gradients`, before the optimizer's update rule runs (in Keras 3 the code is
# `BaseOptimizer._clip_gradients` in `keras/src/optimizers/base_optimizer.py`):
#
# - `clipvalue`: each gradient tensor goes through `clip(g, -v, v)`;
# - `clipnorm`: each gradient tensor, **separately**, is multiplied by c / max(‖g‖, c) (with
#   TensorFlow this is `tf.clip_by_norm`);
# - `global_clipnorm`: the global norm √(Σ‖gᵢ‖²) is computed over all the tensors, and every
#   one of them is multiplied by the same c / max(global norm, c).
#
# With momentum or Adam, the clipped gradient is what feeds the momentum or the moment
# estimates, so the step is no longer simply the learning rate times the clipped gradient;
# this is why the experiment above uses plain SGD. Two more details from the source: a
# threshold of 0 (or below) switches clipping off, and an optimizer accepts only one of the
# three arguments:

# %% tags=["nbval-check-output", "demo"]
(applied,) = utils.applied_gradients([[0.9, 100.0]], clipnorm=0.0)
print(f"clipnorm=0.0: [0.9, 100.0] -> {applied}")
try:
    keras.optimizers.SGD(learning_rate=0.01, clipnorm=1.0, global_clipnorm=1.0)
except ValueError as error:
    print(f"ValueError: {error}")

# %% [markdown]
# ### ✍️ Exercise 1: predict a clipped gradient
#
# An optimizer created with `clipvalue=1.0` receives the gradient [3.0, -4.0, 0.5]. Which
# gradient does it apply? Work it out by hand, and write it in `clipped_by_value` as three
# numbers (a list, a tuple, a NumPy array or a tensor).

# %%
# BEGIN SOLUTION clip_by_value
# STUB: clipped_by_value = ...
# 3.0 and -4.0 lie outside [-1, 1] and are clipped to its ends; 0.5 lies inside and stays.
clipped_by_value = [1.0, -1.0, 0.5]
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.clip_by_value.hint()
# ex.clip_by_value.solution()
ex.clip_by_value.check(clipped_by_value)

# %% [markdown]
# The check computed its answer with a real optimizer step. Once your answer passes, so can you:

# %% tags=["nbval-check-output", "demo"]
if ex.clip_by_value.solved(clipped_by_value):
    (by_value,) = utils.applied_gradients([[3.0, -4.0, 0.5]], clipvalue=1.0)
    print(f"clipvalue=1.0: {by_value}, turned by {utils.angle_degrees([[3.0, -4.0, 0.5]], [by_value]):.1f}°")

# %% [markdown]
# ## 4.2 Each variable on its own, or all together
#
# A model has many variables (each layer's kernel and bias), so its gradient is a list of
# tensors, one per variable. `clipnorm` clips each tensor on its own; `global_clipnorm` treats
# the whole list as one long vector. They differ as soon as there are two variables. Take a
# variable `a` whose gradient is [3.0, 4.0] (norm 5) and a variable `b` whose gradient is
# [0.6, 0.8] (norm 1):

# %% tags=["nbval-check-output", "demo"]
gradients = [[3.0, 4.0], [0.6, 0.8]]
print(f"{'':>20}  {'gradient of a':>16}  {'gradient of b':>16}  {'global norm':>11}  {'angle of the whole':>18}")
for name, clipping in clippings.items():
    if name == "clipvalue=1.0":
        continue
    applied_a, applied_b = utils.applied_gradients(gradients, **clipping)
    global_norm = np.sqrt(np.sum(applied_a**2) + np.sum(applied_b**2))
    angle = utils.angle_degrees(gradients, [applied_a, applied_b])
    print(f"{name:>20}  {np.array2string(applied_a, precision=4):>16}  {np.array2string(applied_b, precision=4):>16}"
          f"  {global_norm:11.4f}  {angle:17.1f}°")

# %% [markdown]
# - `clipnorm` shrank `a`'s gradient to norm 1 and left `b`'s alone, since it was not above
#   the threshold. Each part kept its direction, but `b` now weighs as much as `a` in the
#   update, and the whole gradient turned: see its angle.
# - `global_clipnorm` computed one norm for everything and divided both gradients by the same
#   factor: the whole gradient keeps its direction, and `a` and `b` keep their proportions.
#
# `clipnorm` bounds each variable's gradient, not the whole: with k variables each clipped to
# norm c, the global norm can still reach c√k, as the √2 above shows for two. Pascanu et al.
# (2013), who made clipping by norm popular, rescale the whole gradient, which is what
# `global_clipnorm` does.

# %% [markdown]
# ### ✍️ Exercise 2: clipping by norm, variable by variable
#
# A model has two variables, `a` and `b`. Their gradients are [3.0, -4.0] and [0.3, 0.4], and
# the optimizer was created with `clipnorm=1.0`. Which gradients does it apply? Store them in
# `clipped_per_variable` as `[clipped_a, clipped_b]` (lists, arrays or tensors).

# %%
# BEGIN SOLUTION clip_per_variable
# STUB: clipped_per_variable = ...
g_a, g_b = np.array([3.0, -4.0]), np.array([0.3, 0.4])
# Each gradient is scaled by 1.0 / max(its norm, 1.0): g_a (norm 5) shrinks, g_b (norm 0.5) stays.
clipped_per_variable = [g / max(np.linalg.norm(g), 1.0) for g in (g_a, g_b)]
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.clip_per_variable.hint()
# ex.clip_per_variable.solution()
ex.clip_per_variable.check(clipped_per_variable)

# %% [markdown]
# Once your answer passes, a real optimizer step confirms it, and shows what `global_clipnorm=1.0`
# would have done instead:

# %% tags=["nbval-check-output", "demo"]
if ex.clip_per_variable.solved(clipped_per_variable):
    for name in ("clipnorm=1.0", "global_clipnorm=1.0"):
        applied = utils.applied_gradients([[3.0, -4.0], [0.3, 0.4]], **clippings[name])
        print(f"{name:>20}: a -> {np.round(applied[0], 4)}, b -> {np.round(applied[1], 4)}")

# %% [markdown]
# ### ✍️ Exercise 3: cap the norm, keep the direction
#
# Create `capped_optimizer`: an SGD optimizer with a learning rate of 0.01 (or any other Keras
# optimizer you prefer) that never applies a gradient whose norm exceeds 1.0, and never turns
# the gradient it clips. "The gradient" is the model's whole gradient, all its variables
# together, as in section 4.2. (The book answers `clipnorm`: think about which of the two
# keeps the whole gradient's direction. Keras has clipped each variable separately under
# `clipnorm` since long before Keras 3; tf.keras 2 did the same.)

# %%
# BEGIN SOLUTION keep_direction
# STUB: capped_optimizer = ...
capped_optimizer = keras.optimizers.SGD(learning_rate=0.01, global_clipnorm=1.0)
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.keep_direction.hint()
# ex.keep_direction.solution()
ex.keep_direction.check(capped_optimizer)

# %% [markdown]
# ## 4.3 A learning rate too high: a gradient that blows up during training
#
# *Do exercise 3 first: from here on, the code clips the way its answer does.*
#
# Now a real network. We train a deep MLP on Fashion-MNIST: 10 hidden layers of 100 ReLU units
# with He initialization (section 1), a sound combination. Be clear about what this shows: not
# section 1's exploding gradient, where a product of per-layer factors grows from the top layer
# to the bottom one at initialization, but an *unstable optimization*: the learning rate is too
# high, and the gradient grows from one training step to the next. The first is a property of
# the network; this one of the step size. Clipping treats the symptom in both. `utils.train_steps(model, optimizer, X, y, steps)` is a short training loop with
# `tf.GradientTape` that records, at every step, the mini-batch loss and the global norm of the
# gradient *before* the optimizer clips it. It feeds the same mini-batches in the same order to
# every run.

# %% tags=["nbval-check-output", "demo"]
data = utils.load_fashion_mnist()
X_train, y_train = data.train
X_valid, y_valid = data.valid

model = utils.deep_mlp(10, 100, "relu", "he_normal")
model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # for evaluate() only
initial_weights = model.get_weights()
print(f"{len(model.trainable_variables)} trainable variables, {model.count_params():,} parameters")

# %% [markdown]
# Each run starts from these initial weights and takes 500 steps of plain SGD on mini-batches of
# 32 images. `train` also records the length of every step: for SGD it is the learning rate
# times the norm of the gradient applied, so the clipped norm when clipping acts.

# %% tags=["demo"]
runs, scores = {}, {}


def train(name, learning_rate, global_clipnorm=None):
    """500 SGD steps from the initial weights; keep the run's record, validation [loss, accuracy] and dead units."""
    model.set_weights(initial_weights)
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate, global_clipnorm=global_clipnorm)
    run = utils.train_steps(model, optimizer, X_train, y_train, steps=500)
    run["step_length"] = learning_rate * np.minimum(run["gradient_norm"], global_clipnorm or np.inf)
    run["global_clipnorm"] = global_clipnorm
    run["dead_units"] = utils.dead_units(model, X_valid)  # section 2.1: units that output 0 for every image
    run["predicted"] = np.bincount(model.predict(X_valid, verbose=0).argmax(axis=1), minlength=10)
    runs[name], scores[name] = run, model.evaluate(X_valid, y_valid, verbose=0)


# %% [markdown]
# Three runs: a sound learning rate of 0.05; ten times that, 0.5; and 0.5 again, but with
# `global_clipnorm=1.0`.

# %% tags=["demo"]
train("learning rate 0.05", 0.05)
train("learning rate 0.5", 0.5)
train("learning rate 0.5, global_clipnorm=1.0", 0.5, global_clipnorm=1.0)
utils.plot_training_steps(runs)
utils.save_fig("exploding_and_clipped_training")

# %% [markdown]
# A × marks the last finite value of a run that diverged: after it, the loss and the gradient
# are infinite or NaN, which the plot cannot draw. The same story in numbers (a diverged
# network has no accuracy worth reporting: its outputs are NaN):

# %% tags=["demo"]
print(f"{'run':>38}  {'gradient norm at steps 1-6':>44}  {'largest':>8}  {'NaN/inf from':>12}  "
      f"{'last 50 losses':>14}  {'valid acc.':>10}")
for name, run in runs.items():
    norms, losses = run["gradient_norm"], run["loss"]
    broken = np.flatnonzero(~np.isfinite(losses) | ~np.isfinite(norms))
    since = f"step {broken[0] + 1}" if len(broken) else "never"
    first = " ".join(f"{norm:6.3g}" for norm in norms[:6])
    largest = np.max(norms[np.isfinite(norms)])
    accuracy = f"{scores[name][1]:.3f}" if np.isfinite(scores[name][0]) else "—"
    print(f"{name:>38}  {first:>44}  {largest:8.3g}  {since:>12}  {np.mean(losses[-50:]):14.3f}  {accuracy:>10}")

# %% [markdown]
# - At learning rate 0.05, the gradient norm wanders within a band and the loss goes down.
# - At 0.5, the first step is the same as in the other runs (same weights, same mini-batch),
#   but then the norm leaps by orders of magnitude at every step until it overflows, and the
#   loss turns NaN with it. This is a feedback loop: a step that is too long lands where the
#   loss is steeper, whose larger gradient makes the next step longer still. Once a weight is
#   NaN, every output is NaN, and training never recovers.
# - With `global_clipnorm=1.0`, the same learning rate trains. Whatever the gradient, an SGD
#   step now moves the weights by at most 0.5 × 1.0, and the loop is broken.
#
# How often did the clipping act?

# %% tags=["demo"]
clipped = runs["learning rate 0.5, global_clipnorm=1.0"]["gradient_norm"]
print(f"global_clipnorm=1.0 scaled the gradient down at {np.mean(clipped > 1.0):.0%} of the steps")

# %% [markdown]
# Almost always: the gradient norms of this network are mostly above 1.0 (see the plot). SGD
# then moves a fixed distance, the learning rate times the threshold, in the direction of the
# gradient. It trains well here, but the threshold has quietly become part of the learning
# rate. Section 4.4 looks at that more closely.
#
# ## 4.4 Where clipping is used, and how to choose the threshold
#
# The book presents gradient clipping as the remedy for exploding gradients in **recurrent
# neural networks** (its chapter 15), where batch normalization is hard to use. A recurrent
# network applies the same weights at every time step, so backpropagation through time
# multiplies by the same matrices again and again: the product of section 1.1, with one
# factor per time step. Its gradient can jump by orders of magnitude from one training step
# to the next. Mikolov (2012) made recurrent language models trainable by clipping gradient
# values; Pascanu et al. (2013) explained the jumps as steep "cliffs" in the loss surface, and
# rescaled the whole gradient whenever its norm crossed a threshold. Clipping is also a cheap
# safety net in other networks: it costs one norm per step, and changes nothing while the
# norm stays below the threshold.
#
# The **threshold** is a hyperparameter. Pascanu et al. suggest looking at statistics of the
# gradient norm over many updates; they also found training not very sensitive to the
# threshold, even rather small ones working well (as 1.0 did above). Our run at learning rate
# 0.05 is healthy training, and it recorded the norm at each of its steps:

# %% tags=["demo"]
healthy = runs["learning rate 0.05"]["gradient_norm"]
percentiles = {f"percentile {q}": float(np.percentile(healthy, q)) for q in (10, 50, 90, 99)}
for label, value in percentiles.items():
    print(f"{label:>14}: {value:.2f}")
utils.plot_histogram(healthy, percentiles, "global gradient norm", "Gradient norms at learning rate 0.05")
utils.save_fig("healthy_gradient_norms")

# %% [markdown]
# A threshold at the 90th percentile leaves nine ordinary steps in ten untouched and shortens
# only the largest. Let's try it at both learning rates, and compare with the runs above
# (the diverged run is left out: its numbers are NaN).

# %% tags=["demo"]
threshold = round(percentiles["percentile 90"], 2)
train(f"learning rate 0.05, global_clipnorm={threshold}", 0.05, global_clipnorm=threshold)
train(f"learning rate 0.5, global_clipnorm={threshold}", 0.5, global_clipnorm=threshold)
print(f"{'run':>40}  {'steps clipped':>13}  {'step length: median':>19}  {'largest':>8}  {'valid loss':>10}  "
      f"{'valid acc.':>10}  {'dead units':>10}  {'top class':>9}")
for name, run in runs.items():
    if not np.isfinite(scores[name][0]):
        continue  # the diverged run
    clipped = f"{np.mean(run['gradient_norm'] > run['global_clipnorm']):.0%}" if run["global_clipnorm"] else "—"
    steps = run["step_length"][np.isfinite(run["step_length"])]
    loss, accuracy = scores[name]
    top_class = run["predicted"].max() / run["predicted"].sum()  # share of the most predicted class
    print(f"{name:>40}  {clipped:>13}  {np.median(steps):19.3f}  {steps.max():8.3g}  {loss:10.3f}  {accuracy:10.3f}"
          f"  {run['dead_units'].sum():10d}  {top_class:9.0%}")

# %% [markdown]
# The last two columns count the dead ReLU units of section 2.1 (of the 1,000 hidden units) and
# the share of the validation images given the most predicted class.
#
# - At learning rate 0.05, this threshold shortened only a small share of the steps (column
#   *steps clipped*), and the largest step much more than the typical one: the largest step
#   length fell by about two thirds, while the median did not shrink at all. (It even grew a
#   little: once the clipped run's weights part from the unclipped run's, it sees other
#   gradients.)
# - At learning rate 0.5, the same threshold prevents the NaN, but it lets through steps far
#   longer than any step of the healthy run (column *largest*), and the run is wrecked rather
#   than slowed: its validation accuracy is far below the others', and its loss far above them.
#   The last two columns say why. Nearly half of its 1,000 hidden ReLU units died (section 2.1:
#   a long step pushed them where no image switches them on), against fewer than 20 in the
#   other runs, and with what was left the network gives one class to more than half of the
#   validation images. The threshold of 1.0 kept every step at most 0.5 long, and no such
#   collapse happened.
#
# Those are single runs, from one initialization. Are they typical? The same three settings at
# learning rate 0.5, from 5 different initializations each (about 25 seconds in full mode):

# %% tags=["demo"]
def train_at_half(global_clipnorm, callbacks):
    """500 SGD steps at learning rate 0.5 from a fresh seeded initialization; how the run ended."""
    seeded_model = utils.deep_mlp(10, 100, "relu", "he_normal")
    seeded_model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # for evaluate() only
    optimizer = keras.optimizers.SGD(learning_rate=0.5, global_clipnorm=global_clipnorm)
    run = utils.train_steps(seeded_model, optimizer, X_train, y_train, steps=500)
    if not np.all(np.isfinite(run["loss"])):
        return {"diverged": True, "val_accuracy": np.nan, "dead units": np.nan}
    accuracy = seeded_model.evaluate(X_valid, y_valid, verbose=0)[1]
    return {"diverged": False, "val_accuracy": accuracy, "dead units": utils.dead_units(seeded_model, X_valid).sum()}


half_runs = utils.over_seeds(
    train_at_half, {"no clipping": None, "global_clipnorm=1.0": 1.0, f"global_clipnorm={threshold}": threshold}, seeds=5
)
half_runs.pivot(index="seed", columns="config", values=["val_accuracy", "dead units"]).round(3)

# %% [markdown]
# The single runs were typical. Without clipping, every seed diverged (NaN). With a threshold of
# 1.0, every seed trained, with about as few dead units as the healthy run. With the
# 90th-percentile threshold, every seed stayed finite and every one collapsed, with a large share
# of its hidden units dead. The two thresholds, seed by seed:

# %% tags=["demo"]
print(utils.compare(half_runs, "val_accuracy", "global_clipnorm=1.0", f"global_clipnorm={threshold}"))

# %% [markdown]
# At this learning rate, the loose threshold's collapse is the rule, not bad luck.
#
# ### Does the safety net cost anything?
#
# At learning rate 0.05, does the 90th-percentile threshold hurt learning? One run cannot say: the
# difference between two 500-step runs is of the size of the difference between two seeds. So
# train both versions from 5 different initializations (seeds), each pair from the same initial
# weights and on the same mini-batches, and compare them seed by seed (about 20 seconds in full
# mode):

# %% tags=["demo"]
def train_from_seed(global_clipnorm, callbacks):
    """500 SGD steps at learning rate 0.05 from a fresh seeded initialization; validation loss and accuracy."""
    seeded_model = utils.deep_mlp(10, 100, "relu", "he_normal")
    seeded_model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # for evaluate() only
    optimizer = keras.optimizers.SGD(learning_rate=0.05, global_clipnorm=global_clipnorm)
    utils.train_steps(seeded_model, optimizer, X_train, y_train, steps=500)
    loss, accuracy = seeded_model.evaluate(X_valid, y_valid, verbose=0)
    return {"val_loss": loss, "val_accuracy": accuracy}


net_runs = utils.over_seeds(
    train_from_seed, {"no clipping": None, f"global_clipnorm={threshold}": threshold}, seeds=5
)
by_seed = net_runs.pivot(index="seed", columns="config", values="val_accuracy")
by_seed["clipped − unclipped"] = by_seed[f"global_clipnorm={threshold}"] - by_seed["no clipping"]
by_seed.round(4)

# %% tags=["demo"]
print(utils.compare(net_runs, "val_accuracy", f"global_clipnorm={threshold}", "no clipping"))

# %% tags=["demo"]
utils.plot_runs(net_runs, "val_accuracy", f"Validation accuracy after 500 steps at learning rate 0.05, {net_runs.seed.nunique()} seeds")
utils.save_fig("clipping_cost_over_seeds")

# %% [markdown]
# The seeds disagree: clipping did better with some and worse with others, and the 95% interval
# of the paired differences straddles zero: these runs could not tell the two apart, so they
# cannot say whether this threshold costs accuracy at learning rate 0.05. Any one seed alone
# would have told a confident story, one way or the other. What they do show is the size of the
# question: the interval's ends, a few hundredths at most after 500 steps, far less than what
# clipping saved at learning rate 0.5.
#
# So clipping is a safety net, not a cure for a learning rate that is too high. For SGD, the
# learning rate and the threshold together bound the length of a step: tune them together,
# on the validation set, starting from the norms you see in healthy training.

# %% [markdown]
# ### ✍️ Exercise 4: a spiky recurrent network
#
# You train a recurrent network on long text sequences with Adam. Training goes well, but now
# and then the loss jumps up, and at those steps the logged gradient norm is hundreds of times
# its usual size. This is not section 4.3's runaway: the learning rate is fine on ordinary
# steps, and the spikes are rare steps that hit one of Pascanu et al.'s cliffs. What do you try
# first?
#
# - **A**: `clipvalue` set to the usual gradient norm
# - **B**: `global_clipnorm` set a little above the gradient norms of ordinary steps
# - **C**: batch normalization between the time steps
# - **D**: a higher learning rate, to leave the bad regions faster
#
# Answer with a letter in `remedy`.

# %%
# BEGIN SOLUTION spike_remedy
# STUB: remedy = ...
remedy = "B"
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.spike_remedy.hint()
# ex.spike_remedy.solution()
ex.spike_remedy.check(remedy)

# %% [markdown]
# ## Summary
#
# - Clipping caps the gradient after backpropagation and before the optimizer's update rule.
#   Keras optimizers take one of `clipvalue` (each component, which can turn the gradient),
#   `clipnorm` (each variable's gradient, scaled down on its own) or `global_clipnorm` (all of
#   them, scaled by one factor, which keeps the whole gradient's direction).
# - One step of SGD with a learning rate of 1 shows exactly what an optimizer applies: use it
#   to check what you believe about any optimizer setting.
# - A learning rate that is too high made a deep MLP's gradient blow up within a few steps (an
#   unstable optimization, not section 1's product over layers);
#   `global_clipnorm=1.0` kept the same run finite and learning, because it bounds the step. A
#   looser threshold kept it finite too, but its long steps killed hundreds of the ReLU units.
# - Whether a threshold costs anything in healthy training is a question for several seeds: one
#   run answers it either way.
# - Clipping does not fix a bad learning rate. Choose the threshold from the gradient norms of
#   healthy training, then tune it on the validation set like any hyperparameter.
# - It is the usual remedy in recurrent networks, where batch normalization is hard to use,
#   and a cheap safety net elsewhere.
#
# ## Papers
#
# - R. Pascanu, T. Mikolov, Y. Bengio, [On the difficulty of training recurrent neural
#   networks](https://arxiv.org/abs/1211.5063), ICML 2013.
# - T. Mikolov, [Statistical Language Models Based on Neural
#   Networks](http://www.fit.vutbr.cz/~imikolov/rnnlm/thesis.pdf), PhD thesis, Brno University of
#   Technology, 2012.
# - Keras documentation: [optimizers](https://keras.io/api/optimizers/) (the arguments common
#   to all optimizers, `clipnorm`, `clipvalue` and `global_clipnorm` among them).
