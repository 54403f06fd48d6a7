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
        real_label: D's target for real samples; 0.9 is the one-sided label
            smoothing of Salimans et al. (2016), 1.0 (default) none.

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

    def __init__(self, generator, discriminator, generator_loss="non_saturating", real_label=1.0,
                 **kwargs):
        self._generator_loss_fn = losses.get_generator_loss(generator_loss)
        if not (isinstance(real_label, (int, float)) and 0.5 < real_label <= 1.0):
            raise ValueError(f"Expected real_label in (0.5, 1], received {real_label!r}.")
        super().__init__(generator, discriminator, **kwargs)
        self.generator_loss = generator_loss
        self.real_label = float(real_label)

    def train_step(self, data):
        """Algorithm 1 of seed 000, one iteration of its outer loop.

        Conditional subclasses get ``G(z|y)`` and ``D(x|y)`` (seed 003, eq. 6)
        from the same lines: fakes are conditioned on the real batch's labels,
        so both sides of D's loss see the same class mix.
        """
        real, labels = self.unpack(data)
        batch_size = self.batch_size_of(real)
        # Lines 2-6: k steps of gradient ascent on log D(x) + log(1 - D(G(z))).
        for _ in range(self.discriminator_steps):
            fake = self.G(self.sample_noise(batch_size), labels)
            d_loss = self.minimize(
                self.discriminator,
                self.d_optimizer,
                lambda: losses.discriminator_loss(
                    self.D(real, labels), self.D(fake, labels), self.real_label
                ),
            )
        # Lines 7-8: one generator step on fresh noise.
        z = self.sample_noise(batch_size)
        g_loss = self.minimize(
            self.generator,
            self.g_optimizer,
            lambda: self._generator_loss_fn(self.D(self.G(z, labels), labels)),
        )
        return self.update_metrics(d_loss=d_loss, g_loss=g_loss)

    def get_config(self):
        """Adds ``generator_loss`` and ``real_label`` to the base config."""
        return {**super().get_config(), "generator_loss": self.generator_loss,
                "real_label": self.real_label}


ARCHITECTURES = {
    "mlp": (networks.mlp_generator, networks.mlp_discriminator),
    "conv": (networks.deconv_generator, networks.conv_discriminator),
}


def build_mnist(latent_dim=100, image_shape=(28, 28, 1), architecture="mlp", **kwargs):
    """A :class:`VanillaGAN` for MNIST-sized images.

    Args:
        architecture: ``"mlp"`` (fully connected, Goodfellow et al.) or
            ``"conv"`` (seed 000's convolutional D and deconvolutional G).
        **kwargs: :class:`VanillaGAN` options.
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"Expected architecture in {sorted(ARCHITECTURES)}, received {architecture!r}."
        )
    build_generator, build_discriminator = ARCHITECTURES[architecture]
    return VanillaGAN(
        build_generator(latent_dim=latent_dim, image_shape=image_shape),
        build_discriminator(image_shape=image_shape),
        **kwargs,
    )
