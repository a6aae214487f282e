# %% [markdown]
# # 5. Reusing pretrained layers
#
# Companion to *Hands-On Machine Learning* (3rd edition), chapter 11, "Reusing Pretrained Layers".
#
# **You will learn**
# - how to reuse the lower layers of a trained Keras model for a new task (*transfer learning*)
#   without damaging the original: save and load it, clone it, copy its weights;
# - how to freeze the reused layers, train the new output layer, then unfreeze and fine-tune
#   with a lower learning rate, and why `compile` must come after every change of `trainable`;
# - what `trainable = False` does to a `BatchNormalization` layer in Keras 3;
# - how to measure whether transfer helps: over many seeds and several reasonable choices, so
#   that one lucky run cannot decide;
# - three ways to pretrain when no model for a similar task exists: an autoencoder on unlabeled
#   images, an auxiliary task with cheap labels, and a self-supervised pretext task;
# - how the pretrained models of `keras.applications` are built and plugged in.
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

ex = utils.setup("reusing_pretrained_layers")

# %% [markdown]
# ## 5.1 Two tasks, one dataset
#
# Training a large network from scratch is rarely the first thing to try. If someone trained a
# network for a similar task, its lower layers already detect useful features, and a new
# network can start from them: this is *transfer learning*. It needs less data, and less
# training, than starting from random weights, *when it works*. This section builds the
# chapter's small example on Fashion-MNIST, and then asks how often it works.
#
# Split the ten classes in two:
#
# - **task A**: the eight classes other than *T-shirt/top* and *Pullover*, with all their
#   training images. Someone trained a model on it: model A.
# - **task B**: tell pullovers (positive) from T-shirts (negative), with only the first **200**
#   labeled training images.
#
# Task B is hard for two reasons. Its two classes are both tops, of similar shapes and
# brightness, told apart mostly by the sleeves. And model A never saw either class: what it
# learned about coats and shirts may or may not carry over.

# %% tags=["demo"]
data = utils.load_fashion_mnist()


def split_tasks(b_classes, positive, b_train_size=200):
    """Task A: the other eight classes, relabeled 0-7; task B: is the image of class `positive`? (few training images)."""
    a_classes = [k for k in range(10) if k not in b_classes]
    a_label = np.zeros(10, dtype=np.int64)
    a_label[a_classes] = np.arange(len(a_classes))  # old class -> its label in task A

    def split(X, y):
        """(A's images and labels, B's images and labels) of one part of the data."""
        in_b = np.isin(y, b_classes)
        return (X[~in_b], a_label[y[~in_b]]), (X[in_b], (y[in_b] == positive).astype(np.float32))

    A_train, B_train = split(*data.train)
    A_valid, B_valid = split(*data.valid)
    A_test, B_test = split(*data.test)
    a_names = tuple(data.class_names[k] for k in a_classes)
    b_names = tuple(data.class_names[k] for k in b_classes if k != positive) + (data.class_names[positive],)
    task_A = utils.FashionMNIST(A_train, A_valid, A_test, class_names=a_names)
    task_B = utils.FashionMNIST(tuple(part[:b_train_size] for part in B_train), B_valid, B_test, class_names=b_names)
    return task_A, task_B


task_A, task_B = split_tasks(b_classes=[0, 2], positive=2)
print("task A:", task_A)
print("task B:", task_B, "labels:", dict(enumerate(task_B.class_names)))

# %% [markdown]
# Some of task B's training images, with their labels:

# %% tags=["demo"]
fig, axes = plt.subplots(2, 8, figsize=(10, 2.9))
for ax, image, label in zip(axes.flat, *task_B.train, strict=False):
    ax.imshow(image, cmap="binary")
    ax.set_title(task_B.class_names[int(label)], fontsize=9)
    ax.axis("off")
utils.save_fig("task_b_images")

# %% [markdown]
# ### Model A
#
# Model A is the chapter's network: three hidden layers of 100 ReLU units with He
# initialization, and an 8-way softmax output. We train it with Nadam (section 6) for 5 epochs
# on batches of 128 images, quicker than the book's 20 epochs of plain SGD at 0.001 on batches
# of 32, after which the book's notebook stores a validation accuracy of 0.9027 for model A (it
# does not test it). Our model A is trained differently, so its features differ too; section
# 5.4 compares the results. (About 5 seconds in full mode.)

# %% tags=["demo"]
model_A = utils.deep_mlp(3, 100, "relu", "he_normal", n_outputs=8)
model_A.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
model_A.fit(*task_A.train, epochs=5, batch_size=128, validation_data=task_A.valid, verbose=0,
            callbacks=[utils.LiveProgress("model A")])
accuracy_A = model_A.evaluate(*task_A.test, verbose=0)[1]
print(f"model A: test accuracy {accuracy_A:.4f} on task A")

# %% [markdown]
# Whoever trained model A would save it. Keras 3's native format is a single `.keras` file (a
# zip of the architecture, the weights and the optimizer's state); `keras.models.load_model`
# gives back an identical model. `utils.model_path` names a file in `models/`, a folder git
# ignores.

# %% tags=["demo"]
path_A = utils.model_path("model_A")
model_A.save(path_A)
loaded_A = keras.models.load_model(path_A)
same = np.array_equal(model_A.predict(task_A.test[0], verbose=0), loaded_A.predict(task_A.test[0], verbose=0))
print(f"saved to {path_A.relative_to(path_A.parents[1])}; the loaded model predicts exactly the same: {same}")
model_A = loaded_A

# %% [markdown]
# ## 5.2 Reuse the layers, not the model
#
# The shortest way to build model B-on-A is to take model A's layers, all but its output layer,
# and put a new output layer on top: one sigmoid unit for task B's yes-or-no answer. That is
# a trap. A Keras layer is an object that owns its weights, and a list of layers passed to
# `Sequential` is not copied: the new model *shares* the layers with model A. Watch what
# training B does to A:

# %% tags=["demo"]
shared = keras.Sequential([*model_A.layers[:-1], keras.layers.Dense(1, activation="sigmoid")])
print("shares the first hidden layer with model A:", shared.layers[1] is model_A.layers[1])

kernels_before = [layer.get_weights()[0] for layer in model_A.layers[1:]]
shared.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.03))
shared.fit(*task_B.train, epochs=10, verbose=0)
kernels_after = [layer.get_weights()[0] for layer in model_A.layers[1:]]
changed = np.mean(np.concatenate([(b != a).ravel() for b, a in zip(kernels_before, kernels_after, strict=True)]))
print(f"model A's kernel weights changed by training B: {changed:.1%}")
print(f"model A's test accuracy on task A: {accuracy_A:.4f} before, "
      f"{model_A.evaluate(*task_A.test, verbose=0)[1]:.4f} after")

