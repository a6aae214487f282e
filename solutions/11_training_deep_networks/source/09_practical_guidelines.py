# %% [markdown]
# # 9. Practical guidelines, and the end-of-chapter exercises
#
# Companion to *Hands-On Machine Learning* (3rd edition), chapter 11, "Summary and Practical
# Guidelines" and the exercises at the end of the chapter.
#
# **You will learn**
# - the chapter's default configuration for a deep network, and its exceptions, each linked to
#   the section of this course that showed why;
# - whether you can answer a selection of the chapter's concept questions (checked at once);
# - how the chapter's practice exercise turns out: a 20-layer network trained step by step (Swish
#   and He initialization, then batch normalization, then SELU, then alpha dropout and MC
#   dropout, then 1cycle), each step compared with the one before over several seeds.
#
# **Exercises** are marked ✍️. Replace each `...` with your answer and run the check cell below
# it: it says *not attempted*, *incorrect* (and why), or *correct*. Stuck? Uncomment the
# `.hint()` line (call it again for the next hint), or `.solution()`.

# %%
import utils  # first: it imports TensorFlow quietly, and checks its version

import math

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from keras import ops

ex = utils.setup("practical_guidelines")

# %% [markdown]
# ## 9.1 The default configuration
#
# The chapter closes with a configuration that works well in most cases, without much tuning.
# In our words, with the section of this course where each choice was measured:
#
# | | Default | If the network can self-normalize |
# |---|---|---|
# | Initialization | He ([§1](01_unstable_gradients.ipynb)) | LeCun normal ([§1](01_unstable_gradients.ipynb), [§2](02_activation_functions.ipynb)) |
# | Activation | ReLU for a shallow network; Swish for a deep one ([§2](02_activation_functions.ipynb)) | SELU ([§2](02_activation_functions.ipynb)) |
# | Normalization | none for a shallow network; batch normalization for a deep one ([§3](03_batch_normalization.ipynb)) | none: SELU normalizes ([§2](02_activation_functions.ipynb)) |
# | Regularization | early stopping, and weight decay if needed ([§8](08_regularization.ipynb), [§6](06_faster_optimizers.ipynb)) | alpha dropout if needed ([§8](08_regularization.ipynb)) |
# | Optimizer | Nesterov momentum, or AdamW ([§6](06_faster_optimizers.ipynb)) | Nesterov momentum ([§6](06_faster_optimizers.ipynb)) |
# | Learning-rate schedule | performance scheduling or 1cycle ([§7](07_learning_rate_scheduling.ipynb)) | performance scheduling or 1cycle ([§7](07_learning_rate_scheduling.ipynb)) |
#
# Whatever the configuration: standardize the inputs, and before training from scratch, look
# for a pretrained network on a similar task whose lower layers you can reuse, or pretrain on
# unlabeled data or an auxiliary task ([§5](05_reusing_pretrained_layers.ipynb)).
#
# **When to depart from it:**
#
# | Situation | What to change |
# |---|---|
# | The network cannot self-normalize (recurrent layers, skip connections) but you wanted SELU | use the default column: He, Swish or ReLU, batch normalization if deep ([§2](02_activation_functions.ipynb), [§3](03_batch_normalization.ipynb)) |
# | You need a sparse model | ℓ1 regularization, then zero out the tiny weights after training; or prune with the TensorFlow Model Optimization Toolkit. Sparsity breaks self-normalization, so use the default column ([§8](08_regularization.ipynb)) |
# | You need low-latency predictions | fewer layers, a cheap activation (ReLU, leaky ReLU), batch normalization folded into the previous layer after training ([§3](03_batch_normalization.ipynb)), a sparse model, lower-precision weights |
# | The application is risk-sensitive, or latency does not matter | MC dropout, for better calibrated probabilities and an uncertainty per prediction ([§8](08_regularization.ipynb)) |
#
# The defaults are a starting point, not a result: this course's own comparisons found cases
# where a default did not win on a small problem (section 7's 1cycle tied with exponential
# decay; section 8's early stopping on the validation loss gained no accuracy). Measure on your
# own validation data, over a few seeds.

