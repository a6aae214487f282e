"""The paired comparison: mean difference over shared seeds, its t interval, and the verdict words."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from utils.compare import best_of_grid, compare, compare_all


def table(values: dict[str, dict[int, float]], metric="val_accuracy", epochs=False) -> pd.DataFrame:
    """An over_seeds-like table from {config: {seed: final value}}; with epochs, a worse epoch 1 before it."""
    rows = []
    for config, by_seed in values.items():
        for seed, value in by_seed.items():
            if epochs:
                rows.append({"config": config, "seed": seed, "epoch": 1, metric: value - 0.5})
                rows.append({"config": config, "seed": seed, "epoch": 2, metric: value})
            else:
                rows.append({"config": config, "seed": seed, metric: value})
    return pd.DataFrame(rows)


def test_interval_is_the_t_interval_of_the_paired_differences():
    """Mean and interval are those of a − b seed by seed, with n − 1 degrees of freedom."""
    a, b = {0: 0.90, 1: 0.925, 2: 0.94}, {0: 0.88, 1: 0.90, 2: 0.91}
    result = compare(table({"a": a, "b": b}, epochs=True), "val_accuracy", "a", "b")
    differences = np.array([0.02, 0.025, 0.03])
    half = stats.t.ppf(0.975, 2) * differences.std(ddof=1) / np.sqrt(3)
    assert result.mean == pytest.approx(differences.mean())
    assert result.interval == pytest.approx((differences.mean() - half, differences.mean() + half))
    assert result.seeds == (0, 1, 2) and result.verdict == "better"
    assert "a better than b" in str(result) and "3 paired seeds" in str(result)


def test_pairing_beats_the_spread_between_seeds():
    """A small, steady gain is "better" although the seeds spread far more than the gain."""
    b = {seed: 0.80 + 0.05 * seed for seed in range(5)}
    a = {seed: value + 0.003 + 0.0005 * (-1) ** seed for seed, value in b.items()}
    assert compare(table({"a": a, "b": b}), "val_accuracy", "a", "b").verdict == "better"
    assert compare(table({"a": a, "b": b}), "val_accuracy", "b", "a").verdict == "worse"


def test_a_difference_of_one_standard_deviation_over_three_seeds_is_not_evidence():
    """t = 1.73 with 2 degrees of freedom (p about 0.2) stays "could not tell apart"."""
    a, b = {0: 0.02, 1: 0.00, 2: 0.01}, {0: 0.0, 1: 0.0, 2: 0.0}  # mean 0.01, std 0.01: t = 1.73
    result = compare(table({"a": a, "b": b}), "val_accuracy", "a", "b")
    assert result.interval[0] < 0 < result.interval[1]
    assert result.verdict == "could not tell apart"
    assert "could not tell a and b apart" in str(result)


def test_two_seeds_quick_mode():
    """With 2 seeds the interval uses t with 1 degree of freedom (12.7): wide, but a verdict all the same."""
    result = compare(table({"a": {0: 0.9, 1: 0.92}, "b": {0: 0.5, 1: 0.51}}), "val_accuracy", "a", "b")
    half = stats.t.ppf(0.975, 1) * np.std([0.4, 0.41], ddof=1) / np.sqrt(2)
    assert result.interval[1] - result.interval[0] == pytest.approx(2 * half)
    assert result.verdict == "better"


def test_a_missing_seed_is_left_out_and_said():
    """Only seeds both configurations ran are paired; the others are named in the sentence."""
    runs = table({"a": {0: 0.9, 1: 0.91, 2: 0.92, 3: 0.95}, "b": {0: 0.8, 1: 0.82, 2: 0.81, 4: 0.99}})
    result = compare(runs, "val_accuracy", "a", "b")
    assert result.seeds == (0, 1, 2) and result.unpaired == (3, 4)
    assert "seed 3, 4 unpaired" in str(result)


def test_one_shared_seed_gives_no_interval_and_no_verdict():
    """A single pair has no spread: no interval, and the verdict stays "could not tell apart"."""
    result = compare(table({"a": {0: 0.99}, "b": {0: 0.1, 1: 0.2}}), "val_accuracy", "a", "b")
    assert np.isnan(result.interval[0]) and result.verdict == "could not tell apart"
    assert "no interval from one seed" in str(result)


def test_differences_that_never_vary_give_no_interval():
    """Two seeds that happen to differ by exactly the same amount are no proof: no interval, no verdict."""
    a, b = np.float32([0.985, 0.975]), np.float32([0.975, 0.965])  # float32 accuracies: equal up to rounding
    result = compare(table({"a": dict(enumerate(a)), "b": dict(enumerate(b))}), "val_accuracy", "a", "b")
    assert np.isnan(result.interval[0]) and result.verdict == "could not tell apart"
    assert "do not vary" in str(result)


def test_losses_and_times_are_better_when_lower():
    """For a loss (or seconds) a negative difference is "better"; the default can be overridden."""
    runs = table({"a": {0: 0.30, 1: 0.31, 2: 0.29}, "b": {0: 0.40, 1: 0.42, 2: 0.41}}, metric="val_loss")
    assert compare(runs, "val_loss", "a", "b").verdict == "better"
    assert compare(runs, "val_loss", "a", "b", higher_is_better=True).verdict == "worse"


def test_a_chosen_epoch():
    """epoch= compares at that epoch instead of the last."""
    runs = table({"a": {0: 0.9, 1: 0.91}, "b": {0: 0.9, 1: 0.91}}, epochs=True)
    assert "at epoch 1" in str(compare(runs, "val_accuracy", "a", "b", epoch=1))


def test_compare_all_against_a_baseline():
    """One row per other configuration, in the table's order."""
    runs = table({"base": {0: 0.5, 1: 0.6, 2: 0.55}, "x": {0: 0.7, 1: 0.81, 2: 0.74}, "y": {0: 0.5, 1: 0.6, 2: 0.55}})
    summary = compare_all(runs, "val_accuracy", "base")
    assert list(summary.index) == ["x", "y"]
    assert list(summary["verdict"]) == ["better", "could not tell apart"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda runs: compare(runs, "accuracy", "a", "b"), "no metric 'accuracy'"),
        (lambda runs: compare(runs, "val_accuracy", "a", "c"), "no run of 'c'"),
        (lambda runs: compare(runs, "val_accuracy", "a", "d"), "share no seed"),
    ],
)
def test_clear_errors(call, message):
    """A wrong metric, an unknown configuration or no shared seed fail with a message that says so."""
    runs = table({"a": {0: 0.9, 1: 0.8}, "d": {5: 0.1}})
    with pytest.raises((KeyError, ValueError), match=message):
        call(runs)


