"""The energy-based GAN of Zhao et al. (2017), as in Su Wang's tutorial, sec. 5."""

import keras

from keras_gans import losses, networks
from keras_gans.models.base import GAN


@keras.saving.register_keras_serializable(package="keras_gans")
class EBGAN(GAN):
    """Energy-based GAN: D is an autoencoder, its reconstruction error the energy.

    ``D(x) = mean((Dec(Enc(x)) - x)^2)`` (Zhao et al. 2017, eq. 1; Su Wang's
    *Gentle Introduction*, eqs. 12-14). D minimizes ``D(x) + max(0, m -
    D(G(z)))`` and G minimizes ``D(G(z))`` (eqs. 15-16), plus, with
    ``pulling_away_weight``, the pulling-away term on the encoder's codes of
    the fakes (Zhao et al. eq. 4), which keeps a batch of samples from
    collapsing onto one. Under a ``tf.distribute`` strategy the
    pulling-away term compares the samples of each replica's batch.

    Args:
        generator: defaults to :func:`keras_gans.networks.dcgan_generator`.
        discriminator: a network ``x -> energy (batch, 1)``; defaults to
            :func:`keras_gans.networks.autoencoder_discriminator` (its
            ``"embedding"`` layer gives the codes of the pulling-away term).
        margin: ``m`` (the energy is per pixel, of images in [-1, 1]).
        pulling_away_weight: ``lambda_PT`` (Zhao et al.: 0.1; 0: off).
        latent_dim, image_shape, filters, embedding_units: for the default networks.
        generator_dense_units: a fully connected hidden layer of this width
            before the default generator's projection (InfoGAN's MNIST
            generator, as in :class:`~keras_gans.models.DCGAN`).
        **kwargs: :class:`~keras_gans.models.GAN` options and the techniques
            that apply (EMA, instance noise, historical averaging, R1 on the
            energy; not those that need a logit layer).

    Examples:

        >>> import numpy as np
        >>> gan = EBGAN(latent_dim=8, filters=4, embedding_units=8)
        >>> gan.compile()
        >>> history = gan.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=4, verbose=0)
        >>> sorted(history.history)
        ['d_loss', 'g_loss']
    """

    def __init__(self, generator=None, discriminator=None, margin=1.0, pulling_away_weight=0.1,
                 latent_dim=100, image_shape=(28, 28, 1), filters=64, embedding_units=64,
                 generator_dense_units=None, **kwargs):
        for name, value in (("margin", margin), ("pulling_away_weight", pulling_away_weight)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
                    or (name == "margin" and value == 0):
                bound = "> 0" if name == "margin" else ">= 0"
                raise ValueError(f"Expected {name} {bound}, received {value!r}.")
        super().__init__(
            generator or networks.dcgan_generator(latent_dim, image_shape, filters,
                                                  dense_units=generator_dense_units),
            discriminator or networks.autoencoder_discriminator(image_shape, filters,
                                                                embedding_units),
            **kwargs)
        self.margin = float(margin)
        self.pulling_away_weight = float(pulling_away_weight)
        self.energy_and_codes = None
        if self.pulling_away_weight:
            names = [layer.name for layer in self.discriminator.layers]
            if "embedding" not in names:
                raise ValueError(
                    "Expected a discriminator with a layer named 'embedding' (the codes of the "
                    f"pulling-away term), received one with layers {names}; or set "
                    "pulling_away_weight=0."
                )
            # Shares D's layers: one pass gives the fakes' energies and codes.
            self.energy_and_codes = keras.Model(
                networks.inputs_of(self.discriminator),
                [self.discriminator.output, self.discriminator.get_layer("embedding").output],
                name="discriminator_energy_and_codes")

    def train_step(self, data):
        """Zhao et al. (2017): k steps of D on eq. 15, one step of G on eq. 16 (+ PT)."""
        for real, labels in self.real_batches(data):
            fake = self.G(self.sample_noise(self.batch_size_of(real)), labels)
            d_loss = self.discriminator_step(real, labels, lambda: losses.ebgan_discriminator_loss(
                self.D(real, labels), self.D(fake, labels), self.margin))
        z = self.sample_noise(self.batch_size_of(real))
        g_loss = self.generator_step(z, labels, real, self.generator_loss,
                                     judge=lambda fake: self.energy_and_codes)
        return self.update_metrics(d_loss=d_loss, g_loss=g_loss)

    def generator_loss(self, outputs):
        """``D(G(z))`` per example, plus ``lambda_PT f_PT`` of the fakes' codes."""
        if self.energy_and_codes is None:
            return losses.ebgan_generator_loss(outputs)
        energy, codes = outputs
        return (losses.ebgan_generator_loss(energy)
                + self.pulling_away_weight * losses.pulling_away_term(codes))

    def get_config(self):
        """Adds the margin and the pulling-away weight to the base config."""
        return {**super().get_config(), "margin": self.margin,
                "pulling_away_weight": self.pulling_away_weight}