# %% [markdown]
# ## 9.2 Concept questions
#
# A selection of the chapter's questions, in our words. Each check explains why a wrong choice
# is wrong.
#
# ### ✍️ Question 1: one random value for every weight
#
# You initialize a layer by drawing **one** random number with He initialization's spread, and
# giving that value to every connection weight of the layer. Is that fine? Store the letter in
# `same_weights`.
#
# - **a.** Yes: He initialization only fixes the variance, and the value is random.
# - **b.** No: every unit of the layer computes the same output and receives the same gradient,
#   so the units stay identical throughout training.
# - **c.** Yes, provided the biases start at zero.
# - **d.** No: the gradients would vanish.

# %%
# BEGIN SOLUTION same_initial_weights
# STUB: same_weights = ...
same_weights = "b"
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.same_initial_weights.hint()
# ex.same_initial_weights.solution()
ex.same_initial_weights.check(same_weights)

# %% [markdown]
# (Biases, on the other hand, may start at zero: the random weights already make each unit
# different.)
#
# ### ✍️ Question 2: momentum too close to 1
#
# On a stretch where the gradient stays constant, momentum optimization settles at a step
# 1/(1 − β) times as long as plain gradient descent's (section 6). By what factor is the step
# multiplied with β = 0.99999? Store the number in `momentum_factor`.

# %%
# BEGIN SOLUTION momentum_near_one
# STUB: momentum_factor = ...
momentum_factor = 1 / (1 - 0.99999)
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.momentum_near_one.hint()
# ex.momentum_near_one.solution()
ex.momentum_near_one.check(momentum_factor)

# %% [markdown]
# ### ✍️ Question 3: a sparse model
#
# Which of these give a sparse model, with most weights exactly zero? Store every letter that
# applies in `sparse_choices` (for instance `"ae"`).
#
# - **a.** ℓ1 regularization
# - **b.** setting the tiny weights to zero after training
# - **c.** ℓ2 regularization
# - **d.** dropout
# - **e.** max-norm regularization
# - **f.** pruning with the TensorFlow Model Optimization Toolkit

# %%
# BEGIN SOLUTION sparse_model
# STUB: sparse_choices = ...
sparse_choices = "abf"
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.sparse_model.hint()
# ex.sparse_model.solution()
ex.sparse_model.check(sparse_choices)

# %% [markdown]
# ### ✍️ Question 4: what dropout costs
#
# Which statements are true? Store every letter that applies in `dropout_choices`.
#
# - **a.** Dropout usually slows down convergence: training needs more epochs.
# - **b.** Dropout slows down inference.
# - **c.** MC dropout slows down inference, by about the number of passes.
# - **d.** MC dropout requires retraining the model.
# - **e.** In Keras, a model trained with dropout must have its weights multiplied by (1 − p)
#   before inference.

# %%
# BEGIN SOLUTION dropout_cost
# STUB: dropout_choices = ...
dropout_choices = "ac"
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.dropout_cost.hint()
# ex.dropout_cost.solution()
ex.dropout_cost.check(dropout_choices)

# %% [markdown]
# ## 9.3 The practice exercise: a deep network on CIFAR-10
#
# The chapter's exercise trains a deliberately deep network, 20 hidden layers of 100 units, on
# CIFAR-10 (32 × 32 colour images of 10 classes), improving it step by step. The notebook uses
# CIFAR-10 when it is on this machine (see the README's Data section); otherwise it runs the
# same steps, with the same code, on Fashion-MNIST, and says so below.
#
# **Budget.** The chapter trains each step on the whole training set for up to 100 epochs.
# Here, each step is trained over 3 seeds on 5,000 training images for at most 10 epochs, so
# that the whole section runs in a few minutes on a laptop's CPU. Set `FULL_SIZE = True` to run
# the chapter's version (the whole training set, up to 100 epochs): expect hours on a CPU, and
# raise your early stopping's patience to about 10.

