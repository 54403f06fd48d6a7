"""The 1-D Gaussian toy of John Glover's *An introduction to Generative Adversarial Networks* (AYLIEN, 2016)."""

import keras
import tensorflow as tf

from keras_gans import networks
from keras_gans.models.vanilla import VanillaGAN


@keras.saving.register_keras_serializable(package="keras_gans")
class Toy1DGAN(VanillaGAN):
    """A GAN that learns N(4, 0.5) from stratified 1-D noise (Glover, AYLIEN 2016).

    The same Algorithm 1 as :class:`VanillaGAN`; what differs is the noise
    ``z = linspace(-range, range, m) + 0.01 * U[0, 1)`` (stratified, as in the
    tutorial), the tiny networks, and the tutorial's optimizer: plain gradient
    descent with the learning rate 0.005 decayed by 0.95 every 150 steps.

    Args:
        generator: defaults to :func:`keras_gans.networks.toy_generator`.
        discriminator: defaults to :func:`keras_gans.networks.toy_discriminator`.
        noise_range: half-width of the stratified noise interval (tutorial: 8).
        hidden_units: only used to build the default networks (tutorial: 4).
        noise: ``"stratified"`` (the tutorial's) or ``"normal"`` (iid N(0, 1)).
        decay_steps: steps between the x0.95 learning-rate decays (tutorial: 150).
        **kwargs: :class:`VanillaGAN` options and the training techniques, e.g.
            ``minibatch_discrimination=True`` (the tutorial's remedy for the
            narrowing) or ``generator_ema=0.999`` (samples from a moving
            average of G's weights).

    Examples:

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
        hidden_units=4,
        noise="stratified",
        decay_steps=150,
        **kwargs,
    ):
        if not noise_range > 0:
            raise ValueError(f"Expected noise_range > 0, received {noise_range!r}.")
        if noise not in self.NOISES:
            raise ValueError(f"Expected noise in {self.NOISES}, received {noise!r}.")
        if not (isinstance(decay_steps, int) and decay_steps > 0):
            raise ValueError(f"Expected decay_steps to be a positive integer, received {decay_steps!r}.")
        generator = generator or networks.toy_generator(hidden_units)
        discriminator = discriminator or networks.toy_discriminator(hidden_units)
        super().__init__(generator, discriminator, **kwargs)
        self.noise_range = float(noise_range)
        self.noise = noise
        self.decay_steps = decay_steps

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
        """The tutorial's optimizer for both networks: SGD, 0.005 decayed x0.95 every ``decay_steps``."""
        def sgd():
            return keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(
                0.005, decay_steps=self.decay_steps, decay_rate=0.95, staircase=True))

        return sgd(), sgd()

    def get_config(self):
        """Adds the noise and optimizer options to the base config."""
        return {**super().get_config(), "noise_range": self.noise_range, "noise": self.noise,
                "decay_steps": self.decay_steps}
