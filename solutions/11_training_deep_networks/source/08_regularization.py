# %% [markdown]
# # 8. Avoiding overfitting through regularization
#
# Companion to *Hands-On Machine Learning* (3rd edition), chapter 11, "Avoiding Overfitting
# Through Regularization".
#
# **You will learn**
# - where Keras adds an ℓ1 or ℓ2 penalty, what it adds, and what it does to the weights;
# - how dropout works, by writing it and matching `keras.layers.Dropout` in both modes, and why
#   the training accuracy that `fit` reports understates the real one;
# - why SELU networks need alpha dropout rather than dropout;
# - Monte Carlo dropout: its accuracy, how many passes it needs, how its uncertainty and its
#   calibration compare with the plain model's, and how to keep it working next to batch
#   normalization;
# - max-norm regularization, and what its `axis` means;
# - which regularizer to reach for, from a comparison over seeds on a network that overfits.
#
# **Exercises** are marked ✍️. Replace each `...` with your answer and run the check cell below
# it: it says *not attempted*, *incorrect* (and why), or *correct*. Stuck? Uncomment the
# `.hint()` line (call it again for the next hint), or `.solution()`.

# %%
import utils  # first: it imports TensorFlow quietly, and checks its version

from functools import partial

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
import tensorflow as tf

ex = utils.setup("regularization")

# %% [markdown]
# ## 8.1 A network that overfits
#
# Regularization fights overfitting, so this section needs a model that overfits, and quickly:
# a wide network (two hidden layers of 300 ReLU units, about 330,000 weights) trained on only
# 1,000 Fashion-MNIST images, 100 per class on average, for 15 epochs with Adam. With a third of
# a thousand weights per image, the network can learn the training set by heart.

# %% tags=["demo"]
data = utils.load_fashion_mnist()
X_train, y_train = data.train[0][:1000], data.train[1][:1000]
X_valid, y_valid = data.valid
X_test, y_test = data.test
EPOCHS, SEEDS = utils.full_or_quick(15, quick=3), 3  # quick mode: 3 epochs, 2 seeds
print(f"{len(X_train):,} training images, {len(X_valid):,} for validation, {len(X_test):,} for testing; "
      f"{EPOCHS} epochs per run")

# %% [markdown]
# Every training of this section is measured the same way. At the end of each epoch, a small
# callback predicts the whole training set and the whole validation set **with the model as it
# is used afterwards**: the epoch's final weights, dropout off. Section 8.3 shows why the
# training accuracy that `fit` reports itself is not the right number to put next to the
# validation accuracy.

# %% tags=["demo"]
def accuracy(probabilities, y) -> float:
    """The fraction of instances whose most probable class is the true one."""
    return float(np.mean(np.argmax(probabilities, axis=1) == y))


def crossentropy(probabilities, y) -> float:
    """The mean cross-entropy of the true classes, without any regularization penalty."""
    return float(-np.mean(np.log(np.maximum(probabilities[np.arange(len(y)), y], 1e-12))))


class EpochScores(keras.callbacks.Callback):
    """After each epoch, the accuracy and loss on each named set, predicted in inference mode (dropout off)."""

    def __init__(self, **sets):
        super().__init__()
        self.sets = sets

    def on_epoch_end(self, epoch, logs=None):
        for name, (X, y) in self.sets.items():
            probabilities = self.model.predict_on_batch(X)  # one traced call, much cheaper than evaluate()
            logs[f"{name}_accuracy"], logs[f"{name}_loss"] = accuracy(probabilities, y), crossentropy(probabilities, y)


# %% [markdown]
# The network is built from one configuration, a dict. Every Dense layer shares the same
# arguments: ReLU, He initialization, and the configuration's penalty (`regularizer`) and
# constraint (`constraint`, section 8.6). The chapter keeps such repeated arguments in one place
# with `functools.partial`: `partial(keras.layers.Dense, activation="relu", ...)` is a function
# that creates a Dense layer with those arguments, and any argument given when calling it (the
# output layer's `activation="softmax"`) overrides the stored one. A forgotten argument in one of
# several copies is a bug that nothing reports; one `partial` cannot drift. With `dropout` set,
# a Dropout layer precedes each Dense layer (section 8.3).

# %% tags=["demo"]
def build_regularized(config):
    """The 300-300-10 MLP with the regularization of ``config``, compiled with Adam."""
    dense = partial(keras.layers.Dense, activation="relu", kernel_initializer="he_normal",
                    kernel_regularizer=config.get("regularizer"), kernel_constraint=config.get("constraint"))
    rate = config.get("dropout", 0.0)

    def dropout():
        """A Dropout layer before the next Dense layer, if the configuration has a rate."""
        return [keras.layers.Dropout(rate)] if rate else []

    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                              *dropout(), dense(300), *dropout(), dense(300), *dropout(),
                              dense(10, activation="softmax")])
    optimizer = keras.optimizers.Adam(weight_decay=config.get("weight_decay"))  # decoupled decay (6.7), if any
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"],
                  steps_per_execution=16)
    return model


trained = {}  # configuration name -> the trained weights of each seed, in the order of the seeds


def train_regularized(model, config, callbacks):
    """Train for EPOCHS epochs (fewer with early stopping); the learning curves, and the final scores (of the
    restored best weights, with early stopping)."""
    scores = EpochScores(train=(X_train, y_train), val=(X_valid, y_valid))
    stopping = ([keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)]
                if config.get("early_stopping") else [])
    history = model.fit(X_train, y_train, epochs=EPOCHS, verbose=0, callbacks=[scores, *stopping, *callbacks])
    trained[config["name"]].append(model.get_weights())
    final = {f"final_{name}_{metric}": value for name, (X, y) in {"train": (X_train, y_train), "val": (X_valid, y_valid),
                                                                  "test": (X_test, y_test)}.items()
             for metric, value in zip(("accuracy", "loss"), scores_of(model, X, y), strict=True)}
    return {**history.history, **final}


def scores_of(model, X, y):
    """The accuracy and the cross-entropy of ``model`` on (X, y), in inference mode."""
    probabilities = model.predict_on_batch(X)
    return accuracy(probabilities, y), crossentropy(probabilities, y)


def configs(**settings):
    """The named configurations, each knowing its name; their lists of trained weights start empty."""
    for name in settings:
        trained[name] = []
    return {name: {"name": name, **config} for name, config in settings.items()}


