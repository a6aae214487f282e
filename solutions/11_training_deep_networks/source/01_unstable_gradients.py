# %% [markdown]
# # 1. Unstable gradients and weight initialization
#
# Companion to *Hands-On Machine Learning* (3rd edition), chapter 11, "The Vanishing/Exploding
# Gradients Problems".
#
# **You will learn**
# - why the gradient can shrink or grow as it flows back through many layers;
# - how to *measure* it, layer by layer: the gradient norm, the scale of the activations, and how
#   differently a layer answers different inputs;
# - Glorot, He and LeCun initialization: fan-in, fan-out, the variance table, and Keras's
#   `VarianceScaling`, which spells them all;
# - why the book's "bad" initialization, N(0, 1), beats Glorot's with the sigmoid, and what
#   really fixes the sigmoid;
# - how much a good match of activation and initialization changes training, over several seeds.
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

ex = utils.setup("unstable_gradients")

# %% [markdown]
# ## 1.1 A product of many factors
#
# Backpropagation applies the chain rule layer by layer, from the output down to the input. The
# gradient that reaches layer 1 of a network is a product of factors, roughly one per layer
# above it: the slope of each activation function times the weights it went through. Multiply
# many factors a little below 1 and the product vanishes; a little above 1 and it explodes. Here
# is what 0.9 and 1.1 become over 10, 20 and 50 layers:

# %% tags=["demo"]
for depth in (10, 20, 50):
    print(f"{depth} layers: 0.9^{depth} = {0.9**depth:.2g}   1.1^{depth} = {1.1**depth:.3g}")

# %% [markdown]
# When the gradient vanishes, gradient descent leaves the lower layers almost unchanged and
# training stalls; when it explodes, the updates are huge and training diverges. Either way,
# layers learn at very different speeds.
#
# ### The sigmoid's part in it
#
# Glorot and Bengio (2010) showed that the activation function and the scale of the initial
# weights together decide whether a signal survives many layers, and the logistic sigmoid fared
# worst. Let's look at the sigmoid and its derivative, next to tanh and ReLU. The derivatives are
# not typed in by hand: `utils` asks TensorFlow's automatic differentiation for them, from
# Keras's own activation functions.

# %% tags=["demo"]
activations = {
    "sigmoid": keras.activations.sigmoid,
    "tanh": keras.activations.tanh,
    "ReLU": keras.activations.relu,
}
utils.plot_functions_and_derivatives(activations)
utils.save_fig("activations_and_derivatives")

# %% [markdown]
# The sigmoid *saturates*: for inputs far from 0 it is flat at 0 or 1, and its derivative is
# close to 0. Even at its steepest, at z = 0, its slope is small:

# %% tags=["demo"]
z = np.array([-5.0, -2.0, 0.0, 2.0, 5.0], dtype=np.float32)
for name, fn in activations.items():
    _, slopes = utils.function_and_derivative(fn, z)
    print(f"{name:>8} slope at z = {z}: {np.round(slopes, 4)}")

# %% [markdown]
# On its way back through a sigmoid layer, the signal is multiplied by the sigmoid's slope, at
# most 0.25, and by the layer's weights, which can shrink it or grow it (section 1.2 measures
# both). The sigmoid's mean output is also 0.5, not 0, so each layer shifts the signal the next
# layer receives. Tanh has slope 1 at 0 and is centred on 0; ReLU has slope 1 for every positive
# input and never saturates there.

# %% [markdown]
# ## 1.2 Measuring it in a deep network
#
# Let's see the problem instead of arguing about it. We build deep plain MLPs (20 hidden layers
# of 100 units, then a 10-way softmax), feed one batch of Fashion-MNIST images through them
# *before any training*, and record for each hidden layer:
#
# - the **gradient norm**: the size of the loss gradient with respect to the layer's weights;
# - the **scale** of its outputs: their standard deviation over the whole batch and all the
#   units together, the quantity the initializations of section 1.4 are derived to keep;
# - the **spread across inputs**: each unit's standard deviation over the batch, averaged over
#   the units. It says how differently the layer answers different images. A layer can keep a
#   healthy scale while every image gets the same output (each unit stuck at its own value), and
#   then nothing above it can tell the images apart.
#
# `utils.deep_mlp`, `utils.activation_stats` and `utils.gradient_norms` do the bookkeeping (each
# is a few lines of Keras and `tf.GradientTape`; read them in `utils/diagnostics.py`).