# %% [markdown]
# Training the shared model changed most of model A's kernel weights, and model A got worse at its
# own task. Had we gone on
# to compare A and B-on-A, or saved A again, we would have worked with a damaged model without
# noticing. Luckily we saved model A: load it back.
#
# The fix is to reuse *copies* of the layers. `keras.models.clone_model` builds a new model with
# the same architecture, but new layers with freshly initialized weights; `set_weights` then
# copies model A's weights into it:

# %% tags=["demo"]
model_A = keras.models.load_model(path_A)
print(f"model A reloaded: test accuracy {model_A.evaluate(*task_A.test, verbose=0)[1]:.4f}")

model_A_copy = keras.models.clone_model(model_A)
model_A_copy.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # for evaluate() only
print(f"the clone, as built:        test accuracy {model_A_copy.evaluate(*task_A.test, verbose=0)[1]:.4f}")
model_A_copy.set_weights(model_A.get_weights())
print(f"after copying the weights:  test accuracy {model_A_copy.evaluate(*task_A.test, verbose=0)[1]:.4f}")
print("shares a layer with model A:", any(layer in model_A.layers for layer in model_A_copy.layers))

# %% [markdown]
# The clone alone, with its fresh random weights, does no better than chance (one in eight);
# with the weights copied it is model A again, and it shares nothing with it.
#
# ## 5.3 Freeze, train the new layer, unfreeze, fine-tune
#
# Model B-on-A is then the copy's layers, all but the output layer, and a new output layer:

# %% tags=["demo"]
model_B_on_A = keras.Sequential([keras.Input((28, 28)), *model_A_copy.layers[:-1],
                                 keras.layers.Dense(1, activation="sigmoid")])


def trainable_params(model):
    """How many numbers gradient descent may change in ``model``."""
    return sum(int(np.prod(variable.shape)) for variable in model.trainable_weights)


print(f"{trainable_params(model_B_on_A):,} trainable parameters of {model_B_on_A.count_params():,}")

# %% [markdown]
# The new output layer starts from random weights, so its first predictions are poor and its
# error gradients large. Backpropagated into the reused layers, they would change those layers
# a lot, and wreck some of what model A learned before the new layer has caught up. So the
# usual recipe has two phases:
#
# 1. **Freeze** the reused layers (`layer.trainable = False`), compile, and train a few epochs:
#    only the new output layer learns.
# 2. **Unfreeze** them, compile again with a **lower learning rate**, and train on: the whole
#    network adapts to task B, in small steps that keep most of what the reused layers knew.
#
# Freezing changes which weights are trainable, and so the count of trainable parameters (we
# only count with `model_B_on_A`; the trainings below build fresh copies):

# %% tags=["demo"]
for layer in model_B_on_A.layers[:-1]:
    layer.trainable = False
print(f"frozen:   {trainable_params(model_B_on_A):,} trainable parameters (the new output layer: 100 weights + 1 bias)")
for layer in model_B_on_A.layers[:-1]:
    layer.trainable = True
print(f"unfrozen: {trainable_params(model_B_on_A):,} trainable parameters")

# %% [markdown]
# ### Compile after changing `trainable`
#
# The book's rule is to compile the model after every freeze or unfreeze. Here is what happens
# in Keras 3 when you don't. The first `fit` after `compile` builds the training step, and that
# step keeps the list of trainable weights it was built with. Let's check it on B-on-A, copying
# its weights before and after each `fit`. First, four small helpers:

# %% tags=["demo"]
def hidden_changed(model, epochs=2):
    """Train ``model`` on task B for a moment; did the reused (hidden) layers' weights move?"""
    before = [weight for layer in model.layers[:-1] for weight in layer.get_weights()]
    model.fit(*task_B.train, epochs=epochs, verbose=0)
    after = [weight for layer in model.layers[:-1] for weight in layer.get_weights()]
    return any(not np.array_equal(b, a) for b, a in zip(before, after, strict=True))


def b_on_a_copy():
    """A fresh B-on-A: copies of model A's hidden layers (weights included) and a new output layer."""
    copy = keras.models.clone_model(model_A)
    copy.set_weights(model_A.get_weights())
    return keras.Sequential([keras.Input((28, 28)), *copy.layers[:-1], keras.layers.Dense(1, activation="sigmoid")])


def recompile(model, learning_rate=0.01):
    """Compile for task B with a new SGD optimizer."""
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=learning_rate))


def set_hidden_trainable(model, trainable):
    """Freeze (False) or unfreeze (True) every layer but the output layer."""
    for layer in model.layers[:-1]:
        layer.trainable = trainable


# %% tags=["demo"]
trials = {}
model = b_on_a_copy()
set_hidden_trainable(model, False)
recompile(model)
trials["frozen, compiled: the reused layers move?"] = hidden_changed(model)
set_hidden_trainable(model, True)
trials["then unfrozen, NOT compiled again: they move?"] = hidden_changed(model)
recompile(model, 0.001)
trials["then compiled again: they move?"] = hidden_changed(model)
model = b_on_a_copy()
recompile(model)
hidden_changed(model)
set_hidden_trainable(model, False)
trials["trained unfrozen, then frozen, NOT compiled again: they move?"] = hidden_changed(model)
for question, answer in trials.items():
    print(f"{question:<62}  {'yes' if answer else 'no'}")

# %% [markdown]
# Forgetting to compile is silent both ways (Keras 3.15 gives no warning). Unfreeze without compiling, and the fine-tuning
# phase quietly trains only the output layer; freeze without compiling after training, and the
# "frozen" layers go on learning. Compiling after each change is the rule that keeps
# `trainable` meaning what it says. (Before the first `fit`, a change does take effect even
# without compiling, because nothing has been built yet; do not rely on it.)
#
# Compile with a **new** optimizer. A Keras 3 optimizer creates its state (step count, and for
# momentum or Adam one slot per weight) for the variables of its first step, and refuses others:

# %% tags=["demo"]
model = b_on_a_copy()
set_hidden_trainable(model, False)
optimizer = keras.optimizers.SGD(learning_rate=0.01)
model.compile(loss="binary_crossentropy", optimizer=optimizer)
model.fit(*task_B.train, epochs=1, verbose=0)
set_hidden_trainable(model, True)
model.compile(loss="binary_crossentropy", optimizer=optimizer)  # the same optimizer object
try:
    model.fit(*task_B.train, epochs=1, verbose=0)