# %%
FULL_SIZE = False  # True: the whole training set and up to 100 epochs per step (hours on a CPU)

if utils.cifar10_available(download=False):
    data, DATASET = utils.load_cifar10(download=False), "CIFAR-10"
else:
    data, DATASET = utils.load_fashion_mnist(), "Fashion-MNIST"
    print("CIFAR-10 is not in the course's data cache, so the practice runs on Fashion-MNIST instead, with the same "
          "code. To use CIFAR-10, run utils.load_cifar10() once (a 170 MB download; its error message lists the "
          "other ways), then run this cell again.")
X_train, y_train = data.train
TRAIN_SIZE, MAX_EPOCHS, SEEDS = (len(y_train), 100, 3) if FULL_SIZE else (min(5_000, len(y_train)), 10, 3)
X_train, y_train = X_train[:TRAIN_SIZE], y_train[:TRAIN_SIZE]
X_valid, y_valid = data.valid
X_test, y_test = data.test
INPUT_SHAPE = X_train.shape[1:]
print(f"{DATASET}: {TRAIN_SIZE:,} training images of shape {INPUT_SHAPE}, {len(y_valid):,} for validation, "
      f"{len(y_test):,} for testing; up to {MAX_EPOCHS} epochs per training")

# %% [markdown]
# Every step trains the same way: batches of 32, validation after each epoch, and the time of
# each epoch recorded (`utils.EpochTimer`). The notebook recompiles your model to run 10 training
# steps per call (`steps_per_execution=10`), which changes nothing in the training but saves time
# on a CPU. For each run it keeps the final weights (for MC dropout later) and measures the
# validation and test accuracy of the model as training left it.

# %%
SCALED = (X_train, X_valid, X_test)  # pixels in [0, 1]
pixel_mean, pixel_std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-7  # from the training images only
STANDARDIZED = tuple((X - pixel_mean) / pixel_std for X in SCALED)  # what SELU needs
steps, step_weights = {}, {}  # step name -> its runs; step name -> the trained weights of each seed


def build_step(config):
    """The model of one step, built by its builder and compiled to run 10 steps per call."""
    network = config["builder"](INPUT_SHAPE)
    optimizer = network.optimizer
    if config.get("one_cycle"):
        optimizer = keras.optimizers.Nadam(OneCycle(config["one_cycle"], MAX_EPOCHS * math.ceil(TRAIN_SIZE / 32)))
    network.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                    steps_per_execution=10)
    return network


def train_step(model, config, callbacks):
    """Train one step's model (early stopping unless it runs 1cycle); its curves, epoch times and final accuracies."""
    X, X_v, X_t = config["inputs"]
    stopping = [] if config.get("one_cycle") else [early_stopping]  # 1cycle is planned for a fixed length
    history = model.fit(X, y_train, epochs=MAX_EPOCHS, validation_data=(X_v, y_valid), validation_batch_size=1000,
                        verbose=0, callbacks=[utils.EpochTimer(), *stopping, *callbacks])
    step_weights[config["name"]].append(model.get_weights())
    return {**history.history,
            "final_val_accuracy": model.evaluate(X_v, y_valid, batch_size=1000, verbose=0)[1],
            "final_test_accuracy": model.evaluate(X_t, y_test, batch_size=1000, verbose=0)[1]}


def step(name, builder, inputs, one_cycle=None):
    """The configuration of one step of the exercise (for utils.over_seeds); its weights list starts empty."""
    step_weights[name] = []
    return {name: {"name": name, "builder": builder, "inputs": inputs, "one_cycle": one_cycle}}


