"""ALI / BiGAN: adversarially learned inference (Dumoulin et al. 2017; Donahue et al. 2017)."""

import keras

from keras_gans import losses, networks
from keras_gans.models.base import GAN


@keras.saving.register_keras_serializable(package="keras_gans")
class BiGAN(GAN):
    """A GAN with an encoder, whose discriminator judges (sample, code) pairs.

    D tells real pairs ``(x, E(x))`` from generated ones ``(G(z), z)``: it
    ascends the value (Donahue et al. 2017, eq. 3; Dumoulin et al. 2017)::

        V(D, E, G) = E_x[log D(x, E(x))] + E_z[log(1 - D(G(z), z))]

    and G and E, trained together by the generator's optimizer, descend it
    (in the non-saturating form, :func:`keras_gans.losses.encoder_generator_loss`).
    At the optimum ``E`` inverts ``G``; :meth:`encode` maps data to codes.
    BiGAN's encoder is deterministic; ALI's is stochastic, the same game
    with a reparametrized ``E``: give ``encoder`` a network that samples.

    Args:
        generator: ``z -> x``; discriminator: ``[x, z] -> logit``
            (:func:`keras_gans.networks.joint_discriminator`); encoder:
            ``x -> z`` (:func:`keras_gans.networks.encoder`). Each defaults to
            the builder's network for ``sample_shape`` and ``latent_dim``
            (the 2-D mixtures' or, for images, convolutional ones ``filters``
            wide).
        cycle_weight: ``lambda`` of ALICE's explicit cycle-consistency (Li et
            al. 2017, sec. 4): G and E also minimize ``lambda * mean (x -
            G(E(x)))^2`` (:func:`keras_gans.losses.cycle_reconstruction_loss`),
            which makes reconstructions faithful; 0 (the default) is ALI /
            BiGAN's own game.
        **kwargs: :class:`~keras_gans.models.GAN` options and the training
            techniques that apply (not feature matching, R1 or minibatch
            discrimination, which assume D sees samples alone).

    Examples:

        >>> from keras_gans import data
        >>> gan = BiGAN(networks.mixture_generator(units=16), encoder=networks.encoder(units=16))
        >>> gan.compile()
        >>> _ = gan.fit(data.gaussian_mixture_2d("ring", 16, seed=0), steps_per_epoch=2, verbose=0)
        >>> gan.encode([[1.0, 0.0]]).shape
        TensorShape([1, 2])
    """

    logistic_loss = True
    #: D takes ``[x, z]``: the techniques that assume D(x) alone refuse this model.
    joint_discriminator = True

    def __init__(self, generator=None, discriminator=None, encoder=None, sample_shape=(2,),
                 latent_dim=2, filters=64, cycle_weight=0.0, **kwargs):
        if isinstance(cycle_weight, bool) or not isinstance(cycle_weight, (int, float)) \
                or not cycle_weight >= 0:
            raise ValueError(f"Expected cycle_weight >= 0 (ALICE's lambda), received {cycle_weight!r}.")
        self.cycle_weight = float(cycle_weight)  # before the base class creates the metrics
        if generator is None:
            generator = (networks.mixture_generator(latent_dim, sample_shape[0])
                         if len(sample_shape) == 1 else
                         networks.dcgan_generator(latent_dim, sample_shape, filters))
        sample_shape = tuple(generator.outputs[0].shape[1:])
        latent_dim = int(generator.inputs[0].shape[-1])
        encoder = encoder or networks.encoder(sample_shape, latent_dim, filters=filters)
        discriminator = discriminator or networks.joint_discriminator(sample_shape, latent_dim,
                                                                      filters=filters)
        _check_encoder(encoder, sample_shape, latent_dim)
        super().__init__(generator, discriminator, generator_side={"encoder": encoder}, **kwargs)
        self.built = True

    def E(self, samples, training=True):  # noqa: N802 -- the papers' name
        """``E(x)``: the codes of ``samples``."""
        return self.encoder(samples, training=training)

    @property
    def sampling_encoder(self):
        """The encoder that :meth:`encode` runs: E, or its moving average with
        the ``generator_ema`` technique (the partner of the averaged G, so that
        ``G(E(x))`` pairs networks of the same moment)."""
        return self.sampling_network("encoder")

    def encode(self, samples):
        """The codes ``E(x)`` of ``samples`` (inference mode, :attr:`sampling_encoder`),
        a ``(n, latent_dim)`` tensor."""
        return self.sampling_encoder(keras.ops.convert_to_tensor(samples, "float32"),
                                     training=False)

    def discriminator_inputs(self, samples, labels):
        """``[x, z]``: the pair D judges (``labels`` carries the codes)."""
        return [samples, labels]

    def train_step(self, data):
        """One step of the BiGAN game: k steps of D ascending V, one of (G, E) descending it
        (plus ALICE's cycle term with ``cycle_weight``)."""
        for real, _ in self.real_batches(data):
            z = self.sample_noise(self.batch_size_of(real))
            fake, code = self.G(z), self.E(real)
            d_loss = self.discriminator_step(real, None, lambda: losses.discriminator_loss(
                self.D(real, code), self.D(fake, z), self.real_label))
        z = self.sample_noise(self.batch_size_of(real))

        def generator_and_encoder_loss():
            code = self.E(real)
            loss = losses.encoder_generator_loss(self.D(real, code), self.D(self.G(z), z))
            if not self.cycle_weight:
                return loss
            cycle = losses.cycle_reconstruction_loss(real, self.G(code))
            return loss + self.cycle_weight * cycle, {"cycle": cycle}

        g_loss = self.minimize(self.generator, self.g_optimizer, generator_and_encoder_loss)
        if not self.cycle_weight:
            return self.update_metrics(d_loss=d_loss, g_loss=g_loss)
        g_loss, terms = g_loss
        return self.update_metrics(d_loss=d_loss, g_loss=g_loss, cycle_loss=terms["cycle"])

    @property
    def metric_names(self):
        """``d_loss``, ``g_loss`` and, with ALICE's cycle term, ``cycle_loss``."""
        return ("d_loss", "g_loss") + (("cycle_loss",) if self.cycle_weight else ())

    def get_config(self):
        """Adds the encoder and ``cycle_weight`` to the base config."""
        return {**super().get_config(), "encoder": keras.saving.serialize_keras_object(self.encoder),
                "cycle_weight": self.cycle_weight}

    @classmethod
    def from_config(cls, config):
        """Re-creates the model, its three networks included."""
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        return super().from_config(config)


def _check_encoder(encoder, sample_shape, latent_dim):
    """Raises ``ValueError`` unless ``encoder`` maps samples to codes of G's width."""
    if not isinstance(encoder, keras.Model) or not encoder.built:
        raise ValueError(f"Expected the encoder to be a built keras.Model, received {encoder!r}.")
    received = (tuple(encoder.inputs[0].shape[1:]), int(encoder.outputs[0].shape[-1]))
    if received != (sample_shape, latent_dim):
        raise ValueError(
            f"Expected an encoder from samples of shape {sample_shape} to codes of width "
            f"{latent_dim} (the generator's), received one from {received[0]} to {received[1]}."
        )