except ValueError as error:
    print("ValueError: ...", ". ".join(str(error).split(". ")[1:]))

# %% [markdown]
# ### Frozen batch normalization runs in inference mode
#
# A `BatchNormalization` layer (section 3) has two kinds of variables: γ and β, which gradient
# descent trains, and the moving mean and variance, which the layer updates itself in training
# mode. What should freezing it mean? In Keras 3, `trainable = False` on a BN layer makes it run
# **in inference mode**, even when called with `training=True`: it normalizes with its moving
# statistics, and stops updating them. On a small model:

# %% tags=["demo"]
bn_model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(16),
                             keras.layers.BatchNormalization(), keras.layers.Dense(1, activation="sigmoid")])
bn = bn_model.layers[2]
images = task_B.train[0][:64]
for trainable in (True, False):
    bn.trainable = trainable
    recompile(bn_model)
    mean_before = bn.moving_mean.numpy().copy()
    bn_model.fit(*task_B.train, epochs=1, verbose=0)
    moved = not np.array_equal(mean_before, bn.moving_mean.numpy())
    z = bn_model.layers[1](bn_model.layers[0](images))  # what the BN layer receives
    gap = np.abs(bn(z, training=True) - bn(z, training=False)).max()
    print(f"trainable={trainable!s:>5}: moving mean updated by fit: {'yes' if moved else 'no':>3}; "
          f"largest gap between training=True and training=False outputs: {gap:.3g}")

# %% [markdown]
# Frozen, the layer's outputs in training mode are exactly its inference outputs, and `fit` no
# longer touches its statistics. This is deliberate: when you fine-tune a pretrained network
# that contains BN layers, on a small dataset, new batch statistics would shift every
# normalization the layers above were trained with. Keras's transfer-learning guide adds a
# second rule for the fine-tuning phase: call the pretrained base with `training=False`, so its
# BN layers stay in inference mode even after you unfreeze it (section 5.8 shows where).
#
# ### ✍️ Exercise 1: build B-on-A
#
# Write `b_on_a(model_A, n_reused)`: it returns a new model, ready for the first phase, that
# - reuses **copies** of the first `n_reused` hidden layers of `model_A` (and the `Flatten`
#   layer before them), with model A's weights, so that training it never changes `model_A`;
# - ends with a new output layer for task B (one sigmoid unit);
# - has the reused layers frozen and the new layer trainable;
# - is compiled for task B (binary cross-entropy), with the optimizer of your choice, after
#   freezing (the rule above).
#
# `model_A` is a `Sequential` model like ours: `Flatten`, hidden `Dense` layers, an output
# `Dense` layer. The check builds a small model A of its own, calls your function, and trains
# what it returns for one step.

# %%
# BEGIN SOLUTION b_on_a
# STUB: def b_on_a(model_A, n_reused):
# STUB:     ...
def b_on_a(model_A, n_reused):
    """Copies of model A's Flatten and first n_reused hidden layers, frozen, then a new sigmoid output."""
    clone = keras.models.clone_model(model_A)  # new layers: training them leaves model_A alone
    clone.set_weights(model_A.get_weights())  # clone_model does not copy weights
    reused = clone.layers[: 1 + n_reused]  # Flatten, then n_reused hidden layers
    for reused_layer in reused:
        reused_layer.trainable = False
    head = keras.layers.Dense(1, activation="sigmoid")  # task B: one probability
    model_B = keras.Sequential([keras.Input(model_A.input_shape[1:]), *reused, head])
    model_B.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.03))  # after freezing
    return model_B
# END SOLUTION


# %% tags=["nbval-check-output"]
# ex.b_on_a.hint()
# ex.b_on_a.solution()
ex.b_on_a.check(b_on_a)

# %% [markdown]
# ### ✍️ Exercise 2: count what trains
#
# Model B-on-A reuses all three hidden layers of model A (784 inputs, three hidden layers of
# 100 units, then one sigmoid unit). Instead of freezing all three, you freeze only the first
# two, and leave the third hidden layer trainable along with the output layer. How many
# trainable parameters does the model have? Work it out by hand; store it in `n_trainable`.

# %%
# BEGIN SOLUTION trainable_count
# STUB: n_trainable = ...
# The third hidden layer: 100 × 100 weights and 100 biases; the output layer: 100 weights and 1 bias.
n_trainable = (100 * 100 + 100) + (100 * 1 + 1)
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.trainable_count.hint()
# ex.trainable_count.solution()
ex.trainable_count.check(n_trainable)

# %% [markdown]
# Once your answer passes, Keras confirms it:

# %% tags=["nbval-check-output", "demo"]
if ex.trainable_count.solved(n_trainable):
    model = b_on_a_copy()
    for layer in model.layers[:3]:  # Flatten and the first two hidden layers
        layer.trainable = False
    print(f"{trainable_params(model):,} trainable parameters")

# %% [markdown]
# ### ✍️ Exercise 3: the second phase
#
# Write `fine_tune(model)`: it takes a B-on-A model after its first phase (reused layers
# frozen, compiled, trained a few epochs) and makes it ready for the second: every layer
# trainable, compiled again with a learning rate lower than the one of the first phase (read
# it from `model.optimizer.learning_rate`). It may return the model, or nothing.

# %%
# BEGIN SOLUTION fine_tune
# STUB: def fine_tune(model):
# STUB:     ...
def fine_tune(model):
    """Unfreeze every layer and compile again with a new optimizer at a tenth of the first phase's rate, in place."""
    rate = float(model.optimizer.learning_rate)
    for each_layer in model.layers:
        each_layer.trainable = True
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=rate / 10))  # a new optimizer
# END SOLUTION


# %% tags=["nbval-check-output"]
# ex.fine_tune.hint()
# ex.fine_tune.solution()
ex.fine_tune.check(fine_tune)

# %% [markdown]
# ### ✍️ Exercise 4: why two phases?
#
# Which of these statements are true? Answer with the letters, for instance `"ab"`.
#
# - **a**: Freezing the reused layers for the first epochs is a precaution: it keeps the new
#   output layer's early, random error gradients out of them, though on an easy task it may
#   make no measurable difference.
# - **b**: The reused layers must stay frozen for good, or model A forgets task A.
# - **c**: Once unfrozen, the reused layers start from useful weights; a lower learning rate
#   keeps each step small, so that fine-tuning adjusts them rather than overwriting them.
# - **d**: The more labeled data task B has, the more of the reused layers it pays to unfreeze.
# - **e**: A lower learning rate after unfreezing makes each epoch faster.

