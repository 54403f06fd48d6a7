"""Wasserstein GANs: weight clipping (Arjovsky et al. 2017) and gradient penalty (Gulrajani et al. 2017)."""

import keras
import tensorflow as tf

from keras_gans import losses, networks
from keras_gans.models.base import GAN


@keras.saving.register_keras_serializable(package="keras_gans")
class WGAN(GAN):
    """WGAN with weight clipping: Algorithm 1 of Arjovsky et al. (2017).

    The critic ``f`` has no sigmoid and maximises ``E[f(x)] - E[f(G(z))]``;
    after EACH critic update every critic weight is clipped to ``[-c, c]``
    (some tutorial code clips before the step). Defaults are the paper's:
    RMSProp(5e-5), c = 0.01, n_critic = 5.

    Args:
        generator, discriminator: networks; default DCGAN generator and a
            DCGAN critic (batch norm, as in the paper's DCGAN critic).
        clip_value: ``c``.
        discriminator_steps: ``n_critic`` (default 5).
        normalization: the default critic's normalization: ``"batch"`` (the
            paper's DCGAN critic), ``"layer"`` or ``"none"``. Batch norm normalizes
            the real and the generated batch each by its own statistics, which
            hides part of their difference from the critic; the CLI's recipe
            uses ``"none"`` (0.60x against 0.54x real, bench/results/ablation_wgan_critic.md).
        latent_dim, image_shape, filters, generator_dense_units, discriminator_dense_units: used
            only to build default networks (see :class:`~keras_gans.models.DCGAN`).

    Examples:

        >>> import numpy as np
        >>> gan = WGAN(latent_dim=8, filters=4)
        >>> gan.compile()
        >>> _ = gan.fit(np.zeros((20, 28, 28, 1), "float32"), batch_size=4, verbose=0)  # 1 step: 5 batches
        >>> max(float(abs(w).numpy().max()) for w in gan.discriminator.trainable_weights) <= 0.01
        True
    """

    def __init__(self, generator=None, discriminator=None, clip_value=0.01, discriminator_steps=5,
                 latent_dim=100, image_shape=(28, 28, 1), filters=64, normalization="batch",
                 generator_dense_units=None, discriminator_dense_units=None, **kwargs):
        if not (isinstance(clip_value, (int, float)) and clip_value > 0):
            raise ValueError(f"Expected clip_value c > 0, received {clip_value!r}.")
        super().__init__(
            generator or networks.dcgan_generator(latent_dim, image_shape, filters,
                                                  dense_units=generator_dense_units),
            discriminator or networks.dcgan_discriminator(
                image_shape, filters, normalization, dense_units=discriminator_dense_units),
            discriminator_steps=discriminator_steps,
            **kwargs,
        )
        self.clip_value = float(clip_value)

    def default_optimizers(self):
        """RMSProp(5e-5) for both networks, as in the paper."""
        return keras.optimizers.RMSprop(5e-5), keras.optimizers.RMSprop(5e-5)

    def train_step(self, data):
        """WGAN Algorithm 1, one iteration of its outer loop."""
        for real, labels in self.real_batches(data):  # lines 2-8: a new real minibatch each
            fake = self.G(self.sample_noise(self.batch_size_of(real)), labels)
            d_loss = self.discriminator_step(  # lines 5-6: ascend E[f(x)] - E[f(G(z))]
                real, labels,
                lambda: losses.wasserstein_critic_loss(self.D(real, labels), self.D(fake, labels)))
            self.clip_critic_weights()  # line 7, after the update
        z = self.sample_noise(self.batch_size_of(real))  # lines 9-11
        g_loss = self.generator_step(z, labels, real, losses.wasserstein_generator_loss)
        return self.update_metrics(d_loss=d_loss, g_loss=g_loss)

    def clip_critic_weights(self):
        """``w <- clip(w, -c, c)`` for every trainable critic weight."""
        for weight in self.discriminator.trainable_weights:
            weight.assign(tf.clip_by_value(weight, -self.clip_value, self.clip_value))

    def get_config(self):
        """Adds ``clip_value`` to the base config."""
        return {**super().get_config(), "clip_value": self.clip_value}


