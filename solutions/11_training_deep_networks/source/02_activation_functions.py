# %% [markdown]
# # 2. Better activation functions
#
# Companion to *Hands-On Machine Learning* (3rd edition), chapter 11, "Better Activation
# Functions".
#
# **You will learn**
# - why ReLU units can *die*, and how to count the dead ones in a trained network;
# - the leaky family: leaky ReLU, PReLU (a learned slope) and RReLU (a random slope);
# - ELU and SELU, and what *self-normalization* looks like layer by layer;
# - the smooth newcomers GELU, Swish and Mish, and how to make Swish's β trainable;
# - which activation function to choose: the chapter's advice, set against seven functions
#   trained on the same network over several seeds.
#
# **Exercises** are marked ✍️. Replace each `...` with your answer and run the check cell below
# it: it says *not attempted*, *incorrect* (and why), or *correct*. Stuck? Uncomment the
# `.hint()` line (call it again for the next hint), or `.solution()`.

# %%
import utils  # first: it imports TensorFlow quietly, and checks its version

import inspect
import math
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

ex = utils.setup("activation_functions")

# %% [markdown]
# ## 2.1 ReLU, and units that die
#
# ReLU(z) = max(0, z) does not saturate for positive inputs, and it is about as cheap as a
# function can be. But its slope is exactly 0 for every negative input. Suppose a unit's weighted
# sum of inputs plus bias is negative for *every* instance of the training set: it outputs 0 for
# all of them, the gradient of the loss with respect to its weights is 0, and plain gradient
# descent never changes them again. (An optimizer with momentum, such as Adam, keeps moving them
# for a few dozen steps on the momentum it had built up, which decays by a factor β₁ = 0.9 per
# step; then they stop too.) The unit is **dead**. A large learning rate makes this likely: one big
# step can push a unit's weights and bias so far that nothing switches it on any more.
#
# Let's provoke it, and check the claim on the way. MLPs with 3 hidden layers of 100 units and He
# initialization, with ReLU or with leaky ReLU (section 2.2), are trained for 2 epochs with
# Adam, at its default learning rate and at ten times that:

# %% tags=["nbval-check-output", "demo"]
default_rate = float(keras.optimizers.Adam().learning_rate)
high_rate = 10 * default_rate
print(f"Adam's default learning rate: {default_rate:g}; ten times that: {high_rate:g}")

# %% tags=["demo"]
data = utils.load_fashion_mnist()
X_train, y_train = data.train
X_valid, y_valid = data.valid
data

# %% [markdown]
# After training, we count the units whose output is negative or zero for *every* image of the
# validation set. For ReLU, those are the dead units: their output is exactly 0 everywhere. For
# leaky ReLU, "never positive" is the fair comparison, since its output is exactly 0 only when
# its input is exactly 0.
#
# Each of the four configurations is trained with 3 seeds (`utils.over_seeds` repeats a training
# function over configurations and seeds and returns a table; section 1.6 introduced it, and
# `steps_per_execution` and the live progress line). To afford 12 runs, each trains on the first
# 20,000 training images, plenty to see it: a unit that one long step switched off for every
# image stays off. `keras.activations.leaky_relu` is leaky ReLU with its default slope.
# The cell takes about 20 seconds in full mode.

# %% tags=["demo"]
X_subset, y_subset = X_train[:20_000], y_train[:20_000]
dying_configurations = {
    "ReLU, default rate": (keras.activations.relu, default_rate),
    "ReLU, 10 × default": (keras.activations.relu, high_rate),
    "leaky ReLU, default rate": (keras.activations.leaky_relu, default_rate),
    "leaky ReLU, 10 × default": (keras.activations.leaky_relu, high_rate),
}
dying_models = {}  # the last seed's model of each configuration, to look inside below


def never_positive_per_layer(model, X):
    """For each hidden layer, the number of units whose output is <= 0 for every input in X."""
    return [int(np.all(out <= 0, axis=0).sum()) for out in utils.hidden_outputs(model, X)]


def build_3_layers(configuration):
    """A compiled 3-layer MLP with this (activation, learning rate), for Adam."""
    activation, learning_rate = configuration
    model = utils.deep_mlp(3, 100, activation, "he_normal")
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        metrics=["accuracy"],
        steps_per_execution=32,
    )
    return model


def train_and_count(model, configuration, callbacks):
    """Train for 2 epochs; the validation accuracy and the switched-off units."""
    model.fit(X_subset, y_subset, epochs=2, callbacks=callbacks, verbose=0)
    dying_models[configuration] = model
    return {
        "val_accuracy": model.evaluate(X_valid, y_valid, batch_size=1000, verbose=0)[1],  # large batches: faster
        "never positive": sum(never_positive_per_layer(model, X_valid)),
        "exactly 0": utils.dead_units(model, X_valid).sum(),
    }


dying_runs = utils.over_seeds(train_and_count, dying_configurations, seeds=3, build=build_3_layers)
dying_runs

# %% [markdown]
# Summarized per configuration, over the 3 seeds (of the 300 hidden units):

# %% tags=["demo"]
pd.concat(
    {metric: utils.spread(dying_runs, metric) for metric in ("never positive", "exactly 0", "val_accuracy")}, axis=1
).round(3)

# %% [markdown]
# For ReLU, "never positive" and "exactly 0" count the same units: compare the two columns. At the
# default learning rate, dead units are rare; at ten times the rate, every seed leaves many more.
# That is the claim, now measured: a large learning rate makes dead ReLUs common. Leaky ReLU's
# switched-off units are not dead, as we will see below.
#
# Here is where they are in the last seed's networks trained at the high rate:

# %% tags=["demo"]
never_positive = {
    name: never_positive_per_layer(dying_models[dying_configurations[name]], X_valid)
    for name in ("ReLU, 10 × default", "leaky ReLU, 10 × default")
}
# %% tags=["demo"]
ax = utils.plot_per_layer(
    never_positive, "units never positive on validation", "Units switched off for every input, per layer", log=False
)
ax.set_ylim(bottom=0)
utils.save_fig("dead_units_per_layer")

