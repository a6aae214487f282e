"""Repeat an experiment over seeds: one call gives a tidy table, a summary of the spread, and a plot.

One training run is an anecdote. A conclusion from a comparison of trainings rests on several
seeds, shown as every run or as mean and spread:

    runs = utils.over_seeds(train, {"ReLU": "relu", "ELU": "elu"}, seeds=3)
    utils.spread(runs, "val_accuracy")       # mean, std, min and max per configuration
    utils.plot_runs(runs, "val_accuracy")    # every run, and the mean of each configuration

``train(config, callbacks)`` builds and trains one model for one configuration, passes
``callbacks`` to ``fit`` (they show its live progress), and returns the ``History``, or a dict of
numbers (one value, or one per epoch).

Building and compiling in a separate ``build(config)`` saves time: ``over_seeds(train, configs,
build=build)`` then calls ``train(model, config, callbacks)`` and compiles each configuration's
model once. Keras traces a model's training step the first time it trains (seconds for a deep
network), and later runs, of this call or of a later one, reuse that model, restarted from the
state a fresh build would have (``reuse_traced``).
Configurations that differ only in their learning rate share one traced model too: the rate is a
variable of the optimizer, which the restart copies, while every other setting is baked into the
trace.
"""

import json

import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from utils.data import quick_mode
from utils.plots import new_axes
from utils.repro import set_seeds
from utils.training import LiveProgress, live_line, say, short_metrics, time_left


QUICK_SEEDS = 2  # in quick mode, each configuration runs its first two seeds only


def over_seeds(experiment, configs: dict, seeds=3, build=None) -> pd.DataFrame:
    """Run ``experiment(config, callbacks)`` for each configuration and seed; a tidy table of what each returned.

    ``seeds`` is a number of seeds (0, 1, 2, ...) or the seeds themselves; quick mode runs the first
    two only (``COURSE_QUICK=1``, see the README). Every run starts from
    ``utils.set_seeds(seed)``, so a configuration's runs differ only by their seed, and the runs of
    one seed start alike across configurations wherever their models draw the same numbers.
    With ``build(config)`` (which returns a compiled model, or a tuple of them), the call is
    ``experiment(model, config, callbacks)`` instead (see the module's docstring).
    The table has one row per run (or per run and epoch): ``config``, ``seed``, [``epoch``], and
    one column per metric.
    """
    seeds = _as_seeds(seeds)
    if quick_mode():
        seeds = seeds[:QUICK_SEEDS]  # quick mode checks that the code runs; full mode measures
    if not configs:
        raise ValueError("over_seeds needs at least one configuration: a dict of name -> config")
    tables, model, runs, cell_started = [], None, len(configs) * len(seeds), time.perf_counter()
    for name, config in configs.items():
        line, started = live_line(f"{name}: starting ..."), time.perf_counter()
        for number, seed in enumerate(seeds, start=1):
            done = len(tables)
            later = (time.perf_counter() - cell_started) / done * (runs - done - 1) if done else None
            say(line, f"{name}: seed {seed} ({number}/{len(seeds)}) ..." + (f"; {time_left(later)} after it"
                                                                             if later else ""))
            set_seeds(seed)
            callbacks = [LiveProgress(f"{name}, seed {seed} ({number}/{len(seeds)})", line=line, later_s=later)]
            if build is None:
                result = experiment(config, callbacks)
            else:
                fresh = build(config)  # later seeds must build what the first did: restarted() checks
                model = reuse_traced(fresh) if number == 1 else restarted(model, fresh)
                result = experiment(model, config, callbacks)
            tables.append(_rows(result, name, seed))
        finished = pd.concat(tables[-len(seeds):], ignore_index=True)
        say(line, f"{name}: {len(seeds)} seeds in {time.perf_counter() - started:.0f} s; {_means(finished)}")
    return pd.concat(tables, ignore_index=True)


_TRACED: dict[str, object] = {}  # the settings of a training step -> the first model compiled with them


def reuse_traced(fresh):
    """``fresh`` (compiled, untrained), or the model of an earlier call with the same training step restarted to
    ``fresh``'s state: Keras then traces each training step once per session, however many calls train it."""
    key = _trace_key(fresh)
    if key is None:
        return fresh
    return restarted(_TRACED.setdefault(key, fresh), fresh)