# %% tags=["demo"]
data = utils.load_fashion_mnist()
X_train, y_train = data.train
X_valid, y_valid = data.valid
X_batch, y_batch = X_train[:512], y_train[:512]
data

# %% [markdown]
# Five configurations: the sigmoid with the crudest initialization of all, weights drawn from a
# normal distribution with mean 0 and standard deviation 1 whatever the layer's size (the book's
# example of what goes wrong), and four pairs of an activation with one of the initializations
# of section 1.4 below.

# %% tags=["demo"]
configurations = {
    "sigmoid + N(0, 1)": ("sigmoid", keras.initializers.RandomNormal(stddev=1.0)),
    "sigmoid + Glorot": ("sigmoid", "glorot_uniform"),
    "tanh + Glorot": ("tanh", "glorot_uniform"),
    "ReLU + He": ("relu", "he_normal"),
    "SELU + LeCun": ("selu", "lecun_normal"),
}
stats, gradients = {}, {}
for name, (activation, initializer) in configurations.items():
    model = utils.deep_mlp(20, 100, activation, initializer)
    stats[name] = utils.activation_stats(model, X_batch)  # one row per layer: mean, std, std_across_inputs
    gradients[name] = utils.gradient_norms(model, X_batch, y_batch)

# %% tags=["demo"]
utils.plot_per_layer(gradients, "gradient norm (log scale)", "Gradient norm per layer, at initialization")
utils.save_fig("gradient_norms_per_layer")

# %% tags=["demo"]
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
scales = {name: table["std"] for name, table in stats.items()}
across_inputs = {name: table["std_across_inputs"] for name, table in stats.items()}
utils.plot_per_layer(scales, "standard deviation (log scale)", "Scale: over batch and units", ax=left)
utils.plot_per_layer(across_inputs, "standard deviation (log scale)", "Spread across inputs: per unit", ax=right)
right.get_legend().remove()  # the left panel's legend names the lines
utils.save_fig("activation_spread_per_layer")

# %% [markdown]
# Layer 1 is nearest the input. To read the plots as numbers, compare the first hidden layer
# with the last one:

# %% tags=["demo"]
print(f"{'':>18}  {'gradient ratio':>14}  {'scale':^19}  {'spread across inputs':^20}")
print(f"{'configuration':>18}  {'layer 1 / 20':>14}  {'layer 1':>9} {'layer 20':>9}  {'layer 1':>9} {'layer 20':>10}")
for name, table in stats.items():
    ratio = gradients[name][0] / gradients[name][-1]
    scale, across = table["std"], table["std_across_inputs"]
    print(f"{name:>18}  {ratio:14.3g}  {scale[1]:9.3g} {scale[20]:9.3g}  {across[1]:9.3g} {across[20]:10.3g}")

# %% [markdown]
# What to look for in the table and the plots above:
#
# - A **ratio far below 1** means the lowest layers receive a much smaller gradient than the top
#   ones: the gradient vanishes on its way down, and the lower layers will barely learn.
# - With **N(0, 1) weights** the sigmoids receive inputs of large magnitude, and about half of
#   them saturate: their outputs sit near 0 or 1 (section 1.3 counts them). A variable confined
#   to [0, 1] has a standard deviation of at most 0.5, reached only when half its values are 0
#   and the other half 1; compare the scale of `sigmoid + N(0, 1)` with that bound.
# - **Glorot's initialization** was derived for an activation that behaves like the identity
#   around 0, as tanh does (slope 1). The sigmoid's slope is at most 0.25, so each sigmoid layer
#   shrinks the backward signal: compare the ratios of `sigmoid + Glorot` and `tanh + Glorot`.
# - **Scale is not enough.** Look at `sigmoid + Glorot` in the two panels: its scale at layer 20
#   looks healthy, but its spread across inputs has fallen by orders of magnitude. Each unit
#   sits at its own value and gives it to every image alike, so the network's output no longer
#   depends on its input. The forward signal has died as well as the gradient: the two problems
#   go together, since a layer whose output ignores its input passes little gradient back either.
# - **ReLU with He** and **SELU with LeCun** keep the gradient, the scale and the spread across
#   inputs within a small factor from the bottom of the network to the top. (These are raw
#   pixels in [0, 1], not the standardized inputs SELU's theory asks for; section 2.3 gives it
#   standardized ones and goes to 100 layers, where ReLU's spread across inputs does fade.)
#
# One row should surprise you: the book's example of what goes wrong, `sigmoid + N(0, 1)`, has a
# far healthier gradient ratio than `sigmoid + Glorot`. Section 1.3 finds out why.

