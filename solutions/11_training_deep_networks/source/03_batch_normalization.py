# %% [markdown]
# # 3. Batch normalization
#
# Companion to *Hands-On Machine Learning* (3rd edition), chapter 11, "Batch Normalization".
#
# **You will learn**
# - the four equations of batch normalization, written in NumPy and checked against Keras's
#   `BatchNormalization` layer, in training mode and in inference mode;
# - the layer's four variables per feature, which of them gradient descent trains, and how
#   they add up in a model's parameter count;
# - where to put the layer, before or after the activation, and why the layer before it needs
#   no bias;
# - what the `momentum` and `axis` arguments change;
# - what batch normalization does to training, per epoch and per second;
# - what batch normalization buys, measured over seeds: saturating activations and larger
#   learning rates made trainable;
# - how to fold a trained BN layer into the Dense layer before it, or after it.
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

ex = utils.setup("batch_normalization")

# %% [markdown]
# ## 3.1 Normalize each batch: the four equations
#
# Section 1 gave every layer a healthy start with a good initialization, but nothing keeps the
# signal healthy once the weights start moving. Ioffe and Szegedy (2015) added an operation
# inside the network that standardizes each input of a layer over the current mini-batch, then
# lets the network rescale and shift it with two learned vectors. For a mini-batch *B* of
# $m_B$ instances $x^{(1)}, \dots, x^{(m_B)}$, each a vector of features, and with every operation
# applied feature by feature:
#
# $$\mu_B = \frac{1}{m_B}\sum_{i=1}^{m_B} x^{(i)} \qquad \text{(1: the batch mean)}$$
#
# $$\sigma_B^2 = \frac{1}{m_B}\sum_{i=1}^{m_B} \left(x^{(i)} - \mu_B\right)^2 \qquad \text{(2: the batch variance)}$$
#
# $$\hat{x}^{(i)} = \frac{x^{(i)} - \mu_B}{\sqrt{\sigma_B^2 + \varepsilon}} \qquad \text{(3: standardize)}$$
#
# $$z^{(i)} = \gamma \otimes \hat{x}^{(i)} + \beta \qquad \text{(4: rescale and shift)}$$
#
# ε is a small constant that keeps the division safe; γ (the scale) and β (the offset) hold one
# value per feature and are learned by gradient descent like any weight; ⊗ multiplies feature
# by feature. Here are the four equations in NumPy, for a batch `X` of shape
# (instances, features):

# %% tags=["demo"]
def batch_norm_training(X, gamma, beta, epsilon):
    """The four equations on a batch X of shape (m_B, features): the output and the batch statistics."""
    mean = X.mean(axis=0)  # (1) one mean per feature
    variance = ((X - mean) ** 2).mean(axis=0)  # (2) divided by m_B, not m_B - 1
    X_hat = (X - mean) / np.sqrt(variance + epsilon)  # (3) mean 0, variance (almost) 1
    return gamma * X_hat + beta, mean, variance  # (4) the learned scale and offset


# %% [markdown]
# Let's try it on a batch of 64 instances with 4 features of very different means and spreads,
# with a γ and a β of our choice. Each feature comes out with mean β and standard deviation
# close to γ, whatever it looked like before:

# %% tags=["nbval-check-output", "demo"]
rng = np.random.default_rng(42)
X = rng.normal(loc=[5.0, -2.0, 0.0, 100.0], scale=[1.0, 0.1, 3.0, 20.0], size=(64, 4)).astype(np.float32)
gamma = np.array([1.0, 2.0, 0.5, 1.5], dtype=np.float32)
beta = np.array([0.0, 1.0, -1.0, 3.0], dtype=np.float32)

Z, batch_mean, batch_variance = batch_norm_training(X, gamma, beta, epsilon=1e-3)
np.set_printoptions(precision=3, suppress=True)
print("before: mean", X.mean(axis=0), " std", X.std(axis=0))
print("after:  mean", Z.mean(axis=0).round(3) + 0.0, " std", Z.std(axis=0))  # + 0.0 turns -0.0 into 0.0

# %% [markdown]
# The standard deviations are close to γ but a little below it, most visibly for the second
# feature: its variance is not much larger than ε, and equation 3 divides by √(σ²_B + ε), not by
# σ_B.
#
# ### Keras's `BatchNormalization` layer, in training mode
#
# Keras's layer computes the same thing. We give it the same γ and β (it starts with γ = 1 and
# β = 0), call it on the batch with `training=True`, as `fit()` does, and compare with NumPy:

# %% tags=["demo"]
bn = keras.layers.BatchNormalization()
bn.build(X.shape)
bn.gamma.assign(gamma)
bn.beta.assign(beta)

Z_keras = bn(X, training=True).numpy()
print(f"training mode: max |Keras - NumPy| = {np.abs(Z_keras - Z).max():.1e}")

# %% [markdown]
# The two agree to float32 rounding. In training mode the layer also did something else: it
# updated two more variables, the **moving mean** and the **moving variance**, which estimate
# the statistics of the whole training set from the batches it sees. Keras's source
# (`keras/src/layers/normalization/batch_normalization.py`) updates them after each training
# batch as
#
# $$\text{moving\_mean} \leftarrow \text{momentum} \cdot \text{moving\_mean} + (1 - \text{momentum}) \cdot \mu_B$$
#
# $$\text{moving\_variance} \leftarrow \text{momentum} \cdot \text{moving\_variance} + (1 - \text{momentum}) \cdot \sigma_B^2$$
#
# starting from 0 and 1. Which $\sigma_B^2$: the one of equation 2, dividing by $m_B$ (the
# *biased* variance), or the unbiased one, dividing by $m_B - 1$? Compute both updates and
# compare:

