"""Adversarial losses as pure functions of discriminator logits.

Every function here maps logits (any shape ``(batch, ...)``) to a
**per-example** loss of shape ``(batch,)`` that the caller minimises. They
return per-example values rather than a scalar so that the training step can
average them over the *global* batch (``tf.nn.compute_average_loss``), which is
what makes the same code correct on one device and under
``tf.distribute`` strategies.

The discriminator outputs logits ``a``; ``D(x) = sigmoid(a)``. The logs of the
papers are rewritten with the numerically stable identities
``-log sigmoid(a) = softplus(-a)`` and ``-log(1 - sigmoid(a)) = softplus(a)``,
so no clipping of probabilities (the ``tf.maximum(x, 1e-5)`` of the seed code)
is needed.

Example:

>>> import tensorflow as tf
>>> from keras_gans import losses
>>> real, fake = tf.constant([[2.0]]), tf.constant([[-1.0]])
>>> float(losses.discriminator_loss(real, fake)[0])  # doctest: +ELLIPSIS
0.44...
"""

import tensorflow as tf


def _per_example(logits):
    """Flattens ``(batch, ...)`` logits to ``(batch, n)`` float32."""
    logits = tf.cast(logits, tf.float32)
    return tf.reshape(logits, [tf.shape(logits)[0], -1])


def discriminator_loss(real_logits, fake_logits):
    """Discriminator loss of Goodfellow et al. (2014), Algorithm 1 line 5.

    The discriminator ascends ``log D(x) + log(1 - D(G(z)))`` (seed 000,
    eq. 1); as a loss to minimise, per example ``i``::

        L_D(i) = -log D(x_i) - log(1 - D(G(z_i)))
               = softplus(-real_logit_i) + softplus(fake_logit_i)

    Args:
        real_logits: discriminator logits on real samples, ``(batch, ...)``.
        fake_logits: discriminator logits on generated samples, same batch.

    Returns:
        Per-example loss, shape ``(batch,)``.
    """
    real = _per_example(real_logits)
    fake = _per_example(fake_logits)
    return tf.reduce_mean(tf.nn.softplus(-real), axis=1) + tf.reduce_mean(
        tf.nn.softplus(fake), axis=1
    )


def minimax_generator_loss(fake_logits):
    """The saturating generator loss of Algorithm 1, line 8.

    The generator descends ``log(1 - D(G(z)))`` (seed 000, eq. 1)::

        L_G(i) = log(1 - D(G(z_i))) = -softplus(fake_logit_i)

    Its gradient vanishes when ``D(G(z)) -> 0``, i.e. early in training when
    the discriminator easily rejects samples; see
    :func:`non_saturating_generator_loss`.
    """
    return -tf.reduce_mean(tf.nn.softplus(_per_example(fake_logits)), axis=1)


def non_saturating_generator_loss(fake_logits):
    """The non-saturating generator loss (seed 000, eq. 3).

    Instead of minimising ``log(1 - D(G(z)))`` the generator maximises
    ``log D(G(z))``; as a loss::

        L_G(i) = -log D(G(z_i)) = softplus(-fake_logit_i)

    Same fixed point as the minimax loss, strong gradients when ``D`` wins.
    """
    return tf.reduce_mean(tf.nn.softplus(-_per_example(fake_logits)), axis=1)


GENERATOR_LOSSES = {
    "minimax": minimax_generator_loss,
    "non_saturating": non_saturating_generator_loss,
}


def get_generator_loss(name):
    """Returns the generator loss function registered under ``name``.

    Raises:
        ValueError: if ``name`` is not one of ``GENERATOR_LOSSES``.
    """
    try:
        return GENERATOR_LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown generator loss: expected one of {sorted(GENERATOR_LOSSES)}, "
            f"received {name!r}."
        ) from None