# %% [markdown]
# A dead ReLU unit is dead for good. A leaky ReLU unit whose input is negative for every image
# is only in a coma: its output still moves with its input, so the gradient still reaches its
# weights and it can wake up. The per-unit gradient (the norm of the column of the layer's kernel
# that feeds that unit) shows the difference, on one batch of validation images:

# %% tags=["demo"]
X_batch, y_batch = X_valid[:1000], y_valid[:1000]
for name in never_positive:
    model = dying_models[dying_configurations[name]]
    outputs = utils.hidden_outputs(model, X_batch)
    gradients = utils.kernel_gradients(model, X_batch, y_batch)
    switched_off = np.concatenate(
        [np.linalg.norm(grad, axis=0)[np.all(out <= 0, axis=0)] for out, grad in zip(outputs, gradients, strict=True)]
    )
    if switched_off.size:
        print(
            f"{name:>24}: {switched_off.size} units never positive on this batch; "
            f"their gradient norms range from {switched_off.min():.3g} to {switched_off.max():.3g}"
        )
    else:
        print(f"{name:>24}: no unit is switched off for every image of this batch")

# %% [markdown]
# The ReLU units that are off for every image of this batch (most of them dead on the whole
# validation set, as counted above) receive a gradient of exactly 0: nothing will revive the dead
# ones (short of changes in the layers below them). The comatose leaky ReLU units receive a small but nonzero one.
#
# ### Dead units, yet more accurate?
#
# Look again at the accuracy columns of the summary. Differences of a hundredth or two between
# configurations are about the size of the spread between seeds, so compare them seed by seed,
# with `utils.compare` (section 1.6): the mean of the paired differences, its 95% interval, and
# a verdict that says "better" or "worse" only when the interval excludes zero.

# %% tags=["demo"]
for a, b in [
    ("ReLU, 10 × default", "leaky ReLU, 10 × default"),
    ("ReLU, default rate", "leaky ReLU, default rate"),
    ("ReLU, 10 × default", "ReLU, default rate"),
    ("leaky ReLU, 10 × default", "leaky ReLU, default rate"),
]:
    print(utils.compare(dying_runs, "val_accuracy", a, b))

# %% [markdown]
# At the high rate, ReLU with about a third of its units dead could not be told apart from
# leaky ReLU with none dead (the first line); at the default rate neither (the second). Does
# that contradict the lesson? No, for three reasons:
#
# - The lesson is that a dead unit is lost for good, not that every lost unit costs accuracy.
#   These networks have 300 hidden units for a task that much smaller networks learn well, and
#   the live units that remain are enough for it.
# - The high rate is what costs accuracy, when anything does: it made leaky ReLU worse (the
#   last line, whose interval excludes zero); for ReLU, three seeds could not tell (the third).
# - Leaky ReLU guarantees that no unit dies; it does not make a learning rate that is too high a
#   good one. The cure for dying units is the learning rate (section 7 schedules it); leaky
#   ReLU is insurance.

# %% [markdown]
# ## 2.2 Leaky ReLU, PReLU and RReLU
#
# **Leaky ReLU** keeps a small slope α for negative inputs: LeakyReLU_α(z) = max(αz, z), with
# 0 < α < 1. Maas et al. (2013) introduced it; Xu et al. (2015) found that leaky variants
# outperformed plain ReLU in their experiments, and that a large leak did better than a small one.
# Keras has it as a function and as a layer, **with different default slopes**:

# %% tags=["nbval-check-output", "demo"]
function_default = inspect.signature(keras.activations.leaky_relu).parameters["negative_slope"].default
layer_default = keras.layers.LeakyReLU().negative_slope
print(f"keras.activations.leaky_relu: negative_slope={function_default}")
print(f"keras.layers.LeakyReLU:       negative_slope={layer_default}")

# %% [markdown]
# The slope is called `negative_slope` (older code wrote `alpha=`, now deprecated). Use the layer
# as a Dense layer's `activation`, or as a separate layer after a Dense layer without activation;
# both compute the same thing. As with every ReLU variant, use He initialization.

# %% tags=["demo"]
leaky_relu = keras.layers.LeakyReLU(negative_slope=0.2)
dense = keras.layers.Dense(50, activation=leaky_relu, kernel_initializer="he_normal")

model = keras.Sequential(
    [
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(50, kernel_initializer="he_normal"),  # no activation here...
        keras.layers.LeakyReLU(negative_slope=0.2),  # ...but as a layer of its own
        keras.layers.Dense(10, activation="softmax"),
    ]
)

# %% [markdown]
# ### PReLU: a slope that is learned
#
# **Parametric leaky ReLU** (He et al., 2015) makes α a parameter that backpropagation updates
# like any weight. Keras's `PReLU` layer learns one α per input element: after a `Dense` layer,
# one per unit (`shared_axes` shares them, for instance across the positions of a feature map).
# He et al. started α at 0.25; Keras starts it at 0, that is, as plain ReLU:

# %% tags=["nbval-check-output", "demo"]
keras.layers.PReLU().get_config()["alpha_initializer"]

# %% [markdown]
# Let's train a small model whose two hidden layers use PReLU with α starting at 0.25, and see
# what the slopes become, on the 20,000 images of section 2.1 (a few seconds in full mode).

# %% tags=["demo"]
prelu_model = keras.Sequential(
    [
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(100, kernel_initializer="he_normal"),
        keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25)),
        keras.layers.Dense(100, kernel_initializer="he_normal"),
        keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25)),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
prelu_model.compile(
    loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"], steps_per_execution=32
)
prelu_model.fit(
    X_subset, y_subset, epochs=5, validation_data=(X_valid, y_valid), callbacks=[utils.LiveProgress("PReLU")], verbose=0
)

