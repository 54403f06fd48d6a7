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


# ---------------------------------------------------------------- image metrics
import os  # noqa: E402

import keras  # noqa: E402
import tensorflow_datasets as tfds  # noqa: E402

from keras_gans import callbacks, data, evaluation  # noqa: E402
from keras_gans.models import ConditionalDCGAN, DCGAN  # noqa: E402


def test_frechet_distance_against_closed_forms():
    features = np.random.default_rng(0).normal(size=(400, 6))
    stats = evaluation.feature_statistics(features)
    assert evaluation.frechet_distance(stats, stats) == pytest.approx(0.0, abs=1e-6)
    mean, cov = stats
    # Same covariance, mean shifted by s: d² = ||s||².
    assert evaluation.frechet_distance(stats, (mean + 0.5, cov)) == pytest.approx(6 * 0.25, rel=1e-6)
    # N(0, I) vs N(0, 4I) in d dims: d² = d (1 + 4 - 2·2) = d.
    identity = (np.zeros(6), np.eye(6))
    assert evaluation.frechet_distance(identity, (np.zeros(6), 4 * np.eye(6))) == pytest.approx(6.0)


def test_classifier_score_and_conditional_accuracy_on_known_predictions():
    assert evaluation.classifier_score(np.full((50, 10), 0.1)) == pytest.approx(1.0)
    assert evaluation.classifier_score(np.tile(np.eye(10), (3, 1))) == pytest.approx(10.0, rel=1e-6)
    assert evaluation.classifier_score(np.tile(np.eye(4)[:1], (8, 1))) == pytest.approx(1.0)
    probabilities = np.eye(3)[[0, 1, 2, 2]]
    assert evaluation.conditional_accuracy(probabilities, [0, 1, 2, 0]) == pytest.approx(0.75)


def test_feature_statistics_rejects_a_single_sample():
    with pytest.raises(ValueError, match=r"shape \(n >= 2, d\), received \(1, 3\)"):
        evaluation.feature_statistics(np.zeros((1, 3)))


@pytest.fixture
def tiny_evaluator():
    """An ImageEvaluator with an untrained tiny classifier on mocked MNIST."""
    classifier = evaluation.build_classifier(feature_units=8)
    with tfds.testing.mock_data(num_examples=40):
        evaluator = evaluation.ImageEvaluator("mnist", classifier=classifier)
        evaluator.reference_statistics()
        yield evaluator


def test_real_test_images_are_at_distance_zero_from_the_reference(tiny_evaluator):
    test_images, test_labels = tiny_evaluator._split("test")
    metrics = tiny_evaluator.evaluate(test_images, test_labels)
    assert metrics["fcd"] == pytest.approx(0.0, abs=1e-5)
    assert set(metrics) == {"fcd", "classifier_score", "conditional_accuracy"}
    reference = tiny_evaluator.reference()
    assert reference["fcd"] >= 0 and 1.0 <= reference["classifier_score"] <= 10.0


def test_quality_callback_writes_val_metrics_into_the_logs(tiny_evaluator, tmp_path):
    gan = ConditionalDCGAN(num_classes=10, latent_dim=8, filters=4)
    gan.compile()
    quality = callbacks.ImageQualityMetrics(tiny_evaluator, num_samples=20, with_reference=True)
    grid = callbacks.SampleGrid(str(tmp_path / "samples"), str(tmp_path / "logs"), num_samples=20)
    images = np.zeros((16, 28, 28, 1), "float32")
    history = gan.fit(images, np.arange(16) % 10, batch_size=8, epochs=2, verbose=0,
                      callbacks=[quality, grid])
    for name in ("val_fcd", "val_classifier_score", "val_conditional_accuracy"):
        assert len(history.history[name]) == 2 and np.isfinite(history.history[name][-1])
    assert set(quality.reference) == {"fcd", "classifier_score", "conditional_accuracy"}
    assert sorted(os.listdir(tmp_path / "samples")) == ["samples_epoch_001.png", "samples_epoch_002.png"]
    assert os.listdir(tmp_path / "logs" / "samples")  # a TensorBoard event file
    assert len(grid.figure().axes) == 10 * 2  # one row per class, 2 samples each


def _image_bigan(encoder):
    from keras_gans import networks
    from keras_gans.models import BiGAN

    generator = keras.Sequential([keras.Input((784,)), keras.layers.Reshape((28, 28, 1))])
    return BiGAN(generator, networks.joint_discriminator((28, 28, 1), 784, filters=4), encoder)


def test_reconstruction_accuracy_is_the_label_kept_through_g_of_e(tiny_evaluator):
    identity = _image_bigan(keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten()]))
    images, labels = (part[:20] for part in tiny_evaluator.reference_arrays())
    _, probabilities = tiny_evaluator.features_and_probabilities(images)
    # G(E(x)) = x: every reconstruction is classified as its original is.
    assert tiny_evaluator.reconstruction_accuracy(identity, 20) == pytest.approx(
        evaluation.conditional_accuracy(probabilities, labels))
    # E(x) = 0: every reconstruction is the same image, classified as one class.
    constant = _image_bigan(keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Flatten(),
        keras.layers.Dense(784, kernel_initializer="zeros")]))
    _, blank = tiny_evaluator.features_and_probabilities(np.zeros((1, 28, 28, 1), "float32"))
    assert tiny_evaluator.reconstruction_accuracy(constant, 20) == pytest.approx(
        np.mean(labels == np.argmax(blank[0])))
    with pytest.raises(ValueError, match="encoder .ALI / BiGAN., received a DCGAN"):
        tiny_evaluator.reconstruction_accuracy(DCGAN(latent_dim=8, filters=4))


def test_quality_callback_can_drive_early_stopping(tiny_evaluator):
    gan = DCGAN(latent_dim=8, filters=4)
    gan.compile()
    quality = callbacks.ImageQualityMetrics(tiny_evaluator, num_samples=16)
    stop = keras.callbacks.EarlyStopping("val_fcd", patience=0, mode="min")
    history = gan.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=8, epochs=20, verbose=0,
                      callbacks=[quality, stop])
    assert "val_fcd" in history.history and len(history.history["val_fcd"]) < 20


@pytest.mark.parametrize("dataset", sorted(data.IMAGE_DATASETS))
def test_shipped_classifiers_are_small_and_load(dataset):
    path = evaluation.classifier_path(dataset)
    assert os.path.getsize(path) < 3_000_000
    classifier = keras.models.load_model(path)
    probabilities = classifier.predict(np.zeros((2, 28, 28, 1), "float32"), verbose=0)
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_time_limit_stops_training():
    gan = DCGAN(latent_dim=8, filters=4)
    gan.compile()
    limit = callbacks.TimeLimit(seconds=1e-6)
    gan.fit(np.zeros((32, 28, 28, 1), "float32"), batch_size=8, epochs=3, verbose=0, callbacks=[limit])
    assert limit.steps == 1 and int(gan.g_optimizer.iterations) == 1
    with pytest.raises(ValueError, match="seconds > 0, received 0"):
        callbacks.TimeLimit(0)
