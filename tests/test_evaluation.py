"""1-D metrics against closed forms and SciPy."""

import numpy as np
import pytest
from scipy import stats

from keras_gans.evaluation import gaussian_1d_metrics, wasserstein1_to_normal


def test_w1_of_a_point_mass_is_the_mean_absolute_deviation():
    # W1(δ_μ, N(μ, σ²)) = E|X - μ| = σ √(2/π)
    assert wasserstein1_to_normal([4.0], 4.0, 0.5) == pytest.approx(0.5 * np.sqrt(2 / np.pi), rel=1e-9)


def test_w1_of_a_shifted_normal_is_the_shift():
    shifted = stats.norm.ppf((np.arange(20_000) + 0.5) / 20_000, loc=4.3, scale=0.5)
    assert wasserstein1_to_normal(shifted, 4.0, 0.5) == pytest.approx(0.3, abs=1e-3)


@pytest.mark.parametrize("seed", [0, 1])
def test_w1_agrees_with_scipy(seed):
    rng = np.random.default_rng(seed)
    samples = rng.normal(3.5, 0.2, 500)
    reference = rng.normal(4.0, 0.5, 2_000_000)
    assert wasserstein1_to_normal(samples, 4.0, 0.5) == pytest.approx(
        stats.wasserstein_distance(samples, reference), abs=2e-3
    )


def test_gaussian_metrics_detect_narrowing():
    narrow = np.random.default_rng(0).normal(4.0, 0.1, 10_000)
    metrics = gaussian_1d_metrics(narrow, 4.0, 0.5)
    assert metrics["mean"] == pytest.approx(4.0, abs=0.01)
    assert metrics["sigma_ratio"] == pytest.approx(0.2, abs=0.01)
    assert metrics["w1"] > 0.25


def test_rejects_non_finite_and_empty_samples():
    with pytest.raises(ValueError, match="received 3 values of which 1 are not finite"):
        wasserstein1_to_normal([1.0, np.nan, 2.0], 0, 1)
    with pytest.raises(ValueError, match="received 0 values"):
        wasserstein1_to_normal([], 0, 1)
