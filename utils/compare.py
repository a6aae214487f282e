"""Compare two configurations of an ``over_seeds`` table by their paired difference over the same seeds.

Two configurations trained with the same seed start from comparable draws, so the fair question is
how much the *difference* between them moves from seed to seed:

    utils.compare(runs, "val_accuracy", "ELU", "ReLU")
    # ELU − ReLU, val_accuracy at the last epoch: mean difference, its 95% interval and the
    # number of paired seeds, then the verdict: "ELU better than ReLU", "ELU worse than ReLU"
    # or "could not tell ELU and ReLU apart"

The interval is Student's t interval for the mean of the paired differences (n − 1 degrees of
freedom). The verdict follows it, never the eye: "better" or "worse" only when the interval
excludes zero, otherwise "could not tell apart". With few seeds the interval is wide on purpose:
with 3 seeds, t has 2 degrees of freedom and its 97.5% quantile is 4.3, not 2.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from utils.seeds import _last_epoch, _require

CONFIDENCE = 0.95
BETTER, WORSE, UNSURE = "better", "worse", "could not tell apart"
LOWER_IS_BETTER = ("loss", "error", "seconds", "ece", "epochs")  # metric names where less is better


def _higher_is_better(metric: str, given: bool | None) -> bool:
    """``given``, or else False for losses, errors, times and epoch counts (by the metric's name), True otherwise."""
    return not any(word in metric.lower() for word in LOWER_IS_BETTER) if given is None else given


@dataclass(frozen=True)
class Comparison:
    """The paired difference ``a − b`` of one metric over the seeds both configurations ran."""

    metric: str
    a: str
    b: str
    differences: tuple[float, ...]  # a − b, one per paired seed, in seed order
    seeds: tuple[int, ...]  # the paired seeds
    unpaired: tuple[int, ...]  # seeds that only one of the two configurations ran (left out)
    higher_is_better: bool
    where: str = "at the last epoch"

    @property
    def mean(self) -> float:
        """The mean paired difference, a − b."""
        return float(np.mean(self.differences))

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% t interval of the mean difference; (nan, nan) with a single seed or differences that never vary."""
        n = len(self.differences)
        if n < 2 or np.allclose(self.differences, self.differences[0], rtol=1e-5, atol=1e-9):  # a coarse metric ties
            return (np.nan, np.nan)
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * np.std(self.differences, ddof=1) / np.sqrt(n)
        return (self.mean - half, self.mean + half)

    @property
    def verdict(self) -> str:
        """"better" or "worse" (a against b) when the interval excludes zero, else "could not tell apart"."""
        low, high = self.interval
        if not (low > 0 or high < 0):  # also the case with one seed (nan)
            return UNSURE
        return BETTER if (low > 0) == self.higher_is_better else WORSE

    def __str__(self) -> str:
        low, high = self.interval
        if len(self.differences) < 2:
            interval = "no interval from one seed"
        elif np.isnan(low):
            interval = "the differences do not vary between seeds, so they give no interval"
        else:
            interval = f"95% interval {low:+.3g} to {high:+.3g}"
        left_out = f"; seed {', '.join(map(str, self.unpaired))} unpaired, left out" if self.unpaired else ""
        return (
            f"{self.a} − {self.b}, {self.metric} {self.where}: {self.mean:+.3g} "
            f"({interval}, {len(self.seeds)} paired seeds{left_out}): {self.sentence}"
        )

    @property
    def sentence(self) -> str:
        """The verdict in words that name both configurations."""
        if self.verdict == UNSURE:
            return f"could not tell {self.a} and {self.b} apart"
        return f"{self.a} {self.verdict} than {self.b}"

    __repr__ = __str__

    def row(self) -> dict:
        """This comparison as one row of a table."""
        low, high = self.interval
        return {"difference": self.mean, "low": low, "high": high, "seeds": len(self.seeds), "verdict": self.verdict}


def compare(table: pd.DataFrame, metric: str, a: str, b: str, epoch: int | None = None,
            higher_is_better: bool | None = None) -> Comparison:
    """Configuration ``a`` against ``b`` on ``metric``, paired by seed, at each run's last epoch or at ``epoch``.

    ``higher_is_better`` defaults to False for losses, errors, times and epoch counts, True otherwise.
    """
    _require(table, metric)
    rows = _last_epoch(table) if epoch is None else table[table["epoch"] == epoch]
    values = {name: rows.loc[rows["config"] == name].set_index("seed")[metric] for name in (a, b)}
    for name, series in values.items():
        if series.empty:
            known = list(dict.fromkeys(table["config"]))
            raise KeyError(f"no run of {name!r}{'' if epoch is None else f' at epoch {epoch}'}; the table has {known}")
    paired = values[a].index.intersection(values[b].index).sort_values()
    if paired.empty:
        raise ValueError(f"{a!r} and {b!r} share no seed: a paired comparison needs runs with the same seeds")
    return Comparison(
        metric=metric,
        a=a,
        b=b,
        differences=tuple(float(d) for d in values[a][paired] - values[b][paired]),
        seeds=tuple(int(seed) for seed in paired),
        unpaired=tuple(sorted(int(s) for s in values[a].index.symmetric_difference(values[b].index))),
        higher_is_better=_higher_is_better(metric, higher_is_better),
        where="at the last epoch" if epoch is None else f"at epoch {epoch}",
    )


def compare_all(table: pd.DataFrame, metric: str, against: str, epoch: int | None = None,
                higher_is_better: bool | None = None) -> pd.DataFrame:
    """Every other configuration against ``against``: one row each, with difference, interval and verdict."""
    others = [name for name in dict.fromkeys(table["config"]) if name != against]
    rows = {name: compare(table, metric, name, against, epoch, higher_is_better).row() for name in others}
    summary = pd.DataFrame.from_dict(rows, orient="index")
    summary.index.name = f"{metric} − {against}"
    return summary


@dataclass(frozen=True)
class GridChoice:
    """The best configuration of a grid by its mean ``metric``, and whether it lies inside the grid."""

    best: str
    grid: tuple[str, ...]  # the configurations in grid order
    means: tuple[float, ...]
    metric: str

    @property
    def inside(self) -> bool:
        """True unless the best is the first or the last setting of the grid."""
        return len(self.grid) >= 3 and self.best not in (self.grid[0], self.grid[-1])

    def __str__(self) -> str:
        mean = self.means[self.grid.index(self.best)]
        if self.inside:
            where = f"inside the grid ({self.grid[0]} … {self.grid[-1]})"
        else:
            where = f"at the edge of the grid ({self.grid[0]} … {self.grid[-1]}): a setting beyond it might do better"
        return f"best {self.metric}: {self.best} (mean {mean:.4g}), {where}"

    __repr__ = __str__


def best_of_grid(table: pd.DataFrame, metric: str, grid=None, higher_is_better: bool | None = None) -> GridChoice:
    """The configuration of ``grid`` (default: the table's configurations, in order) with the best mean ``metric``
    at each run's last epoch, and whether it lies inside the grid rather than at one of its ends."""
    _require(table, metric)
    grid = tuple(dict.fromkeys(table["config"]) if grid is None else grid)
    means = _last_epoch(table).groupby("config")[metric].mean()
    missing = [name for name in grid if name not in means.index]
    if missing:
        raise KeyError(f"no run of {missing} in this table")
    higher_is_better = _higher_is_better(metric, higher_is_better)
    values = tuple(float(means[name]) for name in grid)
    best = grid[int(np.nanargmax(values) if higher_is_better else np.nanargmin(values))]
    return GridChoice(best=best, grid=grid, means=values, metric=metric)
