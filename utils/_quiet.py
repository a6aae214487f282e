"""Import TensorFlow without the C++ start-up log lines it writes straight to file descriptor 2."""

import os
import sys
from contextlib import contextmanager


@contextmanager
def fd2_silenced():
    """Point file descriptor 2 at /dev/null for the duration of the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow_quietly():
    """Import TensorFlow once, hiding the absl/oneDNN/CUDA notices that no learner can act on."""
    # Level 3 hides the C++ log lines of every level (real failures still raise Python errors);
    # the lines written before absl starts ignore it, hence the silenced descriptor below.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    with fd2_silenced():
        import tensorflow as tf

        tf.config.list_physical_devices()  # probes for a GPU now, while its failure notice is hidden


@contextmanager
def retracing_allowed():
    """Hide TensorFlow's warning about frequent retracing, for code that traces a new function on purpose."""
    import tensorflow as tf

    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)