# %% [markdown]
# ### ✍️ Step a: 20 hidden layers, He initialization and Swish; Nadam and early stopping
#
# Write `build_swish_net(input_shape)`: a `keras.Sequential` model with a `keras.Input` of shape
# `input_shape`, a `Flatten` layer, 20 hidden `Dense` layers of 100 units with He
# initialization and the Swish activation, and a softmax output layer of 10 units, compiled
# with the Nadam optimizer, the loss `"sparse_categorical_crossentropy"` and
# `metrics=["accuracy"]`. The learning rate is yours to choose: the solution uses 5 × 10⁻⁴, and
# section 7's learning-rate finder is the tool to choose it well. The check inspects the model,
# not its accuracy.

# %%
# BEGIN SOLUTION build_swish_net
# STUB: def build_swish_net(input_shape):
# STUB:     ...
def build_swish_net(input_shape):
    """20 hidden Dense layers of 100 units, He initialization and Swish; compiled with Nadam."""
    hidden = [keras.layers.Dense(100, activation="swish", kernel_initializer="he_normal") for _ in range(20)]
    model = keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(), *hidden,
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Nadam(learning_rate=5e-4), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
# END SOLUTION


# %% tags=["nbval-check-output"]
# ex.build_swish_net.hint()
# ex.build_swish_net.solution()
ex.build_swish_net.check(build_swish_net)

# %% [markdown]
# Now the early stopping that every step but the last uses: store in `early_stopping` a
# `keras.callbacks.EarlyStopping` that watches the validation loss, waits 3 epochs without
# improvement before stopping (with 10 epochs at most, more patience would rarely stop), and
# restores the weights of the best epoch.

# %%
# BEGIN SOLUTION early_stopping
# STUB: early_stopping = ...
early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.early_stopping.hint()
# ex.early_stopping.solution()
ex.early_stopping.check(early_stopping)

# %% [markdown]
# Step a, over the seeds (the cell waits for both answers):

# %%
network_written = ex.build_swish_net.solved(build_swish_net)
if network_written and ex.early_stopping.solved(early_stopping):
    steps["a. Swish + He"] = utils.over_seeds(train_step, step("a. Swish + He", build_swish_net, SCALED),
                                              seeds=SEEDS, build=build_step)

# %% [markdown]
# The steps are compared in one table, which grows with each step: the validation and test
# accuracy of the model as training left it (the best epoch's weights, with early stopping),
# the epochs trained, the median time of an epoch, and the change in validation accuracy from
# the step before, paired by seed, with its 95% interval and the verdict it supports
# (`utils.compare`, section 1.6).

# %%
def mean_and_std(values) -> str:
    """'0.812 ± 0.004' for a series of runs."""
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}" if len(values) > 1 else f"{np.mean(values):.3f}"


def step_table():
    """One row per step trained so far: accuracies over the seeds, epochs, seconds per epoch, and the change in
    validation accuracy from the step before, paired by seed (utils.compare: 95% interval and verdict)."""
    rows, before = {}, None
    for name, runs in steps.items():
        finals = runs.loc[runs.groupby("seed")["epoch"].idxmax()]
        rows[name] = {"val accuracy": mean_and_std(finals["final_val_accuracy"]),
                      "test accuracy": mean_and_std(finals["final_test_accuracy"]),
                      "change in val accuracy (95% interval)": "", "verdict against the step before": "",
                      "epochs trained": f"{finals['epoch'].mean():.1f}",
                      "seconds per epoch (median)": f"{runs['seconds'].median():.2f}"}
        if before is not None:
            change = utils.compare(pd.concat([steps[before], runs], ignore_index=True), "final_val_accuracy",
                                   name, before)
            low, high = change.interval
            rows[name]["change in val accuracy (95% interval)"] = f"{change.mean:+.3f} ({low:+.3f} to {high:+.3f})"
            rows[name]["verdict against the step before"] = change.verdict
        before = name
    return pd.DataFrame(rows).T


step_table() if steps else print("no step trained yet: answer the exercises above")

# %% [markdown]
# ### ✍️ Step b: batch normalization
#
# Write `build_bn_net(input_shape)`: the same network with a `keras.layers.BatchNormalization`
# layer after each hidden Dense layer, compiled the same way. Batch normalization lets the
# network take larger steps: the solution uses a learning rate of 10⁻³.

