"""The helpers every notebook of the course imports: data, plots, diagnostics and checks."""

from utils._quiet import import_tensorflow_quietly

import_tensorflow_quietly()  # before anything else imports TensorFlow

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from utils.versions import version_note  # noqa: E402

# Before the helpers below: with a Keras older than 3 they would fail with a far less clear error.
VERSION_NOTE = version_note({"tensorflow": tf.__version__, "keras": keras.__version__})

from utils.cifar10 import CIFAR10, CIFAR10Error, cifar10_available, load_cifar10  # noqa: E402
from utils.compare import Comparison, best_of_grid, compare, compare_all  # noqa: E402
from utils.data import FashionMNIST, full_or_quick, load_fashion_mnist, quick_mode  # noqa: E402
from utils.diagnostics import (  # noqa: E402
    activation_stats,
    dead_units,
    deep_mlp,
    gradient_norms,
    hidden_outputs,
    kernel_gradients,
)
from utils.optimizers import descend, plot_paths, steps_to_settle  # noqa: E402
from utils.plots import (  # noqa: E402
    function_and_derivative,
    plot_derivatives,
    plot_functions,
    plot_functions_and_derivatives,
    plot_histogram,
    plot_learning_curves,
    plot_per_layer,
    plot_training_steps,
    save_fig,
    use_course_style,
)
from utils.repro import DEFAULT_SEED, set_seeds  # noqa: E402
from utils.schedules import LearningRateFinder, RateLog, check_schedule, plot_rates, rates_of  # noqa: E402
from utils.seeds import over_seeds, plot_metric_vs_time, plot_runs, reuse_traced, spread  # noqa: E402
from utils.transfer import binary_accuracy, epochs_in_one_pass, model_path, reuse_layers  # noqa: E402
from utils.training import (  # noqa: E402
    EpochTimer,
    LiveProgress,
    angle_degrees,
    applied_gradients,
    progress,
    train_steps,
)

__all__ = [
    "CIFAR10",
    "CIFAR10Error",
    "Comparison",
    "EpochTimer",
    "FashionMNIST",
    "LearningRateFinder",
    "LiveProgress",
    "RateLog",
    "activation_stats",
    "angle_degrees",
    "best_of_grid",
    "binary_accuracy",
    "check_schedule",
    "compare",
    "compare_all",
    "cifar10_available",
    "applied_gradients",
    "dead_units",
    "deep_mlp",
    "descend",
    "epochs_in_one_pass",
    "full_or_quick",
    "function_and_derivative",
    "gradient_norms",
    "hidden_outputs",
    "kernel_gradients",
    "load_cifar10",
    "load_fashion_mnist",
    "model_path",
    "over_seeds",
    "plot_paths",
    "plot_derivatives",
    "plot_functions",
    "plot_functions_and_derivatives",
    "plot_histogram",
    "plot_learning_curves",
    "plot_metric_vs_time",
    "plot_per_layer",
    "plot_rates",
    "plot_runs",
    "plot_training_steps",
    "progress",
    "quick_mode",
    "rates_of",
    "reuse_layers",
    "reuse_traced",
    "save_fig",
    "set_seeds",
    "setup",
    "spread",
    "steps_to_settle",
    "train_steps",
    "use_course_style",
]


QUICK_NOTE = (
    "Quick mode checks that the code runs: a small subset of the data, the first 2 seeds of each comparison and "
    "fewer epochs. Numbers, counts and plots differ from those the text discusses, which come from a full run."
)


def setup(section: str, seed: int = DEFAULT_SEED):
    """Start the notebook of ``section`` (its key): fix the seeds, set the plot style, say which mode
    is on, and return the section's exercises."""
    from utils.checks import section as exercises_of

    exercises = exercises_of(section)
    set_seeds(seed)
    use_course_style(figures=section)
    mode = "quick mode (COURSE_QUICK=1)" if quick_mode() else "full mode"
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}; {mode}; seed {seed}")
    if quick_mode():
        print(QUICK_NOTE)
    if VERSION_NOTE:
        print(VERSION_NOTE)
    return exercises