# %% tags=["demo"]
prelu_layers = [layer for layer in prelu_model.layers if isinstance(layer, keras.layers.PReLU)]
for number, layer in enumerate(prelu_layers, start=1):
    slopes = layer.alpha.numpy()
    print(
        f"PReLU layer {number}: {slopes.size} slopes, mean {slopes.mean():.3f}, "
        f"min {slopes.min():.3f}, max {slopes.max():.3f}"
    )

# %% tags=["demo"]
fig, ax = plt.subplots()
for number, layer in enumerate(prelu_layers, start=1):
    ax.hist(layer.alpha.numpy(), bins=30, alpha=0.6, label=f"PReLU layer {number}")
ax.axvline(0.25, color="black", linestyle="--", label="initial α = 0.25")
ax.set(title="Slopes learned by PReLU, one per unit", xlabel="α", ylabel="units")
ax.legend()
utils.save_fig("prelu_learned_slopes")

# %% [markdown]
# Each unit found its own slope, many well away from where they all started. Compare the smallest
# slope printed above with 0: nothing stops a learned slope from turning negative. That freedom
# is PReLU's strength on large datasets, and its risk on small ones: Xu et al. report that it
# tends to overfit them.
#
# ### RReLU: a slope that is random
#
# **Randomized leaky ReLU** (Xu et al., 2015) draws the slope at random during training, a new
# one for every element at every step, and uses a fixed, average slope at inference, much like
# dropout's noise in training and its deterministic average at test time. Xu et al. found it acts
# as a regularizer. Keras has no RReLU, so you will write it.
#
# Two conventions for the random slope exist, and they are not the same distribution:
#
# - **this course (and PyTorch's `RReLU`)**: the slope *a* itself is drawn from U(lower, upper),
#   with defaults lower = 1/8 and upper = 1/3; at inference the slope is (lower + upper) / 2;
# - **Xu et al.**, following the winner of the Kaggle NDSB competition, *divide* negative inputs
#   by *a* ~ U(3, 8), and by (3 + 8) / 2 at test time.
#
# Both keep training slopes between 1/8 and 1/3, but the paper's slope 1/*a* is not uniform
# between them, and its test-time slope is not the average slope seen in training:

# %% tags=["nbval-check-output", "demo"]
lower, upper = 1 / 8, 1 / 3
print(f"course: slope a in [{lower:.4f}, {upper:.4f}]; at inference (lower + upper) / 2 = {(lower + upper) / 2:.4f}")
print(f"paper:  slope 1/a in [{1 / 8:.4f}, {1 / 3:.4f}]; at test time 1 / ((3 + 8) / 2) = {2 / 11:.4f}")
print(f"        the paper's average training slope, E[1/a] = ln(8/3) / 5 = {math.log(8 / 3) / 5:.4f}")

# %% [markdown]
# ### ✍️ Exercise 1: an RReLU layer
#
# Write `RReLU`, a `keras.layers.Layer` subclass:
#
# - `__init__(self, lower=1/8, upper=1/3, **kwargs)` passes `**kwargs` on to
#   `super().__init__` and keeps `lower` and `upper`;
# - `call(self, inputs, training=False)` returns the inputs unchanged where they are positive,
#   and multiplies the negative ones by a slope: in training, a slope drawn from
#   U(lower, upper) for **every element** (a tensor shaped like `inputs`, drawn afresh at every
#   call); at inference, the fixed slope (lower + upper) / 2.
#
# Keras passes `training=True` to `call` during `fit` and `training=False` in `predict` and
# `evaluate`. For random numbers, `keras.random.uniform` with a `keras.random.SeedGenerator`
# created in `__init__` draws new values at every call, reproducibly. The check builds layers
# from your class with bounds of its own, so pass the class itself.

# %%
# BEGIN SOLUTION rrelu
# STUB: class RReLU(keras.layers.Layer):
# STUB:     def __init__(self, lower=1 / 8, upper=1 / 3, **kwargs):
# STUB:         ...
# STUB:
# STUB:     def call(self, inputs, training=False):
# STUB:         ...
class RReLU(keras.layers.Layer):
    def __init__(self, lower=1 / 8, upper=1 / 3, **kwargs):
        super().__init__(**kwargs)
        self.lower = lower
        self.upper = upper
        self.seed_generator = keras.random.SeedGenerator()  # new random numbers at every call

    def call(self, inputs, training=False):
        slope = (self.lower + self.upper) / 2  # at inference: the average slope
        if training:  # in training: a random slope for every element, drawn afresh at each call
            shape = keras.ops.shape(inputs)
            slope = keras.random.uniform(shape, self.lower, self.upper, dtype=inputs.dtype, seed=self.seed_generator)
        return keras.ops.where(inputs >= 0, inputs, slope * inputs)

    def get_config(self):
        return {**super().get_config(), "lower": self.lower, "upper": self.upper}


# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.rrelu.hint()
# ex.rrelu.solution()
ex.rrelu.check(RReLU)

# %% [markdown]
# At inference your RReLU is simply a leaky ReLU whose slope is the average one, and Keras
# already has that layer. With the default bounds:

# %% tags=["nbval-check-output", "demo"]
z = np.array([-3.0, -1.0, 0.0, 2.0], dtype=np.float32)
rrelu_at_inference = keras.layers.LeakyReLU(negative_slope=(1 / 8 + 1 / 3) / 2)
print(f"slope {(1 / 8 + 1 / 3) / 2:.4f} = 11/48: {z} -> {np.round(np.asarray(rrelu_at_inference(z)), 4)}")

