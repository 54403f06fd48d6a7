"""The semi-supervised GAN of Salimans et al. (2016, sec. 5)."""

import keras
import tensorflow as tf

from keras_gans import losses, networks
from keras_gans.models.base import GAN, _split_batch
from keras_gans.techniques import Option

#: The discriminator / generator pairs ``architecture`` chooses from.
ARCHITECTURES = ("conv", "mlp")
#: Validates ``unsupervised_weight`` as the techniques' options are validated.
UNSUPERVISED_WEIGHT = Option("unsupervised_weight", 1.0, "w of L_supervised + w L_unsupervised",
                             low=0.0)


@keras.saving.register_keras_serializable(package="keras_gans")
class SemiSupervisedGAN(GAN):
    """A GAN whose discriminator is a K+1-way classifier (Salimans et al. 2016, sec. 5).

    D outputs K class logits; the (K+1)-th, "generated", class has its logit
    fixed at 0, so ``D(x) = Z / (Z + 1)`` with ``Z = sum_k exp(l_k)``. D
    minimizes the supervised cross-entropy on labelled real samples plus the
    unsupervised GAN loss on unlabelled real and generated ones
    (:func:`~keras_gans.losses.semi_supervised_real_loss`,
    :func:`~keras_gans.losses.semi_supervised_fake_loss`); G is trained by
    feature matching alone, as in the paper (``feature_matching=1``,
    ``feature_matching_only=True`` by default). :meth:`classify` is the
    trained classifier.

    ``fit()`` takes batches of ``(images, labels)`` where unlabelled images
    have the label -1 and half of each batch is labelled
    (:func:`keras_gans.data.semi_supervised_images` builds them); D's loss is
    then the paper's ``L_supervised + w L_unsupervised``, each a mean over its
    own samples (:func:`~keras_gans.losses.semi_supervised_discriminator_loss`).

    Args:
        generator, discriminator: networks; by default those of ``architecture``.
        architecture: ``"conv"``, DCGAN networks (D with ``num_classes``
            logits, ``discriminator_dense_units`` and layer norm), or ``"mlp"``,
            the paper's MNIST networks
            (:func:`~keras_gans.networks.weight_norm_discriminator`, an MLP of
            weight-normalized layers with Gaussian noise, initialized from the
            first batch :meth:`fit` sees; :func:`~keras_gans.networks.weight_norm_generator`).
        num_classes: K.
        unsupervised_weight: ``w``; 1 in the paper's equation, 0.5 in its
            released MNIST code (which halves both unsupervised terms).
        latent_dim, image_shape: for the default networks.
        filters, discriminator_dense_units: for the ``"conv"`` ones (64 filters
            and no dense layer by default); refused with ``"mlp"``, whose
            widths are the paper's.
        **kwargs: :class:`~keras_gans.models.GAN` options and the techniques.

    Examples:

        >>> import numpy as np
        >>> gan = SemiSupervisedGAN(num_classes=3, latent_dim=8, filters=4)
        >>> gan.compile()
        >>> images, labels = np.zeros((8, 28, 28, 1), "float32"), np.array([-1] * 4 + [0, 1, 2, 0])
        >>> _ = gan.fit(images, labels, batch_size=8, verbose=0)
        >>> gan.classify(images[:2]).shape
        TensorShape([2, 3])
    """

    needs_labels = True

    def __init__(self, generator=None, discriminator=None, num_classes=10, latent_dim=100,
                 image_shape=(28, 28, 1), filters=None, discriminator_dense_units=None,
                 architecture="conv", unsupervised_weight=1.0, feature_matching=1.0,
                 feature_matching_only=True, **kwargs):
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 2:
            raise ValueError(f"Expected num_classes to be an integer >= 2, received {num_classes!r}.")
        unsupervised_weight = UNSUPERVISED_WEIGHT.check(unsupervised_weight)
        if architecture not in ARCHITECTURES:
            raise ValueError(f"Expected architecture to be one of {ARCHITECTURES}, received "
                             f"{architecture!r}.")
        if architecture == "mlp":  # the paper's MNIST networks
            conv_only = {name: value for name, value in (
                ("filters", filters), ("discriminator_dense_units", discriminator_dense_units))
                if value is not None}
            if conv_only:
                raise ValueError(
                    f"Expected no {' or '.join(conv_only)} with architecture='mlp' (they size the "
                    f"'conv' networks; the paper's MLP has fixed widths), received {conv_only}.")
            generator = generator or networks.weight_norm_generator(latent_dim, image_shape)
            discriminator = discriminator or networks.weight_norm_discriminator(
                image_shape, num_logits=num_classes)
        # Layer norm, not batch norm: D sees real and generated batches apart, and batch
        # statistics would both leak which batch is which and leave, for test images, moving
        # averages mixed from real and fake batches (Salimans et al. used weight normalization).
        filters = 64 if filters is None else filters
        discriminator = discriminator or networks.dcgan_discriminator(
            image_shape, filters, normalization="layer", dense_units=discriminator_dense_units,
            num_logits=num_classes)
        if int(discriminator.outputs[0].shape[-1]) != num_classes:
            raise ValueError(
                f"Expected a discriminator with num_classes={num_classes} logits, received one "
                f"with {discriminator.outputs[0].shape[-1]}."
            )
        super().__init__(generator or networks.dcgan_generator(latent_dim, image_shape, filters),
                         discriminator, feature_matching=feature_matching,
                         feature_matching_only=feature_matching_only, **kwargs)
        self.num_classes, self.architecture = num_classes, architecture
        self.unsupervised_weight = unsupervised_weight

    def unpack(self, data):
        """``(images, labels)``: every batch carries labels, -1 for unlabelled images."""
        samples, labels = _split_batch(data)
        if labels is None:
            raise ValueError("SemiSupervisedGAN needs (images, labels) batches, -1 for unlabelled.")
        return samples, tf.cast(labels, tf.int32)

    def check_labels(self, labels):
        """Raises ``ValueError`` unless ``labels`` are -1 (unlabelled) or in ``[0, num_classes)``."""
        labels = tf.convert_to_tensor(labels)
        smallest, largest = int(tf.reduce_min(labels)), int(tf.reduce_max(labels))
        if not labels.dtype.is_integer or smallest < -1 or largest >= self.num_classes:
            raise ValueError(
                f"Expected integer labels in [0, {self.num_classes}) or -1 (unlabelled), "
                f"received {labels.dtype.name} labels in [{smallest}, {largest}]."
            )

    def train_step(self, data):
        """Salimans et al. (2016, sec. 5): D on L_supervised + L_unsupervised, G on feature matching."""
        for real, labels in self.real_batches(data):
            fake = self.G(self.sample_noise(self.batch_size_of(real)))
            d_loss = self.discriminator_step(real, None, lambda: (
                losses.semi_supervised_discriminator_loss(
                    self.D(real), labels, self.D(fake), self.unsupervised_weight)))
        z = self.sample_noise(self.batch_size_of(real))
        g_loss = self.generator_step(z, None, real, _non_saturating)
        return self.update_metrics(d_loss=d_loss, g_loss=g_loss)

    def classify(self, images):
        """Class probabilities ``p(y | x, real)`` of ``images``: the softmax of D's K logits."""
        logits = self.discriminator(keras.ops.convert_to_tensor(images, "float32"), training=False)
        return tf.nn.softmax(logits, axis=-1)

    def get_config(self):
        """Adds ``num_classes``, ``architecture`` and ``unsupervised_weight`` to the base config."""
        return {**super().get_config(), "num_classes": self.num_classes,
                "architecture": self.architecture, "unsupervised_weight": self.unsupervised_weight}


def _non_saturating(class_logits):
    """G's adversarial loss without feature matching: ``-log D(G(z))``."""
    return tf.nn.softplus(-tf.reduce_logsumexp(tf.cast(class_logits, tf.float32), axis=-1))
