"""The losses against their formulas (Goodfellow et al. 2014, eqs. 1 and 3)."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import losses


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_discriminator_loss_hand_computed():
    # -log σ(2) - log(1 - σ(-1)) = log(1 + e^-2) + log(1 + e^-1)
    value = losses.discriminator_loss(tf.constant([[2.0]]), tf.constant([[-1.0]]))
    assert value.shape == (1,)
    assert float(value[0]) == pytest.approx(np.log1p(np.exp(-2)) + np.log1p(np.exp(-1)), rel=1e-6)


def test_losses_match_probability_formulas():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(16, 1)), rng.normal(size=(16, 1))
    d_real, d_fake = sigmoid(real), sigmoid(fake)
    np.testing.assert_allclose(
        losses.discriminator_loss(real, fake), (-np.log(d_real) - np.log(1 - d_fake)).ravel(), rtol=1e-5
    )
    np.testing.assert_allclose(
        losses.minimax_generator_loss(fake), np.log(1 - d_fake).ravel(), rtol=1e-5
    )
    np.testing.assert_allclose(
        losses.non_saturating_generator_loss(fake), -np.log(d_fake).ravel(), rtol=1e-5
    )


def test_losses_are_per_example_and_average_extra_axes():
    logits = tf.reshape(tf.range(12, dtype=tf.float32) / 6 - 1, (3, 2, 2))
    per_example = losses.non_saturating_generator_loss(logits)
    assert per_example.shape == (3,)
    expected = np.mean(-np.log(sigmoid(logits.numpy().reshape(3, 4))), axis=1)
    np.testing.assert_allclose(per_example, expected, rtol=1e-5)


def test_losses_stay_finite_for_confident_discriminators():
    extreme = tf.constant([[100.0], [-100.0]])
    for value in (
        losses.discriminator_loss(extreme, -extreme),
        losses.minimax_generator_loss(extreme),
        losses.non_saturating_generator_loss(extreme),
    ):
        assert np.all(np.isfinite(value))
    # The saturating loss has (almost) no gradient where D rejects the fake; the
    # non-saturating one keeps a strong gradient there (Goodfellow et al. 2014, sec. 3).
    rejected = tf.Variable([[-10.0]])
    with tf.GradientTape(persistent=True) as tape:
        minimax = losses.minimax_generator_loss(rejected)
        non_saturating = losses.non_saturating_generator_loss(rejected)
    assert abs(float(tape.gradient(minimax, rejected)[0, 0])) < 1e-4
    assert abs(float(tape.gradient(non_saturating, rejected)[0, 0])) > 0.99


def test_get_generator_loss():
    assert losses.get_generator_loss("minimax") is losses.minimax_generator_loss
    with pytest.raises(ValueError, match=r"expected one of \['minimax', 'non_saturating'\], received 'wasserstein'"):
        losses.get_generator_loss("wasserstein")


def test_one_sided_label_smoothing_matches_cross_entropy_with_soft_real_targets():
    real, fake = np.array([[1.5], [-0.5]], "float32"), np.array([[0.3], [-2.0]], "float32")
    d_real, d_fake = 1 / (1 + np.exp(-real[:, 0])), 1 / (1 + np.exp(-fake[:, 0]))
    alpha = 0.9  # Salimans et al.: real targets 0.9, fake targets stay 0
    expected = -(alpha * np.log(d_real) + (1 - alpha) * np.log(1 - d_real)) - np.log(1 - d_fake)
    np.testing.assert_allclose(losses.discriminator_loss(real, fake, real_label=alpha), expected, rtol=1e-5)
    np.testing.assert_allclose(losses.discriminator_loss(real, fake, real_label=1.0),
                               -np.log(d_real) - np.log(1 - d_fake), rtol=1e-5)