# %% [markdown]
# First, no regularization at all, and early stopping: the same network, stopped once the
# validation loss has not improved for 3 epochs, its best weights restored. The chapter calls
# early stopping one of the best regularization techniques; it is a baseline every other one
# must beat.

# %% tags=["demo"]
baseline_runs = utils.over_seeds(train_regularized, configs(**{"none": {}, "early stopping": {"early_stopping": True}}),
                                 seeds=SEEDS, build=build_regularized)

# %% tags=["demo"]
none = baseline_runs[baseline_runs["config"] == "none"]
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
for ax, metric in ((left, "accuracy"), (right, "loss")):
    for split, color in (("train", "C0"), ("val", "C1")):
        curves = none.pivot(index="epoch", columns="seed", values=f"{split}_{metric}")
        ax.plot(curves.index, curves.to_numpy(), color=color, linewidth=0.8, alpha=0.4)
        ax.plot(curves.index, curves.mean(axis=1), color=color, linewidth=2,
                label={"train": "training set", "val": "validation set"}[split])
    ax.set(xlabel="epoch", ylabel=metric, title=f"No regularization: {metric} ({none.seed.nunique()} seeds, mean thick)")
    ax.legend()
plt.show()
utils.spread(baseline_runs, "final_test_accuracy")

# %% [markdown]
# The training accuracy climbs far above the validation accuracy, which stalls, and the
# validation loss, after a few epochs of falling, rises again: the network grows ever more
# confident on the training images, and more confidently wrong on new ones. Early stopping keeps
# the weights of the epoch with the lowest validation loss. (The table gives the test accuracy
# of the final weights; with early stopping, of the restored ones.) The rest of the section tries
# to do better than stopping, by changing what the network can learn.

# %% [markdown]
# ## 8.2 ℓ1 and ℓ2 regularization
#
# An ℓ2 penalty adds λ·Σw² to the loss, summed over a layer's kernel; ℓ1 adds λ·Σ|w|. Keras
# attaches them to a layer with `kernel_regularizer=keras.regularizers.L2(λ)` (or `L1(λ)`, or
# `L1L2(l1=..., l2=...)` for both); biases have a separate `bias_regularizer`, off by default.
# Each layer records its penalty in `model.losses`, and Keras adds their sum to the loss it
# minimizes. Let's see both on a fresh model, and recompute them by hand.

# %% tags=["demo"]
l2_model = build_regularized({"regularizer": keras.regularizers.L2(1e-3)})
by_hand = [1e-3 * np.sum(layer.kernel.numpy() ** 2) for layer in l2_model.layers if isinstance(layer,
                                                                                                keras.layers.Dense)]
print("model.losses:", [f"{float(loss):.4f}" for loss in l2_model.losses])
print("by hand:     ", [f"{penalty:.4f}" for penalty in by_hand])
assert np.allclose([float(loss) for loss in l2_model.losses], by_hand, rtol=1e-5)

# %% [markdown]
# The loss that `fit` and `evaluate` report is the cross-entropy **plus** these penalties:

# %% tags=["demo"]
reported = l2_model.evaluate(X_train[:500], y_train[:500], batch_size=500, verbose=0)[0]
plain = crossentropy(l2_model.predict_on_batch(X_train[:500]), y_train[:500])
print(f"evaluate() reports {reported:.4f} = cross-entropy {plain:.4f} + penalties {sum(by_hand):.4f} "
      f"(= {plain + sum(by_hand):.4f})")
assert np.isclose(reported, plain + sum(by_hand), rtol=1e-4)

# %% [markdown]
# So a regularized model's training loss is not comparable with an unregularized one's, nor with
# a validation loss computed without the penalty: another reason why this section measures the
# cross-entropy itself, in `EpochScores`.
#
# ### ✍️ Exercise 1: a penalty by hand
#
# A layer `keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.01))` has the kernel
# below and the bias [3, −3]. What does the layer add to the loss? Store the number in `penalty`,
# exactly: it has a short decimal value, so give it unrounded.
#
# | | unit 1 | unit 2 |
# |---|---:|---:|
# | input 1 | 0.5 | −1.0 |
# | input 2 | 2.0 | 0.0 |
# | input 3 | −0.5 | 1.5 |

# %%
# BEGIN SOLUTION l2_penalty
# STUB: penalty = ...
penalty = 0.01 * (0.5**2 + 1.0**2 + 2.0**2 + 0.0**2 + 0.5**2 + 1.5**2)  # the kernel only: the bias is not penalized
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.l2_penalty.hint()
# ex.l2_penalty.solution()
ex.l2_penalty.check(penalty)

# %% [markdown]
# ### What the penalties do
#
# Three strengths of each, a decade apart, over the same seeds. A penalty's scale is relative to
# the loss: the cross-entropy starts near ln 10 ≈ 2.3, and with 330,000 weights, λ = 10⁻³
# already adds about half as much at initialization (1.22 in all, as `model.losses` showed
# above). Under Adam an ℓ2 penalty is not weight decay (section 6.7), so the decoupled decay the
# course recommends, Adam's `weight_decay=d` (AdamW), joins them with three strengths of its
# own: each step shrinks every weight by 0.001 × d of itself, biases included. Twelve
# configurations, in two cells of about 40 seconds each in full mode.

# %% tags=["demo"]
STRENGTHS = utils.full_or_quick((1e-5, 1e-4, 1e-3), quick=(1e-3,))  # quick mode: one strength of each
penalty_runs = utils.over_seeds(train_regularized, configs(**{
    **{f"ℓ2 {strength:g}": {"regularizer": keras.regularizers.L2(strength)} for strength in STRENGTHS},
    **{f"ℓ1 {strength:g}": {"regularizer": keras.regularizers.L1(strength)} for strength in STRENGTHS},
}), seeds=SEEDS, build=build_regularized)

# %% tags=["demo"]
DECAYS = utils.full_or_quick((0.1, 1.0, 10.0), quick=(10.0,))
decay_runs = utils.over_seeds(train_regularized, configs(**{
    f"weight decay {strength:g}": {"weight_decay": strength} for strength in DECAYS
}), seeds=SEEDS, build=build_regularized)

# %% [markdown]
# The first hidden layer's weights after training, from the first seed only (one network each:
# a picture of what a penalty does, not a comparison), without a penalty and with the
# strongest of each:

# %% tags=["demo"]
first_kernels = {name: trained[name][0][0] for name in ("none", "ℓ2 0.001", "ℓ1 0.001", "weight decay 10")}
fig, ax = plt.subplots(figsize=(9, 4))
bins = np.linspace(-0.3, 0.3, 121)
for name, kernel in first_kernels.items():
    ax.hist(kernel.ravel(), bins=bins, histtype="step", linewidth=1.5, label=name)
ax.set(yscale="log", xlabel="weight", ylabel="count (log scale)",
       title="First hidden layer's weights after training (first seed)")
ax.legend()
plt.show()
kernel_table = pd.DataFrame({name: {"standard deviation": kernel.std(), "largest |w|": np.abs(kernel).max(),
                                    "share with |w| < 0.001": np.mean(np.abs(kernel) < 1e-3)}
                             for name, kernel in first_kernels.items()}).T
kernel_table.index.name = "first seed only"
kernel_table.round(4)

# %% [markdown]
# ℓ2 shrinks the weights as a whole, the large ones most (its pull, 2λw, grows with the weight).
# ℓ1 pulls every weight towards 0 with the same force, λ·sign(w), whatever its size, so the
# weights that the loss does not defend end up near zero. (A pixel that is blank in an image
# sends no gradient to its weights; for pixels blank in almost every image, the penalty is all
# that moves them.) The table shows how many weights fall below 0.001 in size.
# They are small, not exactly zero: a gradient step overshoots 0 and comes back, so Adam and SGD
# do not produce exact zeros. For a truly sparse model, set the tiny weights to zero after
# training (and check the accuracy), or use an optimizer built for ℓ1, such as Keras's `Ftrl`.
#
# **ℓ2 and Adam.** With plain SGD, an ℓ2 penalty and weight decay are the same update (section
# 6.7). With Adam, the penalty's gradient is divided by the running size of each weight's whole
# gradient, like every other gradient: weights that receive large loss gradients are barely
# shrunk, weights with small ones are shrunk hard. Section 6.7 measured it. Decoupled decay
# shrinks every weight alike; section 8.7 compares the two on this network. One difference in
# what they touch: the ℓ2 penalty here sits on the kernels only, while `weight_decay` decays
# every trainable variable, biases included, unless `exclude_from_weight_decay` (6.7) says
# otherwise.

# %% [markdown]
# ## 8.3 Dropout
#
# At every training step, each unit of a layer's input is switched off (set to 0) with
# probability *p*, the **rate**, drawn anew for every step and every instance. A unit cannot
# count on any particular neighbour being there, so it must be useful on its own; and each step
# trains a different thinned network that shares its weights with all the others.
#
# A warning for reading the paper: Srivastava et al. (2014) write *p* for the probability of
# **keeping** a unit (0.5 for hidden units, 0.8 for inputs in many of their experiments), while
# Keras's `rate`, the *p* of this notebook and of the chapter, is the probability of
# **dropping** it. Their p = 0.8 is `Dropout(0.2)`.
#
# At inference, every unit is on. A unit then sees more active inputs than during training:
# 1/(1 − p) times more on average. Srivastava et al. compensated at inference, by
# multiplying the weights by the keep probability 1 − p. Keras does the equivalent during
# training instead (*inverted dropout*): the units that are kept are divided by 1 − p, so that a
# unit's expected value, (1 − p) · x/(1 − p) + p · 0 = x, is the same in both modes, and
# inference leaves everything unchanged.
#
# ### ✍️ Exercise 2: dropout from scratch
#
# Write a layer `MyDropout(rate)` that does what `keras.layers.Dropout` does: with
# `training=True`, zero each unit with probability `rate` and divide the others by 1 − `rate`,
# with a new random choice at every call; otherwise (`training` False or None), return the inputs
# unchanged. Write it from `keras.layers.Layer`, with `keras.ops` and `keras.random` (not NumPy,
# whose random numbers Keras would draw only once, when it traces the layer). The check compares
# your layer with Keras's in both modes, inside a model too.

# %%
# BEGIN SOLUTION dropout_layer
# STUB: class MyDropout(keras.layers.Layer):
# STUB:     def __init__(self, rate, **kwargs):
# STUB:         super().__init__(**kwargs)
# STUB:         ...
# STUB:
# STUB:     def call(self, inputs, training=None):
# STUB:         ...
class MyDropout(keras.layers.Layer):
    """Inverted dropout: in training, zero each unit with probability ``rate`` and scale the rest by 1/(1 - rate)."""

    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator()  # its state advances: a new mask at every call

    def call(self, inputs, training=None):
        if not training:
            return inputs
        keep = keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator) >= self.rate
        return keras.ops.where(keep, inputs / (1 - self.rate), keras.ops.zeros_like(inputs))
# END SOLUTION


# %% tags=["nbval-check-output"]
# ex.dropout_layer.hint()
# ex.dropout_layer.solution()
ex.dropout_layer.check(MyDropout)

# %% [markdown]
# Side by side with Keras's layer, at rate 0.25 on 100,000 positive inputs (so that every zero
# in the output is a dropped unit):

# %% tags=["demo"]
if ex.dropout_layer.solved(MyDropout):
    x = np.random.default_rng(0).uniform(0.5, 1.5, (1000, 100)).astype("float32")
    comparison = {}
    for name, layer in (("MyDropout", MyDropout(0.25)), ("keras.layers.Dropout", keras.layers.Dropout(0.25))):
        out = np.asarray(layer(x, training=True))
        kept = out != 0
        comparison[name] = {"share zeroed (training)": np.mean(~kept),
                            "kept value / input (training)": np.mean(out[kept] / x[kept]),
                            "mean output / mean input (training)": out.mean() / x.mean(),
                            "output = input (inference)": np.array_equal(np.asarray(layer(x, training=False)), x)}
    display_table = pd.DataFrame(comparison).T
    display(display_table)

# %% [markdown]
# Both zero about a quarter of the units, multiply the others by exactly 1/(1 − 0.25) ≈ 1.333,
# keep the mean of the output close to that of the input (exactly equal only on average), and
# change nothing in inference.
#
# ### The rate, and the gap between training and validation
#
# The chapter's model puts dropout before each Dense layer, inputs included, as
# `build_regularized` does. Four rates, over the same seeds (about 40 seconds in full mode):

# %% tags=["demo"]
DROPOUT_RATES = utils.full_or_quick((0.05, 0.1, 0.2, 0.5), quick=(0.5,))  # quick mode: one rate
dropout_runs = utils.over_seeds(train_regularized, configs(**{f"dropout {rate}": {"dropout": rate}
                                                             for rate in DROPOUT_RATES}),
                                seeds=SEEDS, build=build_regularized)