@keras.saving.register_keras_serializable(package="keras_gans")
class WGANGP(WGAN):
    """WGAN-GP: Algorithm 1 of Gulrajani et al. (2017).

    The clipping is replaced by the penalty ``λ (||∇ f(x̂)||₂ - 1)²`` on
    per-sample interpolates ``x̂ = ε x + (1 - ε) G(z)``, ``ε ~ U[0, 1]`` drawn
    per sample; the critic uses layer norm instead of batch norm. Defaults are
    the paper's: λ = 10, n_critic = 5, Adam(1e-4, β1 = 0, β2 = 0.9).

    Args:
        gradient_penalty_weight: ``λ``.
        penalty_interval: compute the penalty on one critic step in this many,
            weighted by the interval ("lazy regularization", Karras et al.
            2020, sec. 3.1): the same penalty on average at a fraction of its
            cost, since its double backpropagation is the dearest part of a
            critic step. 1 (the paper's) penalizes every step.
        **kwargs: as :class:`WGAN` (the default critic uses layer norm).

    Examples:

        >>> gan = WGANGP(latent_dim=8, filters=4)
        >>> [m.name for m in gan.metrics]
        ['d_loss', 'g_loss', 'gradient_penalty']
    """

    metric_names = ("d_loss", "g_loss", "gradient_penalty")

    def __init__(self, generator=None, discriminator=None, gradient_penalty_weight=10.0,
                 penalty_interval=1, normalization="layer", **kwargs):
        if not (isinstance(gradient_penalty_weight, (int, float)) and gradient_penalty_weight >= 0):
            raise ValueError(
                f"Expected gradient_penalty_weight >= 0, received {gradient_penalty_weight!r}."
            )
        if not (isinstance(penalty_interval, int) and not isinstance(penalty_interval, bool)
                and penalty_interval >= 1):
            raise ValueError(
                f"Expected penalty_interval to be a positive integer, received {penalty_interval!r}."
            )
        kwargs.pop("clip_value", None)  # no clipping in WGAN-GP; accepted from configs
        super().__init__(generator, discriminator, normalization=normalization, **kwargs)
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.penalty_interval = penalty_interval

    def default_optimizers(self):
        """Adam(1e-4, beta_1=0, beta_2=0.9) for both networks, as in the paper."""
        return tuple(keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9) for _ in range(2))

    def train_step(self, data):
        """WGAN-GP Algorithm 1, one iteration of its outer loop."""
        for real, labels in self.real_batches(data):  # lines 2-10: a new real minibatch each
            batch_size = self.batch_size_of(real)
            fake = self.G(self.sample_noise(batch_size), labels)
            epsilon = self.sample_uniform(batch_size)  # line 4: one epsilon per sample

            def critic_loss():  # lines 5-7
                penalty = self.lazy_penalty(lambda: losses.gradient_penalty(
                    lambda x: self.D(x, labels), real, fake, epsilon
                ), self.penalty_interval, batch_size)
                wasserstein = losses.wasserstein_critic_loss(self.D(real, labels), self.D(fake, labels))
                return wasserstein + self.gradient_penalty_weight * penalty, {"penalty": penalty}

            d_loss, terms = self.discriminator_step(real, labels, critic_loss)
        z = self.sample_noise(self.batch_size_of(real))  # lines 11-12
        g_loss = self.generator_step(z, labels, real, losses.wasserstein_generator_loss)
        return self.update_metrics(d_loss=d_loss, g_loss=g_loss, gradient_penalty=terms["penalty"])

    def get_config(self):
        """Replaces ``clip_value`` by ``gradient_penalty_weight``."""
        config = super().get_config()
        config.pop("clip_value")
        return {**config, "gradient_penalty_weight": self.gradient_penalty_weight,
                "penalty_interval": self.penalty_interval}
