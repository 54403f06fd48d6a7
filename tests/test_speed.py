"""Speed-related behaviour found by profiling (bench/profile_overheads.py).

- ``fit()`` traces the training step once: no retracing between epochs or
  between ``fit()`` calls.
- Batch-norm discriminators see real and generated samples in SEPARATE
  batches (the DCGAN paper's advice): joining them into one call, keras-io's
  trick, would be faster only by changing the batch statistics.
"""

import numpy as np
import pytest
import tensorflow as tf

import keras
from keras_gans import networks
from keras_gans.models import DCGAN, WGAN, ConditionalDCGAN, VanillaGAN

SMALL = dict(latent_dim=4, filters=2)


def _images(count, shape=(28, 28, 1)):
    return np.random.default_rng(0).uniform(-1, 1, (count, *shape)).astype("float32")


def test_fit_traces_the_training_step_once():
    traces = []

    class Counting(VanillaGAN):
        def train_step(self, data):
            traces.append(1)  # Python runs here only while tracing
            return super().train_step(data)

    gan = Counting(networks.mlp_generator(4, (8, 8, 1), units=(8,)),
                   networks.mlp_discriminator((8, 8, 1), units=(8,)))
    gan.compile(steps_per_execution=2)
    dataset = tf.data.Dataset.from_tensor_slices(_images(32, (8, 8, 1))).batch(4, drop_remainder=True)
    gan.fit(dataset.repeat(), epochs=3, steps_per_epoch=4, verbose=0)
    gan.fit(dataset.repeat(), epochs=2, steps_per_epoch=4, verbose=0)
    assert len(traces) == 1
    assert int(gan.g_optimizer.iterations) == 20


@pytest.mark.parametrize("build", [
    lambda: DCGAN(**SMALL),
    lambda: ConditionalDCGAN(num_classes=10, **SMALL),
    lambda: WGAN(**SMALL, discriminator_steps=1),
], ids=["dcgan", "cdcgan", "wgan"])
def test_batch_norm_discriminators_see_real_and_fake_in_separate_batches(build):
    gan = build()
    gan.compile()
    calls = []
    original = gan.D

    def counting_d(samples, labels=None, training=True, network=None):
        calls.append(int(samples.shape[0]))
        return original(samples, labels, training, network)

    gan.D = counting_d
    batch = tf.constant(_images(4))
    gan.train_step((batch, tf.constant([0, 1, 2, 3])) if gan.conditional else batch)
    assert any(type(layer).__name__ == "BatchNormalization" for layer in gan.discriminator.layers)
    assert calls == [4, 4, 4]  # D(real), D(fake), then the generator step's D(G(z))
    keras.backend.clear_session()