# %% tags=["demo"]
rates = {"none": 0.0, **{f"dropout {rate}": rate for rate in DROPOUT_RATES}}
by_rate = pd.concat([baseline_runs, dropout_runs])
last = by_rate[(by_rate["epoch"] == EPOCHS) & by_rate["config"].isin(rates)]
summary = last.groupby("config", sort=False)[["accuracy", "train_accuracy", "val_accuracy"]].agg(["mean", "std"])
summary.index = [rates[name] for name in summary.index]
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4))
for metric, label in (("train_accuracy", "training set, dropout off (EpochScores)"),
                      ("accuracy", "training set, as fit reports it"), ("val_accuracy", "validation set")):
    left.errorbar(summary.index, summary[(metric, "mean")], yerr=summary[(metric, "std")], marker="o", capsize=4,
                  label=label)
left.set(xlabel="dropout rate", ylabel=f"accuracy after {EPOCHS} epochs", title=f"Mean ± std over {last.seed.nunique()} seeds")
left.legend()
for config, color in (("none", "C0"), ("dropout 0.5", "C3")):
    runs = by_rate[by_rate["config"] == config].groupby("epoch")
    right.plot(runs["train_accuracy"].mean(), color=color, label=f"{config}: training set, dropout off")
    right.plot(runs["accuracy"].mean(), color=color, linestyle=":", label=f"{config}: training set, as fit reports it")
    right.plot(runs["val_accuracy"].mean(), color=color, linestyle="--", label=f"{config}: validation set")
right.set(xlabel="epoch", ylabel="accuracy (mean over seeds)", title="Learning curves")
right.legend(fontsize=8)
plt.show()
summary.round(3)

# %% [markdown]
# As the rate rises, the gap between the training accuracy (measured with dropout off) and the
# validation accuracy narrows, so dropout does reduce overfitting. What it does to the
# validation accuracy itself, rate by rate against no dropout, seed by seed:

# %% tags=["demo"]
for name in rates:
    if name != "none":
        print(utils.compare(by_rate, "val_accuracy", name, "none"))
print(utils.best_of_grid(by_rate, "val_accuracy", [name for name in rates if name != "none"]))

# %% [markdown]
# On the validation accuracy itself, three seeds could not tell any rate apart from no dropout:
# the seeds move the accuracy by as much as the rate does. Too much dropout underfits, though:
# at the highest rate the network no longer fits even its training set well (the summary
# table's training accuracy, dropout off), and its mean validation accuracy is the lowest of
# the grid.
#
# The dotted curves are what `fit` reports as `accuracy`. With dropout they lie well below the
# training accuracy measured with dropout off, for two reasons: `fit` measures each batch
# **with dropout on**, a thinned network that is weaker than the whole one; and it averages over
# the epoch, while the weights change. Without dropout only the second reason applies, and
# `fit`'s number can even lie above the end-of-epoch one, since Adam's last steps do not always
# improve the weights. Next to the validation accuracy, which Keras always measures with dropout
# off, `fit`'s number makes a dropout model look as if it hardly overfit at all. To know the real
# gap, evaluate the training set after training, as `EpochScores` does after each epoch.

# %% [markdown]
# ## 8.4 Alpha dropout, for SELU networks
#
# A SELU network keeps its activations at mean 0 and standard deviation 1 from layer to layer,
# under the conditions of section 2.6; ordinary dropout is not among them. Dropped units become 0
# and kept ones grow by 1/(1 − p), which changes the variance that the next layer receives.
# *Alpha dropout* (Klambauer et al., 2017) instead sets dropped units to SELU's negative
# saturation value, about −1.758, then applies the affine map that brings the mean and the
# variance back to what they were. The experiment: a 50-layer SELU network (100 units per layer,
# LeCun normal initialization, standardized inputs), and the mean and standard deviation of
# each layer's outputs in training mode, with the same weights throughout, under no dropout,
# dropout and alpha dropout at two rates.

# %% tags=["demo"]
deep_selu = utils.deep_mlp(50, 100, "selu", "lecun_normal")
pixels = data.train[0].reshape(len(data.train[0]), -1)
standardized = ((X_train[:1000].reshape(-1, 784) - pixels.mean(axis=0)) / (pixels.std(axis=0) + 1e-7)).astype("float32")


def layer_stats(dropout=None):
    """Mean and std of each hidden layer's outputs of ``deep_selu`` on ``standardized``, dropout after each layer."""
    x, means, stds = tf.constant(standardized), [], []
    for layer in deep_selu.layers[1:-1]:  # the hidden Dense layers (after Flatten, before the output)
        x = layer(x)
        if dropout is not None:
            x = dropout(x, training=True)
        means.append(float(tf.reduce_mean(x)))
        stds.append(float(tf.math.reduce_std(x)))
    return np.array(means), np.array(stds)


selu_stats = {"no dropout": layer_stats()}
for rate in (0.1, 0.2):
    selu_stats[f"dropout {rate}"] = layer_stats(keras.layers.Dropout(rate))
    selu_stats[f"alpha dropout {rate}"] = layer_stats(keras.layers.AlphaDropout(rate))
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4))
utils.plot_per_layer({name: means for name, (means, _) in selu_stats.items()}, "mean of the outputs", log=False,
                     ax=left, title="Mean, layer by layer (training mode)")
utils.plot_per_layer({name: stds for name, (_, stds) in selu_stats.items()}, "standard deviation of the outputs",
                     log=False, ax=right, title="Standard deviation, layer by layer (training mode)")
left.get_legend().remove()
plt.show()
pd.DataFrame({name: {"mean, last layer": means[-1], "std, last layer": stds[-1]}
              for name, (means, stds) in selu_stats.items()}).T.round(3)

# %% [markdown]
# With alpha dropout, the mean stays at 0 and the standard deviation at 1 through all 50 layers,
# just as without dropout: self-normalization survives. With ordinary dropout, the network
# settles at another fixed point, with a larger spread (the larger the rate, the larger the
# spread) and a positive mean. Worse, that spread exists only in training: at inference,
# dropout is off, and the layers receive activations of another scale than the one they were
# trained on. With SELU, use `keras.layers.AlphaDropout`.