# %% [markdown]
# ## 1.3 Why N(0, 1) beats Glorot with the sigmoid
#
# Going back through a layer, the gradient is multiplied by two things: the slope of the
# activation at each unit, and the layer's weights. For a 100 × 100 layer whose weights have
# standard deviation σ, the weights alone multiply the size of a random backward signal by about
# **√100 · σ**, the layer's *gain*: 1 for Glorot (σ² = 1/100 here), 10 for N(0, 1). So a layer's
# backward factor is roughly its gain times its units' mean slope. For a sigmoid unit whose
# output is a, the slope is a(1 − a), which we read off the outputs directly. We also count the
# *saturated* units, whose output is within 0.01 of 0 or 1 (slope below 0.01).
#
# The table compares four sigmoid networks: the two configurations of section 1.2, drawn afresh
# (so their ratios differ from section 1.2's: one draw's ratio can vary by a factor of a few);
# Glorot's variance times 16
# (gain 4, to make up for the slope of 1/4); and the same with each hidden layer's biases set so
# that its inputs, which average 0.5, start centred (explained below the table). The last column
# is the factor that the *measured* gradient ratio implies per layer, (layer 1 / layer 20)^(1/19).

# %% tags=["demo"]
def recentred(model):
    """Set each hidden Dense layer's bias (after the first) so that sigmoid inputs near 0.5 give z near 0."""
    dense_layers = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    for layer in dense_layers[1:]:
        layer.bias.assign(-0.5 * keras.ops.sum(layer.kernel, axis=0))  # z = W·(a − 0.5) when a ≈ 0.5
    return model


gain_4 = keras.initializers.VarianceScaling(scale=16.0, mode="fan_avg", distribution="uniform")
sigmoid_networks = {
    "N(0, 1)": utils.deep_mlp(20, 100, "sigmoid", keras.initializers.RandomNormal(stddev=1.0)),
    "Glorot": utils.deep_mlp(20, 100, "sigmoid", "glorot_uniform"),
    "Glorot × 4": utils.deep_mlp(20, 100, "sigmoid", gain_4),
    "Glorot × 4, recentred": recentred(utils.deep_mlp(20, 100, "sigmoid", gain_4)),
}
print(f"{'sigmoid +':>22} {'gain':>5} {'mean slope':>10} {'saturated':>9} {'gain × slope':>12}"
      f" {'measured factor':>15} {'gradient ratio':>14}")
for name, model in sigmoid_networks.items():
    kernels = [layer.kernel.numpy() for layer in model.layers if isinstance(layer, keras.layers.Dense)][1:-1]
    gain = np.mean([np.sqrt(100) * kernel.std() for kernel in kernels])  # the 100 × 100 layers
    outputs = np.stack(utils.hidden_outputs(model, X_batch)[1:])  # the units that see 100 inputs
    slope, saturated = np.mean(outputs * (1 - outputs)), np.mean((outputs < 0.01) | (outputs > 0.99))
    norms = utils.gradient_norms(model, X_batch, y_batch)
    ratio = norms[0] / norms[-1]
    print(f"{name:>22} {gain:5.2f} {slope:10.3f} {saturated:9.0%} {gain * slope:12.3f}"
          f" {ratio ** (1 / 19):15.3f} {ratio:14.3g}")

