"""Reproducibility: one call fixes every seed, and makes TensorFlow's ops deterministic."""

import keras
import tensorflow as tf

DEFAULT_SEED = 42


def set_seeds(seed: int = DEFAULT_SEED) -> None:
    """Seed Python, NumPy and TensorFlow, and ask TensorFlow for deterministic ops."""
    keras.utils.set_random_seed(seed)  # seeds `random`, NumPy and TensorFlow at once
    # On the CPU this costs little, and a re-run then gives the same numbers to the last bit.
    tf.config.experimental.enable_op_determinism()