# %% tags=["demo"]
momentum = bn.momentum
moving_mean, moving_variance = bn.moving_mean.numpy(), bn.moving_variance.numpy()
updates = {
    "moving mean, from μ_B": (moving_mean, momentum * 0.0 + (1 - momentum) * batch_mean),
    "moving variance, from the biased σ²_B": (moving_variance, momentum * 1.0 + (1 - momentum) * batch_variance),
    "moving variance, from the unbiased variance": (
        moving_variance,
        momentum * 1.0 + (1 - momentum) * X.var(axis=0, ddof=1),
    ),
}
print(f"momentum = {momentum}")
for name, (in_keras, by_hand) in updates.items():
    print(f"{name:>43}: max |Keras - update by hand| = {np.abs(in_keras - by_hand).max():.1e}")

# %% [markdown]
# Keras averages the biased batch variance of equation 2. (The paper, at inference, uses an
# unbiased estimate instead, $\frac{m}{m-1}$ times the average of the batch variances; for
# batches of a few dozen instances or more, the difference is small.)
#
# ### Inference mode
#
# After training, a model must predict for a single instance, or a batch that is not
# representative, so the batch's own statistics cannot be used. With `training=False` (the
# default outside `fit()`, and what `predict()` and `evaluate()` use), the layer applies
# equations 3 and 4 with its moving statistics instead:

# %% tags=["demo"]
def batch_norm_inference(X, gamma, beta, moving_mean, moving_variance, epsilon):
    """Equations 3 and 4 with the moving statistics in place of the batch's."""
    return gamma * (X - moving_mean) / np.sqrt(moving_variance + epsilon) + beta


moving_before = bn.moving_mean.numpy().copy()
Z_inference = bn(X, training=False).numpy()
Z_numpy = batch_norm_inference(X, gamma, beta, bn.moving_mean.numpy(), bn.moving_variance.numpy(), bn.epsilon)
print(f"inference mode: max |Keras - NumPy| = {np.abs(Z_inference - Z_numpy).max():.1e}")
print("moving mean unchanged by the inference call:", np.array_equal(moving_before, bn.moving_mean.numpy()))

# %% [markdown]
# After a single batch the moving statistics are still close to their starting values (0 and 1),
# so the inference output is far from standardized: compare its per-feature mean with the
# training-mode output's. The moving averages need many training batches to catch up; section
# 3.4 shows how many.

# %% tags=["demo"]
print("training mode:  mean", Z_keras.mean(axis=0))
print("inference mode: mean", Z_inference.mean(axis=0))

# %% [markdown]
# ## 3.2 Four variables per feature
#
# The layer's defaults, from Keras itself:

# %% tags=["nbval-check-output", "demo"]
defaults = keras.layers.BatchNormalization()
print(f"momentum={defaults.momentum}, epsilon={defaults.epsilon}, axis={defaults.axis}, "
      f"center={defaults.center}, scale={defaults.scale}")

# %% [markdown]
# `center=True` gives the layer its β, `scale=True` its γ. Our layer `bn` normalizes 4 features,
# and holds four vectors of that length: γ and β, which backpropagation trains, and the moving
# mean and variance, which the training-mode updates above maintain and gradient descent never
# touches. Keras calls the latter *non-trainable*:

# %% tags=["nbval-check-output", "demo"]
for variable in bn.weights:
    print(f"{variable.name:>16}: shape {tuple(variable.shape)}, trainable={variable.trainable}")
print("trainable_weights:    ", [v.name for v in bn.trainable_weights])
print("non_trainable_weights:", [v.name for v in bn.non_trainable_weights])

# %% [markdown]
# ### The chapter's model
#
# The book adds a BN layer as the very first layer (so it standardizes the pixels) and after
# each hidden layer:

# %% tags=["demo"]
def bn_after_activation_model():
    """The chapter's MLP with a BN layer after the input and after each hidden layer."""
    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(300, activation="relu", kernel_initializer="he_normal"),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(100, activation="relu", kernel_initializer="he_normal"),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(10, activation="softmax"),
    ])


# %% [markdown]
# Count its parameters layer by layer. A Dense layer has inputs × units weights plus one bias
# per unit; a BN layer has 4 parameters per feature, half of them trainable:

# %% tags=["nbval-check-output", "demo"]
def count(variables):
    """The number of scalars in a list of variables."""
    return sum(int(np.prod(v.shape)) for v in variables)


model = bn_after_activation_model()
print(f"{'layer':>18} {'features':>9} {'trainable':>10} {'non-trainable':>14}  how")
for layer in model.layers:
    features = layer.output.shape[-1]
    if isinstance(layer, keras.layers.BatchNormalization):
        how = f"4 × {features} = {4 * features:,}"
    elif isinstance(layer, keras.layers.Dense):
        fan_in = layer.kernel.shape[0]
        how = f"{fan_in} × {features} + {features} = {fan_in * features + features:,}"
    else:
        how = "no parameters"
    trainable, non_trainable = count(layer.trainable_weights), count(layer.non_trainable_weights)
    print(f"{type(layer).__name__:>18} {features:>9} {trainable:>10,} {non_trainable:>14,}  {how}")
print(f"{'total':>18} {'':>9} {count(model.trainable_weights):>10,} {count(model.non_trainable_weights):>14,}"
      f"  = {model.count_params():,} parameters")

# %% [markdown]
# The non-trainable total is the moving means and variances of the three BN layers: 2 per
# feature, over 784 + 300 + 100 features. It is also half of all the BN parameters:

# %% tags=["nbval-check-output"]
bn_features = 784 + 300 + 100
print(f"BN parameters: 4 × {bn_features} = {4 * bn_features:,}; non-trainable: 2 × {bn_features} = {2 * bn_features:,}")