# %% [markdown]
# ## 2.3 ELU and SELU
#
# ReLU, leaky ReLU and PReLU all have a kink at z = 0 where their slope jumps, which can make
# gradient descent bounce around the optimum. The **exponential linear unit** (Clevert et al.,
# 2015) is
#
# ELU_α(z) = α(exp(z) − 1) if z < 0, and z if z ≥ 0.
#
# It takes negative values for z < 0, so a unit's average output can be closer to 0; it has a
# nonzero gradient there, so units do not die; and with α = 1 (Keras's default,
# `keras.activations.elu(x, alpha=1.0)`) its slope is continuous at 0. The slopes just left and
# right of 0 show the kink of ReLU and its absence in ELU:

# %% tags=["nbval-check-output", "demo"]
z = np.array([-1e-3, 1e-3], dtype=np.float32)
for name, fn in {"ReLU": keras.activations.relu, "ELU": keras.activations.elu}.items():
    _, slopes = utils.function_and_derivative(fn, z)
    print(f"{name:>4}: slope at z = -0.001: {slopes[0]:.3f}, at z = +0.001: {slopes[1]:.3f}")

# %% [markdown]
# Its drawback, says the chapter, is the exponential, which makes it slower to compute than ReLU;
# section 2.5 times it on your machine.
#
# ### SELU and self-normalization
#
# The **scaled ELU** (Klambauer et al., 2017) is SELU(z) = λ · ELU_α(z) for two constants λ and α
# chosen so that, if a unit's inputs have mean 0 and variance 1 and its weights the right scale,
# its output has mean 0 and variance 1 again. Klambauer et al. give them in closed form; Keras
# hard-codes them. Here are both:

# %% tags=["nbval-check-output", "demo"]
e1, e2 = math.erfc(1 / math.sqrt(2)), math.erfc(math.sqrt(2))
alpha = -math.sqrt(2 / math.pi) / (e1 * math.exp(0.5) - 1)
denominator = 2 * e2 * math.e**2 + math.pi * e1**2 * math.e - 2 * (2 + math.pi) * e1 * math.sqrt(math.e) + math.pi + 2
scale = (1 - e1 * math.sqrt(math.e)) * math.sqrt(2 * math.pi) / math.sqrt(denominator)
keras_scale = float(keras.activations.selu(np.float32(1.0)))  # SELU(1) = λ
keras_alpha = -float(keras.activations.selu(np.float32(-30.0))) / keras_scale  # SELU(z) → -λα as z → -∞
print(f"closed form: λ = {scale:.6f}, α = {alpha:.6f}")
print(f"Keras:       λ = {keras_scale:.6f}, α = {keras_alpha:.6f}")

# %% [markdown]
# So SELU is about 1.05 times an ELU whose α is about 1.67. The defining property is easy to
# verify: for z drawn from a standard normal distribution, SELU(z) has mean 0 and standard
# deviation 1 (computed here by numerical integration against the normal density):

# %% tags=["nbval-check-output", "demo"]
z = np.linspace(-12, 12, 200_001)
density = np.exp(-(z**2) / 2) / math.sqrt(2 * math.pi)
selu_z = np.asarray(keras.activations.selu(z))
mean = np.trapezoid(selu_z * density, z)
std = math.sqrt(np.trapezoid((selu_z - mean) ** 2 * density, z))
print(f"z ~ N(0, 1): mean of SELU(z) = {mean:.4f}, standard deviation = {std:.4f}")

# %% [markdown]
# Klambauer et al. proved more: in a stack of dense SELU layers, activations whose mean and
# variance start *near* (0, 1) are pulled towards (0, 1) layer after layer. The network
# **self-normalizes**, and gradients can neither vanish nor explode. The chapter lists the
# conditions:
#
# - the input features are standardized (mean 0, standard deviation 1);
# - every hidden layer's weights use **LeCun normal** initialization (variance 1 / fan-in),
#   `kernel_initializer="lecun_normal"`;
# - the architecture is a plain sequential stack of dense layers: self-normalization is only
#   guaranteed for plain MLPs, not with recurrent layers or skip connections;
# - no ℓ1 or ℓ2 regularization, max-norm, batch normalization or ordinary dropout. Dropout has a
#   SELU-friendly variant, alpha dropout (`keras.layers.AlphaDropout`, section 8).
#
# Let's see it. We feed 1,000 standardized Fashion-MNIST images (standardized with the mean and
# standard deviation of each pixel over the training set) through MLPs with 100 hidden layers of
# 100 units, before any training, and record the mean and standard deviation of each layer's
# outputs with `utils.activation_stats`. Next to SELU + LeCun and ReLU + He, two SELU networks
# each break one condition: He initialization, or raw pixels in [0, 1]. Building four networks of
# 100 layers takes a few seconds in full mode; a live line says which one is under way.

# %% tags=["demo"]
pixel_means = X_train.mean(axis=0)
pixel_stds = X_train.std(axis=0) + 1e-7  # a few border pixels are almost always 0
X_train_scaled = (X_train - pixel_means) / pixel_stds
X_valid_scaled = (X_valid - pixel_means) / pixel_stds

configurations = {
    "SELU + LeCun": ("selu", "lecun_normal", X_valid_scaled),
    "ReLU + He": ("relu", "he_normal", X_valid_scaled),
    "SELU + He": ("selu", "he_normal", X_valid_scaled),
    "SELU + LeCun, raw pixels": ("selu", "lecun_normal", X_valid),
}
layer_stats = {}  # one table per network: mean, std and std_across_inputs of each layer's outputs
for name, (activation, initializer, X) in utils.progress(configurations.items(), "100-layer networks"):
    model = utils.deep_mlp(100, 100, activation, initializer)
    layer_stats[name] = utils.activation_stats(model, X[:1000])

# %% tags=["demo"]
fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
panels = [("mean", "Mean"), ("std", "Scale: std over batch and units"), ("std_across_inputs", "Spread across inputs")]
for ax, (column, title) in zip(axes, panels, strict=True):
    series = {name: table[column] for name, table in layer_stats.items()}
    utils.plot_per_layer(series, column.replace("_", " "), title, log=column != "mean", ax=ax)