# %% [markdown]
# ## 8.5 Monte Carlo dropout
#
# Gal and Ghahramani (2016) showed that a network trained with dropout can be read as an
# approximate Bayesian model, and that keeping dropout **on** at inference and averaging the
# predictions of many passes gives an estimate of its predictive distribution. No retraining is
# needed: it is a different way to use a model you already have.
#
# ### ✍️ Exercise 3: an MC-dropout prediction function
#
# Write `mc_dropout_predict(model, X, passes=100)`: the class probabilities of `model` for the
# inputs `X`, averaged over `passes` forward passes with dropout active. The result has the
# shape of one prediction, (instances, classes).

# %%
# BEGIN SOLUTION mc_dropout_predict
# STUB: def mc_dropout_predict(model, X, passes=100):
# STUB:     ...
def mc_dropout_predict(model, X, passes=100):
    """The class probabilities of ``model`` for ``X``, averaged over ``passes`` passes with dropout on."""
    return np.stack([model(X, training=True) for _ in range(passes)]).mean(axis=0)
# END SOLUTION


# %% tags=["nbval-check-output"]
# ex.mc_dropout_predict.hint()
# ex.mc_dropout_predict.solution()
ex.mc_dropout_predict.check(mc_dropout_predict)

# %% [markdown]
# ### MC dropout on the trained models
#
# The models are those of the dropout rate with the best validation accuracy in 8.3, one per
# seed. For each, 100 passes over the whole test set, with dropout on, are kept (a traced
# function makes a pass over 10,000 images cost a fraction of a second), alongside the plain
# prediction with dropout off.

# %% tags=["demo"]
dropout_validation = dropout_runs[dropout_runs["epoch"] == EPOCHS].groupby("config")["val_accuracy"].mean()
best_dropout = dropout_validation.idxmax()
PASSES = 100
print(f"{best_dropout}, {PASSES} passes per model, {len(trained[best_dropout])} models")


def stochastic_passes(model, X, passes):
    """``passes`` predictions of ``model`` for ``X`` with dropout on, stacked: shape (passes, instances, classes)."""
    one_pass = tf.function(lambda inputs: model(inputs, training=True))
    X = tf.constant(X)
    return np.stack([one_pass(X).numpy() for _ in range(passes)])


def rebuilt(name, weights):
    """The model of configuration ``name`` with the given trained weights."""
    model = build_regularized({"dropout": float(name.split()[-1])} if name.startswith("dropout") else {})
    model.set_weights(weights)
    return model


mc = {}  # seed number -> (plain probabilities, stacked MC passes)
for number, weights in utils.progress(list(enumerate(trained[best_dropout])), "MC dropout"):
    model = rebuilt(best_dropout, weights)
    mc[number] = (model(X_test, training=False).numpy(), stochastic_passes(model, X_test, PASSES))

# %% [markdown]
# **Accuracy.** Each seed's plain model against the same model with MC dropout:

# %% tags=["demo"]
mc_table = pd.DataFrame({f"seed {number}": {"plain": accuracy(plain, y_test), "MC dropout": accuracy(passes.mean(0),
                                                                                                      y_test)}
                         for number, (plain, passes) in mc.items()}).T
mc_table["MC − plain"] = mc_table["MC dropout"] - mc_table["plain"]
display(mc_table.round(4))
by_seed = pd.DataFrame([{"config": kind, "seed": seed, "test_accuracy": mc_table.loc[f"seed {seed}", kind]}
                        for seed in mc for kind in ("plain", "MC dropout")])
print(utils.compare(by_seed, "test_accuracy", "MC dropout", "plain"))

# %% [markdown]
# **How many passes?** The accuracy of the average of the first *n* passes, and how far that
# average still is from the 100-pass one (the mean absolute difference of the probabilities):

# %% tags=["demo"]
counts = np.array([1, 2, 3, 5, 10, 20, 30, 50, 100])
curves = {"accuracy": [], "distance": []}
for _, passes in mc.values():
    averages = np.cumsum(passes, axis=0)[counts - 1] / counts[:, None, None]
    curves["accuracy"].append([accuracy(average, y_test) for average in averages])
    curves["distance"].append(np.abs(averages - passes.mean(0)).mean(axis=(1, 2)))
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
for ax, key, label in ((left, "accuracy", "test accuracy"),
                       (right, "distance", "mean |p(n passes) − p(100 passes)|")):
    values = np.array(curves[key])
    ax.errorbar(counts, values.mean(0), yerr=values.std(0), marker="o", capsize=4, label="measured")
    ax.set(xscale="log", xlabel="number of passes (log scale)", ylabel=label)
# The reference is the mean of the same 100 passes, so the distance shrinks as √(1/n − 1/100), not 1/√n:
distance_1 = np.mean(curves["distance"], 0)[0]
theory = distance_1 * np.sqrt((1 / counts - 1 / PASSES) / (1 - 1 / PASSES))
right.plot(counts[:-1], theory[:-1], color="0.5", linestyle="--", label="∝ √(1/n − 1/100)")
right.legend()
left.axhline(np.mean([accuracy(plain, y_test) for plain, _ in mc.values()]), color="0.5", linestyle="--",
             label="plain model (mean)")
left.legend()
right.set_yscale("log")
fig.suptitle(f"MC dropout against the number of passes (mean ± std over {len(mc)} seeds)")
plt.show()
pd.DataFrame({"passes": counts, "accuracy (mean)": np.mean(curves["accuracy"], 0),
              "distance to 100 passes (mean)": np.mean(curves["distance"], 0)}).round(4).set_index("passes").T

# %% [markdown]
# One pass with dropout on is worse than the plain model: it is one thinned network. The
# average improves quickly with the number of passes and then levels off, while its distance to
# the 100-pass estimate keeps shrinking. Not as 1/√n, the usual rate of a Monte Carlo average:
# the reference is the average of the same 100 passes, so the first n passes are part of it,
# and the distance shrinks as √(1/n − 1/100), reaching 0 at n = 100 (the dashed curve, scaled
# to the measured distance at n = 1). Here the
# accuracy has levelled off by about 20 passes (see the table): that is the number to pay for
# at inference, each pass costing a full prediction. The probabilities themselves keep
# converging, so applications that use them, rather than just the predicted class, need more.
#
# **Uncertainty.** For each test image, the spread of the passes tells how sure the model is:
# here the standard deviation, over the 100 passes, of the probability of the class the average
# predicts. Correct predictions against wrong ones, over every seed:

# %% tags=["demo"]
spread_by_outcome = {"correct": [], "wrong": []}
for _, passes in mc.values():
    predicted = passes.mean(0).argmax(axis=1)
    spread_of_prediction = passes[:, np.arange(len(y_test)), predicted].std(axis=0)
    spread_by_outcome["correct"].append(spread_of_prediction[predicted == y_test])
    spread_by_outcome["wrong"].append(spread_of_prediction[predicted != y_test])
fig, ax = plt.subplots(figsize=(9, 4))
bins = np.linspace(0, 0.5, 51)
for outcome, color in (("correct", "C0"), ("wrong", "C3")):
    values = np.concatenate(spread_by_outcome[outcome])
    ax.hist(values, bins=bins, density=True, alpha=0.5, color=color,
            label=f"{outcome} predictions ({len(values):,}), median {np.median(values):.3f}")
ax.set(xlabel="std over the passes of the predicted class's probability", ylabel="density",
       title="MC-dropout uncertainty of correct and wrong predictions")
ax.legend()
plt.show()
pd.DataFrame({outcome: [np.median(values) for values in spread_by_outcome[outcome]]
              for outcome in spread_by_outcome}, index=[f"seed {number}" for number in mc]).round(4)

# %% [markdown]
# The wrong predictions come with a clearly larger spread than the correct ones, in every seed:
# the spread is a usable warning sign. It does not separate them perfectly, as the overlap of
# the histograms shows: some wrong predictions are made with little spread.
#
# **Calibration.** A classifier is *calibrated* when, among the predictions it makes with
# confidence 0.8, about 80% are right. The *expected calibration error* (ECE) sorts the
# predictions into 10 bins of confidence (the probability of the predicted class), and averages
# the gap between each bin's accuracy and its mean confidence, weighted by the bin's size. The
# reliability diagram draws each bin: a calibrated model lies on the diagonal, an overconfident
# one below it. The unregularized model of 8.1 is included, since overfitting makes a network
# overconfident.

# %% tags=["demo"]
def calibration_bins(probabilities, y, bins=10):
    """Per confidence bin: the mean confidence, the accuracy and the number of predictions."""
    confidence, correct = probabilities.max(axis=1), probabilities.argmax(axis=1) == y
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    table = pd.DataFrame({"bin": which, "confidence": confidence, "correct": correct})
    return table.groupby("bin").agg(confidence=("confidence", "mean"), accuracy=("correct", "mean"),
                                    count=("correct", "size"))


def expected_calibration_error(probabilities, y, bins=10) -> float:
    """The count-weighted mean gap between accuracy and confidence over the bins."""
    table = calibration_bins(probabilities, y, bins)
    return float(np.sum(table["count"] * np.abs(table["accuracy"] - table["confidence"])) / len(y))


predictions = {"no regularization": [rebuilt("none", weights)(X_test, training=False).numpy()
                                     for weights in trained["none"]],
               f"{best_dropout}, plain": [plain for plain, _ in mc.values()],
               f"{best_dropout}, MC dropout": [passes.mean(0) for _, passes in mc.values()]}
fig, ax = plt.subplots(figsize=(6, 5.5))
ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", label="perfectly calibrated")
for name, per_seed in predictions.items():
    table = calibration_bins(np.concatenate(per_seed), np.tile(y_test, len(per_seed)))
    ax.plot(table["confidence"], table["accuracy"], marker="o", label=name)
ax.set(xlabel="confidence (mean of the bin)", ylabel="accuracy of the bin", title="Reliability diagram (all seeds)")
ax.legend()
plt.show()
ece = pd.DataFrame({name: [expected_calibration_error(p, y_test) for p in per_seed]
                    for name, per_seed in predictions.items()}, index=[f"seed {number}" for number in mc])
ece.loc["mean"] = ece.mean()
ece.round(4)

# %% [markdown]
# The unregularized model is the most overconfident: its curve lies furthest below the diagonal,
# and its ECE is the largest. Dropout alone brings the confidence closer to the accuracy, and MC
# averaging closes most of the remaining gap: read the ECE of each seed, row by row, in the
# table. So even where MC dropout adds no accuracy, its probabilities are the more honest
# ones, which is what a risk-sensitive application needs.
#
# ### MC dropout next to batch normalization
#
# `model(X, training=True)` switches dropout on, but also every other layer that behaves
# differently in training. Batch normalization then normalizes each batch with its own
# statistics instead of the moving averages learned during training, and it even **updates**
# those moving averages, with the test data. A small model with both shows the two problems:

# %% tags=["demo"]
bn_model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                             keras.layers.Dense(100, activation="relu", kernel_initializer="he_normal"),
                             keras.layers.BatchNormalization(), keras.layers.Dropout(0.3),
                             keras.layers.Dense(10, activation="softmax")])
bn_model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
bn_model.fit(X_train, y_train, epochs=5, verbose=0, callbacks=[utils.LiveProgress("BN model")])
batch_norm = bn_model.layers[2]
moving_mean = batch_norm.moving_mean.numpy().copy()

for training in (False, True):
    one_at_a_time = np.concatenate([bn_model(X_test[i:i + 1], training=training).numpy() for i in range(5)])
    print(f"training={training}, 5 images one at a time: their predicted probabilities differ by up to "
          f"{np.abs(one_at_a_time - one_at_a_time[0]).max():.3f}")
_ = bn_model(X_test[:1000], training=True)
print(f"after one call with training=True, the moving mean moved by up to "
      f"{np.abs(batch_norm.moving_mean.numpy() - moving_mean).max():.3g}")

# %% [markdown]
# On a batch of one image, batch normalization subtracts the image's own value from each unit:
# every unit becomes 0 before BN's shift β, whatever the image. What is left of the image is
# nothing; the five predictions differ only through their dropout masks, and by far less than
# the same model's predictions in inference mode. On larger
# batches the effect is subtler, but each prediction then depends on the other images in the
# batch, and every call shifts the model's moving averages.
#
# The remedy is a dropout layer that is always on, whatever `training` says, so that the model
# can be called in inference mode: batch normalization uses its moving averages and leaves them
# alone, and dropout still drops.

