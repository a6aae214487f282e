"""Reproducibility: one call fixes every seed, and makes TensorFlow's ops deterministic."""

import contextlib
from unittest import mock

import keras
import tensorflow as tf

DEFAULT_SEED = 42


def set_seeds(seed: int = DEFAULT_SEED) -> None:
    """Seed Python, NumPy, Keras and TensorFlow, and ask TensorFlow for deterministic ops."""
    with _traced_steps_kept():
        keras.utils.set_random_seed(seed)  # seeds `random`, NumPy, Keras's generators and TensorFlow at once
    # On the CPU this costs little, and a re-run then gives the same numbers to the last bit.
    tf.config.experimental.enable_op_determinism()


@contextlib.contextmanager
def _traced_steps_kept():
    """While inside, a new TensorFlow seed leaves TensorFlow's kernel caches alone.

    TensorFlow empties them so that cached *stateful* random kernels restart from the new seed. The
    course draws its random numbers from Keras's stateless generators and from tf.data ops seeded
    when they are created, which the new seed reaches anyway (tests/test_seeds.py checks that a
    seed gives the same run again, before and after other seeds). Emptying the caches would make
    every traced training step set itself up again at its next call: a third of a small model's
    quick run, seconds for a deep one. Where TensorFlow has no such function, nothing changes.
    """
    try:
        from tensorflow.python import pywrap_tfe
    except ImportError:
        pywrap_tfe = None
    if not hasattr(pywrap_tfe, "TFE_ContextClearCaches"):  # a TensorFlow laid out otherwise: seed as it wants
        yield
        return
    with mock.patch.object(pywrap_tfe, "TFE_ContextClearCaches", lambda handle: None):
        yield