# %% [markdown]
# Read it column by column:
#
# - **Glorot**: gain 1, and the units sit in the sigmoid's middle, where the slope is near its
#   maximum of 0.25. The backward factor is about 0.25 per layer, and nineteen such layers
#   multiply it into almost nothing.
# - **N(0, 1)**: the weights are ten times larger, so the gain is 10. They push many units into
#   saturation, which cuts the mean slope, but not by as much: gain × slope lands much closer to
#   1, and the gradient reaches layer 1. The price is in the *saturated* column: those units
#   pass almost no gradient to their own weights, and their outputs barely respond to their
#   inputs. The gradient arrives, but much of the network is stuck.
# - **Glorot × 4**: gain 4 should offset the slope of 1/4, yet the mean slope falls well below
#   0.25, because the slope of 1/4 holds only at z = 0. A sigmoid's output averages 0.5, not 0,
#   so each unit of the next layer receives a sum of 100 inputs near 0.5 times its weights: a
#   random offset that grows with the gain and pushes z away from 0.
# - **Glorot × 4, recentred**: set each bias to −0.5 times the sum of the unit's weights, and
#   that offset cancels at the start. Now the slope stays near 0.25, gain × slope is near 1, and
#   the gradient ratio is healthy without saturating the network.
#
# The recentred network is a tanh network in disguise: σ(z) = ½ + ½ tanh(z/2), so a sigmoid
# unit is a tanh unit with half the input scale, half the output scale and an offset of ½, and
# gain 4 with recentred biases undoes exactly those in layers 2 to 20. (Layer 1 sees pixels in
# [0, 1], not sigmoid outputs, so it keeps its default zero biases.) Glorot and Bengio's own
# advice was simpler: prefer an activation centred on 0, such as tanh. Section 1.6 trains all
# of them but the Glorot × 4 network without recentring.

# %% [markdown]
# ## 1.4 Glorot, He and LeCun initialization
#
# Glorot and Bengio asked for the signal to flow well in both directions: the variance of each
# layer's outputs should equal the variance of its inputs on the way forward, and the variance
# of the gradients should be the same before and after a layer on the way back. Both can hold
# only if a layer has as many inputs as units. With
#
# - **fan-in** = the number of inputs of a layer, **fan-out** = its number of units (outputs), and
# - **fan-avg** = (fan-in + fan-out) / 2,
#
# their compromise draws each weight with variance σ² = 1 / fan-avg. He et al. (2015) redid the
# forward computation for ReLU, which zeroes half of its inputs, and found σ² = 2 / fan-in.
# LeCun's older rule, σ² = 1 / fan-in, is the one SELU's self-normalization relies on
# (section 2).
#
# | initialization | activation functions                      | σ² (normal)  |
# |----------------|-------------------------------------------|--------------|
# | Glorot         | none, tanh, softmax                       | 1 / fan-avg  |
# | He             | ReLU, leaky ReLU, ELU, GELU, Swish, Mish  | 2 / fan-in   |
# | LeCun          | SELU                                      | 1 / fan-in   |
#
# (The book also lists the sigmoid under Glorot; sections 1.2 and 1.3 measured how that pairing
# fares in a deep network.) Each comes in two forms with the same variance:
#
# - **normal**: mean 0 and standard deviation σ. Keras draws from a truncated normal: it
#   samples a normal of standard deviation σ / 0.8796 and redraws anything beyond two of those
#   standard deviations, i.e. beyond ±2.27σ; the factor 0.8796 is what truncation takes off the
#   standard deviation, so the weights end up with variance σ² (the check below measures both);
# - **uniform**: between -r and r, where r = √(3σ²), since a uniform distribution on [-r, r]
#   has variance r²/3.
#
# Keras's `Dense` layer uses Glorot uniform unless told otherwise:

# %% tags=["nbval-check-output", "demo"]
layer = keras.layers.Dense(10)
type(layer.kernel_initializer).__name__, layer.kernel_initializer.get_config()

# %% [markdown]
# All of these are special cases of one initializer, `VarianceScaling(scale, mode,
# distribution)`: the variance is `scale / fan`, with `fan` chosen by `mode`. The named ones are
# subclasses of it with preset arguments, as their attributes show:

# %% tags=["nbval-check-output", "demo"]
for name in ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal"):
    init = keras.initializers.get(name)
    print(f"{name:>14}: {type(init).__name__:<13} scale={init.scale}, mode={init.mode!r}, distribution={init.distribution!r}")

# %% [markdown]
# So any mix is one line away, for instance He's scale with fan-avg and a uniform distribution:

# %% tags=["demo"]
he_avg_uniform = keras.initializers.VarianceScaling(scale=2.0, mode="fan_avg", distribution="uniform")
dense = keras.layers.Dense(50, activation="relu", kernel_initializer=he_avg_uniform)

# %% [markdown]
# Do the weights Keras draws really have the variances of the table? Build a `Dense(300)` layer
# on 784 inputs (the first hidden layer of the chapter's MLP) with each initializer and compare
# the sample variance of its 235,200 weights with the formula:

# %% tags=["demo"]
fan_in, fan_out = 784, 300
expected_variance = {
    "glorot": 1 / ((fan_in + fan_out) / 2),
    "he": 2 / fan_in,
    "lecun": 1 / fan_in,
}
for family, variance in expected_variance.items():
    for form in ("normal", "uniform"):
        layer = keras.layers.Dense(fan_out, kernel_initializer=f"{family}_{form}")
        layer.build((None, fan_in))
        weights = layer.kernel.numpy()
        cut = f", largest |w| / σ = {np.abs(weights).max() / variance**0.5:.3f}" if form == "normal" else ""
        print(f"{family + '_' + form:>14}: formula {variance:.6f}, sample {float(np.var(weights)):.6f}{cut}")

# %% [markdown]
# ### ✍️ Exercise 1: the Glorot uniform limit
#
# A `Dense(300)` layer receives 784 inputs. Glorot uniform draws its weights from [-r, r]. Compute
# r and store it in `glorot_limit`: a number (not a string), to at least 3 significant figures. A
# Python expression gives all of them.

# %%
# BEGIN SOLUTION glorot_limit
# STUB: glorot_limit = ...
fan_avg = (784 + 300) / 2
glorot_limit = (3 / fan_avg) ** 0.5
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.glorot_limit.hint()
# ex.glorot_limit.solution()
ex.glorot_limit.check(glorot_limit)

# %% [markdown]
# Once your r passes, Keras confirms it: the largest weight it draws comes close to r without
# ever passing it.

# %% tags=["demo"]
if ex.glorot_limit.solved(glorot_limit):
    layer = keras.layers.Dense(300, kernel_initializer="glorot_uniform")
    layer.build((None, 784))
    largest = float(np.abs(layer.kernel.numpy()).max())
    print(f"largest |weight| = {largest:.5f}, your r = {glorot_limit:.5f}")

# %% [markdown]
# Keras accepts an initializer by name, as an object, or as the `VarianceScaling` it stands for.
# The three spellings below are the same initializer (the same scale, mode and distribution), and
# the checks of this course judge that, not the spelling:

# %% tags=["nbval-check-output", "demo"]
spellings = {
    '"glorot_normal"': "glorot_normal",
    "GlorotNormal()": keras.initializers.GlorotNormal(),
    'VarianceScaling(1.0, "fan_avg", "truncated_normal")': keras.initializers.VarianceScaling(
        1.0, "fan_avg", "truncated_normal"
    ),
}
for label, spelling in spellings.items():
    init = keras.initializers.get(spelling)
    print(f"{label:>52} -> scale={init.scale}, mode={init.mode!r}, distribution={init.distribution!r}")

# %% [markdown]
# ### ✍️ Exercise 2: a He-initialized layer
#
# Create `he_layer`: a `Dense` layer of 100 units with the ReLU activation and He initialization
# in its normal form. Any correct spelling is accepted.

# %%
# BEGIN SOLUTION he_layer
# STUB: he_layer = ...
he_layer = keras.layers.Dense(100, activation="relu", kernel_initializer="he_normal")
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.he_layer.hint()
# ex.he_layer.solution()
ex.he_layer.check(he_layer)