# %%
# BEGIN SOLUTION why_two_phases
# STUB: true_statements = ...
true_statements = "acd"
# END SOLUTION

# %% tags=["nbval-check-output"]
# ex.why_two_phases.hint()
# ex.why_two_phases.solution()
ex.why_two_phases.check(true_statements)

# %% [markdown]
# ## 5.4 Measure, don't torture
#
# The book ran B-on-A once, found a large error-rate reduction, and then confessed: it had tried
# many configurations and seeds until one looked good, "torturing the data until it
# confesses". The *error-rate reduction* is (error of B from scratch − error of B-on-A) / error
# of B from scratch; it is a good way to say how much better a model got, and a dangerous
# number to report from a single run. Let's measure it the honest way, over 10 seeds for each
# model, and over several reasonable choices.
#
# **Making 10 seeds cheap.** Task B has 200 images: 7 mini-batches per epoch, which a CPU
# computes in a few milliseconds. What costs time is Keras's bookkeeping around each epoch and
# the tracing of the training step at the first `fit` after each `compile`. Three things avoid
# both:
#
# - `utils.epochs_in_one_pass(X, y, epochs)` is a `tf.data` pipeline that reshuffles the
#   images at every epoch and repeats them: one `fit` over it trains all the epochs in one pass
#   (`fit` ignores its `shuffle` argument for a dataset, and warns unless it is `False`);
# - `utils.reuse_layers(source, n_hidden, head)` makes copies of a model's first `n_hidden`
#   hidden layers, with their weights, under a new output layer: what your `b_on_a` does before
#   freezing;
# - each phase of B-on-A is a model of its own, and `over_seeds(..., build=...)` traces each
#   one's training step once per configuration, then restarts the same models for every seed.
#   At the end of phase 1, its weights move into the phase-2 model, which was compiled with
#   every layer trainable: the same recipe as above, without tracing again at each seed.
#
# Every comparison below shows the spread over seeds, measured on one fixed set of test images:
# the luck of which images happen to be in that set is not part of the spread.
#
# Every run is scored on task B's validation images (the ones we may look at while choosing a
# configuration) and on its test images (the ones we report at the end).

# %% tags=["demo"]
EPOCHS = utils.full_or_quick(20, quick=5)  # as in the book, for both ways of training B; quick mode: 5


def compiled(model, learning_rate):
    """``model`` compiled for task B, with plain SGD at ``learning_rate``."""
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                  metrics=["accuracy"])
    return model


def scores(model, task):
    """Accuracy on the task's validation and test images."""
    return {"val_accuracy": utils.binary_accuracy(model, *task.valid),
            "test_accuracy": utils.binary_accuracy(model, *task.test)}


def build_scratch(config):
    """Model B from scratch: model A's architecture with one sigmoid output."""
    model = utils.deep_mlp(3, 100, "relu", "he_normal", n_outputs=1, output="sigmoid")
    return compiled(model, config["rate"])


def train_scratch(model, config, callbacks):
    """Train B from scratch for all the epochs."""
    task = config["task"]
    model.fit(utils.epochs_in_one_pass(*task.train, EPOCHS), shuffle=False, verbose=0, callbacks=callbacks)
    return scores(model, task)


def build_b_on_a(config):
    """The two phases of B-on-A, each compiled once: reused layers frozen; then every layer trainable."""
    phases = []
    for rate, trainable in zip(config["rates"], (False, True), strict=True):
        model = utils.reuse_layers(config["source"], config["reused"], keras.layers.Dense(1, activation="sigmoid"))
        set_hidden_trainable(model, trainable)
        phases.append(compiled(model, rate))
    return tuple(phases)


def train_b_on_a(phases, config, callbacks):
    """Phase 1 (frozen) for ``frozen_epochs``, then phase 2 (fine-tuning) for the remaining epochs."""
    frozen, tuned = phases
    task, frozen_epochs = config["task"], config["frozen_epochs"]
    if frozen_epochs:
        frozen.fit(utils.epochs_in_one_pass(*task.train, frozen_epochs), shuffle=False, verbose=0, callbacks=callbacks)
    tuned.set_weights(frozen.get_weights())
    if frozen_epochs < EPOCHS:
        tuned.fit(utils.epochs_in_one_pass(*task.train, EPOCHS - frozen_epochs), shuffle=False, verbose=0,
                  callbacks=callbacks)
    return scores(tuned, task)

# %% [markdown]
# ### The book's recipe, over 10 seeds
#
# The book trains both models with plain SGD at a learning rate of 0.001, freezes the reused
# layers for 4 epochs, and fine-tunes for 16. Same here (about 10 seconds in full mode):

# %% tags=["demo"]
book_transfer = {"source": model_A, "reused": 3, "rates": (0.001, 0.001), "frozen_epochs": 4, "task": task_B}
book = pd.concat([
    utils.over_seeds(train_scratch, {"scratch, rate 0.001": {"rate": 0.001, "task": task_B}}, seeds=10,
                     build=build_scratch),
    utils.over_seeds(train_b_on_a, {"B-on-A, rates 0.001/0.001": book_transfer}, seeds=10, build=build_b_on_a),
])
utils.spread(book, "test_accuracy").round(4)


# %% [markdown]
# B-on-A does better on average, and seed by seed:

# %% tags=["demo"]
print(utils.compare(book, "test_accuracy", "B-on-A, rates 0.001/0.001", "scratch, rate 0.001"))

# %% [markdown]
# The book's notebook (ageron/handson-ml3) stores one run of each: B from scratch at 0.9185
# and B-on-A at 0.9385 test accuracy, an error-rate reduction of about 25%. Both single runs
# land inside the range of our 10 seeds for the same recipe (the spread table above), even
# though our model A was trained differently. How much better would a single experiment have
# said? Each
# pair of runs (one seed of B from scratch, one seed of B-on-A) is one experiment the book could
# have run and reported: 10 × 10 = 100 of them.

# %% tags=["demo"]
def errors_of(table, name, metric="test_accuracy"):
    """1 − accuracy of each seed of configuration ``name``."""
    return 1 - table.loc[table["config"] == name, metric].to_numpy()


