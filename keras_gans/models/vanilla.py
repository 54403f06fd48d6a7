"""The original GAN of Goodfellow et al. (2014)."""

import keras

from keras_gans import losses, networks
from keras_gans.models.base import GAN


@keras.saving.register_keras_serializable(package="keras_gans")
class VanillaGAN(GAN):
    """GAN trained with Algorithm 1 of Goodfellow et al. (2014) (seed 000).

    Args:
        generator: ``keras.Model`` ``z -> x``.
        discriminator: ``keras.Model`` ``x -> logit``.
        generator_loss: ``"non_saturating"`` (``-log D(G(z))``, seed 000 eq. 3,
            the default) or ``"minimax"`` (``log(1 - D(G(z)))``, Algorithm 1).
        discriminator_steps: Algorithm 1's ``k``.

    Example:

    >>> import numpy as np
    >>> from keras_gans import networks
    >>> gan = VanillaGAN(networks.mlp_generator(8, units=(16,)),
    ...                  networks.mlp_discriminator(units=(16,)))
    >>> gan.compile()
    >>> history = gan.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=4, verbose=0)
    >>> sorted(history.history)
    ['d_loss', 'g_loss']
    """

    def __init__(self, generator, discriminator, generator_loss="non_saturating", **kwargs):
        self._generator_loss_fn = losses.get_generator_loss(generator_loss)
        super().__init__(generator, discriminator, **kwargs)
        self.generator_loss = generator_loss

    def train_step(self, data):
        """Algorithm 1 of seed 000, one iteration of its outer loop."""
        real, _ = self.unpack(data)
        batch_size = self.batch_size_of(real)
        # Lines 2-6: k steps of gradient ascent on log D(x) + log(1 - D(G(z))).
        for _ in range(self.discriminator_steps):
            fake = self.generator(self.sample_noise(batch_size), training=True)
            d_loss = self.minimize(
                self.discriminator,
                self.d_optimizer,
                lambda: losses.discriminator_loss(
                    self.discriminator(real, training=True),
                    self.discriminator(fake, training=True),
                ),
            )
        # Lines 7-8: one generator step on fresh noise.
        z = self.sample_noise(batch_size)
        g_loss = self.minimize(
            self.generator,
            self.g_optimizer,
            lambda: self._generator_loss_fn(
                self.discriminator(self.generator(z, training=True), training=True)
            ),
        )
        return self.update_metrics(d_loss=d_loss, g_loss=g_loss)

    def get_config(self):
        """Adds ``generator_loss`` to the base config."""
        return {**super().get_config(), "generator_loss": self.generator_loss}


def build_mnist(latent_dim=100, image_shape=(28, 28, 1), **kwargs):
    """A :class:`VanillaGAN` with the MLP networks of :mod:`keras_gans.networks`."""
    return VanillaGAN(
        networks.mlp_generator(latent_dim, image_shape),
        networks.mlp_discriminator(image_shape),
        **kwargs,
    )