# %%
# BEGIN SOLUTION build_bn_net
# STUB: def build_bn_net(input_shape):
# STUB:     ...
def build_bn_net(input_shape):
    """The Swish network with batch normalization after each of its 20 hidden layers."""
    hidden = []
    for _ in range(20):
        hidden += [keras.layers.Dense(100, activation="swish", kernel_initializer="he_normal"),
                   keras.layers.BatchNormalization()]
    model = keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(), *hidden,
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Nadam(learning_rate=1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
# END SOLUTION


# %% tags=["nbval-check-output"]
# ex.build_bn_net.hint()
# ex.build_bn_net.solution()
ex.build_bn_net.check(build_bn_net)

# %%
if ex.build_bn_net.solved(build_bn_net) and "a. Swish + He" in steps:
    steps["b. + batch norm"] = utils.over_seeds(train_step, step("b. + batch norm", build_bn_net, SCALED),
                                                seeds=SEEDS, build=build_step)
    print(step_table().to_string())

# %% [markdown]
# ### ✍️ Step c: SELU instead of batch normalization
#
# Write `build_selu_net(input_shape)`: 20 hidden layers of 100 SELU units, with the
# initialization that SELU's self-normalization requires, and nothing else that would break it
# (section 2.6 lists the conditions); compiled as before (the solution uses 5 × 10⁻⁴). The
# notebook trains it on standardized inputs, the remaining condition.

# %%
# BEGIN SOLUTION build_selu_net
# STUB: def build_selu_net(input_shape):
# STUB:     ...
def build_selu_net(input_shape):
    """20 hidden SELU layers with LeCun normal initialization: a self-normalizing network."""
    hidden = [keras.layers.Dense(100, activation="selu", kernel_initializer="lecun_normal") for _ in range(20)]
    model = keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(), *hidden,
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Nadam(learning_rate=5e-4), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
# END SOLUTION


# %% tags=["nbval-check-output"]
# ex.build_selu_net.hint()
# ex.build_selu_net.solution()
ex.build_selu_net.check(build_selu_net)

# %%
if ex.build_selu_net.solved(build_selu_net) and "b. + batch norm" in steps:
    steps["c. SELU"] = utils.over_seeds(train_step, step("c. SELU", build_selu_net, STANDARDIZED),
                                        seeds=SEEDS, build=build_step)
    print(step_table().to_string())

# %% [markdown]
# ### ✍️ Step d: alpha dropout, then MC dropout
#
# Write `build_alpha_dropout_net(input_shape)`: the SELU network regularized with
# `keras.layers.AlphaDropout` (the solution puts one layer, at rate 0.1, after the last hidden
# layer), compiled as before.

# %%
# BEGIN SOLUTION build_alpha_dropout_net
# STUB: def build_alpha_dropout_net(input_shape):
# STUB:     ...
def build_alpha_dropout_net(input_shape):
    """The SELU network with alpha dropout (rate 0.1) after its last hidden layer."""
    hidden = [keras.layers.Dense(100, activation="selu", kernel_initializer="lecun_normal") for _ in range(20)]
    model = keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(), *hidden,
                              keras.layers.AlphaDropout(0.1), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Nadam(learning_rate=5e-4), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
# END SOLUTION


# %% tags=["nbval-check-output"]
# ex.build_alpha_dropout_net.hint()
# ex.build_alpha_dropout_net.solution()
ex.build_alpha_dropout_net.check(build_alpha_dropout_net)

# %%
if ex.build_alpha_dropout_net.solved(build_alpha_dropout_net) and "c. SELU" in steps:
    steps["d. + alpha dropout"] = utils.over_seeds(train_step, step("d. + alpha dropout", build_alpha_dropout_net,
                                                                    STANDARDIZED), seeds=SEEDS, build=build_step)
    print(step_table().to_string())

# %% [markdown]
# MC dropout, without retraining: each trained model of step d predicts the test set 50 times
# with alpha dropout on, and the predictions are averaged (section 8.5). The model has no batch
# normalization, so calling it with `training=True` switches on nothing but the dropout.

# %%
MC_PASSES = 50
if "d. + alpha dropout" in steps:
    mc_rows = {}
    for number, weights in enumerate(utils.progress(step_weights["d. + alpha dropout"], "MC dropout"), start=1):
        model = build_alpha_dropout_net(INPUT_SHAPE)
        model.set_weights(weights)
        one_pass = tf.function(lambda inputs, model=model: model(inputs, training=True))
        passes = np.mean([one_pass(tf.constant(STANDARDIZED[2])).numpy() for _ in range(MC_PASSES)], axis=0)
        mc_rows[f"seed {number}"] = {
            "plain": float(np.mean(model(STANDARDIZED[2], training=False).numpy().argmax(axis=1) == y_test)),
            "MC dropout": float(np.mean(passes.argmax(axis=1) == y_test))}
    mc_practice = pd.DataFrame(mc_rows).T
    mc_practice["MC − plain"] = mc_practice["MC dropout"] - mc_practice["plain"]
    print(mc_practice.round(4).to_string(), "\n")
    by_seed = pd.DataFrame([{"config": kind, "seed": seed, "test_accuracy": row[kind]}
                            for seed, (_, row) in enumerate(mc_practice.iterrows()) for kind in ("plain", "MC dropout")])
    print(utils.compare(by_seed, "test_accuracy", "MC dropout", "plain"))

# %% [markdown]
# ### Step e: 1cycle
#
# The chapter's last step retrains the model with 1cycle scheduling (section 7.5): the rate
# rises linearly from a tenth of its peak to the peak over the first 45% of the training, falls
# back over the next 45%, and drops to a thousandth of the peak over the rest. Nadam has no
# plain momentum to cycle, so only the rate cycles. The peak here is twice step d's constant
# rate, 10⁻³; training runs the full `MAX_EPOCHS`, since the schedule is planned for a known
# length, and early stopping would cut it short.

# %%
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """1cycle's learning rate over ``total_steps`` steps, peaking at ``peak``."""

    def __init__(self, peak, total_steps):
        self.peak, self.total_steps = peak, total_steps

    def __call__(self, step):
        t = ops.cast(step, "float32") / self.total_steps  # the fraction of training done
        low, floor = self.peak / 10, self.peak / 1000
        rising = low + (self.peak - low) * t / 0.45
        falling = self.peak - (self.peak - low) * (t - 0.45) / 0.45
        ending = low - (low - floor) * (t - 0.9) / 0.1
        return ops.where(t < 0.45, rising, ops.where(t < 0.9, falling, ops.maximum(ending, floor)))

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps}


