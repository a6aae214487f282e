"""Helpers of section 5: copies of a model's lower layers, epochs in one pass, accuracy, model files."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from utils.transfer import MODELS_DIR, binary_accuracy, epochs_in_one_pass, model_path, reuse_layers


def source_model():
    """Flatten, three hidden layers of distinct widths, an output layer."""
    return keras.Sequential([keras.Input((4, 4)), keras.layers.Flatten(), keras.layers.Dense(6, activation="relu"),
                             keras.layers.Dense(5, activation="relu"), keras.layers.Dense(3, activation="relu"),
                             keras.layers.Dense(2, activation="softmax")])


@pytest.mark.parametrize("n_hidden, widths", [(0, []), (1, [6]), (2, [6, 5]), (3, [6, 5, 3])])
def test_reuse_layers_copies_the_first_layers_with_their_weights(n_hidden, widths):
    """The copies hold the source's weights, share nothing with it, and sit under the new head."""
    source = source_model()
    source.layers[1].trainable = False  # a frozen source layer gives a trainable copy
    model = reuse_layers(source, n_hidden, keras.layers.Dense(1, activation="sigmoid"))
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [*widths, 1]
    assert not any(layer is original for layer in model.layers for original in source.layers)
    assert all(layer.trainable for layer in model.layers)
    for copy, original in zip(dense[:-1], source.layers[1:], strict=False):
        for a, b in zip(copy.get_weights(), original.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    before = [w.copy() for w in source.get_weights()]
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.5))
    model.train_on_batch(np.ones((8, 4, 4), "float32"), np.ones((8, 1), "float32"))
    for a, b in zip(before, source.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_reuse_layers_refuses_more_layers_than_the_source_has():
    with pytest.raises(ValueError, match="has 4 Dense layers"):
        reuse_layers(source_model(), 5, keras.layers.Dense(1))


def test_epochs_in_one_pass_gives_each_image_once_per_epoch_in_a_new_order():
    """Every epoch holds every example once, in batches that never straddle two epochs, reshuffled."""
    X = np.arange(10, dtype="float32")
    keras.utils.set_random_seed(0)
    batches = [x.numpy() for x, _ in epochs_in_one_pass(X, X, epochs=3, batch_size=4)]
    assert [len(b) for b in batches] == [4, 4, 2] * 3
    epochs = [np.concatenate(batches[i : i + 3]) for i in (0, 3, 6)]
    assert all(sorted(epoch) == list(X) for epoch in epochs)
    assert not np.array_equal(epochs[0], epochs[1])


def test_epochs_in_one_pass_trains_as_fit_over_epochs_does():
    """The same number of steps as fit(X, y, epochs=...): one per batch of every epoch."""
    X = np.random.default_rng(0).random((50, 3)).astype("float32")
    y = (X[:, 0] > 0.5).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    model.fit(epochs_in_one_pass(X, y, epochs=4, batch_size=16), shuffle=False, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 4 * 4  # 50 images: batches of 16, 16, 16, 2


def test_binary_accuracy_thresholds_at_one_half():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.array([[10.0]]), np.array([0.0])])  # p > 0.5 exactly when x > 0
    X = np.array([[-1.0], [2.0], [3.0], [-4.0]], dtype="float32")
    assert binary_accuracy(model, X, np.array([0, 1, 0, 0])) == 0.75
    assert binary_accuracy(model, tf.constant(X), np.array([0.0, 1.0, 1.0, 0.0])) == 1.0


def test_model_path_is_in_the_ignored_models_folder():
    path = model_path("some_model")
    assert path == MODELS_DIR / "some_model.keras" and path.parent.is_dir()
    assert "models/" in (MODELS_DIR.parent / ".gitignore").read_text()