def error_rate_reductions(table, scratch, transfer):
    """The error-rate reduction of every (scratch seed, transfer seed) pair, as the book would have reported it."""
    scratch_errors, transfer_errors = errors_of(table, scratch), errors_of(table, transfer)
    return ((scratch_errors[:, None] - transfer_errors[None, :]) / scratch_errors[:, None]).ravel()


def summarize_reductions(reductions, scratch_errors, transfer_errors):
    """The spread of single-experiment reductions, and the reduction of the mean error rates."""
    overall = 1 - transfer_errors.mean() / scratch_errors.mean()
    print(f"{len(reductions)} single experiments: error-rate reduction from {reductions.min():+.0%} to "
          f"{reductions.max():+.0%}, median {np.median(reductions):+.0%}; {np.mean(reductions < 0):.0%} of them "
          f"say transfer hurts.\nReduction of the mean error rates over the seeds: {overall:+.0%}")


book_reductions = error_rate_reductions(book, "scratch, rate 0.001", "B-on-A, rates 0.001/0.001")
summarize_reductions(book_reductions, errors_of(book, "scratch, rate 0.001"), errors_of(book, "B-on-A, rates 0.001/0.001"))
utils.plot_histogram(100 * book_reductions, {"no change": 0.0}, "error-rate reduction of one experiment (%)",
                     f"The book's recipe: {len(book_reductions)} single experiments")
utils.save_fig("book_recipe_reductions")

# %% [markdown]
# Every one of the single experiments favours transfer here, but they disagree on how much: a
# single one could have reported any reduction in the range printed above, which spans a factor
# of more than four. Only the whole distribution says what to expect.
#
# ### Is the baseline fair?
#
# There is a subtler way to flatter transfer: a weak baseline. A learning rate of 0.001 is low
# for plain SGD on 200 images. Is B from scratch held back by it? Train it with higher rates
# too, up to 0.1, so that the best can lie inside the grid, and choose on the **validation**
# images (about 15 seconds):

# %% tags=["demo"]
scratch_rates = utils.over_seeds(
    train_scratch, {f"scratch, rate {rate}": {"rate": rate, "task": task_B} for rate in (0.003, 0.01, 0.03, 0.1)},
    seeds=10, build=build_scratch,
)
scratch_all = pd.concat([book[book["config"] == "scratch, rate 0.001"], scratch_rates])
scratch_spread = utils.spread(scratch_all, "val_accuracy")
choice = utils.best_of_grid(scratch_all, "val_accuracy")
best_scratch = choice.best
print(choice)
scratch_spread.round(4)

# %% [markdown]
# Now B-on-A at higher rates too, as the recipe asks: a rate for the new output layer alone
# (phase 1), and a ten times lower one for fine-tuning (phase 2); and, around that choice, the
# others the chapter discusses: reuse fewer hidden layers (the upper ones are the most specific
# to task A), freeze for no epoch, or never unfreeze. Ten seeds each (about 20 seconds):

# %% tags=["demo"]
higher_rates = {**book_transfer, "rates": (0.03, 0.003)}
transfer_choices = utils.over_seeds(train_b_on_a, {
    "B-on-A, rates 0.03/0.003": higher_rates,
    "… reusing 2 hidden layers": {**higher_rates, "reused": 2},
    "… reusing 1 hidden layer": {**higher_rates, "reused": 1},
    "… frozen for 0 epochs": {**higher_rates, "frozen_epochs": 0},
    f"… frozen for all {EPOCHS} epochs": {**higher_rates, "frozen_epochs": EPOCHS},
}, seeds=10, build=build_b_on_a)
results = pd.concat([scratch_all, book[book["config"] != "scratch, rate 0.001"], transfer_choices])
utils.spread(results, "val_accuracy").round(4)

# %% [markdown]
# Every configuration, every seed, on the test images; each dot is one run, each bar the mean
# over the seeds:

# %% tags=["demo"]
utils.plot_runs(results, "test_accuracy", f"Task B (pullover vs T-shirt), test accuracy, {results.seed.nunique()} seeds each")
plt.gcf().set_size_inches(11, 4.2)
utils.save_fig("transfer_choices")

# %% [markdown]
# And the error-rate reduction of each B-on-A configuration against the best B from scratch
# (chosen on validation), over the 100 seed pairs:

# %% tags=["demo"]
def reduction_table(table, baseline, transfers, runner_up=None):
    """Per configuration: the reduction of the mean test error rates, and the range of the 100 single experiments."""
    rows = {}
    for name in transfers:
        single = error_rate_reductions(table, baseline, name)
        rows[name] = {"mean test error": errors_of(table, name).mean(),
                      "reduction of the mean error, %": 100 * (1 - errors_of(table, name).mean()
                                                               / errors_of(table, baseline).mean()),
                      "single experiments: lowest, %": 100 * single.min(), "median, %": 100 * np.median(single),
                      "highest, %": 100 * single.max(), "% of them < 0": 100 * np.mean(single < 0)}
        if runner_up:
            rows[name]["reduction vs the runner-up baseline, %"] = 100 * (
                1 - errors_of(table, name).mean() / errors_of(table, runner_up).mean())
    table = pd.DataFrame(rows).T
    return table.round({column: 4 if column == "mean test error" else 0 for column in table.columns})


transfers = [name for name in dict.fromkeys(results["config"]) if name.startswith(("B-on-A", "…"))]
runner_up = scratch_spread["mean"].drop(best_scratch).idxmax()
print(f"baseline: {best_scratch}, mean test error {errors_of(results, best_scratch).mean():.4f}; "
      f"runner-up: {runner_up}, {errors_of(results, runner_up).mean():.4f}")
reduction_table(results, best_scratch, transfers, runner_up)

# %% [markdown]
# The reductions are one way to read the runs. The verdicts come from the paired differences
# of test accuracy, each B-on-A configuration against the chosen baseline and against the
# runner-up (difference = configuration − baseline):

# %% tags=["demo"]
verdicts = pd.concat(
    {f"against {baseline}": utils.compare_all(results, "test_accuracy", baseline).loc[transfers, ["difference", "verdict"]]
     for baseline in (best_scratch, runner_up)},
    axis=1,
).round(4)
for choice in ("… reusing 2 hidden layers", "… reusing 1 hidden layer", "… frozen for 0 epochs"):
    print(utils.compare(results, "test_accuracy", choice, "B-on-A, rates 0.03/0.003"))
verdicts

