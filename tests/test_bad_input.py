"""Bad input across the API: a clear error naming expected and received, before any step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import data
from keras_gans.models import DCGAN, Toy1DGAN


def _untouched(model):
    return model.steps_trained == 0


def test_an_empty_data_set_is_refused():
    gan = Toy1DGAN()
    gan.compile()
    with pytest.raises(ValueError, match="at least one sample, received an empty data set"):
        gan.fit(tf.data.Dataset.from_tensor_slices(np.zeros((0, 1), "float32")).batch(4),
                verbose=0)
    with pytest.raises(ValueError, match="empty data set"):
        gan.fit(np.zeros((0, 1), "float32"), verbose=0)
    assert _untouched(gan)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_are_refused(bad):
    gan = Toy1DGAN()
    gan.compile()
    samples = np.full((8, 1), 4.0, "float32")
    samples[3] = bad
    with pytest.raises(ValueError, match="Expected finite real samples, received 1 NaN or infinite"):
        gan.fit(samples, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="finite"):
        gan.fit(tf.data.Dataset.from_tensor_slices(samples).batch(8), verbose=0)
    assert _untouched(gan)


def test_nan_images_are_refused_as_non_finite():
    gan = DCGAN(latent_dim=8, filters=4)
    gan.compile()
    images = np.zeros((4, 28, 28, 1), "float32")
    images[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        gan.fit(images, batch_size=4, verbose=0)


def test_minibatch_discrimination_needs_two_samples_per_batch():
    gan = Toy1DGAN(minibatch_discrimination=True)
    gan.compile()
    with pytest.raises(ValueError, match="at least 2 samples per replica.*received batches of 1"):
        gan.fit(data.gaussian_1d(batch_size=1, seed=0), steps_per_epoch=2, verbose=0)
    with pytest.raises(ValueError, match="batches of 1"):
        gan.fit(np.full((8, 1), 4.0, "float32"), batch_size=1, verbose=0)
    assert _untouched(gan)
    # Without MBD a batch of one is legal.
    plain = Toy1DGAN()
    plain.compile()
    plain.fit(data.gaussian_1d(batch_size=1, seed=0), steps_per_epoch=2, verbose=0)
    assert plain.steps_trained == 2


@pytest.mark.parametrize("rate", [-1e-3, float("nan"), float("inf")])
def test_nonsensical_learning_rates_are_refused_at_compile(rate):
    gan = Toy1DGAN()
    with pytest.raises(ValueError, match="non-negative, finite learning rate for d_optimizer"):
        gan.compile(keras.optimizers.Adam(rate), keras.optimizers.Adam(1e-3))
    with pytest.raises(ValueError, match="for g_optimizer"):
        gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.SGD(rate))


def test_a_zero_learning_rate_freezes_a_network():
    gan = Toy1DGAN()
    gan.compile(g_optimizer=keras.optimizers.SGD(0.0))  # train D only (tutorial 02 does this)
    before = [w.numpy() for w in gan.generator.weights]
    gan.fit(data.gaussian_1d(batch_size=8, seed=0), steps_per_epoch=3, verbose=0)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, gan.generator.weights))


def test_conditional_generate_checks_the_latent_width():
    from keras_gans.models import ConditionalDCGAN

    gan = ConditionalDCGAN(num_classes=10, latent_dim=16, filters=4)
    with pytest.raises(ValueError, match=r"Expected z of shape \(2, 16\).*received shape \(2, 5\)"):
        gan.generate([0, 1], z=np.zeros((2, 5), "float32"))
    assert gan.generate([0, 1], z=np.zeros((2, 16), "float32")).shape == (2, 28, 28, 1)


@pytest.mark.parametrize("count", [0, -1, 2.5, True])
def test_generate_needs_a_positive_sample_count(count):
    with pytest.raises(ValueError, match=f"num_samples to be a positive integer, received {count!r}"):
        Toy1DGAN().generate(count)
    assert Toy1DGAN().generate(np.int64(3)).shape == (3, 1)


def test_a_generator_input_of_the_wrong_width_names_both_shapes():
    gan = DCGAN(latent_dim=8, filters=4)
    with pytest.raises(ValueError, match=r"expected shape=\(None, 8\), found shape=\(2, 5\)"):
        gan(np.zeros((2, 5), "float32"))