total_steps = MAX_EPOCHS * math.ceil(TRAIN_SIZE / 32)
utils.check_schedule(OneCycle(1e-3, total_steps), total_steps)
utils.plot_rates({"1cycle, peak 1e-3": utils.rates_of(OneCycle(1e-3, total_steps), total_steps)},
                 math.ceil(TRAIN_SIZE / 32), title="Step e's learning rate")
plt.show()

# %%
if "d. + alpha dropout" in steps:
    steps["e. + 1cycle"] = utils.over_seeds(train_step, step("e. + 1cycle", build_alpha_dropout_net, STANDARDIZED,
                                                             one_cycle=1e-3), seeds=SEEDS, build=build_step)

# %% [markdown]
# ### All the steps
#
# The table, and each step's validation accuracy per epoch and against the wall-clock time
# (every seed thin, the mean thick):

# %%
if steps:
    all_runs = pd.concat(steps.values(), ignore_index=True)
    utils.plot_metric_vs_time(all_runs, "val_accuracy", title=f"The practice exercise's steps on {DATASET}")
    plt.show()
    print(step_table().to_string())
else:
    print("no step trained yet: answer the exercises above")

# %% [markdown]
# What the steps showed in the stored outputs, which ran on **Fashion-MNIST** (this machine has
# no CIFAR-10; with CIFAR-10 the numbers will differ, and so may the conclusions). Each change
# is paired by seed with the step before; the verdict column says whether the 95% interval of
# the paired differences excludes zero:
#
# - **a. Swish and He** trained without trouble despite its 20 layers: the initialization and
#   the activation of sections 1 and 2 keep the gradients alive.
# - **b. Batch normalization** lowered the mean validation accuracy, but these seeds could not
#   tell it apart from step a; it made an epoch clearly slower (compare the median seconds per
#   epoch). On 5,000 images and at most 10 epochs it did not pay off. The chapter reports that
#   it speeds up convergence on the full CIFAR-10; this short training cannot confirm or refute
#   that (`FULL_SIZE = True` can).
# - **c. SELU** was better than step b, and cost less per epoch; early stopping ended it after
#   fewer epochs on average. Against step a it was not compared (one change at a time: step c
#   follows step b).
# - **d. Alpha dropout** could not be told apart from step c. **MC dropout** on these models
#   could not be told apart from the plain predictions either (the verdict printed above step
#   e): a single alpha-dropout layer at rate 0.1 leaves little randomness to average over.
# - **e. 1cycle** was better than step d, the best of all the steps, at no extra cost per epoch.
#   Part of the gain may come from training the full 10 epochs, where step d's early stopping
#   ended after about 7 because its validation loss rose; telling the two apart would take step
#   d trained for 10 epochs without early stopping.
#
# Against the chapter: its exercise asks whether batch normalization makes training converge
# faster and gives a better model, and whether 1cycle improves the training speed and the
# accuracy. In this short training, batch normalization did neither (its drop could not be
# told apart from no change), and 1cycle improved the accuracy without making an epoch slower. Which dataset, how much data and how many epochs matter: rerun with
# `FULL_SIZE = True`, or on CIFAR-10, before trusting any of these rankings for your own problem.

