# %% [markdown]
# # 1. Unstable gradients and weight initialization
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/training-deep-nets/course/blob/main/solutions/11_training_deep_networks/01_unstable_gradients.ipynb)
#
# Companion to *Hands-On Machine Learning* (3rd edition), chapter 11, "The Vanishing/Exploding
# Gradients Problems".
#
# **You will learn**
# - why the gradient can shrink or grow as it flows back through many layers;
# - how to *measure* it: gradient norm and activation spread, layer by layer;
# - Glorot, He and LeCun initialization: fan-in, fan-out, the variance table, and Keras's
#   `VarianceScaling`, which spells them all;
# - how much a good match of activation and initialization changes training.
#
# **Exercises** are marked ✍️. Replace each `...` with your answer and run the check cell below
# it: it says *not attempted*, *incorrect* (and why), or *correct*. Stuck? Uncomment the
# `.hint()` line (call it again for the next hint), or `.solution()`.

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # on Colab, fetch the course helpers first
    repository = "https://github.com/training-deep-nets/course"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repository, "/content/course"], check=False)
    sys.path.insert(0, "/content/course")

import utils  # first: it imports TensorFlow without its start-up noise

import keras
import numpy as np

ex = utils.setup("unstable_gradients")

# %% [markdown]
# ## 1.1 A product of many factors
#
# Backpropagation applies the chain rule layer by layer, from the output down to the input. The
# gradient that reaches layer 1 of a network is a product of factors, roughly one per layer
# above it: the slope of each activation function times the weights it went through. Multiply
# many factors a little below 1 and the product vanishes; a little above 1 and it explodes. Here
# is what 0.9 and 1.1 become over 10, 20 and 50 layers:

# %%
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

# %%
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

# %%
z = np.array([-5.0, -2.0, 0.0, 2.0, 5.0], dtype=np.float32)
for name, fn in activations.items():
    _, slopes = utils.function_and_derivative(fn, z)
    print(f"{name:>8} slope at z = {z}: {np.round(slopes, 4)}")

# %% [markdown]
# Every sigmoid layer multiplies the backward signal by at most 0.25. The sigmoid's mean output
# is also 0.5, not 0, so each layer shifts the signal the next layer receives. Tanh has slope 1
# at 0 and is centred on 0; ReLU has slope 1 for every positive input and never saturates there.

# %% [markdown]
# ## 1.2 Measuring it in a deep network
#
# Let's see the problem instead of arguing about it. We build deep plain MLPs (20 hidden layers
# of 100 units, then a 10-way softmax), feed one batch of Fashion-MNIST images through them
# *before any training*, and record for each hidden layer:
#
# - the **activation spread**: the standard deviation of the layer's outputs over the batch;
# - the **gradient norm**: the size of the loss gradient with respect to the layer's weights.
#
# `utils.deep_mlp`, `utils.activation_stats` and `utils.gradient_norms` do the bookkeeping (each
# is a few lines of Keras and `tf.GradientTape`; read them in `utils/diagnostics.py`).

# %%
data = utils.load_fashion_mnist()
X_train, y_train = data.train
X_valid, y_valid = data.valid
X_batch, y_batch = X_train[:512], y_train[:512]
data

# %% [markdown]
# Five configurations: the sigmoid with the crudest initialization of all, weights drawn from a
# normal distribution with mean 0 and standard deviation 1 whatever the layer's size (the book's
# example of what goes wrong), and four pairs of an activation with one of the initializations
# of section 1.3 below.

# %%
configurations = {
    "sigmoid + N(0, 1)": ("sigmoid", keras.initializers.RandomNormal(stddev=1.0)),
    "sigmoid + Glorot": ("sigmoid", "glorot_uniform"),
    "tanh + Glorot": ("tanh", "glorot_uniform"),
    "ReLU + He": ("relu", "he_normal"),
    "SELU + LeCun": ("selu", "lecun_normal"),
}
spreads, gradients = {}, {}
for name, (activation, initializer) in configurations.items():
    model = utils.deep_mlp(20, 100, activation, initializer)
    spreads[name] = utils.activation_stats(model, X_batch)[1]
    gradients[name] = utils.gradient_norms(model, X_batch, y_batch)

# %%
utils.plot_per_layer(gradients, "gradient norm (log scale)", "Gradient norm per layer, at initialization")
utils.save_fig("gradient_norms_per_layer")