# %% [markdown]
# ## 3.3 Before or after the activation?
#
# The book's model normalizes each hidden layer's output *after* its ReLU. Ioffe and Szegedy
# normalized *before* the nonlinearity, the output $xW + b$ of the linear part. Which is better
# depends on the task; try both. To normalize before the activation, take the activation out of
# the Dense layer and add it as a layer of its own after the BN layer.
#
# Then the Dense layer's bias is useless: BN subtracts the batch mean, and a constant added to
# every instance moves the mean by exactly that constant, so it cancels. β takes over the
# bias's role. Let's verify it: feed the same batch through a Dense layer with zero bias, then
# with a large random bias, each time followed by BN in training mode:

# %% tags=["demo"]
dense = keras.layers.Dense(3)
dense.build((None, 4))
bn_check = keras.layers.BatchNormalization()

outputs = {}
for name, bias in {"zero bias": np.zeros(3), "random bias": rng.normal(0, 10, 3)}.items():
    dense.bias.assign(bias.astype(np.float32))
    outputs[name] = bn_check(dense(X), training=True).numpy()
    print(f"{name:>11}: Dense output mean {dense(X).numpy().mean(axis=0)}")
print(f"after BN: max |difference| = {np.abs(outputs['zero bias'] - outputs['random bias']).max():.1e}")

# %% [markdown]
# The Dense outputs differ by the bias, the BN outputs only by float32 rounding. So the layer
# before a BN layer gets `use_bias=False`. The book also suggests dropping the input BN layer
# in this variant, so that the first hidden layer is not sandwiched between two BN layers:

# %% tags=["demo"]
def bn_before_activation_model():
    """The chapter's MLP with BN between each hidden layer's linear part and its ReLU."""
    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(300, kernel_initializer="he_normal", use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.Dense(100, kernel_initializer="he_normal", use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])


# %% [markdown]
# It has fewer parameters than the book's model: no biases in its hidden layers, and no input
# BN layer.

# %% tags=["nbval-check-output", "demo"]
for name, build in {"BN after": bn_after_activation_model, "BN before": bn_before_activation_model}.items():
    candidate = build()
    print(f"{name} activation: {candidate.count_params():,} parameters, "
          f"{count(candidate.non_trainable_weights):,} non-trainable")

# %% [markdown]
# ### ✍️ Exercise 1: count the parameters
#
# How many parameters in total (trainable and non-trainable, as `model.count_params()` reports)
# does this model have? Count by hand, and store the number in `bn_param_count`.
#
# ```python
# keras.Sequential([
#     keras.Input(shape=(28, 28)),
#     keras.layers.Flatten(),
#     keras.layers.BatchNormalization(),
#     keras.layers.Dense(200, kernel_initializer="he_normal", use_bias=False),
#     keras.layers.BatchNormalization(),
#     keras.layers.Activation("relu"),
#     keras.layers.Dense(50, kernel_initializer="he_normal", use_bias=False),
#     keras.layers.BatchNormalization(),
#     keras.layers.Activation("relu"),
#     keras.layers.Dense(10, activation="softmax"),
# ])
# ```

# %%
# BEGIN SOLUTION bn_param_count
# STUB: bn_param_count = ...
bn_features = 28 * 28 + 200 + 50  # the input BN, then one BN after each hidden Dense layer
kernels = 28 * 28 * 200 + 200 * 50 + 50 * 10  # the hidden Dense layers have no bias
bn_param_count = 4 * bn_features + kernels + 10  # + the output layer's 10 biases
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.bn_param_count.hint()
# ex.bn_param_count.solution()
ex.bn_param_count.check(bn_param_count)

# %% [markdown]
# Once your count passes, let Keras count too:

# %% tags=["nbval-check-output", "demo"]
if ex.bn_param_count.solved(bn_param_count):
    exercise_model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(200, kernel_initializer="he_normal", use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.Dense(50, kernel_initializer="he_normal", use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    print(f"{exercise_model.count_params():,} parameters, {count(exercise_model.non_trainable_weights):,} non-trainable")

# %% [markdown]
# ## 3.4 The `momentum` and `axis` arguments
#
# ### momentum
#
# Each training batch moves the moving averages a fraction 1 − momentum of the way towards the
# batch's statistics; the old estimate keeps the fraction momentum. After n batches the starting
# value still weighs momentum^n. How many batches until it weighs less than 5%?

# %% tags=["nbval-check-output", "demo"]
for m in (0.9, 0.99, 0.999):
    print(f"momentum {m}: {np.log(0.05) / np.log(m):6.0f} batches")

# %% [markdown]
# Let's watch it happen. Two BN layers, with momentum 0.99 (Keras's default) and 0.9, are fed
# the same 1,000 training batches of 32 values drawn from a distribution of mean 5 and standard
# deviation 2. We record the moving mean after each batch, next to the curve
# 5 · (1 − momentum^n) it follows on average:

# %% tags=["demo"]
true_mean, true_std, steps = 5.0, 2.0, utils.full_or_quick(1_000, quick=300)  # quick mode: 300 batches
batches = rng.normal(true_mean, true_std, size=(steps, 32, 1)).astype(np.float32)
tracks = {}
for m in utils.progress((0.99, 0.9), "momentum"):  # 2,000 calls of a BN layer: a few seconds
    layer = keras.layers.BatchNormalization(momentum=m)
    track = []
    for batch in batches:
        layer(batch, training=True)
        track.append(float(layer.moving_mean.numpy()[0]))
    tracks[m] = np.array(track)

# %% tags=["demo"]
n = np.arange(1, steps + 1)
fig, ax = plt.subplots()
for m, track in tracks.items():
    line, = ax.plot(n, track, label=f"momentum {m}")
    ax.plot(n, true_mean * (1 - m**n), linestyle="--", color=line.get_color(), linewidth=1)
ax.axhline(true_mean, color="black", linewidth=0.8, label="true mean")
ax.set(xlabel="training batches seen", ylabel="moving mean", title="Moving mean (dashed: 5 · (1 − momentum^n))")
ax.legend()
utils.save_fig("moving_mean_momentum")

# %% [markdown]
# With momentum 0.9 the estimate arrives within a few dozen batches but jitters with every
# batch; with 0.99 it is smoother but needs hundreds of batches. To measure the jitter alone, look
# only where both averages have settled: after batch 700 the starting value weighs
# 0.99^700 < 0.1% even for the slower one, so what moves is noise, not the rising trend. Each
# batch mean of 32 values has standard deviation 2/√32, and a moving average with momentum m
# keeps a fraction √((1 − m)/(1 + m)) of it, once settled:

# %% tags=["demo"]
settled = slice(int(0.7 * steps), None)  # batches 701 to 1,000 (in quick mode, the last 30% of 300: not settled)
batch_mean_std = true_std / np.sqrt(32)
for m, track in tracks.items():
    expected = batch_mean_std * np.sqrt((1 - m) / (1 + m))
    print(f"momentum {m}: over batches {settled.start + 1}-{steps}, mean {track[settled].mean():.3f}, "
          f"std {track[settled].std():.4f} (expected {expected:.4f})")

# %% [markdown]
# The measured jitter is close to the formula's: momentum 0.99 jitters three to four times less
# than 0.9 (the formula's ratio, √(0.1/1.9) / √(0.01/1.99), is about 3.2), because it averages
# over about ten times more batches. The book recommends more 9s
# (0.99, 0.999) for large datasets and small mini-batches, whose statistics are noisy. The price
# is the lag: if training is short, the moving statistics may still trail the data, and the
# model predicts worse in inference mode than during training.
#
# ### axis
#
# `axis` (default −1) names the axis of the *features*: the layer keeps one γ, β, moving mean
# and moving variance per position along that axis, and computes each statistic over all the
# other axes. On a batch of images of shape (batch, height, width, channels), `axis=-1` gives
# one set per channel, averaged over the batch and every pixel; other axes give other groupings.
# Each line below checks Keras's training-mode output against NumPy statistics taken over the
# other axes:

# %% tags=["nbval-check-output", "demo"]
images = rng.normal(3.0, 2.0, size=(8, 4, 5, 3)).astype(np.float32)  # (batch, height, width, channels)
for axis in (-1, 1, 2):
    layer = keras.layers.BatchNormalization(axis=axis, epsilon=1e-3)
    output = layer(images, training=True).numpy()
    others = tuple(i for i in range(images.ndim) if i != axis % images.ndim)
    mean = images.mean(axis=others, keepdims=True)
    variance = images.var(axis=others, keepdims=True)
    expected = (images - mean) / np.sqrt(variance + 1e-3)
    print(f"axis={axis:>2}: gamma and moving_mean of shape {tuple(layer.gamma.shape)}, "
          f"statistics over axes {others}, matches NumPy: {np.allclose(output, expected, atol=1e-4)}")

# %% [markdown]
# The same applies to Fashion-MNIST. Put the input BN layer *before* `Flatten`, and its input is
# (batch, 28, 28): with `axis=-1` it computes 28 means, one per column of pixels, over the batch
# and the 28 rows. After `Flatten`, as in the chapter's model, it has 784 features: one per
# pixel.

# %% tags=["nbval-check-output", "demo"]
for name, layers in {
    "BN before Flatten": [keras.layers.BatchNormalization(), keras.layers.Flatten()],
    "BN after Flatten": [keras.layers.Flatten(), keras.layers.BatchNormalization()],
}.items():
    stack = keras.Sequential([keras.Input(shape=(28, 28)), *layers])
    layer = next(lay for lay in stack.layers if isinstance(lay, keras.layers.BatchNormalization))
    print(f"{name}: moving_mean of shape {tuple(layer.moving_mean.shape)}")

# %% [markdown]
# Keras 2 also accepted a list of axes, such as `axis=[1, 2]` for one statistic per pixel of an
# unflattened image. Keras 3's `BatchNormalization` takes a single integer (its constructor
# calls `int(axis)`); normalize after `Flatten` instead.

# %% tags=["nbval-check-output", "demo"]
try:
    keras.layers.BatchNormalization(axis=[1, 2])
except TypeError as error:
    print(f"TypeError: {error}")

# %% [markdown]
# ### ✍️ Exercise 2: a block for a short training run
#
# Build `bn_block`, the three layers of one hidden layer in the "BN before the activation" style
# of section 3.3, as a list (or a `keras.Sequential`): a `Dense` layer of 200 units with He
# normal initialization and no bias; a `BatchNormalization` layer whose moving averages follow
# the data faster than the default, with momentum 0.9; and the ReLU activation as a layer of its
# own. The check judges the layers, not their spelling: any way of writing He normal or ReLU, in a
# list or a `keras.Sequential`, will do.

# %%
# BEGIN SOLUTION bn_block
# STUB: bn_block = ...
linear = keras.layers.Dense(200, kernel_initializer="he_normal", use_bias=False)  # BN's β replaces the bias
bn_block = [linear, keras.layers.BatchNormalization(momentum=0.9), keras.layers.Activation("relu")]
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.bn_block.hint()
# ex.bn_block.solution()
ex.bn_block.check(bn_block)

# %% [markdown]
# ## 3.5 Training with and without batch normalization
#
# Three versions of the chapter's 300-100 ReLU network, trained the same way (plain SGD,
# learning rate 0.01, batches of 32, 5 epochs): without BN, with BN after each activation (the
# book's model of section 3.2), and with BN before each activation (section 3.3). Each is trained
# with 3 seeds (`utils.over_seeds`, introduced in section 1.6), on the first 20,000 training
# images to keep the 9 runs affordable, and evaluated on the whole validation set.
# `utils.EpochTimer` is a small Keras callback that records the seconds each epoch spends training
# (validation excluded) in the History, next to the metrics. The cell takes under a minute in full mode; a live line
# shows each configuration's progress.

# %% tags=["demo"]
data = utils.load_fashion_mnist()
X_train, y_train = data.train
X_valid, y_valid = data.valid
X_subset, y_subset = X_train[:20_000], y_train[:20_000]


def plain_model():
    """The chapter's MLP without batch normalization."""
    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(300, activation="relu", kernel_initializer="he_normal"),
        keras.layers.Dense(100, activation="relu", kernel_initializer="he_normal"),
        keras.layers.Dense(10, activation="softmax"),
    ])