# %% [markdown]
# ## Summary
#
# - The default configuration: He initialization, ReLU (shallow) or Swish (deep), batch
#   normalization for deep networks, early stopping and weight decay, Nesterov momentum or
#   AdamW, performance scheduling or 1cycle; for a self-normalizing network, LeCun normal, SELU,
#   no normalization and alpha dropout.
# - Depart from it for sparse models (ℓ1, pruning), low latency (fewer and cheaper layers, BN
#   folded away) and risk-sensitive applications (MC dropout).
# - Each change in the practice exercise was measured over seeds against the step before: an
#   improvement is one whose paired 95% interval excludes zero.
#
# ## Papers
#
# - A. Krizhevsky, [Learning multiple layers of features from tiny
#   images](https://www.cs.toronto.edu/~kriz/learning-features-2009-TR.pdf), technical report,
#   2009 (CIFAR-10).
# - P. Ramachandran, B. Zoph, Q. V. Le, [Searching for activation
#   functions](https://arxiv.org/abs/1710.05941), 2017 (Swish).
# - S. Ioffe, C. Szegedy, [Batch normalization: accelerating deep network training by reducing
#   internal covariate shift](https://arxiv.org/abs/1502.03167), ICML 2015.
# - G. Klambauer, T. Unterthiner, A. Mayr, S. Hochreiter, [Self-normalizing neural
#   networks](https://arxiv.org/abs/1706.02515), NeurIPS 2017 (SELU, LeCun normal, alpha dropout).
# - Y. Gal, Z. Ghahramani, [Dropout as a Bayesian approximation](https://arxiv.org/abs/1506.02142),
#   ICML 2016 (MC dropout).
# - L. N. Smith, [A disciplined approach to neural network hyper-parameters: part
#   1](https://arxiv.org/abs/1803.09820), 2018 (1cycle).
# - I. Loshchilov, F. Hutter, [Decoupled weight decay regularization](https://arxiv.org/abs/1711.05101),
#   ICLR 2019 (AdamW, in the default configuration).