# %% [markdown]
# Read the tables together (your numbers are in the outputs above; the stored ones come from a
# full-mode run):
#
# - The book's baseline was held back by its learning rate. Chosen on validation, B from scratch
#   trains best at 0.03, inside the grid (at 0.1 some seeds fail: see its min), and closes the
#   whole gap: against it, the book's recipe (whose rate of 0.001 now holds back B-on-A) could
#   not be told apart from training from scratch, its mean error rate is a little higher, and
#   most of its single experiments say transfer hurts.
# - With higher rates, B-on-A is better than the baseline, by the paired verdict, but modestly:
#   about a tenth of the error rate on average, with about a fifth of the single experiments on
#   the wrong side of zero.
# - Among the choices, reusing two hidden layers had the highest mean: it is better than the
#   baseline, and better than reusing all three (the first line printed above the verdict
#   table). These runs do not show a simple "the fewer top layers, the better": reusing one
#   layer could not be told apart from reusing three. Freezing for no epoch
#   changes two things at once (the new layer then only ever trains at the lower rate), so its
#   row says nothing about freezing alone; the next experiment isolates it. Never unfreezing
#   could not be told apart from training from scratch: a plausible reading is that model A's
#   top layer is too specific to task A to serve unchanged.
# - Whichever configuration you pick, a single pair of runs can tell a story from "transfer
#   hurts" to "transfer removes a quarter to two fifths of the errors": see the lowest and
#   highest columns.
# - The baseline itself is a choice: scratch at 0.01 and at 0.03 are within each other's spread
#   on validation. Against the runner-up, some verdicts change (compare the two halves of the
#   verdict table: reusing one hidden layer turns "better"), and the never-unfrozen row's mean
#   difference changes sign. A verdict leans on the choice of baseline, not only its size.
#
# ### Does freezing first protect the reused layers?
#
# Exercise 4's statement a says it should, while the new output layer is random. The row
# "frozen for 0 epochs" above cannot test it: it also trains the new layer at the low rate
# from the start, so two things change at once. Here are two fair pairs, each changing one
# thing, whether the reused layers are frozen for the first 4 of the 20 epochs, at one rate
# throughout: 0.003 (the fine-tuning rate) and 0.03 (ten times higher). Ten seeds each, about 15
# seconds:

# %% tags=["demo"]
freezing = utils.over_seeds(train_b_on_a, {
    "frozen 4 epochs, rate 0.003": {**higher_rates, "rates": (0.003, 0.003)},
    "never frozen, rate 0.003": {**higher_rates, "rates": (0.003, 0.003), "frozen_epochs": 0},
    "frozen 4 epochs, rate 0.03": {**higher_rates, "rates": (0.03, 0.03)},
    "never frozen, rate 0.03": {**higher_rates, "rates": (0.03, 0.03), "frozen_epochs": 0},
}, seeds=10, build=build_b_on_a)
for rate in ("0.003", "0.03"):
    print(utils.compare(freezing, "test_accuracy", f"frozen 4 epochs, rate {rate}", f"never frozen, rate {rate}"))

# %% [markdown]
# At neither rate could these 10 seeds tell freezing first from not freezing; at the higher
# rate, not freezing even did a little better on average. So the shield of exercise 4's
# statement a is a precaution that did not matter on this small, easy task, where the new
# output layer catches up within a few steps either way. It costs little (frozen layers need
# no weight gradients), and it matters more where the reused layers are worth more than here
# and the new layers are larger, as in the chapter's image models (section 5.8).
#
# ### Another task B
#
# Is the result a property of transfer, or of pullovers and T-shirts? Redo the comparison with
# another pair of classes: sandals (negative) against sneakers (positive), with a model A'
# trained on the other eight classes (ankle boots among them). A' needs about 5 seconds, the
# runs about 15:

# %% tags=["demo"]
task_A2, task_B2 = split_tasks(b_classes=[5, 7], positive=7)
model_A2 = utils.deep_mlp(3, 100, "relu", "he_normal", n_outputs=8)
model_A2.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
model_A2.fit(*task_A2.train, epochs=5, batch_size=128, verbose=0, callbacks=[utils.LiveProgress("model A'")])
print(f"model A': test accuracy {model_A2.evaluate(*task_A2.test, verbose=0)[1]:.4f} on its eight classes")

sandals = pd.concat([
    utils.over_seeds(train_scratch, {f"scratch, rate {rate}": {"rate": rate, "task": task_B2} for rate in (0.001, 0.03)},
                     seeds=10, build=build_scratch),
    utils.over_seeds(train_b_on_a, {
        "B-on-A', rates 0.001/0.001": {**book_transfer, "source": model_A2, "task": task_B2},
        "B-on-A', rates 0.03/0.003": {**higher_rates, "source": model_A2, "task": task_B2},
    }, seeds=10, build=build_b_on_a),
])
utils.spread(sandals, "test_accuracy").round(4)

# %% tags=["demo"]
best_sandals = utils.spread(sandals[sandals["config"].str.startswith("scratch")], "val_accuracy")["mean"].idxmax()
print(f"baseline: {best_sandals}")
reduction_table(sandals, best_sandals, ["B-on-A', rates 0.001/0.001", "B-on-A', rates 0.03/0.003"])

# %% [markdown]
# On this pair, transfer *hurts*, at both sets of rates, in all 200 single experiments (100 per
# set of rates), with settings carried over from the pullover task rather than tuned for this
# one. Presumably model A' learned features that set footwear apart from clothes and bags, where
# sandals and sneakers look alike, rather than features that tell them apart; and a dense layer's
# features are tied to pixel positions, so they carry over only where the same patterns sit in
# the same places. Note also how badly the book's rate of 0.001 trains B from scratch on this
# pair: a weak baseline would again have flattered transfer.
#
# **What the whole distribution supports.** On this data, with these small dense networks,
# transfer from a model trained on other classes gave a modest gain on one pair of classes and
# a clear loss on another; a weak baseline, one seed, or one choice of classes can each turn
# that into a striking result either way. This agrees with the chapter's conclusion: transfer
# learning does not work very well with small dense networks, whose few, specific features
# rarely suit another task. It works best with deep convolutional networks, whose lower layers
# detect general features (edges, textures) that most image tasks need; Yosinski et al. (2014)
# measured how the transferability of features falls from the lower layers to the upper ones.
#
# ## 5.5 Unsupervised pretraining
#
# No model for a similar task? Labels are often the expensive part: images are cheap, someone
# has to say what each one shows. With plenty of unlabeled images and few labels, train a
# model that needs no labels on all the images, then reuse its lower layers for the labeled
# task. Until about 2010 this was the norm for deep fully connected networks: Hinton et al.
# (2006) pretrained one layer at a time (*greedy layer-wise pretraining*, with restricted
# Boltzmann machines), and Bengio et al. (2006) did the same with autoencoders; Erhan et al.
# (2010) found that the pretraining acts as a regularizer, steering the weights to a region
# that generalizes better. Today one trains the whole unsupervised model at once.
#
# Our unlabeled images: the 55,000 training images, labels ignored. An **autoencoder** learns
# to reproduce its input through a narrow middle: its encoder, model A's architecture without
# the output layer, must keep what matters about an image in 100 numbers, and its decoder maps
# them back to 784 pixels. (About 10 seconds.)