builders = {
    "no BN": plain_model,
    "BN after activation": bn_after_activation_model,
    "BN before activation": bn_before_activation_model,
}
models = {}  # the last seed's trained model of each kind, for section 3.7


def build(name):
    """The model that ``builders[name]`` builds, compiled for plain SGD."""
    model = builders[name]()
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        metrics=["accuracy"],
        steps_per_execution=32,  # 32 steps per call into TensorFlow: same results, less overhead
    )
    return model


EPOCHS = utils.full_or_quick(5, quick=2)  # quick mode: 2 epochs


def train(model, name, callbacks):
    """Train for EPOCHS epochs, timing each one; return the History."""
    models[name] = model
    return model.fit(
        X_subset,
        y_subset,
        epochs=EPOCHS,
        validation_data=(X_valid, y_valid),
        validation_batch_size=1000,  # large batches: evaluating is faster, with the same numbers
        callbacks=[*callbacks, utils.EpochTimer()],  # the live line first: it shows metrics only
        verbose=0,
    )


runs = utils.over_seeds(train, {name: name for name in builders}, seeds=3, build=build)

# %% tags=["demo"]
utils.plot_metric_vs_time(runs, "val_accuracy", f"Validation accuracy of the 300-100 network, {runs.seed.nunique()} seeds each")
utils.save_fig("training_with_and_without_bn")

# %% tags=["demo"]
per_epoch = runs.groupby("config", sort=False)["seconds"].mean().rename("s/epoch")
pd.concat(
    [
        per_epoch,
        utils.spread(runs, "val_accuracy", epoch=1)[["mean", "std"]].add_prefix("epoch 1 "),
        utils.spread(runs, "val_accuracy", epoch=EPOCHS)[["mean", "std"]].add_prefix(f"epoch {EPOCHS} "),
    ],
    axis=1,
).round(3)

# %% [markdown]
# Each layout against the plain network, and against each other, seed by seed (the paired
# difference, its 95% interval, and the verdict it supports; section 1.6):

# %% tags=["demo"]
for a, b in [("BN after activation", "no BN"), ("BN before activation", "no BN"), ("BN after activation", "BN before activation")]:
    for epoch in (1, EPOCHS):
        print(utils.compare(runs, "val_accuracy", a, b, epoch=epoch))

# %% [markdown]
# Read the verdicts, the table and the two panels together:
#
# - **Per epoch** (left panel): both layouts are better than the plain network, after the first
#   epoch and after the fifth: every interval excludes zero. Between the two layouts, BN after
#   the activation is better after the first epoch; after the fifth, these runs could not tell
#   them apart. The two models also differ by more than the place of BN (the book's model
#   normalizes its inputs too, and keeps the biases that BN makes redundant), so even a clear
#   verdict would not be about the placement alone: try both.
# - **The book's notebook** (ageron/handson-ml3) trains the same two layouts once each, on all
#   55,000 images for 2 epochs with SGD at 0.01, and stores validation accuracies of 0.8650 (BN
#   after) and 0.8646 (BN before) after epoch 2: one run each, so it cannot rank them either.
#   Ours see 20,000 images per epoch for 5 epochs at batches of 32: 3,125 steps in all, against
#   the book's 2 × 1,719 = 3,438.
# - **Per second** (right panel): every training step of a BN model does more work (batch
#   statistics, normalization, moving-average updates, gradients for γ and β), so its epochs
#   take longer; compare the `s/epoch` column (a mean over the five epochs, the first of which
#   also includes building the training graph). What matters in practice is the accuracy reached
#   after a given time, so read the right panel at equal seconds: here the BN models are still
#   ahead, by less than per epoch. (The first epoch of each configuration's first seed also
#   includes the time Keras takes to build its training graph.)
#
# Timings depend on the machine and on what else it runs at the same time; rerun the training
# cell to see how much they vary.
#
# ## 3.6 What batch normalization buys
#
# Ioffe and Szegedy reported three benefits beyond faster training per epoch: the network
# becomes much less sensitive to its initialization, saturating activations become trainable,
# and much larger learning rates can be used. Santurkar et al. (2018) argue that BN helps mostly
# by making the loss landscape smoother, rather than by fixing the distribution of each layer's
# inputs. Let's test the first two claims on section 1's deep network, and the third on the
# same network with ReLU.
#
# The networks have 20 hidden layers of 100 units. The BN versions put a BN layer between each
# hidden layer's linear part (without bias) and its activation, as in section 3.3:

# %% tags=["demo"]
def deep_network(activation, initializer, batch_norm):
    """20 hidden layers of 100 units, with or without BN before each activation."""
    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    for _ in range(20):
        if batch_norm:
            layers += [
                keras.layers.Dense(100, kernel_initializer=initializer, use_bias=False),
                keras.layers.BatchNormalization(),
                keras.layers.Activation(activation),
            ]
        else:
            layers.append(keras.layers.Dense(100, activation=activation, kernel_initializer=initializer))
    return keras.Sequential([*layers, keras.layers.Dense(10, activation="softmax")])


