"""The unrolled GAN of Metz et al. (2017)."""

import keras
import tensorflow as tf

from keras_gans import losses
from keras_gans.models.vanilla import VanillaGAN


@keras.saving.register_keras_serializable(package="keras_gans")
class UnrolledGAN(VanillaGAN):
    """GAN whose generator plays against D advanced K steps ahead (Metz et al. 2017).

    D's own update is Algorithm 1's. G's loss is computed against a copy of
    D with parameters ``theta_D^K``, where ``theta_D^0 = theta_D`` and
    ``theta_D^{k+1} = theta_D^k - eta * grad L_D(theta_D^k)`` on the step's
    last real minibatch and G's fakes (Metz et al. 2017, eq. 5-7): a G that
    moves its samples to a mode D ignores sees D follow it there, so hopping
    between modes stops paying. With ``second_order=True`` (the paper's)
    the gradient of G's loss flows through the K updates (the term
    ``d theta_D^K / d theta_G``); ``second_order=False`` treats ``theta_D^K``
    as a constant (cheaper; "the unrolled GAN without the second-order
    term").

    The look-ahead steps take D's optimizer step functionally: with an
    ``Adam`` D optimizer its own formula from the current moments and step
    count (as the reference code of Metz et al. does), otherwise plain
    gradient descent at D's learning rate. Under a ``tf.distribute``
    strategy the look-ahead gradients are of the GLOBAL batch.

    Args:
        generator, discriminator: networks, as :class:`VanillaGAN`'s.
        unrolling_steps: K (the paper: 5 on the 2-D mixtures; 0 is a plain GAN).
        second_order: differentiate through the unrolled updates.
        **kwargs: :class:`VanillaGAN` options and the training techniques
            (except feature matching, which replaces the loss being unrolled).

    Examples:

        >>> from keras_gans import data, networks
        >>> gan = UnrolledGAN(networks.mixture_generator(units=16),
        ...                   networks.mixture_discriminator(units=8), unrolling_steps=2)
        >>> gan.compile()
        >>> history = gan.fit(data.gaussian_mixture_2d("ring", 16, seed=0), steps_per_epoch=2, verbose=0)
        >>> sorted(history.history)
        ['d_loss', 'g_loss']
    """

    def __init__(self, generator, discriminator, unrolling_steps=5, second_order=True, **kwargs):
        if not isinstance(unrolling_steps, int) or isinstance(unrolling_steps, bool) \
                or unrolling_steps < 0:
            raise ValueError(
                f"Expected unrolling_steps (K) to be a non-negative integer, received "
                f"{unrolling_steps!r}."
            )
        if kwargs.get("feature_matching"):
            raise ValueError(
                "Expected feature_matching=0 with UnrolledGAN: feature matching replaces the "
                f"adversarial loss that is unrolled; received {kwargs['feature_matching']!r}."
            )
        super().__init__(generator, discriminator, **kwargs)
        self.unrolling_steps = unrolling_steps
        self.second_order = bool(second_order)

    def train_step(self, data):
        """Algorithm 1 for D; G's step against D unrolled K steps (Metz et al. 2017, sec. 2.2)."""
        for real, labels in self.real_batches(data):  # D: the ordinary k steps
            fake = self.G(self.sample_noise(self.batch_size_of(real)), labels)
            d_loss = self.discriminator_step(real, labels, lambda: losses.discriminator_loss(
                self.D(real, labels), self.D(fake, labels), self.real_label))
        z = self.sample_noise(self.batch_size_of(real))
        g_loss = self.generator_step(z, labels, real, self._generator_loss_fn,
                                     judge=lambda fake: self.unrolled_discriminator(real, labels, fake))
        return self.update_metrics(d_loss=d_loss, g_loss=g_loss)

    def unrolled_discriminator(self, real, labels, fake):
        """``theta_D^K`` as a network: a callable ``(inputs, training) -> logits``.

        Runs under G's gradient tape: the K updates are recorded on it, so
        with ``second_order`` its gradient reaches G through them.
        """
        network = self.discriminator
        params = [tf.convert_to_tensor(v) for v in network.trainable_variables]
        fixed = [tf.convert_to_tensor(v) for v in network.non_trainable_variables]

        def judge(parameters):
            return lambda inputs, training=True: network.stateless_call(
                parameters, fixed, inputs, training=training)[0]

        step = _functional_step(self.d_optimizer, network.trainable_variables)
        for k in range(self.unrolling_steps):
            with tf.GradientTape() as tape:
                tape.watch(params)
                current = judge(params)
                loss = tf.nn.compute_average_loss(losses.discriminator_loss(
                    self.D(real, labels, network=current), self.D(fake, labels, network=current),
                    self.real_label))
            gradients = _global_sum(tape.gradient(loss, params))
            if not self.second_order:
                gradients = [tf.stop_gradient(g) for g in gradients]
            params = step(k, params, gradients)
        return judge(params)

    def get_config(self):
        """Adds ``unrolling_steps`` and ``second_order`` to the base config."""
        return {**super().get_config(), "unrolling_steps": self.unrolling_steps,
                "second_order": self.second_order}


def _global_sum(gradients):
    """Per-replica gradients of a globally averaged loss, summed over the replicas."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return gradients
    return context.all_reduce("sum", gradients)


def _functional_step(optimizer, variables):
    """``step(k, params, gradients) -> params``: ``optimizer``'s k-th next update, as tensors.

    Adam: its update from the current moments and step count, differentiable
    (``sqrt(v + 1e-16)``: the gradient of ``sqrt`` at a moment of exactly 0
    would be infinite). Any other optimizer: gradient descent at its
    current learning rate.
    """
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
    learning_rate = tf.cast(optimizer.learning_rate, tf.float32)
    if type(optimizer) is not keras.optimizers.Adam:
        return lambda k, params, gradients: [p - learning_rate * g
                                             for p, g in zip(params, gradients)]
    indices = [optimizer._get_variable_index(v) for v in variables]  # noqa: SLF001
    state = {"m": [tf.convert_to_tensor(optimizer._momentums[i]) for i in indices],  # noqa: SLF001
             "v": [tf.convert_to_tensor(optimizer._velocities[i]) for i in indices]}  # noqa: SLF001
    beta_1, beta_2 = float(optimizer.beta_1), float(optimizer.beta_2)

    def step(k, params, gradients):
        t = tf.cast(optimizer.iterations, tf.float32) + 1.0 + k
        alpha = learning_rate * tf.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t)
        state["m"] = [m + (g - m) * (1.0 - beta_1) for m, g in zip(state["m"], gradients)]
        state["v"] = [v + (tf.square(g) - v) * (1.0 - beta_2) for v, g in zip(state["v"], gradients)]
        return [p - alpha * m / (tf.sqrt(v + 1e-16) + optimizer.epsilon)
                for p, m, v in zip(params, state["m"], state["v"])]

    return step