# %% tags=["demo"]
@keras.saving.register_keras_serializable(package="course")  # a saved model finds it again
class MCDropout(keras.layers.Dropout):
    """Dropout that stays active at inference too, for Monte Carlo dropout in any model."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


batch_norm.moving_mean.assign(moving_mean)  # undo the shift of the call above
mc_model = keras.models.clone_model(
    bn_model, clone_function=lambda layer: (MCDropout(layer.rate) if isinstance(layer, keras.layers.Dropout)
                                            else layer.__class__.from_config(layer.get_config())))
mc_model.set_weights(bn_model.get_weights())
one_image = X_test[:1]
two_passes = np.concatenate([mc_model(one_image).numpy() for _ in range(2)])
print("inference mode, one image, two passes differ:", not np.allclose(two_passes[0], two_passes[1]))
print("moving mean unchanged:", np.array_equal(mc_model.layers[2].moving_mean.numpy(), moving_mean))
averaged = np.mean([mc_model(X_test[:5]).numpy() for _ in range(20)], axis=0)
print("MC-dropout classes of 5 images (20 passes):", averaged.argmax(axis=1).tolist(), "true classes:",
      y_test[:5].tolist())

# %% [markdown]
# `MCDropout` replaces `Dropout` in the architecture; the trained weights carry over unchanged
# (dropout has none). Keep such a model for MC predictions only: its dropout never switches
# off.

# %% [markdown]
# ## 8.6 Max-norm regularization
#
# Max-norm limits, for each unit, the norm of its incoming weights: after every training step, a
# unit whose weight vector **w** has ‖**w**‖₂ > r gets **w** ← r · **w** / ‖**w**‖₂. It adds
# nothing to the loss; Keras applies it as a *constraint*, right after the optimizer's update:
# `kernel_constraint=keras.constraints.MaxNorm(r)`.
#
# Which weights form one unit's vector depends on the kernel's layout. A Dense kernel has shape
# (inputs, units): column j holds the weights into unit j. `MaxNorm(axis=0)`, the default, takes
# the norm along axis 0, down each column: one norm per unit, as intended. `axis=1` would take
# it along each row instead: one norm per input, over the weights going **out** of it.

# %% tags=["demo"]
kernel = np.random.default_rng(1).normal(0, 0.1, (784, 300)).astype("float32")
for axis in (0, 1):
    norms = np.linalg.norm(keras.constraints.MaxNorm(1.0, axis=axis)(kernel).numpy(), axis=axis)
    print(f"MaxNorm(1.0, axis={axis}) on a (784, 300) kernel: {norms.size} norms, the largest {norms.max():.4f}")

# %% [markdown]
# Now the constraint at work: a layer of 300 units with `MaxNorm(1.0)`. He initialization gives
# each unit's incoming weights a norm near √2, above the limit, because the constraint is not
# applied at initialization, only after each step. One training step:

# %% tags=["demo"]
constrained = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                                keras.layers.Dense(300, activation="relu", kernel_initializer="he_normal",
                                                   kernel_constraint=keras.constraints.MaxNorm(1.0)),
                                keras.layers.Dense(10, activation="softmax")])
constrained.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
before = np.linalg.norm(constrained.layers[1].kernel.numpy(), axis=0)
constrained.train_on_batch(X_train[:32], y_train[:32])
after = np.linalg.norm(constrained.layers[1].kernel.numpy(), axis=0)
print(f"norms of the 300 units' incoming weights: before the step {before.min():.2f} to {before.max():.2f}, "
      f"after it {after.min():.4f} to {after.max():.4f}")
assert np.all(after <= 1.0 + 1e-5)

# %% [markdown]
# ### ✍️ Exercise 4: the axis of a convolution kernel
#
# A `Conv2D` layer with 64 input channels and 128 filters of 3 × 3 has a kernel of shape
# (3, 3, 64, 128). Which `axis` makes `MaxNorm` bound the norm of each filter (all the weights
# that produce one output channel)? Store the letter in `conv_axis`.
#
# - **a.** `axis=0`
# - **b.** `axis=3`
# - **c.** `axis=[0, 1, 2]`
# - **d.** `axis=[0, 1, 2, 3]`

# %%
# BEGIN SOLUTION conv_max_norm_axis
# STUB: conv_axis = ...
conv_axis = "c"
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.conv_max_norm_axis.hint()
# ex.conv_max_norm_axis.solution()
ex.conv_max_norm_axis.check(conv_axis)

# %% [markdown]
# Three limits on the overfitting network, on all three layers. Its He-initialized units start
# with norms near √2: r = 0.5 and r = 1 bite from the first step, r = 2 only once the weights
# have grown (about 30 seconds in full mode).

# %% tags=["demo"]
max_norm_runs = utils.over_seeds(train_regularized, configs(**{f"max-norm {r}": {"constraint": keras.constraints.MaxNorm(
    float(r))} for r in utils.full_or_quick((0.5, 1, 2), quick=(1,))}), seeds=SEEDS, build=build_regularized)

# %% [markdown]
# ## 8.7 Which to use
#
# Every configuration, over the same seeds. For each regularizer, the strength with the best
# mean validation accuracy after 15 epochs is kept (the test set is not looked at to choose),
# and MC dropout is added for the chosen dropout models.

# %% tags=["demo"]
runs = pd.concat([baseline_runs, penalty_runs, decay_runs, dropout_runs, max_norm_runs], ignore_index=True)
finals = runs.loc[runs.groupby(["config", "seed"], sort=False)["epoch"].idxmax()]  # one row per run
validation_means = finals.groupby("config", sort=False)["final_val_accuracy"].mean()


def family(config: str) -> str:
    """The regularizer of a configuration, without its strength: 'ℓ2 0.0001' -> 'ℓ2'."""
    return config.rsplit(" ", 1)[0] if config[-1].isdigit() else config


chosen = validation_means.groupby(family, sort=False).idxmax()  # regularizer -> its best configuration


def mean_and_std(values) -> str:
    """'0.812 ± 0.004' for a series of runs."""
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}"


rows = {}
for config in chosen:
    runs_of = finals[finals["config"] == config]
    rows[config] = {"test accuracy": mean_and_std(runs_of["final_test_accuracy"]),
                    "val accuracy": mean_and_std(runs_of["final_val_accuracy"]),
                    "val loss": mean_and_std(runs_of["final_val_loss"]),
                    "train − val accuracy": mean_and_std(runs_of["final_train_accuracy"]
                                                         - runs_of["final_val_accuracy"]),
                    "epochs trained": f"{runs_of['epoch'].mean():.1f}"}
rows[f"{best_dropout} + MC dropout"] = {"test accuracy": mean_and_std(mc_table["MC dropout"])}
comparison_table = pd.DataFrame(rows).T.fillna("")
comparison_table

# %% tags=["demo"]
fig, ax = plt.subplots(figsize=(9, 4))
utils.plot_runs(runs[runs["config"].isin(chosen.values)], "val_accuracy",
                title="Validation accuracy, each regularizer at its chosen strength", ax=ax)
plt.show()
for name in ("ℓ2", "ℓ1", "weight decay", "dropout", "max-norm"):
    grid = [config for config in validation_means.index if family(config) == name]
    print(utils.best_of_grid(finals, "final_val_accuracy", grid))

# %% [markdown]
# And the verdicts, each chosen regularizer against no regularization, seed by seed, on the
# test accuracy and on the validation loss (where lower is better):

# %% tags=["demo"]
on_chosen = finals[finals["config"].isin(chosen.values)]
pd.concat({metric: utils.compare_all(on_chosen, metric, "none")[["difference", "low", "high", "verdict"]]
           for metric in ("final_test_accuracy", "final_val_loss")}, axis=1).round(3)

# %% [markdown]
# What the comparison says about this network, which overfits a small training set (each
# regularizer at the strength that did best on validation; the verdicts pair the 3 seeds):
#
# - **Test accuracy:** only max-norm (r = 1) was better than no regularization, by about a
#   point. Dropout's mean gain was larger, but it varied more from seed to seed, and its
#   interval reaches below zero: these seeds could not tell it apart from none. Neither could
#   they for ℓ1, ℓ2, weight decay or early stopping.
# - **Validation loss** (the model's overconfidence shows there first): dropout and max-norm
#   lowered it, and ℓ2 raised it a little (its interval barely excludes zero); the others could
#   not be told apart from none.
# - **The grids:** ℓ1's best strength, 1e-05, and weight decay's, 0.1, lie at the low end of
#   their grids, so a weaker setting might do a little better; both are within noise of no
#   regularization at every strength tried, so the grid's edge is not where a gain hides.
# - **Early stopping**, on the validation loss with a patience of 3 epochs, stopped after a few
#   epochs (the table's last column): it gave the smallest mean gap between training and
#   validation, but no gain in accuracy. The validation loss of this network bottoms out early,
#   when its confidence starts to outgrow its accuracy, while the accuracy can still improve for
#   several epochs. Monitoring `val_accuracy` instead, or combining early stopping with dropout,
#   would keep those epochs.
# - **MC dropout** on top of dropout could not be told apart from the plain model in accuracy
#   (8.5); its gain was in the calibration of the probabilities.
#
# Against the chapter: it calls early stopping one of the best regularization techniques, and
# dropout one of the most popular and most effective; here the two are not exclusive, and the
# verdicts above say which of them this network could measure. The chapter's default
# configuration for a network that does not self-normalize regularizes with early stopping,
# adding weight decay (ℓ2) if needed, as section 9.1 does; for a self-normalizing one, alpha
# dropout if needed (8.4 showed why ordinary dropout is out there); and it recommends MC dropout
# for better and more reliable probability estimates (8.5 found better calibration). The
# book's notebook (ageron/handson-ml3) trains its regularized models on all 55,000 images,
# where a 300-100 network overfits far less than ours on 1,000: its dropout model (rate 0.2, 10
# epochs of SGD with momentum) stores a test accuracy of 0.8700, and 0.8717 with MC dropout;
# its max-norm model (r = 1, the same training) a validation accuracy of 0.8578; its ℓ2 model
# (λ = 0.01, 2 epochs of SGD) 0.8182. One run each, on 55 times more data than ours, so the
# numbers are not comparable with ours, and one run cannot rank them. This experiment is one
# small network on a thousand images: a larger training set needs less regularization, and the
# best strength of each regularizer depends on the network and the data, so try a few, as done
# here, on validation data.

# %% [markdown]
# ## Summary
#
# - ℓ2 (`L2(λ)`, λ·Σw²) and ℓ1 (`L1(λ)`, λ·Σ|w|) penalties live in `model.losses`, and Keras adds
#   them to the loss it reports; ℓ1 drives unneeded weights towards zero. With Adam, prefer
#   `AdamW`'s decoupled weight decay to an ℓ2 penalty.
# - `functools.partial` keeps a layer's repeated arguments in one place.
# - Dropout zeroes each unit with probability p in training and scales the others by 1/(1 − p);
#   inference changes nothing. `fit`'s training accuracy is measured with dropout on and during
#   the epoch: evaluate the training set afterwards to see the real gap.
# - SELU networks need `AlphaDropout`, which keeps mean 0 and standard deviation 1; ordinary
#   dropout moves them to another fixed point.
# - MC dropout averages many passes with dropout on; its spread flags uncertain predictions.
#   With batch normalization in the model, use an always-on dropout layer instead of
#   `training=True`, which would also switch batch normalization to training mode and update
#   its moving averages.
# - Max-norm rescales each unit's incoming weights after every step; for a Dense kernel
#   (inputs, units), `axis=0`.
# - On a network that overfits 1,000 images, over 3 paired seeds: max-norm was better than no
#   regularization in test accuracy; dropout and max-norm lowered the validation loss; the
#   others, early stopping included, could not be told apart from none. Compare by the paired
#   interval, and choose each strength on validation data.
#
# ## Papers
#
# - N. Srivastava, G. Hinton, A. Krizhevsky, I. Sutskever, R. Salakhutdinov, [Dropout: a simple
#   way to prevent neural networks from overfitting](https://jmlr.org/papers/v15/srivastava14a.html),
#   JMLR 2014 (dropout, and max-norm with it).
# - G. Klambauer, T. Unterthiner, A. Mayr, S. Hochreiter, [Self-normalizing neural
#   networks](https://arxiv.org/abs/1706.02515), NeurIPS 2017 (SELU and alpha dropout).
# - Y. Gal, Z. Ghahramani, [Dropout as a Bayesian approximation: representing model uncertainty in
#   deep learning](https://arxiv.org/abs/1506.02142), ICML 2016 (MC dropout).
# - C. Guo, G. Pleiss, Y. Sun, K. Q. Weinberger, [On calibration of modern neural
#   networks](https://arxiv.org/abs/1706.04599), ICML 2017 (expected calibration error,
#   reliability diagrams).
# - Keras API: [regularizers](https://keras.io/api/layers/regularizers/),
#   [`Dropout`](https://keras.io/api/layers/regularization_layers/dropout/),
#   [`AlphaDropout`](https://keras.io/api/layers/regularization_layers/alpha_dropout/),
#   [constraints](https://keras.io/api/layers/constraints/).
