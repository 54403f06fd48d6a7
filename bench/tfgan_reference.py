"""TF-GAN's MNIST tutorial network, written as a package GAN for side-by-side benchmarks.

The network and training settings of TF-GAN's MNIST tutorial (the
``tensorflow_gan`` examples; the settings the issue lists): Wasserstein
losses without clipping or penalty, L2 weight decay 2.5e-5 on every weight,
noise of width 64, batch 32, Adam with beta_1 0.5 for both networks, G's
learning rate 1e-3 halved at step 1000, D's 2e-4.

- G: Dense 1024 - Dense 7x7x256 - two 4x4 stride-2 transposed convolutions
  of 64 filters - 4x4 convolution + tanh; batch norm and ReLU after every
  hidden layer.
- D: two 4x4 stride-2 convolutions of 64 and 128 filters with
  LeakyReLU(0.01), Dense 1024 + batch norm + LeakyReLU(0.01), Dense 1.

Not part of the package: it is the yardstick ``bench/versus_references.py``
trains in the same harness as ours.
"""

import keras
import tensorflow as tf

from keras_gans import losses
from keras_gans.models import GAN

LATENT_DIM, BATCH_SIZE, WEIGHT_DECAY = 64, 32, 2.5e-5


def tfgan_generator(latent_dim=LATENT_DIM, weight_decay=WEIGHT_DECAY):
    """TF-GAN's unconditional MNIST generator."""
    decay = keras.regularizers.L2(weight_decay)

    def block(layer, x):
        return keras.layers.ReLU()(keras.layers.BatchNormalization()(layer(x)))

    z = keras.Input((latent_dim,), name="z")
    x = block(keras.layers.Dense(1024, kernel_regularizer=decay), z)
    x = block(keras.layers.Dense(7 * 7 * 256, kernel_regularizer=decay), x)
    x = keras.layers.Reshape((7, 7, 256))(x)
    for _ in range(2):
        x = block(keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same",
                                               kernel_regularizer=decay), x)
    x = keras.layers.Conv2D(1, 4, padding="same", activation="tanh", kernel_regularizer=decay)(x)
    return keras.Model(z, x, name="generator")


def tfgan_discriminator(weight_decay=WEIGHT_DECAY):
    """TF-GAN's unconditional MNIST discriminator (returns one unbounded score)."""
    decay = dict(kernel_regularizer=keras.regularizers.L2(weight_decay),
                 bias_regularizer=keras.regularizers.L2(weight_decay))
    image = keras.Input((28, 28, 1), name="image")
    x = keras.layers.LeakyReLU(0.01)(keras.layers.Conv2D(64, 4, strides=2, padding="same",
                                                         **decay)(image))
    x = keras.layers.LeakyReLU(0.01)(keras.layers.Conv2D(128, 4, strides=2, padding="same",
                                                         **decay)(x))
    x = keras.layers.Flatten()(x)
    x = keras.layers.LeakyReLU(0.01)(keras.layers.BatchNormalization()(
        keras.layers.Dense(1024, **decay)(x)))
    return keras.Model(image, keras.layers.Dense(1, name="logit", **decay)(x),
                       name="discriminator")


class TFGANTutorialGAN(GAN):
    """TF-GAN's tutorial training step: one D and one G update, Wasserstein losses + L2 decay."""

    def __init__(self, generator=None, discriminator=None, **kwargs):
        super().__init__(generator or tfgan_generator(), discriminator or tfgan_discriminator(),
                         **kwargs)

    def default_optimizers(self):
        """Adam(beta_1 0.5): D 2e-4; G 1e-3 halved at step 1000."""
        g_rate = keras.optimizers.schedules.PiecewiseConstantDecay([1000], [1e-3, 5e-4])
        return (keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(g_rate, beta_1=0.5))

    def train_step(self, data):
        """TF-GAN's ``gan_train``: D on E[f(G(z))] - E[f(x)], then G on -E[f(G(z))]."""
        for real, labels in self.real_batches(data):
            fake = self.G(self.sample_noise(self.batch_size_of(real)))
            d_loss = self.discriminator_step(real, labels, lambda: (
                losses.wasserstein_critic_loss(self.D(real), self.D(fake))
                + _weight_decay(self.discriminator)))
        z = self.sample_noise(self.batch_size_of(real))
        g_loss = self.generator_step(z, labels, real, lambda scores: (
            losses.wasserstein_generator_loss(scores) + _weight_decay(self.generator)))
        return self.update_metrics(d_loss=d_loss, g_loss=g_loss)


def _weight_decay(network):
    """The network's L2 regularization losses: a scalar added to every example's loss,
    so the global-batch average counts it once."""
    return tf.add_n(network.losses)