axes[0].set_yscale("symlog", linthresh=1)  # linear between -1 and 1, logarithmic beyond
for ax in axes[1:]:
    ax.get_legend().remove()  # the first panel's legend names the lines
utils.save_fig("selu_self_normalization")

# %% tags=["demo"]
print(f"{'':>24}  {'mean':^15}  {'scale (std)':^15}  {'spread across inputs':^26}")
print(f"{'configuration':>24}  " + f"{'layer 1':>7} {'100':>7}  " * 2 + f"{'layer 1':>7} {'50':>8} {'100':>9}")
for name, table in layer_stats.items():
    mean, std, across = table["mean"], table["std"], table["std_across_inputs"]
    print(f"{name:>24}  {mean[1]:7.3g} {mean[100]:7.3g}  {std[1]:7.3g} {std[100]:7.3g}  "
          f"{across[1]:7.3g} {across[50]:8.3g} {across[100]:9.3g}")

# %% [markdown]
# Read the table and the plots:
#
# - **SELU + LeCun**: the mean stays near 0 and the scale near 1 down all 100 layers, and the
#   spread across inputs holds up: layer 100 still answers different images differently.
# - **ReLU + He**: nothing explodes, since He initialization keeps the scale, but ReLU outputs
#   are never negative, so their mean cannot be 0. The third panel shows what the scale hides:
#   the spread across inputs shrinks layer after layer. Each ReLU layer makes the
#   representations of two different images more alike (their correlation climbs towards 1, as
#   in section 1.5), and after 100 layers the network gives nearly the same output to every
#   image while keeping its scale. Poole et al. (2016) and Schoenholz et al. (2017) worked out
#   this collapse of correlations in deep random networks. SELU with LeCun weights sits a
#   little on the other side of that edge: the correlation between two inputs settles below 1,
#   so the differences survive.
# - **SELU + He** breaks the initialization condition: the weights are too large for SELU's fixed
#   point, and the scale grows layer after layer.
# - **SELU + LeCun, raw pixels** breaks the input condition: its first layers start away from
#   (0, 1), and the layers above pull the activations back towards it. The fixed point attracts
#   here, but Klambauer et al.'s proof only covers activations that start close enough to it;
#   standardizing the inputs is how you make sure they do, and what the guarantee assumes.

# ### ✍️ Exercise 2: the conditions of self-normalization
#
# Which of these must hold for a network of SELU layers to self-normalize? Choose all that apply:
# what Klambauer et al.'s guarantee assumes, not what happened to work in one network above.
#
# - **A**: the input features are standardized (mean 0, standard deviation 1)
# - **B**: every hidden layer uses He normal initialization
# - **C**: every hidden layer uses LeCun normal initialization
# - **D**: the hidden layers form a plain stack of dense layers, without recurrent layers or skip
#   connections
# - **E**: the output layer uses the ReLU activation
# - **F**: no ℓ1 or ℓ2 regularization, no max-norm, no batch normalization and no ordinary dropout
# - **G**: the batch size is at least 32
# - **H**: no dropout of any kind, not even alpha dropout
#
# Answer with the letters, for instance `"a, b"` or `["A", "B"]`, in `selu_conditions`.

# %%
# BEGIN SOLUTION selu_conditions
# STUB: selu_conditions = ...
selu_conditions = "A, C, D, F"
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.selu_conditions.hint()
# ex.selu_conditions.solution()
ex.selu_conditions.check(selu_conditions)

# %% [markdown]
# ### Training 100 layers
#
# Does it matter once training starts? We train the two networks that respect their conditions,
# SELU + LeCun and ReLU + He, each with 100 hidden layers of 100 units, on the standardized
# images, with plain SGD at a learning rate of 0.001 for 5 epochs, as the book's notebook does,
# and with 5 seeds each: the runs of a 100-layer network vary a lot from seed to seed, and this
# conclusion matters. A 100-layer network is slow on a CPU, so each run trains on the first
# 5,000 training images (the book uses all 55,000) and is evaluated on the whole validation set.
# The question is whether the signal gets through 100 layers, which shows from the first epoch
# on any amount of data; but with a tenth of the images, each epoch has a tenth of the steps,
# so the accuracies are much lower than the book's. The two cells take about 40 seconds each in
# full mode, with a live line per network.

# %% tags=["demo"]
X_deep, y_deep = X_train_scaled[:5_000], y_train[:5_000]
DEEP_EPOCHS = utils.full_or_quick(5, quick=2)  # quick mode: 2 epochs


def build_100_layers(configuration):
    """A compiled 100-layer MLP with this (activation, initializer), for plain SGD."""
    activation, initializer, _ = configuration
    model = utils.deep_mlp(100, 100, activation, initializer)
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=0.001),
        metrics=["accuracy"],
        steps_per_execution=32,
    )
    return model


def train_deep(model, configuration, callbacks):
    """Train for DEEP_EPOCHS epochs on the standardized subset; return the History."""
    return model.fit(
        X_deep, y_deep, epochs=DEEP_EPOCHS, validation_data=(X_valid_scaled, y_valid), callbacks=callbacks, verbose=0,
        validation_batch_size=1000,  # large batches: evaluating is faster, with the same numbers
    )


selu_runs = utils.over_seeds(
    train_deep, {"SELU + LeCun": configurations["SELU + LeCun"]}, seeds=5, build=build_100_layers
)

# %% tags=["demo"]
relu_runs = utils.over_seeds(train_deep, {"ReLU + He": configurations["ReLU + He"]}, seeds=5, build=build_100_layers)
deep_runs = pd.concat([selu_runs, relu_runs], ignore_index=True)

# %% tags=["demo"]
utils.plot_runs(deep_runs, "val_accuracy", f"Validation accuracy, 100 hidden layers, {deep_runs.seed.nunique()} seeds each")
utils.save_fig("selu_vs_relu_100_layers")