# %% [markdown]
# ## 1.5 Predict, then verify: 50 ReLU layers
#
# ### ✍️ Exercise 3: which keeps the spread steady?
#
# Take a stack of 50 `Dense(100)` layers with ReLU, fed 100 standardized inputs (mean 0,
# standard deviation 1). Which kernel initializer keeps the *scale* of the activations (their
# standard deviation over the batch and the units, as in section 1.2) roughly the same from
# layer 1 to layer 50?
#
# - **A**: Glorot uniform (Keras's default)
# - **B**: He normal
# - **C**: `RandomNormal(stddev=0.2)`
# - **D**: LeCun normal
#
# Answer with a letter in `steady_choice`, *before* running the verification below.

# %%
# BEGIN SOLUTION steady_spread
# STUB: steady_choice = ...
steady_choice = "B"
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.steady_spread.hint()
# ex.steady_spread.solution()
ex.steady_spread.check(steady_choice)

# %% [markdown]
# Now verify it. The inputs are random and standardized, so this experiment does not depend on
# the dataset.

# %% tags=["demo"]
rng = np.random.default_rng(42)
X_standardized = rng.standard_normal((1000, 100)).astype(np.float32)
choices = {
    "A: Glorot uniform": "glorot_uniform",
    "B: He normal": "he_normal",
    "C: RandomNormal(0.2)": keras.initializers.RandomNormal(stddev=0.2),
    "D: LeCun normal": "lecun_normal",
}
stats_50 = {}
for name, initializer in utils.progress(choices.items(), "50-layer networks"):
    model = utils.deep_mlp(50, 100, "relu", initializer, shape=(100,))
    stats_50[name] = utils.activation_stats(model, X_standardized)
scales_50 = {name: table["std"] for name, table in stats_50.items()}
utils.plot_per_layer(scales_50, "scale: std of outputs (log scale)", "50 ReLU layers at initialization")
utils.save_fig("spread_50_relu_layers")

# %% tags=["demo"]
for name, table in stats_50.items():
    print(f"{name:>22}: scale at layer 50 / layer 1 = {table['std'][50] / table['std'][1]:.3g}")

# %% [markdown]
# He's variance keeps the scale, as derived. It does not keep everything. Compare the spread
# across inputs of the He network, layer 1 against layer 50:

# %% tags=["demo"]
he_stats = stats_50["B: He normal"]
print(f"He normal, spread across inputs: layer 1 {he_stats['std_across_inputs'][1]:.3g}, "
      f"layer 25 {he_stats['std_across_inputs'][25]:.3g}, layer 50 {he_stats['std_across_inputs'][50]:.3g}")

# %% [markdown]
# The 1,000 random inputs are unrelated to each other, yet 50 ReLU layers make their outputs
# more and more alike: every ReLU layer makes the representations of two inputs more similar
# (their correlation rises towards 1), so the spread across inputs fades while the scale holds.
# Poole et al. (2016) and Schoenholz et al. (2017) worked out this "collapse of correlations"
# for deep random networks; section 2.3 watches it over 100 layers and sees SELU resist it.

# %% [markdown]
# ## 1.6 Does it change learning?
#
# Initialization is about the start of training, so let's train. Each model below has 20 hidden
# layers of 100 units and is trained for 5 epochs with plain SGD (learning rate 0.01); only the
# activation and the initialization change. One training run is an anecdote: a different seed
# draws different initial weights, and the result moves. So every configuration is trained with
# 3 seeds, and we look at all the runs.
#
# To keep this affordable, the models train on the first 10,000 training images rather than
# 55,000 (they are in random order, so every class is there), and are evaluated on the whole
# validation set. The question is which configurations learn at all, and how fast they start;
# a vanishing gradient shows from the first epoch, on any amount of data.
#
# Three details of the training code recur in the course:
#
# - `utils.over_seeds(train, configurations, seeds=3, build=build)` fixes all random seeds, builds
#   and compiles a model with `build(configuration)`, trains it with
#   `train(model, configuration, callbacks)`, for every configuration and seed, and returns one
#   tidy table (a pandas `DataFrame`) with a row per configuration, seed and epoch. Keras traces
#   a model's training step into a TensorFlow graph the first time it trains, which takes seconds
#   for a deep network; so `over_seeds` compiles each configuration once, and for the next seed
#   restarts that model from exactly the state a fresh build would have (weights, optimizer and
#   all), with the same results.
# - `steps_per_execution=32` lets Keras run 32 training steps per call into TensorFlow: the same
#   steps on the same mini-batches, so the same results, with less Python overhead per step.
# - The `callbacks` that `over_seeds` passes in show a live line per configuration (seed, epoch,
#   metrics so far), which ends as a one-line summary.
#
# The 15 runs take about a minute in full mode, in two cells.