def _trace_key(model) -> str | None:
    """What a model's traced training step depends on: its settings and the classes of its parts (a class
    redefined in a notebook is a new class); None when the model cannot say."""
    models = model if isinstance(model, tuple) else (model,)
    settings = [_step_settings(one) for one in models]
    if None in settings:
        return None
    parts = [type(part) for one in models for part in (one, *one.layers, one.optimizer,
                                                       getattr(one.optimizer, "_learning_rate", None))]
    return json.dumps(settings) + repr([id(kind) for kind in parts])


def restarted(model, fresh):
    """``model`` (compiled, maybe trained) set back to the state of the freshly built ``fresh``; ``fresh`` if no model.

    Every variable is copied: weights, BN statistics, random-generator states, and the optimizer's
    slots and step count. Training the restarted model gives the same numbers as training
    ``fresh``, without Keras tracing the training step again. A tuple of models (the phases of
    one training, each compiled once) is restarted model by model.
    """
    if model is None or model is fresh:
        return fresh
    if isinstance(fresh, tuple):
        if not isinstance(model, tuple) or len(model) != len(fresh):
            raise ValueError("build(config) must return the same number of models every time it is called")
        return tuple(restarted(old, new) for old, new in zip(model, fresh, strict=True))
    for compiled in (model, fresh):  # slots as they are before the first step, even if it never trained
        if not compiled.optimizer.built:
            compiled.optimizer.build(compiled.trainable_variables)
    pairs = [(model.variables, fresh.variables), (model.optimizer.variables, fresh.optimizer.variables)]
    for targets, sources in pairs:
        if [tuple(v.shape) for v in targets] != [tuple(v.shape) for v in sources]:
            raise ValueError("build(config) must build the same architecture and optimizer every time it is called")
        for target, source in zip(targets, sources, strict=True):
            target.assign(source)
    return model


def _step_settings(model) -> str | None:
    """The settings a traced training step bakes in, as text; None when the model cannot say."""
    try:
        settings = {"model": model.get_config(), "compile": model.get_compile_config()}
    except (NotImplementedError, TypeError, AttributeError):
        return None
    optimizer = (settings["compile"] or {}).get("optimizer")
    if isinstance(optimizer, dict) and isinstance(optimizer.get("config", {}).get("learning_rate"), float):
        del optimizer["config"]["learning_rate"]  # a variable: restarting copies the new rate
    return json.dumps(_without_names(settings), sort_keys=True, default=repr)


def _without_names(settings):
    """``settings`` with every "name" entry removed: Keras numbers the layers of each new model."""
    if isinstance(settings, dict):
        return {key: _without_names(value) for key, value in settings.items() if key != "name"}
    if isinstance(settings, list | tuple):
        return [_without_names(value) for value in settings]
    return settings


def _as_seeds(seeds) -> tuple[int, ...]:
    """The seeds meant by ``seeds``: a count (0, 1, ...) or the seeds themselves."""
    if isinstance(seeds, int | np.integer):
        if seeds < 1:
            raise ValueError(f"seeds={seeds}: give the number of seeds (at least 1) or a list of seeds")
        return tuple(range(int(seeds)))
    seeds = tuple(int(seed) for seed in seeds)
    if not seeds or len(set(seeds)) < len(seeds):
        raise ValueError(f"seeds={seeds}: give at least one seed, each once")
    return seeds


def _rows(result, name: str, seed: int) -> pd.DataFrame:
    """The rows of one run: its History or dict of metrics, one row per epoch where values are lists."""
    metrics = getattr(result, "history", result)
    if not isinstance(metrics, dict) or not metrics:
        raise TypeError(
            f"the experiment returned {type(result).__name__} for {name!r}, seed {seed}: "
            "return the History of fit(), or a dict of metric name -> number or list of numbers per epoch"
        )
    lengths = {len(value) for value in metrics.values() if np.ndim(value) == 1}
    if len(lengths) > 1:
        raise ValueError(f"the per-epoch metrics of {name!r} have different lengths: {sorted(lengths)}")
    columns = {"config": name, "seed": seed}
    if lengths:
        columns["epoch"] = np.arange(1, max(lengths) + 1)
    for metric, value in metrics.items():
        columns[metric] = np.asarray(value, dtype=float) if np.ndim(value) else float(value)
    return pd.DataFrame(columns, index=None if lengths else [0])


