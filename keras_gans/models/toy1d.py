"""The 1-D Gaussian toy of seed 001 (AYLIEN gan-intro)."""

import keras
import tensorflow as tf

from keras_gans import networks
from keras_gans.models.vanilla import VanillaGAN


@keras.saving.register_keras_serializable(package="keras_gans")
class Toy1DGAN(VanillaGAN):
    """A GAN that learns N(4, 0.5) from stratified 1-D noise (seed 001).

    The same Algorithm 1 as :class:`VanillaGAN`; what differs is the noise
    ``z = linspace(-range, range, m) + 0.01 * U[0, 1)`` (stratified, as in the
    seed), the tiny networks, and the seed's optimizer: plain gradient descent
    with the learning rate 0.005 decayed by 0.95 every 150 steps.

    Args:
        generator: defaults to :func:`keras_gans.networks.toy_generator`.
        discriminator: defaults to :func:`keras_gans.networks.toy_discriminator`
            (with ``minibatch_discrimination`` when that is True).
        noise_range: half-width of the stratified noise interval (seed: 8).
        minibatch_discrimination: only used to build the default discriminator.
        hidden_units: only used to build the default networks (seed: 4).

    Example:

    >>> from keras_gans import data
    >>> gan = Toy1DGAN(minibatch_discrimination=True)
    >>> gan.compile()
    >>> history = gan.fit(data.gaussian_1d(batch_size=8, seed=0), steps_per_epoch=5, verbose=0)
    >>> sorted(history.history)
    ['d_loss', 'g_loss']
    """

    def __init__(
        self,
        generator=None,
        discriminator=None,
        noise_range=8.0,
        minibatch_discrimination=False,
        hidden_units=4,
        **kwargs,
    ):
        if not noise_range > 0:
            raise ValueError(f"Expected noise_range > 0, received {noise_range!r}.")
        generator = generator or networks.toy_generator(hidden_units)
        discriminator = discriminator or networks.toy_discriminator(
            hidden_units, minibatch_discrimination
        )
        super().__init__(generator, discriminator, **kwargs)
        self.noise_range = float(noise_range)

    def sample_noise(self, batch_size, seed=None):
        """Stratified noise: an even grid over [-range, range] plus 0.01 U[0, 1).

        ``seed`` (a ``[2]`` integer tensor) makes the jitter stateless.
        """
        grid = tf.linspace(-self.noise_range, self.noise_range, batch_size)
        if seed is not None:
            jitter = 0.01 * tf.random.stateless_uniform([batch_size], seed)
        else:
            jitter = 0.01 * tf.random.uniform([batch_size])
        return tf.reshape(grid + jitter, (batch_size, 1))

    def default_optimizers(self):
        """The seed's optimizer: SGD, 0.005 decayed x0.95 every 150 steps."""
        return tuple(
            keras.optimizers.SGD(
                keras.optimizers.schedules.ExponentialDecay(
                    0.005, decay_steps=150, decay_rate=0.95, staircase=True
                )
            )
            for _ in range(2)
        )

    def get_config(self):
        """Adds ``noise_range`` to the base config."""
        return {**super().get_config(), "noise_range": self.noise_range}