# %% tags=["demo"]
X_subset, y_subset = X_train[:10_000], y_train[:10_000]
learning_configurations = {
    "sigmoid + N(0, 1)": ("sigmoid", keras.initializers.RandomNormal(stddev=1.0)),
    "sigmoid + Glorot": ("sigmoid", "glorot_uniform"),
    "sigmoid + Glorot × 4, recentred": ("sigmoid", gain_4),
    "tanh + Glorot": ("tanh", "glorot_uniform"),
    "ReLU + He": ("relu", "he_normal"),
}


def build(configuration):
    """A compiled 20-layer MLP with this (activation, initializer), for plain SGD."""
    activation, initializer = configuration
    model = utils.deep_mlp(20, 100, activation, initializer)
    if initializer is gain_4:
        recentred(model)
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        metrics=["accuracy"],
        steps_per_execution=32,
    )
    return model


def train(model, configuration, callbacks):
    """Train for 5 epochs on the subset; return the History."""
    return model.fit(
        X_subset, y_subset, epochs=5, validation_data=(X_valid, y_valid), callbacks=callbacks, verbose=0,
        validation_batch_size=1000,  # large batches: evaluating is faster, with the same numbers
    )


sigmoid_names = [name for name in learning_configurations if name.startswith("sigmoid")]
sigmoid_configurations = {name: learning_configurations[name] for name in sigmoid_names}
sigmoid_runs = utils.over_seeds(train, sigmoid_configurations, seeds=3, build=build)

# %% tags=["demo"]
other_configurations = {name: learning_configurations[name] for name in ("tanh + Glorot", "ReLU + He")}
other_runs = utils.over_seeds(train, other_configurations, seeds=3, build=build)
runs = pd.concat([sigmoid_runs, other_runs], ignore_index=True)
runs.head()

# %% [markdown]
# That is the tidy table: one row per configuration, seed and epoch, one column per metric. Plot
# every run (thin lines) and each configuration's mean (thick):

# %% tags=["demo"]
utils.plot_runs(runs, "val_accuracy", f"Validation accuracy, 20 hidden layers, {runs.seed.nunique()} seeds each")
utils.save_fig("learning_curves")

# %% [markdown]
# And in numbers, `utils.spread` gives the mean, the standard deviation and the range over the
# seeds, after the first epoch and after the last:

# %% tags=["demo"]
pd.concat({"after epoch 1": utils.spread(runs, "val_accuracy", epoch=1), "after epoch 5": utils.spread(runs, "val_accuracy")}, axis=1).round(3)

# %% [markdown]
# Fashion-MNIST has 10 balanced classes, so a model that guesses blindly scores about 0.1.
#
# A spread table shows how much each configuration moves from seed to seed. The question,
# though, is the difference between two configurations, and how much *that* moves from seed to
# seed. `utils.compare` takes the paired differences
# a − b over the seeds both ran, gives their mean with a 95% interval (Student's t, since three
# seeds are few), and a verdict that follows the interval: "better" or "worse" only when it
# excludes zero, otherwise "could not tell apart". (In quick mode, two seeds on a small subset,
# expect "could not tell apart" almost everywhere: the honest answer to so little evidence.)

# %% tags=["demo"]
pairs = [
    ("sigmoid + Glorot × 4, recentred", "sigmoid + N(0, 1)"),
    ("tanh + Glorot", "sigmoid + Glorot × 4, recentred"),
    ("tanh + Glorot", "ReLU + He"),
]
for a, b in pairs:
    for epoch in (1, 5):
        print(utils.compare(runs, "val_accuracy", a, b, epoch=epoch))