# %% [markdown]
# Each configuration's mean and range over its seeds, epoch by epoch (a blind guess scores about
# 0.1 on Fashion-MNIST's 10 balanced classes):

# %% tags=["demo"]
pd.concat(
    {f"epoch {epoch}": utils.spread(deep_runs, "val_accuracy", epoch=epoch)[["mean", "min", "max"]] for epoch in range(1, DEEP_EPOCHS + 1)},
    axis=1,
).round(3)

# %% [markdown]
# And the comparison that counts, SELU against ReLU seed by seed, epoch by epoch:

# %% tags=["demo"]
for epoch in range(1, DEEP_EPOCHS + 1):
    print(utils.compare(deep_runs, "val_accuracy", "SELU + LeCun", "ReLU + He", epoch=epoch))

# %% [markdown]
# Read the verdicts, not the gap between the means: the SELU runs vary a lot from seed to seed
# (compare the min and max of its columns), so a single pair of runs could show almost any gap.
# Over 5 seeds, SELU is better after every epoch: each interval of the paired differences
# excludes zero, although its low end comes close to zero at some epochs.
#
# The book's notebook (ageron/handson-ml3) runs the same two networks once each on all 55,000
# images, 1,719 steps per epoch against our 157, and stores a validation accuracy after epoch 5
# of 0.8046 for SELU and 0.7054 for ReLU. Our accuracies are far lower because our epochs are
# ten times shorter; at the book's size each run would take eleven times as long, beyond this
# section's time budget. Section 2.3's measurements say why ReLU lags: its
# forward signal loses the differences between images on the way up, and SELU's keeps them.
# With all the data and more epochs the ReLU network may well close the gap; what these runs
# show is the start.
#
# Self-normalization is demanding, though, and SELU never became a common default. Three newer
# functions are often preferred today; section 2.5 trains them all side by side.

# %% [markdown]
# ## 2.4 GELU, Swish and Mish
#
# Three smooth functions that look like ReLU from afar:
#
# - **GELU** (Hendrycks and Gimpel, 2016): GELU(z) = z Φ(z), where Φ is the cumulative
#   distribution function of the standard normal distribution. `keras.activations.gelu(x,
#   approximate=False)` computes it exactly by default; `approximate=True` uses a tanh formula.
# - **Swish** (Ramachandran et al., 2017), also called SiLU: Swish(z) = z σ(z), where σ is the
#   sigmoid. Keras calls it `keras.activations.silu`, and `keras.activations.swish` is the same
#   function. Ramachandran et al. also proposed Swish_β(z) = z σ(βz), with β a hyperparameter or
#   a trainable parameter.
# - **Mish** (Misra, 2019): Mish(z) = z tanh(softplus(z)), where softplus(z) = log(1 + exp(z));
#   `keras.activations.mish`.
#
# Here is the whole family of this section, drawn from Keras's own implementations, with their
# derivatives computed by automatic differentiation:

# %% tags=["demo"]
family = {
    "ReLU": keras.activations.relu,
    "leaky ReLU (0.2)": lambda z: keras.activations.leaky_relu(z, negative_slope=0.2),
    "ELU": keras.activations.elu,
    "SELU": keras.activations.selu,
    "GELU": keras.activations.gelu,
    "Swish": keras.activations.silu,
    "Mish": keras.activations.mish,
}
z = np.linspace(-4, 3, 701)
utils.plot_functions(family, z, "Activation functions")
utils.save_fig("activation_functions")

# %% tags=["demo"]
utils.plot_derivatives(family, z, "Their derivatives")
utils.save_fig("activation_derivatives")

# %% [markdown]
# For large z, every function of the first figure is a straight line (SELU's slope is λ, the
# others' 1). Where they differ is on the left. GELU, Swish and Mish are not monotonic: coming
# from the right, they dip below zero, then rise back towards 0, so their derivative is negative
# for part of the negative inputs. The lowest point of each on the plotted range:

# %% tags=["nbval-check-output", "demo"]
z = np.linspace(-4, 3, 70_001)
for name, fn in family.items():
    values, slopes = utils.function_and_derivative(fn, z)
    lowest = values.argmin()
    monotonic = "monotonic" if slopes.min() >= 0 else "not monotonic"
    print(f"{name:>16}: lowest value {values[lowest]:8.4f} at z = {z[lowest]:6.3f}  ({monotonic})")

# %% [markdown]
# ReLU, leaky ReLU, ELU and SELU never go back up: their lowest point is at the left edge of the
# range (ReLU is 0 all along the negative side). Hendrycks and Gimpel noted that GELU is close to z σ(1.702 z), a Swish_β with
# β = 1.702, which is cheaper to compute. How close?

# %% tags=["nbval-check-output", "demo"]
z = np.linspace(-6, 6, 12_001).astype(np.float32)
gelu = np.asarray(keras.activations.gelu(z))
swish_1702 = z / (1 + np.exp(-1.702 * z))
gelu_tanh = np.asarray(keras.activations.gelu(z, approximate=True))
print(f"largest |GELU(z) - z σ(1.702 z)| on [-6, 6]: {np.abs(gelu - swish_1702).max():.4f}")
print(f"largest |GELU(z) - GELU tanh approximation|:  {np.abs(gelu - gelu_tanh).max():.5f}")

# %% [markdown]
# ### ✍️ Exercise 3: Swish with a trainable β
#
# Keras's Swish has no β. Write `ParametricSwish`, a `keras.layers.Layer` subclass that computes
# z σ(βz) with β a **trainable weight** (one number for the whole layer), initialized to 1.
# Create β in `build` with `self.add_weight`, so that the optimizer updates it, and use it in
# `call`. The check sets β to several values and compares your outputs with z σ(βz), and makes
# sure that the gradient of the loss reaches β. Pass the class itself.