def build_deep(configuration):
    """A compiled 20-layer network for this (activation, initializer, batch_norm, learning rate), for plain SGD."""
    activation, initializer, batch_norm, learning_rate = configuration
    model = deep_network(activation, initializer, batch_norm)
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
        metrics=["accuracy"],
        steps_per_execution=32,
    )
    return model


DEEP_EPOCHS = utils.full_or_quick(3, quick=1)  # quick mode: 1 epoch


def train_deep(model, configuration, callbacks):
    """Train for DEEP_EPOCHS epochs on the first 10,000 images; the History's metrics, and whether the loss
    diverged."""
    history = model.fit(
        X_train[:10_000], y_train[:10_000], epochs=DEEP_EPOCHS, validation_data=(X_valid, y_valid), callbacks=callbacks,
        verbose=0, validation_batch_size=1000,
    )
    return {**history.history, "diverged": not np.isfinite(history.history["loss"][-1])}


# %% [markdown]
# **Saturating activations and poor initialization.** Section 1 trained the sigmoid with
# Glorot's initialization and it never left chance level, whatever the seed. Add BN, change
# nothing else: same sigmoid, same initialization, same plain SGD at learning rate 0.01 (3
# seeds, 3 epochs on the first 10,000 training images; under half a minute in full mode):

# %% tags=["demo"]
sigmoid_runs = utils.over_seeds(
    train_deep,
    {
        "sigmoid + Glorot": ("sigmoid", "glorot_uniform", False, 0.01),
        "sigmoid + Glorot + BN": ("sigmoid", "glorot_uniform", True, 0.01),
    },
    seeds=3,
    build=build_deep,
)
utils.spread(sigmoid_runs, "val_accuracy").round(3)

# %% [markdown]
# With BN, every seed trains, to an accuracy close to section 1's best networks, while without it
# every seed stays at chance. Why? Section 1.3 found that sigmoid + Glorot units already sit in
# the sigmoid's steep middle; what kills the gradient is the layer's gain of 1 against a slope
# of 1/4, and the 0.5 offset of the sigmoid's outputs. Let's look at what the BN layers do to
# their inputs (the outputs of the `Dense` layers below them) in the untrained network, layers
# 2 to 20, and at the gradient ratio of section 1.2 with and without BN:

# %% tags=["demo"]
def inputs_of_batch_norm(model, X):
    """What each BN layer of ``model`` receives on the batch ``X`` (training mode), in order."""
    received, x = [], keras.ops.convert_to_tensor(X)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            received.append(np.asarray(x))
        x = layer(x, training=True)
    return received


X_probe, y_probe = X_train[:512], y_train[:512]
with_bn = deep_network("sigmoid", "glorot_uniform", batch_norm=True)
received = np.stack(inputs_of_batch_norm(with_bn, X_probe)[1:])  # layers 2-20: they see sigmoid outputs
unit_std = received.std(axis=1).mean()  # each unit's std over the batch, averaged
unit_offset = np.abs(received.mean(axis=1)).mean()  # the size of each unit's mean over the batch
print(f"inputs of BN, layers 2-20: per-unit std {unit_std:.3f} (BN multiplies by {1 / unit_std:.2f}), "
      f"per-unit offset {unit_offset:.3f} (BN subtracts it)")
for name, model in {"without BN": deep_network("sigmoid", "glorot_uniform", batch_norm=False), "with BN": with_bn}.items():
    norms = utils.gradient_norms(model, X_probe, y_probe)
    print(f"sigmoid + Glorot {name}: gradient ratio layer 1 / layer 20 = {norms[0] / norms[-1]:.3g}")

# %% [markdown]
# BN divides each unit's input by its standard deviation, so it multiplies by a gain of about 5
# (printed above), close to section 1.3's gain of 4; and it subtracts each unit's offset, the
# job of section 1.3's recentred biases. Batch normalization does both of section 1.3's fixes at
# once, per unit, at every training step, and the gradient reaches layer 1 again.
#
# Does that make the initialization irrelevant? Here we tried one initializer. BN's output
# barely changes when the weights before it are scaled, since it divides the scale out again
# (only the small ε it adds to the variance keeps it from being exact). But
# the gradient does: scale a kernel by 10 and its gradient shrinks by 10, so the same learning
# rate changes those weights, relative to their size, 100 times less. Measured on the same
# network, scaling layer 10's kernel:

# %% tags=["demo"]
layer_10 = [layer for layer in with_bn.layers if isinstance(layer, keras.layers.Dense)][9]
before_outputs, before_norm = with_bn(X_probe, training=True), utils.gradient_norms(with_bn, X_probe, y_probe)[9]
layer_10.kernel.assign(10 * layer_10.kernel)
after_outputs, after_norm = with_bn(X_probe, training=True), utils.gradient_norms(with_bn, X_probe, y_probe)[9]
layer_10.kernel.assign(layer_10.kernel / 10)
print(f"max |change| of the network's outputs: {np.abs(np.asarray(after_outputs) - np.asarray(before_outputs)).max():.1e}")
print(f"gradient norm of layer 10's kernel: {before_norm:.3g} before, {after_norm:.3g} after (× {after_norm / before_norm:.3f})")

# %% [markdown]
# So BN removes the initialization's effect on the forward pass, and with it the vanishing
# gradient of section 1, but the scale of the weights still sets how fast each layer learns.
# Keep a sound initialization with BN too.
#
# **Larger learning rates.** Now ReLU with He initialization, a sound pair, at a learning rate
# of 0.5, fifty times the one above (under half a minute in full mode):

