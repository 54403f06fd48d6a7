"""Instance noise (Arjovsky & Bottou 2017; Sonderby et al. 2017)."""

import tensorflow as tf

from keras_gans.techniques import Option, Technique


class InstanceNoise(Technique):
    """Gaussian noise on every input of D, real and fake, annealed to 0.

    ``x -> x + sigma_t * eps``, ``eps ~ N(0, I)`` drawn afresh for every D
    call, with ``sigma_t = sigma_0 * max(0, 1 - t / T)`` at generator step
    ``t``. Real and generated distributions of low-dimensional support rarely
    overlap, so a perfect D exists and its gradients vanish (Arjovsky &
    Bottou 2017, "Towards principled methods"); blurring both with the same
    noise makes them overlap. Annealing returns to the original game. Applies
    to every variant (in the gradient penalty too: the noise is additive, so
    gradients with respect to ``x`` are unchanged).
    """

    name = "instance_noise"
    paper = "Arjovsky & Bottou 2017; Sonderby et al. 2017"
    summary = "Gaussian noise on D's inputs, annealed linearly to 0"
    options = (
        Option("instance_noise", 0.0, "initial standard deviation sigma_0 of the noise on D's "
               "inputs (0: off)", low=0.0, search=(0.01, 1.0)),
        Option("instance_noise_steps", 2000, "generator steps T over which sigma anneals to 0",
               kind=int, low=1),
    )

    def sigma(self, step):
        """``sigma_t`` at generator step ``step`` (a tensor)."""
        fraction = tf.cast(step, tf.float32) / float(self.instance_noise_steps)
        return self.instance_noise * tf.maximum(0.0, 1.0 - fraction)

    def discriminator_input(self, model, samples):
        step = model.g_optimizer.iterations if model.g_optimizer is not None else 0
        sigma = self.sigma(step)
        shape = samples.shape[1:]

        def normal(count, seed=None):
            if seed is None:
                return tf.random.normal([count, *shape])
            return tf.random.stateless_normal([count, *shape], seed)

        noise = model.random_draw(normal, tf.shape(samples)[0])
        return samples + tf.cast(sigma, samples.dtype) * tf.cast(noise, samples.dtype)