# %%
# BEGIN SOLUTION parametric_swish
# STUB: class ParametricSwish(keras.layers.Layer):
# STUB:     def build(self, input_shape):
# STUB:         ...
# STUB:
# STUB:     def call(self, inputs):
# STUB:         ...
class ParametricSwish(keras.layers.Layer):
    def build(self, input_shape):
        self.beta = self.add_weight(shape=(), initializer="ones", name="beta")  # trainable by default

    def call(self, inputs):
        return inputs * keras.ops.sigmoid(self.beta * inputs)


# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.parametric_swish.hint()
# ex.parametric_swish.solution()
ex.parametric_swish.check(ParametricSwish)

# %% [markdown]
# What can a learned β do? Here is Swish_β for a few values of β, next to GELU. β = 0 gives the
# straight line z/2; as β grows, σ(βz) approaches a step and Swish_β approaches ReLU; β = 1.702
# nearly traces GELU. A trainable β lets each layer pick its place on this range, at the risk of
# overfitting, as with PReLU.

# %% tags=["demo"]
swish_family = {
    f"Swish, β = {beta}": (lambda z, beta=beta: z * keras.ops.sigmoid(beta * z)) for beta in (0.0, 1.0, 1.702, 10.0)
}
ax = utils.plot_functions({**swish_family, "GELU": keras.activations.gelu}, np.linspace(-4, 3, 701), "Swish_β")
ax.lines[-1].set_linestyle("--")
ax.legend()
utils.save_fig("swish_beta")

# %% [markdown]
# ## 2.5 Which activation function?
#
# Smoothness and a curved shape cost computation. Let's time the forward and backward pass of
# each function over 4 million numbers, keeping the fastest of 7 runs (the timings depend on your
# machine and on what else it is doing; only their order matters):

# %% tags=["demo"]
z = keras.random.normal((2_000, 2_000))
timings = {}
for name, fn in family.items():
    utils.function_and_derivative(fn, z)  # warm-up
    runs = []
    for _ in range(7):
        start = time.perf_counter()
        utils.function_and_derivative(fn, z)
        runs.append(time.perf_counter() - start)
    timings[name] = min(runs)
for name, seconds in timings.items():
    print(f"{name:>16}: {1000 * seconds:6.1f} ms, {seconds / timings['ReLU']:4.1f} × ReLU")

# %% [markdown]
# Look at the two groups. The cost follows how TensorFlow implements each function, not its
# shape. ReLU, leaky ReLU, ELU and SELU are each a single fused kernel (`tf.nn.relu`,
# `tf.nn.leaky_relu`, `tf.nn.elu`, `tf.nn.selu`): one pass over the data forward and one back,
# so even ELU's exponential adds little. The other three are composites of several operations,
# each a pass of its own: exact GELU is 0.5 · z · erfc(−z/√2), Swish (`tf.nn.silu`) a sigmoid
# and a product with a hand-written gradient of several more, Mish z · tanh(softplus(z)). A
# fused kernel for any of them would close most of the gap; on accelerators and in optimized
# inference libraries, ReLU also benefits from special-purpose optimizations that this
# measurement does not show.
#
# ### Does the choice change accuracy?
#
# Speed is one side; what about learning? Let's train the same network with each function: 5
# hidden layers of 100 units, on the standardized images of section 2.3, with Adam at its
# default learning rate for 3 epochs, He initialization (LeCun for SELU), 3 seeds per function.
# To fit 21 runs in under a minute, each trains on the first 10,000 training images and is
# evaluated on the whole validation set. Two cells, about 25 seconds each in full mode.

# %% tags=["demo"]
compared = {
    "ReLU": ("relu", "he_normal"),
    "leaky ReLU (0.2)": (keras.layers.LeakyReLU(negative_slope=0.2), "he_normal"),
    "ELU": ("elu", "he_normal"),
    "SELU": ("selu", "lecun_normal"),
    "GELU": ("gelu", "he_normal"),
    "Swish": ("silu", "he_normal"),
    "Mish": ("mish", "he_normal"),
}


def build_5_layers(configuration):
    """A compiled 5-layer MLP with this (activation, initializer), for Adam."""
    activation, initializer = configuration
    model = utils.deep_mlp(5, 100, activation, initializer)
    model.compile(
        loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"], steps_per_execution=32
    )
    return model


X_compare, y_compare = X_train_scaled[:10_000], y_train[:10_000]
COMPARE_EPOCHS = utils.full_or_quick(3, quick=1)  # quick mode: 1 epoch


def train_compared(model, configuration, callbacks):
    """Train for COMPARE_EPOCHS epochs on the standardized subset; return the History."""
    return model.fit(
        X_compare, y_compare, epochs=COMPARE_EPOCHS, validation_data=(X_valid_scaled, y_valid), callbacks=callbacks, verbose=0,
        validation_batch_size=1000,
    )


first_half = list(compared)[:4]
activation_runs = utils.over_seeds(
    train_compared, {name: compared[name] for name in first_half}, seeds=3, build=build_5_layers
)

# %% tags=["demo"]
activation_runs = pd.concat(
    [
        activation_runs,
        utils.over_seeds(
            train_compared,
            {name: compared[name] for name in compared if name not in first_half},
            seeds=3,
            build=build_5_layers,
        ),
    ],
    ignore_index=True,
)
final_accuracy = activation_runs[activation_runs["epoch"] == COMPARE_EPOCHS]
n_seeds = activation_runs.seed.nunique()
utils.plot_runs(final_accuracy.drop(columns="epoch"), "val_accuracy", f"Validation accuracy after {COMPARE_EPOCHS} epochs, {n_seeds} seeds each")
utils.save_fig("activation_comparison")

# %% tags=["demo"]
utils.spread(activation_runs, "val_accuracy").sort_values("mean", ascending=False).round(4)

# %% [markdown]
# The whole ranking spans a couple of hundredths at most. Is any function measurably better or
# worse than ReLU? Each against ReLU, seed by seed (difference = function − ReLU):

