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
        noise: ``"stratified"`` (the seed's) or ``"normal"`` (iid N(0, 1)).
        decay_steps: steps between the x0.95 learning-rate decays (seed: 150).
        generator_ema: momentum of a moving average of G's weights that
            replaces them at the end of ``fit()`` (None: no averaging).

    Example:

    >>> from keras_gans import data
    >>> gan = Toy1DGAN(minibatch_discrimination=True)
    >>> gan.compile()
    >>> history = gan.fit(data.gaussian_1d(batch_size=8, seed=0), steps_per_epoch=5, verbose=0)
    >>> sorted(history.history)
    ['d_loss', 'g_loss']
    """

    NOISES = ("stratified", "normal")

    def __init__(
        self,
        generator=None,
        discriminator=None,
        noise_range=8.0,
        minibatch_discrimination=False,
        hidden_units=4,
        noise="stratified",
        decay_steps=150,
        generator_ema=None,
        **kwargs,
    ):
        if not noise_range > 0:
            raise ValueError(f"Expected noise_range > 0, received {noise_range!r}.")
        if noise not in self.NOISES:
            raise ValueError(f"Expected noise in {self.NOISES}, received {noise!r}.")
        if not (isinstance(decay_steps, int) and decay_steps > 0):
            raise ValueError(f"Expected decay_steps to be a positive integer, received {decay_steps!r}.")
        if generator_ema is not None and not 0 < generator_ema < 1:
            raise ValueError(f"Expected generator_ema in (0, 1) or None, received {generator_ema!r}.")
        generator = generator or networks.toy_generator(hidden_units)
        discriminator = discriminator or networks.toy_discriminator(
            hidden_units, minibatch_discrimination
        )
        super().__init__(generator, discriminator, **kwargs)
        self.noise_range = float(noise_range)
        self.noise = noise
        self.decay_steps = decay_steps
        self.generator_ema = generator_ema

    def noise_distribution(self, batch_size, seed=None):
        """Stratified noise: an even grid over [-range, range] plus 0.01 U[0, 1).

        With ``noise="normal"``, iid N(0, 1) instead. ``seed`` (a ``[2]``
        integer tensor) makes the draw stateless. Under a distribution
        strategy with the model's ``seed``, the grid spans the global batch.
        """
        if self.noise == "normal":
            return super().noise_distribution(batch_size, seed)
        grid = tf.linspace(-self.noise_range, self.noise_range, batch_size)
        if seed is not None:
            jitter = 0.01 * tf.random.stateless_uniform([batch_size], seed)
        else:
            jitter = 0.01 * tf.random.uniform([batch_size])
        return tf.reshape(grid + jitter, (batch_size, 1))

    def default_optimizers(self):
        """The seed's optimizer: SGD, 0.005 decayed x0.95 every ``decay_steps`` (150).

        With ``generator_ema`` the generator's optimizer also keeps a moving
        average of G's weights (``use_ema``), which replaces them when
        ``fit()`` ends.
        """
        def sgd(ema=None):
            schedule = keras.optimizers.schedules.ExponentialDecay(
                0.005, decay_steps=self.decay_steps, decay_rate=0.95, staircase=True
            )
            if ema is None:
                return keras.optimizers.SGD(schedule)
            return keras.optimizers.SGD(schedule, use_ema=True, ema_momentum=ema)

        return sgd(), sgd(self.generator_ema)

    def get_config(self):
        """Adds the noise and optimizer options to the base config."""
        return {**super().get_config(), "noise_range": self.noise_range, "noise": self.noise,
                "decay_steps": self.decay_steps, "generator_ema": self.generator_ema}