# %% tags=["demo"]
X_unlabeled = data.train[0]
hidden = [keras.layers.Dense(100, activation="relu", kernel_initializer="he_normal") for _ in range(3)]
encoder = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), *hidden])  # model A without its output
decoder = keras.Sequential([keras.Input((100,)), keras.layers.Dense(100, activation="relu", kernel_initializer="he_normal"),
                            keras.layers.Dense(28 * 28, activation="sigmoid"), keras.layers.Reshape((28, 28))])
autoencoder = keras.Sequential([keras.Input((28, 28)), encoder, decoder])
autoencoder.compile(loss="binary_crossentropy", optimizer="nadam")  # pixels in [0, 1]
autoencoder.fit(X_unlabeled, X_unlabeled, epochs=3, batch_size=128, verbose=0,
                callbacks=[utils.LiveProgress("autoencoder")])

fig, axes = plt.subplots(2, 8, figsize=(10, 2.6))
for column, image in enumerate(task_B.test[0][:8]):
    axes[0, column].imshow(image, cmap="binary")
    axes[1, column].imshow(autoencoder(image[None], training=False)[0], cmap="binary")
for ax in axes.flat:
    ax.axis("off")
axes[0, 0].set_title("original", fontsize=9, loc="left")
axes[1, 0].set_title("reconstructed", fontsize=9, loc="left")
utils.save_fig("autoencoder_reconstructions")

# %% [markdown]
# The reconstructions keep the shapes, sleeves included. The encoder's three layers become the
# reused layers of model B-on-autoencoder, trained with the same two-phase recipe and rates as
# B-on-A. We compare it below, with the other two pretrainings.
#
# ## 5.6 Pretraining on an auxiliary task
#
# Another way around the missing labels: train a first network on an *auxiliary* task whose
# labels come cheap, then reuse its lower layers. The book's example is face recognition with a
# few pictures per person: a network first learns, on many pictures of many people, whether two
# pictures show the same person, and its lower layers learn to detect faces' features.
#
# On Fashion-MNIST, suppose a shop's catalogue files every product under a **department** (tops,
# trousers, dresses, shoes, bags), so the department of all 55,000 images comes for free, while
# the exact class would need someone to look. Departments cannot tell a pullover from a T-shirt
# (both are tops), but learning them might build features that help. (About 5 seconds.)

# %% tags=["demo"]
department_of = np.array([0, 1, 0, 2, 0, 3, 0, 3, 4, 3])  # class -> tops, trousers, dresses, shoes, bags
y_departments = department_of[data.train[1]]
departments = utils.deep_mlp(3, 100, "relu", "he_normal", n_outputs=5)
departments.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
departments.fit(X_unlabeled, y_departments, epochs=3, batch_size=128, verbose=0,
                callbacks=[utils.LiveProgress("department model")])
X_valid, y_valid = data.valid
accuracy = departments.evaluate(X_valid, department_of[y_valid], verbose=0)[1]
print(f"department model: {accuracy:.4f} of the validation images filed under the right department")

# %% [markdown]
# ## 5.7 Self-supervised learning
#
# A *self-supervised* task makes its labels from the data itself: hide part of each input and
# predict it (as language models do with words), or transform the input and predict the
# transformation. Gidaris et al. (2018) rotate each image by 0°, 90°, 180° or 270° and train a
# network to tell which rotation it sees: to answer, it must find the garment's top and bottom,
# its sleeves and its collar. Every one of the 55,000 images, rotated at random, is a free
# labeled example. (About 5 seconds.)

# %% tags=["demo"]
rotations = np.random.default_rng(0).integers(0, 4, size=len(X_unlabeled))  # the labels: quarter turns
X_rotated = np.stack([np.rot90(image, k) for image, k in zip(X_unlabeled, rotations, strict=True)])
rotation_model = utils.deep_mlp(3, 100, "relu", "he_normal", n_outputs=4)
rotation_model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
rotation_model.fit(X_rotated, rotations, epochs=3, batch_size=128, verbose=0,
                   callbacks=[utils.LiveProgress("rotation model")])
turns = np.random.default_rng(1).integers(0, 4, size=len(X_valid))
accuracy = rotation_model.evaluate(np.stack([np.rot90(image, k) for image, k in zip(X_valid, turns, strict=True)]),
                                   turns, verbose=0)[1]
print(f"rotation model: the right rotation for {accuracy:.4f} of the validation images, turned at random")

# %% [markdown]
# ### The three pretrainings, compared
#
# Each pretrained network lends its three hidden layers to task B, with the basic recipe of
# section 5.4 (rates 0.03, then 0.003; all three hidden layers; 4 frozen epochs), held fixed so
# that only the pretraining changes; it is not the B-on-A choice with the highest mean. Ten
# seeds each (about 15 seconds), against the best B from scratch and B-on-A with the same
# recipe; the spread table shows validation and test accuracy:

# %% tags=["demo"]
pretrained = utils.over_seeds(train_b_on_a, {
    "B-on-autoencoder": {**higher_rates, "source": encoder},
    "B-on-departments": {**higher_rates, "source": departments},
    "B-on-rotations": {**higher_rates, "source": rotation_model},
}, seeds=10, build=build_b_on_a)
compared = pd.concat([results[results["config"].isin([best_scratch, "B-on-A, rates 0.03/0.003"])], pretrained])
pd.concat({metric: utils.spread(compared, metric)[["mean", "std"]] for metric in ("val_accuracy", "test_accuracy")},
          axis=1).round(4)

# %% tags=["demo"]
print(f"baseline: {best_scratch}")
reduction_table(compared, best_scratch, ["B-on-A, rates 0.03/0.003", *dict.fromkeys(pretrained["config"])])

# %% tags=["demo"]
utils.plot_runs(compared, "test_accuracy",
                f"Task B, test accuracy: from scratch, and four pretrainings ({compared.seed.nunique()} seeds each)")
