"""DCGAN (Radford et al. 2015) and the conditional DCGAN (Mirza & Osindero 2014)."""

import keras
import tensorflow as tf

from keras_gans import networks
from keras_gans.models.vanilla import VanillaGAN


@keras.saving.register_keras_serializable(package="keras_gans")
class DCGAN(VanillaGAN):
    """Deep convolutional GAN: Algorithm 1 with the DCGAN architecture rules.

    The training step is :class:`VanillaGAN`'s; what makes it DCGAN is the
    networks (:func:`~keras_gans.networks.dcgan_generator` and
    :func:`~keras_gans.networks.dcgan_discriminator`, built when not given) and
    the paper's optimizer, Adam(2e-4, beta_1=0.5).

    Args:
        generator, discriminator: networks; default DCGAN ones for ``image_shape``.
        latent_dim, image_shape, filters: used only to build default networks.
        generator_dense_units, discriminator_dense_units: a fully connected
            hidden layer of this width in the default generator /
            discriminator (InfoGAN's MNIST networks with 1024 in both, see
            :func:`~keras_gans.networks.dcgan_generator`); None: the paper's.
        **kwargs: :class:`VanillaGAN` options (``generator_loss``,
            ``discriminator_steps``).

    Examples:

        >>> gan = DCGAN(latent_dim=16, filters=8)
        >>> gan.generate(2).shape
        TensorShape([2, 28, 28, 1])
    """

    def __init__(self, generator=None, discriminator=None, latent_dim=100,
                 image_shape=(28, 28, 1), filters=64, generator_dense_units=None,
                 discriminator_dense_units=None, **kwargs):
        super().__init__(
            generator or networks.dcgan_generator(latent_dim, image_shape, filters,
                                                  dense_units=generator_dense_units),
            discriminator or networks.dcgan_discriminator(
                image_shape, filters, dense_units=discriminator_dense_units),
            **kwargs,
        )


@keras.saving.register_keras_serializable(package="keras_gans")
class ConditionalDCGAN(VanillaGAN):
    """Conditional DCGAN (Mirza & Osindero 2014; Reang, *Tutorial Paper on GANs*, eq. 6).

    Both networks see the class label ``y``: ``G(z | y)`` and ``D(x | y)``. The
    game is :class:`VanillaGAN`'s Algorithm 1 on
    ``log D(x|y) + log(1 - D(G(z|y)|y))`` (``conditional = True`` makes its
    ``G`` and ``D`` take the labels). ``fit()`` needs ``(images, labels)``.

    Args:
        generator: ``[z, label] -> image``; default conditional DCGAN network.
        discriminator: ``[image, label] -> logit``; default conditional DCGAN.
        num_classes: number of classes (labels lie in ``[0, num_classes)``).
        latent_dim, image_shape, filters, generator_dense_units, discriminator_dense_units: used
            only to build default networks (see :class:`DCGAN`).

    Examples:

        >>> gan = ConditionalDCGAN(num_classes=10, latent_dim=16, filters=8)
        >>> gan.generate([0, 1, 9]).shape
        TensorShape([3, 28, 28, 1])
    """

    conditional = True

    def __init__(self, generator=None, discriminator=None, num_classes=10, latent_dim=100,
                 image_shape=(28, 28, 1), filters=64, generator_dense_units=None,
                 discriminator_dense_units=None, **kwargs):
        super().__init__(
            generator or networks.dcgan_generator(latent_dim, image_shape, filters, num_classes,
                                                  generator_dense_units),
            discriminator or networks.dcgan_discriminator(image_shape, filters, "batch",
                                                          num_classes, discriminator_dense_units),
            **kwargs,
        )
        self.num_classes = num_classes

    def generate(self, labels, z=None):
        """Generates one sample per label in ``labels`` (ints in ``[0, num_classes)``).

        Args:
            labels: 1-D sequence of class indices.
            z: optional noise ``(len(labels), latent_dim)``; drawn if None.
        """
        labels = tf.convert_to_tensor(labels, tf.int32)
        self.check_labels(labels)
        if z is None:
            z = self.sample_noise(tf.shape(labels)[0])
        z = tf.convert_to_tensor(z, tf.float32)
        expected = (int(tf.shape(labels)[0]), self.latent_dim)
        if tuple(z.shape) != expected:
            raise ValueError(
                f"Expected z of shape {expected} (one latent vector of width latent_dim per "
                f"label), received shape {tuple(z.shape)}."
            )
        return self.sample(z, labels)

    def get_config(self):
        """Adds ``num_classes`` to the base config."""
        return {**super().get_config(), "num_classes": self.num_classes}