def test_best_of_grid_says_whether_the_best_is_inside():
    """The best mean of a grid, in grid order; at either end it says the best may lie beyond."""
    runs = table({"r 0.001": {0: 0.5, 1: 0.6}, "r 0.01": {0: 0.8, 1: 0.9}, "r 0.1": {0: 0.7, 1: 0.7}})
    choice = best_of_grid(runs, "val_accuracy")
    assert choice.best == "r 0.01" and choice.inside and "inside the grid" in str(choice)
    edge = best_of_grid(runs, "val_accuracy", grid=["r 0.001", "r 0.01"])
    assert edge.best == "r 0.01" and not edge.inside and "beyond it might do better" in str(edge)
    assert best_of_grid(runs, "val_accuracy", higher_is_better=False).best == "r 0.001"
    with pytest.raises(KeyError, match="no run of"):
        best_of_grid(runs, "val_accuracy", grid=["r 1"])


def test_tables_concatenated_without_a_fresh_index():
    """pd.concat keeps each table's row labels; the last epoch of each run must still be found exactly."""
    first = table({"a": {0: 0.9, 1: 0.91, 2: 0.92}}, epochs=True)
    second = table({"b": {0: 0.8, 1: 0.8, 2: 0.8}}, epochs=True)
    result = compare(pd.concat([first, second]), "val_accuracy", "a", "b")  # the labels 0-5 appear twice
    assert result.differences == pytest.approx((0.1, 0.11, 0.12))
    assert best_of_grid(pd.concat([second, first]), "val_accuracy").best == "a"