def _means(table: pd.DataFrame) -> str:
    """The mean of a few metrics at the last epoch, as one short line."""
    last = _last_epoch(table)
    metrics = [column for column in last.columns if column not in ("config", "seed", "epoch")]
    return "mean " + short_metrics({metric: last[metric].mean() for metric in metrics})


def _last_epoch(table: pd.DataFrame) -> pd.DataFrame:
    """Each run's last row (its final epoch), or the table itself when it has no epochs."""
    if "epoch" not in table.columns:
        return table
    table = table.reset_index(drop=True)  # tables concatenated without ignore_index repeat their labels
    return table.loc[table.groupby(["config", "seed"], sort=False)["epoch"].idxmax()]


def spread(table: pd.DataFrame, metric: str, epoch: int | None = None) -> pd.DataFrame:
    """Mean, standard deviation, min and max of ``metric`` over the seeds of each configuration.

    Taken at each run's last epoch, or at ``epoch``; the ``std`` is the sample one (ddof=1).
    """
    _require(table, metric)
    rows = _last_epoch(table) if epoch is None else table[table["epoch"] == epoch]
    if rows.empty:
        raise ValueError(f"no run has an epoch {epoch}")
    summary = rows.groupby("config", sort=False)[metric].agg(["mean", "std", "min", "max", "count"])
    return summary.rename(columns={"count": "seeds"})


def _require(table: pd.DataFrame, metric: str) -> None:
    """Fail clearly when ``metric`` is not a column of ``table``."""
    known = [column for column in table.columns if column not in ("config", "seed", "epoch")]
    if metric not in known:
        raise KeyError(f"no metric {metric!r} in this table; it has {known}")


def plot_runs(table: pd.DataFrame, metric: str, title=None, ax=None):
    """Every seed's run thin and each configuration's mean thick, per epoch; or each run as a dot, and the mean."""
    _require(table, metric)
    label = metric.replace("_", " ")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    configs = list(dict.fromkeys(table["config"]))
    if "epoch" in table.columns:
        ax = new_axes(ax, title, "epoch", label)
        for number, config in enumerate(configs):
            runs = table[table["config"] == config].pivot(index="epoch", columns="seed", values=metric)
            color = colors[number % len(colors)]
            ax.plot(runs.index, runs.to_numpy(), color=color, linewidth=0.8, alpha=0.35)
            ax.plot(runs.index, runs.mean(axis=1), color=color, linewidth=2, marker="o", markersize=3,
                    label=f"{config} ({runs.shape[1]} seeds)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))  # outside: the curves fill the axes
    else:
        ax = new_axes(ax, title, None, label)
        for number, config in enumerate(configs):
            values = table.loc[table["config"] == config, metric].to_numpy()
            color = colors[number % len(colors)]
            ax.plot(np.full(len(values), number), values, "o", color=color, alpha=0.6)
            ax.plot([number - 0.25, number + 0.25], [values.mean()] * 2, color=color, linewidth=2.5)
        ax.set_xticks(range(len(configs)), configs, rotation=20 if len(configs) > 4 else 0)
        ax.plot([], [], "o", color="0.4", label="one seed")
        ax.plot([], [], color="0.4", linewidth=2.5, label="mean")
        ax.legend()
    return ax


def plot_metric_vs_time(table: pd.DataFrame, metric: str = "val_accuracy", title=None):
    """Two panels: ``metric`` per epoch (``plot_runs``), then against the mean cumulative seconds (``EpochTimer``)."""
    _require(table, "seconds")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    plot_runs(table, metric, ax=left).get_legend().remove()  # the right panel's legend names them
    new_axes(right, None, "wall-clock seconds since the start of training (mean over seeds)", metric.replace("_", " "))
    for config, runs in table.groupby("config", sort=False):
        seconds = runs.pivot(index="epoch", columns="seed", values="seconds").cumsum().mean(axis=1)
        values = runs.groupby("epoch")[metric].mean()
        right.plot(seconds, values, marker="o", markersize=3, linewidth=2, label=config)
    right.legend()
    if title:
        fig.suptitle(title)
    return left, right