# %% tags=["demo"]
rate_runs = utils.over_seeds(
    train_deep,
    {
        "ReLU + He, rate 0.5": ("relu", "he_normal", False, 0.5),
        "ReLU + He + BN, rate 0.5": ("relu", "he_normal", True, 0.5),
    },
    seeds=3,
    build=build_deep,
)
rate_runs[rate_runs["epoch"] == DEEP_EPOCHS][["config", "seed", "loss", "val_accuracy", "diverged"]]

# %% [markdown]
# Without BN, every seed diverges: the loss turns NaN (the `diverged` column) and the validation
# accuracy falls to chance level. With BN, every seed trains, to the validation accuracies of
# the table after 3 epochs. A larger learning rate becomes usable; whether it helps is
# a question for section 7, on learning-rate schedules.
#
# **A little noise.** In training mode, BN normalizes each instance with the statistics of its
# mini-batch, so its output for one instance depends on which other instances share the batch.
# That noise acts as a mild regularizer, and it shrinks as the batch grows. Here is how much one
# image's normalized pixels move when the image is put into 200 different random batches, for
# several batch sizes (the standard deviation across batches, averaged over the pixels that are
# not almost always 0):

# %% tags=["demo"]
bn_layer = keras.layers.BatchNormalization(epsilon=1e-3)
image = X_train[:1].reshape(1, 28 * 28)
varying = X_train[:5_000].reshape(-1, 28 * 28).std(axis=0) > 0.1  # skip the border pixels
for batch_size in (8, 32, 128, 512):
    outputs = []
    for _ in range(200):
        others = X_train[rng.choice(len(X_train), batch_size - 1, replace=False)].reshape(batch_size - 1, 28 * 28)
        batch = np.concatenate([image, others])
        outputs.append(bn_layer(batch, training=True).numpy()[0])
    noise = np.std(outputs, axis=0)[varying].mean()
    print(f"batch size {batch_size:>3}: std of the image's normalized pixels across batches {noise:.3f}")

# %% [markdown]
# From a batch of 32 on, each fourfold increase of the batch size halves the noise, as for any
# average over a batch (1/√m); from 8 to 32 it falls less. With batches of 32 the noise is far from negligible, which is why BN regularizes a
# little with small batches and hardly at all with large ones, and why it behaves badly with
# batches of a few instances. Section 8 compares regularizers over seeds; the BN layer's
# share of it is this noise.
#
# ## 3.7 Folding a BN layer into a Dense layer
#
# **Backward**, into the layer before it. At inference time a BN layer costs time but its statistics no longer change: with the moving
# mean μ and variance σ² frozen, it is just an affine map per feature. If it directly follows a
# Dense layer computing $y = xW + b$, the two together compute, for each output unit $j$,
#
# $$z_j = \gamma_j \frac{y_j - \mu_j}{\sqrt{\sigma_j^2 + \varepsilon}} + \beta_j = x \, (W_{:,j}\, s_j) + (b_j - \mu_j)\, s_j + \beta_j, \qquad s_j = \frac{\gamma_j}{\sqrt{\sigma_j^2 + \varepsilon}}.$$
#
# That is one Dense layer with kernel $W'$, whose column $j$ is $W_{:,j}\, s_j$, and bias
# $b' = (b - \mu) \otimes s + \beta$. Replace the pair by it, and the model computes the same
# predictions with one layer less. A BN layer *after* the activation cannot be folded backward
# this way: the ReLU between the Dense layer and the BN layer is not linear. It can still be
# folded *forward*, into the Dense layer that follows it (shown below); only the
# backward fold needs the BN-before-activation layout.
#
# ### ✍️ Exercise 3: fold it
#
# Write `fold_batch_norm(dense, batch_norm)`: given a built `Dense` layer and the built
# `BatchNormalization` layer that follows it, return the pair `(kernel, bias)` of the folded
# Dense layer, as NumPy arrays (or tensors), of the shapes of a Dense kernel and bias. Use the
# moving statistics and the layer's own ε (`batch_norm.epsilon`); the Dense layer may have no
# bias (`use_bias=False`, then `dense.bias` is None). Leave both layers unchanged.

# %%
# BEGIN SOLUTION fold_batch_norm
# STUB: def fold_batch_norm(dense, batch_norm):
# STUB:     """Return (kernel, bias) of the Dense layer that computes what `dense` then `batch_norm` compute."""
# STUB:     ...
def fold_batch_norm(dense, batch_norm):
    """Return (kernel, bias) of the Dense layer that computes what `dense` then `batch_norm` compute."""
    kernel = dense.kernel.numpy()
    bias = dense.bias.numpy() if dense.use_bias else np.zeros(kernel.shape[1], dtype=kernel.dtype)
    scale = batch_norm.gamma.numpy() / np.sqrt(batch_norm.moving_variance.numpy() + batch_norm.epsilon)
    return kernel * scale, (bias - batch_norm.moving_mean.numpy()) * scale + batch_norm.beta.numpy()
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.fold_batch_norm.hint()
# ex.fold_batch_norm.solution()
ex.fold_batch_norm.check(fold_batch_norm)

# %% [markdown]
# The check built its own small Dense → BN pairs, with and without a bias, with random γ, β and
# moving statistics, and compared predictions. Now fold the model trained in section 3.5 with
# BN before each activation (its last seed's run). Every BN layer there directly follows a Dense layer; each pair
# becomes one Dense layer, and the activations and the output layer are kept. This cell uses
# your function, so it runs only once your fold passes the check:

# %% tags=["demo"]
def folded_copy(model, fold):
    """A copy of ``model`` in which ``fold`` merges each BatchNormalization layer into the Dense before it."""
    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            dense = layers.pop()  # the Dense layer just before it
            kernel, bias = (np.asarray(array, dtype=np.float32) for array in fold(dense, layer))
            layer = keras.layers.Dense(dense.units, activation=dense.activation)
            layer.build((None, kernel.shape[0]))
            layer.set_weights([kernel, bias])
        layers.append(layer)
    return keras.Sequential([keras.Input(shape=(28, 28)), *layers])


if ex.fold_batch_norm.solved(fold_batch_norm):
    original = models["BN before activation"]
    folded = folded_copy(original, fold_batch_norm)
    print(f"layers: {len(original.layers)} before folding, {len(folded.layers)} after")
    p_original, p_folded = original.predict(X_valid, verbose=0), folded.predict(X_valid, verbose=0)
    print(f"max |difference| of the predicted probabilities: {np.abs(p_original - p_folded).max():.1e}")
    print("same predicted classes:", np.array_equal(p_original.argmax(axis=1), p_folded.argmax(axis=1)))

# %% [markdown]
# ### Folding forward, into the layer after it
#
# The book's model puts BN *after* each activation (and one BN on the inputs), so no BN layer
# directly follows a Dense layer. But each one is directly *followed* by a Dense layer, and the
# BN layer's output $a \otimes s + (\beta - \mu \otimes s)$, with the same
# $s = \gamma / \sqrt{\sigma^2 + \varepsilon}$, is affine in its input $a$. Feed it to the next
# Dense layer, $(\,a \otimes s + \beta - \mu \otimes s\,)\,W + b$, and the pair is one Dense layer
# with
#
# $$W'' = \mathrm{diag}(s)\, W \quad \text{(row } i \text{ of } W \text{ times } s_i\text{)}, \qquad b'' = b + (\beta - \mu \otimes s)\, W.$$
#
# Here it is on the book's model as trained in section 3.5:

# %% tags=["demo"]
def fold_forward(batch_norm, dense):
    """Return (kernel, bias) of the Dense layer that computes what `batch_norm` then `dense` compute."""
    s = batch_norm.gamma / keras.ops.sqrt(batch_norm.moving_variance + batch_norm.epsilon)
    shift = batch_norm.beta - batch_norm.moving_mean * s  # what the BN layer adds, per feature
    new_kernel = s[:, None] * dense.kernel  # row i of W times s_i
    new_bias = dense.bias + keras.ops.matmul(shift, dense.kernel)
    return keras.ops.convert_to_numpy(new_kernel), keras.ops.convert_to_numpy(new_bias)


def forward_folded_copy(model):
    """A copy of ``model`` in which each BatchNormalization layer is merged into the Dense layer after it."""
    layers, pending = [], None
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            pending = layer  # folded into the next Dense layer
            continue
        if pending is not None:
            kernel, bias = fold_forward(pending, layer)
            layer = keras.layers.Dense(layer.units, activation=layer.activation)
            layer.build((None, kernel.shape[0]))
            layer.set_weights([kernel, bias])
            pending = None
        layers.append(layer)
    return keras.Sequential([keras.Input(shape=(28, 28)), *layers])


original = models["BN after activation"]
folded = forward_folded_copy(original)
print(f"layers: {len(original.layers)} before folding, {len(folded.layers)} after")
p_original, p_folded = original.predict(X_valid, verbose=0), folded.predict(X_valid, verbose=0)
print(f"max |difference| of the predicted probabilities: {np.abs(p_original - p_folded).max():.1e}")
print("same predicted classes:", np.array_equal(p_original.argmax(axis=1), p_folded.argmax(axis=1)))

# %% [markdown]
# So both layouts fold away at inference time: BN before the activation folds backward, into the
# Dense layer before it; BN after the activation folds forward, into the Dense layer after it. A
# BN layer with no Dense layer on either side that it touches directly (say, between two
# nonlinear layers) is the one that cannot be folded into a Dense layer.

# %% [markdown]
# ## Summary
#
# - Batch normalization standardizes each feature over the mini-batch (equations 1 to 3), then
#   rescales and shifts it with learned γ and β (equation 4).
# - In training mode Keras uses the batch's statistics and updates the moving mean and variance
#   (with the biased batch variance): moving ← momentum · moving + (1 − momentum) · batch. In
#   inference mode it uses the moving statistics.
# - Each BN layer holds four vectors: γ and β are trainable, the moving mean and variance are
#   not. All four count in `count_params()`.
# - Before or after the activation: try both. Before it, the preceding layer needs no bias (BN
#   cancels it, β replaces it).
# - `momentum` trades a smooth estimate for a fast one; `axis` (an integer in Keras 3) names the
#   feature axis, and statistics are taken over all the other axes.
# - BN made a 20-layer sigmoid network with Glorot's initialization trainable, and a 20-layer
#   ReLU network trainable at a learning rate that made the plain one diverge. Its epochs cost
#   more time: compare training runs per second, not only per epoch.
# - After training, a BN layer folds into a neighbouring Dense layer: backward, into the layer
#   before it, W' = W · s column by column and b' = (b − μ) · s + β, with s = γ/√(σ² + ε); or
#   forward, into the layer after it, W'' = diag(s) · W and b'' = b + (β − μ · s) · W.
#
# ## Papers
#
# - S. Ioffe, C. Szegedy, [Batch Normalization: Accelerating Deep Network Training by Reducing
#   Internal Covariate Shift](https://arxiv.org/abs/1502.03167), ICML 2015.
# - S. Santurkar, D. Tsipras, A. Ilyas, A. Madry, [How Does Batch Normalization Help
#   Optimization?](https://arxiv.org/abs/1805.11604), NeurIPS 2018.
# - Keras documentation: [BatchNormalization
#   layer](https://keras.io/api/layers/normalization_layers/batch_normalization/).
