"""The energy-based GAN (Zhao et al. 2017; Su Wang's tutorial, sec. 5)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import layers, losses, networks
from keras_gans.models import EBGAN


def test_the_discriminator_outputs_the_mean_squared_reconstruction_error():
    discriminator = networks.autoencoder_discriminator(filters=4, embedding_units=8)
    images = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    energy = discriminator(images, training=False).numpy()
    reconstruction = keras.Model(discriminator.inputs,
                                 discriminator.get_layer("energy").input[1])(images, training=False)
    expected = np.mean((images - reconstruction.numpy()) ** 2, axis=(1, 2, 3))
    np.testing.assert_allclose(energy.ravel(), expected, rtol=1e-5)
    assert layers.ReconstructionEnergy.from_config(
        layers.ReconstructionEnergy(name="e").get_config()).name == "e"


def test_the_losses_are_the_hinge_and_the_energy():
    real, fake = np.array([[0.2], [0.5]]), np.array([[0.3], [1.7]])
    np.testing.assert_allclose(losses.ebgan_discriminator_loss(real, fake, margin=1.0),
                               [0.2 + 0.7, 0.5 + 0.0], rtol=1e-6)
    np.testing.assert_allclose(losses.ebgan_generator_loss(fake), [0.3, 1.7], rtol=1e-6)


def test_the_pulling_away_term_is_the_mean_squared_cosine_of_distinct_pairs():
    codes = np.random.default_rng(1).normal(size=(5, 4))
    unit = codes / np.linalg.norm(codes, axis=1, keepdims=True)
    cosines = (unit @ unit.T) ** 2
    expected = (cosines.sum() - np.trace(cosines)) / (5 * 4)
    assert float(losses.pulling_away_term(codes)) == pytest.approx(expected, rel=1e-5)
    assert float(losses.pulling_away_term(np.ones((4, 3)))) == pytest.approx(1.0)


def test_the_margin_stops_pushing_fakes_beyond_it():
    # A fake whose energy is already above m gives D no gradient from it.
    gan = EBGAN(latent_dim=8, filters=4, embedding_units=8, margin=0.01)
    images = tf.random.uniform((4, 28, 28, 1), -1, 1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.relu(gan.margin - gan.D(images)))
    gradients = tape.gradient(loss, gan.discriminator.trainable_variables)
    assert all(g is None or not np.any(g.numpy()) for g in gradients)


def test_ebgan_trains_round_trips_and_trains_on(tmp_path):
    gan = EBGAN(latent_dim=8, filters=4, embedding_units=8, generator_dense_units=6,
                generator_ema=0.9, instance_noise=0.1)
    assert gan.generator.layers[1].units == 6  # InfoGAN's hidden layer, before the projection
    gan.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    history = gan.fit(images, batch_size=8, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["g_loss"]))
    gan.save(tmp_path / "ebgan.keras")
    restored = keras.models.load_model(tmp_path / "ebgan.keras")
    assert (restored.margin, restored.pulling_away_weight) == (1.0, pytest.approx(0.1))
    assert restored.generator.layers[1].units == 6
    for expected, actual in zip(gan.weights, restored.weights, strict=True):
        np.testing.assert_array_equal(expected.numpy(), actual.numpy())
    restored.fit(images, batch_size=8, verbose=0)
    assert restored.steps_trained == 6


@pytest.mark.parametrize("options, message", [
    (dict(margin=0), "Expected margin > 0, received 0"),
    (dict(pulling_away_weight=-1.0), "Expected pulling_away_weight >= 0, received -1.0"),
    (dict(discriminator=networks.dcgan_discriminator(filters=4)),
     "layer named 'embedding'.*or set pulling_away_weight=0"),
    (dict(real_label=0.9), "does not apply to EBGAN"),
])
def test_bad_ebgan_settings_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        EBGAN(latent_dim=8, filters=4, embedding_units=8, **options)