# %% [markdown]
# Read the table, the plot and these verdicts against the measurements of sections 1.2 and 1.3:
#
# - **sigmoid + Glorot** stays at chance with every seed: its gradient vanishes before it
#   reaches the lower layers, and its output no longer depends on the image.
# - **sigmoid + N(0, 1)** learns, slowly: its gradient arrives, but its saturated units hold it
#   back.
# - **The recentred sigmoid** is better than N(0, 1) after five epochs: the interval of the
#   paired differences excludes zero. After the first epoch, though, three seeds could not tell
#   them apart, although every recentred run was ahead of every N(0, 1) run: the gap varied
#   from seed to seed, and with three seeds the interval is wide. The recentred sigmoid still
#   trails tanh, because the disguise of section 1.3 holds only at the start: its weights are 4
#   times the equivalent tanh network's, so an SGD step moves the equivalent tanh weights 16
#   times less. It trains like a tanh network at a learning rate 16 times smaller.
# - **tanh + Glorot** against **ReLU + He**: could not tell apart, after the first epoch or the
#   fifth. These seeds and epochs cannot rank the two.
#
# That is the habit to keep: a gap between two means is a finding only when the paired
# interval excludes zero. With three seeds, a difference as large as one standard deviation of
# the differences is nowhere near enough (the t quantile for two degrees of freedom is 4.3).
#
# ## Summary
#
# - In a deep network the gradient is a product of per-layer factors, each about the layer's
#   gain (what its weights do to the signal) times its activation's slope, so it tends to vanish
#   or explode.
# - The sigmoid is hard on both counts: its slope is at most 1/4, and its outputs average 1/2.
#   Large weights make up for the slope but saturate the units; gain 4 with recentred biases
#   fixes both at the start, and a centred activation like tanh avoids the problem altogether.
# - Measure before you guess: per-layer gradient norms, the scale of the activations and their
#   spread across inputs, at initialization, show the problem at once. A healthy scale can hide
#   a layer that answers every input alike.
# - Compare trainings seed by seed: a difference is a finding only when the 95% interval of the
#   paired differences excludes zero (`utils.compare`).
# - Pick the initialization that matches the activation: Glorot for tanh (and no activation),
#   He for ReLU and its variants, LeCun for SELU. Keras's default is Glorot uniform;
#   `VarianceScaling` expresses them all.
# - Good initialization only sets a healthy start. Sections 2 to 4 add better activations,
#   batch normalization and gradient clipping to keep training healthy.
#
# ## Papers
#
# - X. Glorot, Y. Bengio, [Understanding the difficulty of training deep feedforward neural
#   networks](https://proceedings.mlr.press/v9/glorot10a.html), AISTATS 2010.
# - B. Poole, S. Lahiri, M. Raghu, J. Sohl-Dickstein, S. Ganguli, [Exponential expressivity in
#   deep neural networks through transient chaos](https://arxiv.org/abs/1606.05340), NeurIPS 2016.
# - S. Schoenholz, J. Gilmer, S. Ganguli, J. Sohl-Dickstein, [Deep Information
#   Propagation](https://arxiv.org/abs/1611.01232), ICLR 2017.
# - K. He, X. Zhang, S. Ren, J. Sun, [Delving Deep into Rectifiers: Surpassing Human-Level
#   Performance on ImageNet Classification](https://arxiv.org/abs/1502.01852), ICCV 2015.
# - Y. LeCun, L. Bottou, G. Orr, K.-R. Müller, [Efficient
#   BackProp](http://yann.lecun.com/exdb/publis/pdf/lecun-98b.pdf), in *Neural Networks: Tricks
#   of the Trade*, 1998.
# - G. Klambauer, T. Unterthiner, A. Mayr, S. Hochreiter, [Self-Normalizing Neural
#   Networks](https://arxiv.org/abs/1706.02515), NeurIPS 2017.
# - Keras documentation: [layer weight initializers](https://keras.io/api/layers/initializers/).