# %% tags=["demo"]
utils.compare_all(activation_runs, "val_accuracy", against="ReLU").round(4)

# %% [markdown]
# Read the verdict column. Where it says "could not tell apart", these runs cannot rank that
# function against ReLU, whatever the order of the means in the table above. Set against the
# book's advice below, they agree that ReLU is often just as good as the fancier functions on a
# simple task. They cannot test the advice for complex tasks (Swish, and Mish "slightly better
# still"): a 5-layer MLP on Fashion-MNIST is not one. Add the timings above, and ReLU is the
# sensible default for such a network.
#
# ### What β becomes
#
# Finally, your `ParametricSwish` of exercise 3 in the same network, trained the same way (one
# seed: we only want to see where β goes). Each hidden layer gets its own β, starting at 1. This
# cell runs once your layer passes the check:

# %% tags=["demo"]
if ex.parametric_swish.solved(ParametricSwish):
    swish_layers = [ParametricSwish() for _ in range(5)]
    swish_model = keras.Sequential(
        [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
        + [layer for swish in swish_layers for layer in (keras.layers.Dense(100, kernel_initializer="he_normal"), swish)]
        + [keras.layers.Dense(10, activation="softmax")]
    )
    swish_model.compile(
        loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"], steps_per_execution=32
    )
    swish_model.fit(
        X_compare, y_compare, epochs=COMPARE_EPOCHS, validation_data=(X_valid_scaled, y_valid),
        callbacks=[utils.LiveProgress("parametric Swish")], verbose=0,
    )
    betas = [float(keras.ops.convert_to_numpy(layer.beta)) for layer in swish_layers]
    print("β per hidden layer, from layer 1 up:", np.round(betas, 3))

# %% [markdown]
# In 3 epochs every layer's β ended a little below 1: this network stayed close to plain Swish,
# slightly flatter (β below 1 moves Swish_β towards the straight line z/2). A learned β is free
# to go anywhere; this data asked for little change.
#
# So which one should you use for the hidden layers? The chapter's advice:
#
# - **ReLU** remains a good default for simple tasks: it is often just as good as the fancier
#   functions, it is very fast to compute, and many libraries and hardware accelerators have
#   ReLU-specific optimizations.
# - **Swish** is probably a better default for more complex tasks, and you can even try
#   parametrized Swish with a learnable β (exercise 3) for the most complex ones.
# - **Mish** may give slightly better results still, at the cost of a bit more computation.
# - If runtime latency matters, prefer **leaky ReLU**, or parametrized leaky ReLU (**PReLU**) for
#   more complex tasks.
# - For deep MLPs, give **SELU** a try, but respect the conditions of section 2.3.
# - With spare time and computing power, use cross-validation to evaluate other activation
#   functions too.
#
# Whatever you pick, pair it with the initialization of section 1: He for the ReLU family, ELU,
# GELU, Swish and Mish; LeCun for SELU.

# %% [markdown]
# ## Summary
#
# - ReLU units die when their input is negative for every instance: they output 0 and receive a
#   zero gradient. Count them (`utils.dead_units`); large learning rates make them common.
# - Leaky ReLU keeps a slope for negative inputs, so its units can only fall into a coma, never
#   die. PReLU learns the slope, one per unit; RReLU draws it at random in training and uses the
#   average at inference.
# - ELU is smooth and takes negative values. SELU scales it so that a plain stack of dense layers
#   with standardized inputs and LeCun normal weights self-normalizes: mean 0 and standard
#   deviation 1 in every layer, even 100 layers deep, and different inputs stay apart. A
#   100-layer ReLU network keeps its scale but answers different images more and more alike,
#   and over 5 seeds it trained worse than SELU from the first epoch.
# - GELU, Swish and Mish are smooth, non-monotonic variants of ReLU. Swish_β with a trainable β
#   is a small custom layer.
# - Trained on the same 5-layer network over several seeds, none of the six other functions
#   could be told apart from ReLU. Start with ReLU for simple tasks and Swish for complex ones,
#   and compare by the paired interval over several seeds before ranking anything.
#
# ## Papers
#
# - A. L. Maas, A. Y. Hannun, A. Y. Ng, [Rectifier Nonlinearities Improve Neural Network Acoustic
#   Models](https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf), ICML Workshop
#   on Deep Learning for Audio, Speech and Language Processing, 2013 (leaky ReLU).
# - K. He, X. Zhang, S. Ren, J. Sun, [Delving Deep into Rectifiers: Surpassing Human-Level
#   Performance on ImageNet Classification](https://arxiv.org/abs/1502.01852), ICCV 2015 (PReLU).
# - B. Xu, N. Wang, T. Chen, M. Li, [Empirical Evaluation of Rectified Activations in
#   Convolutional Network](https://arxiv.org/abs/1505.00853), 2015 (RReLU).
# - D.-A. Clevert, T. Unterthiner, S. Hochreiter, [Fast and Accurate Deep Network Learning by
#   Exponential Linear Units (ELUs)](https://arxiv.org/abs/1511.07289), ICLR 2016.
# - G. Klambauer, T. Unterthiner, A. Mayr, S. Hochreiter, [Self-Normalizing Neural
#   Networks](https://arxiv.org/abs/1706.02515), NeurIPS 2017 (SELU, alpha dropout).
# - D. Hendrycks, K. Gimpel, [Gaussian Error Linear Units (GELUs)](https://arxiv.org/abs/1606.08415), 2016.
# - P. Ramachandran, B. Zoph, Q. V. Le, [Searching for Activation
#   Functions](https://arxiv.org/abs/1710.05941), 2017 (Swish).
# - D. Misra, [Mish: A Self Regularized Non-Monotonic Neural Activation
#   Function](https://arxiv.org/abs/1908.08681), 2019.
# - Keras documentation: [layer activation functions](https://keras.io/api/layers/activations/)
#   and [activation layers](https://keras.io/api/layers/activation_layers/).
