"""The original GAN of Goodfellow et al. (2014)."""

import keras

from keras_gans import losses, networks
from keras_gans.models.base import GAN


@keras.saving.register_keras_serializable(package="keras_gans")
class VanillaGAN(GAN):
    """GAN trained with Algorithm 1 of Goodfellow et al. (2014).

    Args:
        generator: ``keras.Model`` ``z -> x``.
        discriminator: ``keras.Model`` ``x -> logit``.
        generator_loss: ``"non_saturating"`` (``-log D(G(z))``, the paper's
            sec. 3 advice, the default) or ``"minimax"`` (``log(1 - D(G(z)))``,
            Algorithm 1).
        discriminator_steps: Algorithm 1's ``k``.
        **kwargs: :class:`~keras_gans.models.GAN` options and the training
            techniques (e.g. ``real_label=0.9``, the one-sided label smoothing
            of Salimans et al. 2016; ``feature_matching=1.0``).

    Examples:

        >>> import numpy as np
        >>> from keras_gans import networks
        >>> gan = VanillaGAN(networks.mlp_generator(8, units=(16,)),
        ...                  networks.mlp_discriminator(units=(16,)))
        >>> gan.compile()
        >>> history = gan.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=4, verbose=0)
        >>> sorted(history.history)
        ['d_loss', 'g_loss']
    """

    logistic_loss = True

    def __init__(self, generator, discriminator, generator_loss="non_saturating", **kwargs):
        self._generator_loss_fn = losses.get_generator_loss(generator_loss)
        super().__init__(generator, discriminator, **kwargs)
        self.generator_loss = generator_loss

    def train_step(self, data):
        """Algorithm 1 of Goodfellow et al. (2014), one iteration of its outer loop.

        Conditional subclasses get ``G(z|y)`` and ``D(x|y)`` (Mirza & Osindero
        2014) from the same lines: fakes are conditioned on the real batch's
        labels, so both sides of D's loss see the same class mix.
        """
        # Lines 2-6: k steps of gradient ascent on log D(x) + log(1 - D(G(z))),
        # each on a new real minibatch and new noise.
        for real, labels in self.real_batches(data):
            fake = self.G(self.sample_noise(self.batch_size_of(real)), labels)
            d_loss = self.discriminator_step(real, labels, lambda: losses.discriminator_loss(
                self.D(real, labels), self.D(fake, labels), self.real_label))
        # Lines 7-8: one generator step on new noise.
        z = self.sample_noise(self.batch_size_of(real))
        g_loss = self.generator_step(z, labels, real, self._generator_loss_fn)
        return self.update_metrics(d_loss=d_loss, g_loss=g_loss)

    def get_config(self):
        """Adds ``generator_loss`` to the base config."""
        return {**super().get_config(), "generator_loss": self.generator_loss}


ARCHITECTURES = {
    "mlp": (networks.mlp_generator, networks.mlp_discriminator),
    "conv": (networks.deconv_generator, networks.conv_discriminator),
}


def build_mnist(latent_dim=100, image_shape=(28, 28, 1), architecture="mlp",
                generator_dense_units=None, **kwargs):
    """A :class:`VanillaGAN` for MNIST-sized images.

    Args:
        architecture: ``"mlp"`` (fully connected, Goodfellow et al.) or
            ``"conv"`` (the convolutional D and deconvolutional G of Su Wang's
            *Generative Adversarial Networks: A Gentle Introduction*).
        generator_dense_units: with ``"conv"``, a fully connected hidden
            layer of this width in G (:func:`keras_gans.networks.deconv_generator`).
        **kwargs: :class:`VanillaGAN` options.
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"Expected architecture in {sorted(ARCHITECTURES)}, received {architecture!r}."
        )
    build_generator, build_discriminator = ARCHITECTURES[architecture]
    generator_options = {}
    if generator_dense_units is not None:
        if architecture != "conv":
            raise ValueError(
                "Expected architecture='conv' with generator_dense_units (the MLP generator's "
                f"layers are all dense already), received architecture={architecture!r}."
            )
        generator_options["dense_units"] = generator_dense_units
    return VanillaGAN(
        build_generator(latent_dim=latent_dim, image_shape=image_shape, **generator_options),
        build_discriminator(image_shape=image_shape),
        **kwargs,
    )