plt.gcf().set_size_inches(10, 4)
utils.save_fig("pretrainings_compared")

# %% [markdown]
# Each is measured against the same baseline and the same seeds of task B's training. The
# verdicts, each pretraining against the baseline on the test images:

# %% tags=["demo"]
utils.compare_all(compared, "test_accuracy", best_scratch).round(4)

# %% [markdown]
# On the test images, the department and rotation models lent layers that cut the mean error
# rate by a similar small share as model A's, but only model A's gain is one the seeds support:
# the intervals of the departments and the rotations reach just below zero, and the
# autoencoder's lies around it. On the validation images the picture is less tidy (the rotation
# model is then no better than the baseline), so these runs cannot rank the pretrainings.
#
# One more difference shows in the std columns: B-on-A's seeds spread less than the baseline's
# on the test images. Starting every run from the same reused weights may play a part, but it
# cannot be the whole story: B-on-autoencoder starts from fixed weights too, and its seeds
# spread more. These runs do not say why.
#
# Three caveats. Each pretrained network was trained once: the seeds vary task B's training,
# not the pretraining. The department labels do say something about T-shirts and pullovers
# (both are "tops"), and all three pretrainings saw the training set's T-shirts and pullovers,
# unlabeled, which model A never did. And the differences here are of the size of the
# test set's own luck.
#
# ## 5.8 Pretrained models from a model zoo
#
# For images, text and sound, there is usually no need to pretrain anything: model zoos publish
# networks trained for weeks on large datasets. `keras.applications` holds the classic image
# classifiers (ResNet, EfficientNet, MobileNet, ConvNeXt ...) with weights learned on ImageNet;
# KerasHub and other hubs have many more. Their weights are downloaded on first use, which our
# machines cannot do, so here every model is built with `weights=None` (random weights): the
# code is the same, and online you pass `weights="imagenet"` instead.

# %% tags=["demo"]
base = keras.applications.MobileNetV2(weights=None, include_top=False, pooling="avg",
                                      input_tensor=keras.Input(shape=(96, 96, 3)))
print(f"MobileNetV2 base: {len(base.layers)} layers, {base.count_params():,} parameters; "
      f"input {base.input_shape}, output {base.output_shape}")

# %% [markdown]
# - `include_top=False` leaves out the ImageNet classifier (the global pooling and the
#   1,000-way softmax at the top). What is left outputs feature maps; `pooling="avg"` averages
#   each map into one number, so the base returns one vector of 1,280 features per image.
# - Each family has its own `preprocess_input`, which turns pixels in [0, 255] into what its
#   weights were trained with. For MobileNetV2, that is [-1, 1]:

# %% tags=["demo"]
print(keras.applications.mobilenet_v2.preprocess_input(np.array([0.0, 127.5, 255.0])))

# %% [markdown]
# Plugging it into task B takes three adaptations of the images (size, colour channels, pixel
# scale), the frozen base, and a new output layer. The base is called with `training=False`, so
# that its BN layers stay in inference mode in both phases (section 5.3):

# %% tags=["demo"]
inputs = keras.Input((28, 28))
images_rgb = keras.layers.Reshape((28, 28, 1))(inputs)
images_rgb = keras.layers.Resizing(96, 96)(images_rgb)  # the size the base expects
images_rgb = keras.layers.Concatenate()([images_rgb] * 3)  # grey to three colour channels
images_rgb = keras.layers.Rescaling(2.0, offset=-1.0)(images_rgb)  # our [0, 1] to MobileNetV2's [-1, 1]
base.trainable = False
features = base(images_rgb, training=False)
model_zoo_B = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(features))
print(f"output for 4 images: {model_zoo_B(task_B.test[0][:4]).shape}; "
      f"{trainable_params(model_zoo_B):,} trainable parameters of {model_zoo_B.count_params():,}")

# %% [markdown]
# Our pixels are in [0, 1], so a `Rescaling` layer does the job of `preprocess_input` (which
# expects [0, 255]). From here the two phases are the ones of section 5.3: train the new layer
# with the base frozen, then unfreeze the top of the base (or all of it), compile again with a
# lower learning rate, and fine-tune. Chapter 14 of the book does it on real photos.
#
# ## Summary
#
# - Reuse **copies** of a model's layers: `clone_model` and `set_weights` (or saving and loading
#   the `.keras` file). Passing the layers themselves to a new model shares them, and training
#   the new model changed model A.
# - Freeze the reused layers (`trainable = False`) while the new output layer learns, then
#   unfreeze them and fine-tune with a lower learning rate. **Compile after every change** of
#   `trainable`, with a new optimizer: without it, unfreezing and freezing silently did nothing.
# - A frozen `BatchNormalization` layer runs in inference mode: it uses and keeps its moving
#   statistics.
# - Whether transfer helps is a measurement: 10 seeds, a fairly tuned baseline, more than one
#   task. On Fashion-MNIST with small dense networks, the answer depended on the task, and a
#   single run could say anything.
# - Without a model for a similar task, pretrain on what is cheap: unlabeled images (an
#   autoencoder), an auxiliary task with cheap labels, or a self-supervised pretext task.
# - Model zoos give pretrained convolutional networks, the setting where transfer pays best.
#
# ## Papers
#
# - J. Yosinski, J. Clune, Y. Bengio, H. Lipson, [How transferable are features in deep neural
#   networks?](https://arxiv.org/abs/1411.1792), NIPS 2014.
# - G. E. Hinton, S. Osindero, Y.-W. Teh, [A fast learning algorithm for deep belief
#   nets](https://www.cs.toronto.edu/~hinton/absps/fastnc.pdf), Neural Computation, 2006.
# - Y. Bengio, P. Lamblin, D. Popovici, H. Larochelle, [Greedy layer-wise training of deep
#   networks](https://papers.nips.cc/paper/3048-greedy-layer-wise-training-of-deep-networks), NIPS 2006.
# - D. Erhan, Y. Bengio, A. Courville, P.-A. Manzagol, P. Vincent, S. Bengio, [Why does
#   unsupervised pre-training help deep learning?](https://www.jmlr.org/papers/v11/erhan10a.html),
#   JMLR 2010.
# - S. Gidaris, P. Singh, N. Komodakis, [Unsupervised representation learning by predicting
#   image rotations](https://arxiv.org/abs/1803.07728), ICLR 2018.
# - Keras guide: [transfer learning and fine-tuning](https://keras.io/guides/transfer_learning/);
#   [Keras Applications](https://keras.io/api/applications/).