# %%
utils.plot_per_layer(spreads, "std of outputs (log scale)", "Activation spread per layer, at initialization")
utils.save_fig("activation_spread_per_layer")

# %% [markdown]
# Layer 1 is nearest the input. To read the plots as numbers, compare the first hidden layer
# with the last one:

# %%
print(f"{'configuration':>18}  {'gradient: layer 1 / layer 20':>28}  {'spread: layer 1':>15}  {'layer 20':>9}")
for name in configurations:
    ratio = gradients[name][0] / gradients[name][-1]
    print(f"{name:>18}  {ratio:28.3g}  {spreads[name][0]:15.3f}  {spreads[name][-1]:9.3f}")

# %% [markdown]
# What to look for in the table and the plots above:
#
# - A **ratio far below 1** means the lowest layers receive a much smaller gradient than the top
#   ones: the gradient vanishes on its way down, and the lower layers will barely learn.
# - With **N(0, 1) weights** every sigmoid receives inputs of large magnitude and saturates: its
#   outputs sit near 0 or 1. A variable confined to [0, 1] has a standard deviation of at most
#   0.5, reached when all its values are 0 or 1; compare the spread of `sigmoid + N(0, 1)` with
#   that bound.
# - **Glorot's initialization** was derived for an activation that behaves like the identity
#   around 0, as tanh does (slope 1). The sigmoid's slope is at most 0.25, so each sigmoid layer
#   still shrinks the backward signal: compare the ratios of `sigmoid + Glorot` and
#   `tanh + Glorot`.
# - **ReLU with He** and **SELU with LeCun** keep both the spread and the gradient within a small
#   factor from the bottom of the network to the top.

# %% [markdown]
# ## 1.3 Glorot, He and LeCun initialization
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
# (The book also lists the sigmoid under Glorot; section 1.2 measured how that pairing fares in
# a deep network.) Each comes in two forms with the same variance:
#
# - **normal**: mean 0 and standard deviation σ (Keras truncates it at 2σ and rescales so the
#   variance stays σ²);
# - **uniform**: between -r and r, where r = √(3σ²), since a uniform distribution on [-r, r]
#   has variance r²/3.
#
# Keras's `Dense` layer uses Glorot uniform unless told otherwise:

# %% tags=["nbval-check-output"]
layer = keras.layers.Dense(10)
type(layer.kernel_initializer).__name__, layer.kernel_initializer.get_config()

# %% [markdown]
# All of these are special cases of one initializer, `VarianceScaling(scale, mode,
# distribution)`: the variance is `scale / fan`, with `fan` chosen by `mode`. The named ones are
# subclasses of it with preset arguments, as their attributes show:

# %% tags=["nbval-check-output"]
for name in ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal"):
    init = keras.initializers.get(name)
    print(f"{name:>14}: {type(init).__name__:<13} scale={init.scale}, mode={init.mode!r}, distribution={init.distribution!r}")

# %% [markdown]
# So any mix is one line away, for instance He's scale with fan-avg and a uniform distribution:

# %%
he_avg_uniform = keras.initializers.VarianceScaling(scale=2.0, mode="fan_avg", distribution="uniform")
dense = keras.layers.Dense(50, activation="relu", kernel_initializer=he_avg_uniform)

# %% [markdown]
# Do the weights Keras draws really have the variances of the table? Build a `Dense(300)` layer
# on 784 inputs (the first hidden layer of the chapter's MLP) with each initializer and compare
# the sample variance of its 235,200 weights with the formula:

# %%
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
        sample_variance = float(np.var(layer.kernel.numpy()))
        print(f"{family + '_' + form:>14}: formula {variance:.6f}, sample {sample_variance:.6f}")

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

# %%
if ex.glorot_limit.solved(glorot_limit):
    layer = keras.layers.Dense(300, kernel_initializer="glorot_uniform")
    layer.build((None, 784))
    largest = float(np.abs(layer.kernel.numpy()).max())
    print(f"largest |weight| = {largest:.5f}, your r = {glorot_limit:.5f}")

# %% [markdown]
# Keras accepts an initializer by name, as an object, or as the `VarianceScaling` it stands for.
# The three spellings below are the same initializer (the same scale, mode and distribution), and
# the checks of this course judge that, not the spelling:

# %% tags=["nbval-check-output"]
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
# ## 1.4 Predict, then verify: 50 ReLU layers
#
# ### ✍️ Exercise 3: which keeps the spread steady?
#
# Take a stack of 50 `Dense(100)` layers with ReLU, fed 100 standardized inputs (mean 0,
# standard deviation 1). Which kernel initializer keeps the spread of the activations roughly
# the same from layer 1 to layer 50?
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

# %%
rng = np.random.default_rng(42)
X_standardized = rng.standard_normal((1000, 100)).astype(np.float32)
choices = {
    "A: Glorot uniform": "glorot_uniform",
    "B: He normal": "he_normal",
    "C: RandomNormal(0.2)": keras.initializers.RandomNormal(stddev=0.2),
    "D: LeCun normal": "lecun_normal",
}
spread_50 = {}
for name, initializer in utils.progress(choices.items(), "50-layer networks"):
    model = utils.deep_mlp(50, 100, "relu", initializer, shape=(100,))
    spread_50[name] = utils.activation_stats(model, X_standardized)[1]
utils.plot_per_layer(spread_50, "std of outputs (log scale)", "50 ReLU layers at initialization")
utils.save_fig("spread_50_relu_layers")

# %%
for name, spread in spread_50.items():
    print(f"{name:>22}: spread at layer 50 / layer 1 = {spread[-1] / spread[0]:.3g}")

# %% [markdown]
# ## 1.5 Does it change learning?
#
# Initialization is about the start of training, so let's train. Each model below has 20 hidden
# layers of 100 units and is trained for 5 epochs with plain SGD (learning rate 0.01) on
# Fashion-MNIST; only the activation and the initialization change.
#
# Two details of the training code recur in the course. `steps_per_execution=32` lets Keras run
# 32 training steps per call into TensorFlow: the same steps on the same mini-batches, so the same
# results, with less Python overhead per step, which matters on a CPU.
# `utils.LiveProgress(name)` is a small Keras callback that shows a live line per model (epoch,
# metrics so far) and leaves one summary line when it is done. The cell takes about
# a minute in full mode.

# %%
training_runs = {
    name: configurations[name]
    for name in ("sigmoid + N(0, 1)", "sigmoid + Glorot", "tanh + Glorot", "ReLU + He")
}
histories = {}
for name, (activation, initializer) in training_runs.items():
    model = utils.deep_mlp(20, 100, activation, initializer)
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        metrics=["accuracy"],
        steps_per_execution=32,
    )
    histories[name] = model.fit(
        X_train, y_train, epochs=5, validation_data=(X_valid, y_valid), callbacks=[utils.LiveProgress(name)], verbose=0
    )

# %% tags=["nbval-check-output"]
print(f"each model has {model.count_params():,} parameters")

# %%
utils.plot_learning_curves(histories, "val_accuracy", "Validation accuracy, 20 hidden layers")
utils.save_fig("learning_curves")

# %%
for name, history in histories.items():
    accuracy = history.history["val_accuracy"]
    print(f"{name:>18}: validation accuracy after epoch 1 = {accuracy[0]:.3f}, after epoch 5 = {accuracy[-1]:.3f}")

# %% [markdown]
# Fashion-MNIST has 10 balanced classes, so a model that guesses blindly scores about 0.1. Read the
# curves against the measurements of section 1.2: the configurations whose gradient reached
# layer 1 intact are the ones that learn fast from the first epoch.
#
# ## Summary
#
# - In a deep network the gradient is a product of per-layer factors, so it tends to vanish or
#   explode; saturating activations like the sigmoid make it worse.
# - Measure before you guess: per-layer gradient norms and activation spreads at initialization
#   show the problem at once.
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
# - K. He, X. Zhang, S. Ren, J. Sun, [Delving Deep into Rectifiers: Surpassing Human-Level
#   Performance on ImageNet Classification](https://arxiv.org/abs/1502.01852), ICCV 2015.
# - Y. LeCun, L. Bottou, G. Orr, K.-R. Müller, [Efficient
#   BackProp](http://yann.lecun.com/exdb/publis/pdf/lecun-98b.pdf), in *Neural Networks: Tricks
#   of the Trade*, 1998.
# - G. Klambauer, T. Unterthiner, A. Mayr, S. Hochreiter, [Self-Normalizing Neural
#   Networks](https://arxiv.org/abs/1706.02515), NeurIPS 2017.
# - Keras documentation: [layer weight initializers](https://keras.io/api/layers/initializers/).
