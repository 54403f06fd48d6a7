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
so no clipping of probabilities (the ``tf.maximum(x, 1e-5)`` of some tutorial code)
is needed.

Examples:

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


def discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """Discriminator loss of Goodfellow et al. (2014), Algorithm 1 line 5.

    The discriminator ascends ``log D(x) + log(1 - D(G(z)))`` (Goodfellow et al.
    2014, eq. 1); as a loss to minimise, per example ``i``::

        L_D(i) = -log D(x_i) - log(1 - D(G(z_i)))
               = softplus(-real_logit_i) + softplus(fake_logit_i)

    With ``real_label = α < 1`` the real targets are ``α`` instead of 1: the
    one-sided label smoothing of Salimans et al. (2016) (α = 0.9;
    fake targets stay 0), ``-α log D(x) - (1 - α) log(1 - D(x))`` for the real
    term.

    Args:
        real_logits: discriminator logits on real samples, ``(batch, ...)``.
        fake_logits: discriminator logits on generated samples, same batch.
        real_label: target of real samples, in ``(0, 1]``.

    Returns:
        Per-example loss, shape ``(batch,)``.

    Examples:

        >>> float(discriminator_loss([[0.0]], [[0.0]], real_label=0.9)[0])  # 2 log 2  # doctest: +ELLIPSIS
        1.386...
    """
    real = _per_example(real_logits)
    fake = _per_example(fake_logits)
    real_term = real_label * tf.nn.softplus(-real) + (1.0 - real_label) * tf.nn.softplus(real)
    return tf.reduce_mean(real_term, axis=1) + tf.reduce_mean(tf.nn.softplus(fake), axis=1)


def minimax_generator_loss(fake_logits):
    """The saturating generator loss of Algorithm 1, line 8.

    The generator descends ``log(1 - D(G(z)))`` (Goodfellow et al. 2014, eq. 1)::

        L_G(i) = log(1 - D(G(z_i))) = -softplus(fake_logit_i)

    Its gradient vanishes when ``D(G(z)) -> 0``, i.e. early in training when
    the discriminator easily rejects samples; see
    :func:`non_saturating_generator_loss`.
    """
    return -tf.reduce_mean(tf.nn.softplus(_per_example(fake_logits)), axis=1)


def non_saturating_generator_loss(fake_logits):
    """The non-saturating generator loss (Goodfellow et al. 2014, sec. 3).

    Instead of minimising ``log(1 - D(G(z)))`` the generator maximises
    ``log D(G(z))``; as a loss::

        L_G(i) = -log D(G(z_i)) = softplus(-fake_logit_i)

    Same fixed point as the minimax loss, strong gradients when ``D`` wins.
    """
    return tf.reduce_mean(tf.nn.softplus(-_per_example(fake_logits)), axis=1)


def encoder_generator_loss(real_pair_logits, fake_pair_logits):
    """The loss of ALI's / BiGAN's generator side: D's loss with the labels swapped.

    D scores pairs, ``(x, E(x))`` as real and ``(G(z), z)`` as fake; G and E
    minimize (Donahue et al. 2017, sec. 3.4; Dumoulin et al. 2017)::

        L_GE(i) = -log(1 - D(x_i, E(x_i))) - log D(G(z_i), z_i)
                = softplus(real_pair_logit_i) + softplus(-fake_pair_logit_i)

    the non-saturating form of minimizing the value
    ``E_x log D(x, E(x)) + E_z log(1 - D(G(z), z))`` that D maximizes.

    Examples:

        >>> float(encoder_generator_loss([[0.0]], [[0.0]])[0])  # 2 log 2  # doctest: +ELLIPSIS
        1.386...
    """
    return discriminator_loss(fake_pair_logits, real_pair_logits)


def cycle_reconstruction_loss(samples, reconstructions):
    """ALICE's explicit cycle-consistency term (Li et al. 2017, sec. 4, eq. 9 with an l2 loss).

    ALI / BiGAN match the joint distributions of ``(x, E(x))`` and
    ``(G(z), z)``, but nothing in that game makes ``G(E(x))`` close to ``x``
    (the conditional entropy of x given z stays free). ALICE adds, to the loss
    of G and E, the reconstruction error of each sample, here its mean squared
    error over the sample's features::

        L_cycle(i) = mean_j (x_ij - G(E(x_i))_j)^2

    Examples:

        >>> float(cycle_reconstruction_loss([[1.0, -1.0]], [[0.0, -1.0]])[0])  # (1 + 0) / 2
        0.5
    """
    samples = tf.cast(samples, tf.float32)
    difference = tf.reshape(samples - tf.cast(reconstructions, tf.float32),
                            [tf.shape(samples)[0], -1])
    return tf.reduce_mean(tf.square(difference), axis=1)


def ebgan_discriminator_loss(real_energy, fake_energy, margin):
    """The energy-based GAN's discriminator loss (Zhao et al. 2017, eq. 2; Su Wang eq. 15).

    Per example: ``L_D = D(x) + max(0, m - D(G(z)))``: low energy on data,
    energy pushed up to the margin ``m`` on generated samples (and no
    further: beyond ``m`` a fake contributes nothing).

    Examples:

        >>> round(float(ebgan_discriminator_loss([[0.1]], [[0.3]], margin=1.0)[0]), 6)  # 0.1 + 0.7
        0.8
    """
    real = tf.reduce_mean(_per_example(real_energy), axis=1)
    fake = tf.reduce_mean(_per_example(fake_energy), axis=1)
    return real + tf.nn.relu(margin - fake)


def ebgan_generator_loss(fake_energy):
    """The energy-based GAN's generator loss (Zhao et al. 2017, eq. 3): ``L_G = D(G(z))``."""
    return tf.reduce_mean(_per_example(fake_energy), axis=1)


def pulling_away_term(embeddings):
    """The pulling-away term of Zhao et al. (2017, eq. 4), a scalar in [0, 1].

    For the encoder's codes ``S`` of a batch of N generated samples::

        f_PT(S) = 1 / (N (N - 1)) sum_{i != j} (S_i . S_j / (|S_i| |S_j|))^2

    the mean squared cosine similarity between different samples' codes:
    small when the batch is diverse, 1 when every code points the same way.

    Examples:

        >>> float(pulling_away_term([[1.0, 0.0], [0.0, 1.0]]))  # orthogonal codes
        0.0
    """
    codes = tf.cast(tf.reshape(embeddings, [tf.shape(embeddings)[0], -1]), tf.float32)
    unit = tf.math.l2_normalize(codes, axis=1)
    cosines = tf.square(tf.matmul(unit, unit, transpose_b=True))
    count = tf.cast(tf.shape(codes)[0], tf.float32)
    return (tf.reduce_sum(cosines) - tf.linalg.trace(cosines)) / (count * (count - 1.0))


def semi_supervised_real_loss(class_logits, labels):
    """The semi-supervised discriminator's loss on real samples (Salimans et al. 2016, sec. 5).

    D has K class logits ``l(x)`` and a fake class whose logit is fixed at 0,
    so ``D(x) = Z / (Z + 1)`` with ``Z = sum_k exp(l_k(x))``: its real/fake
    logit is ``logsumexp(l)``. Per example: the supervised cross-entropy
    ``-log p(y | x, real)`` (softmax over the K classes) where the label is
    known (``labels >= 0``), and the unsupervised ``-log D(x) =
    softplus(-logsumexp(l))`` where it is not (``labels == -1``).

    Examples:

        >>> import numpy as np
        >>> logits = np.log([[1.0, 3.0]])  # p(class 1 | real) = 3/4, Z = 4
        >>> round(float(semi_supervised_real_loss(logits, [1])[0]), 4)  # -log 3/4
        0.2877
        >>> round(float(semi_supervised_real_loss(logits, [-1])[0]), 4)  # -log 4/5
        0.2231
    """
    logits = tf.cast(class_logits, tf.float32)
    labels = tf.cast(labels, tf.int32)
    known = labels >= 0
    supervised = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.maximum(labels, 0), logits=logits)
    unsupervised = tf.nn.softplus(-tf.reduce_logsumexp(logits, axis=-1))
    return tf.where(known, supervised, unsupervised)


def semi_supervised_fake_loss(class_logits):
    """``-log(1 - D(G(z))) = softplus(logsumexp(l))`` per generated sample (Salimans et al. 2016, sec. 5)."""
    return tf.nn.softplus(tf.reduce_logsumexp(tf.cast(class_logits, tf.float32), axis=-1))


def semi_supervised_discriminator_loss(real_logits, labels, fake_logits, unsupervised_weight=1.0):
    """The semi-supervised D's loss per example, for batches half labelled (Salimans et al. 2016, sec. 5).

    Its mean over a batch whose ``real_logits`` rows are half labelled
    (``labels >= 0``) and half not (``-1``), with as many ``fake_logits``
    rows, is ``L_supervised + w L_unsupervised``: the mean cross-entropy over
    the labelled rows plus ``w`` times ``-E log D(x) - E log(1 - D(G(z)))``
    (each mean over its own rows; :func:`semi_supervised_real_loss`,
    :func:`semi_supervised_fake_loss`). The paper's equation has ``w = 1``;
    its released MNIST code halves both unsupervised terms, ``w = 0.5``.

    Examples:

        >>> import numpy as np
        >>> real, fake = np.log([[1.0, 3.0], [1.0, 3.0]]), np.log([[1.0, 3.0], [1.0, 3.0]])
        >>> per_example = semi_supervised_discriminator_loss(real, [1, -1], fake, 0.5)
        >>> round(float(np.mean(per_example)), 4)  # -log 3/4 + 0.5 (-log 4/5 - log 1/5)
        1.204
    """
    labels = tf.cast(labels, tf.int32)
    real = semi_supervised_real_loss(real_logits, labels)
    # Each half's mean is over half the rows: weight 2 makes the batch mean their sum.
    weight = tf.where(labels >= 0, 2.0, 2.0 * unsupervised_weight)
    return weight * real + unsupervised_weight * semi_supervised_fake_loss(fake_logits)


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


def wasserstein_critic_loss(real_scores, fake_scores):
    """The WGAN critic loss (Arjovsky et al. 2017, Algorithm 1 line 5).

    The critic ``f`` ascends ``E[f(x)] - E[f(G(z))]``, the Kantorovich-
    Rubinstein estimate of W(p_data, p_g); as a per-example loss to minimise::

        L_f(i) = f(G(z_i)) - f(x_i)

    Args:
        real_scores: critic outputs (unbounded, no sigmoid) on real samples.
        fake_scores: critic outputs on generated samples.
    """
    return tf.reduce_mean(_per_example(fake_scores), axis=1) - tf.reduce_mean(
        _per_example(real_scores), axis=1
    )


def wasserstein_generator_loss(fake_scores):
    """The WGAN generator loss (WGAN Algorithm 1 line 10): ``L_G(i) = -f(G(z_i))``."""
    return -tf.reduce_mean(_per_example(fake_scores), axis=1)


def gradient_penalty(critic, real, fake, epsilon):
    """The WGAN-GP penalty of Gulrajani et al. (2017), eq. 3, per example::

        x̂_i = ε_i x_i + (1 - ε_i) G(z_i),    GP(i) = (||∇_x̂ f(x̂_i)||_2 - 1)²

    ``ε_i`` is one draw of U[0, 1] PER SAMPLE, and the norm runs over ALL
    non-batch axes of each sample (some tutorial code uses one ε per batch and a
    norm over axis 1 only). Multiply by λ (10 in the paper) and add it to
    :func:`wasserstein_critic_loss`. The critic must treat samples
    independently (layer norm, not batch norm) for ∇ of the summed scores to be
    each sample's own gradient.

    Args:
        critic: callable ``x -> scores`` (e.g. the discriminator model, or
            ``lambda x: model.D(x, labels)`` for a conditional one).
        real: real samples ``(batch, ...)``.
        fake: generated samples, same shape.
        epsilon: interpolation weights, shape ``(batch,)`` or broadcastable
            to ``real`` (e.g. ``(batch, 1, 1, 1)``).

    Returns:
        Per-example penalty, shape ``(batch,)``.
    """
    real = tf.convert_to_tensor(real)
    fake = tf.cast(fake, real.dtype)
    epsilon = tf.cast(epsilon, real.dtype)
    if epsilon.shape.rank == 1:
        epsilon = tf.reshape(epsilon, [-1] + [1] * (real.shape.rank - 1))
    interpolated = epsilon * real + (1.0 - epsilon) * fake
    with tf.GradientTape() as tape:
        tape.watch(interpolated)
        scores = critic(interpolated)
    gradients = _per_example(tape.gradient(scores, interpolated))
    # The 1e-12 keeps the norm differentiable where a gradient is exactly zero.
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=1) + 1e-12)
    return tf.square(norms - 1.0)


def r1_penalty(discriminator, real):
    """The squared norm of D's gradient at real data, per example (Mescheder et al. 2018)::

        R1(i) = ||∇_x D(x_i)||²,   the norm over all non-batch axes of x_i

    Multiply by ``γ / 2`` and add it to D's loss (eq. 9 of the paper). Unlike
    :func:`gradient_penalty` it pushes the gradient toward 0, on the data only.

    Args:
        discriminator: callable ``x -> logits`` (e.g. ``lambda x: model.D(x, labels)``).
        real: real samples ``(batch, ...)``.

    Returns:
        Per-example penalty, shape ``(batch,)``.

    Examples:

        >>> linear = lambda x: 3.0 * tf.reduce_sum(x, axis=1, keepdims=True)  # ∇ = (3, 3)
        >>> r1_penalty(linear, tf.zeros((2, 2))).numpy().tolist()
        [18.0, 18.0]
    """
    real = tf.convert_to_tensor(real)
    with tf.GradientTape() as tape:
        tape.watch(real)
        scores = discriminator(real)
    gradients = _per_example(tape.gradient(scores, real))
    return tf.reduce_sum(tf.square(gradients), axis=1)


def feature_matching_loss(real_features, fake_features, mean=None):
    """The feature-matching objective of Salimans et al. (2016, sec. 3.1)::

        L_G = ||E_x f(x) - E_z f(G(z))||²₂

    where ``f`` are the activations of an intermediate discriminator layer.
    A loss of the two batches' MEANS, hence one scalar, not per-example values.

    Args:
        real_features: ``f(x)`` on a real minibatch, ``(batch, ...)``.
        fake_features: ``f(G(z))``, ``(batch, ...)`` (batch sizes may differ).
        mean: function ``(batch, d) -> (d,)`` of the expectation; default the
            minibatch mean (the feature-matching technique passes the mean
            over all replicas of a ``tf.distribute`` strategy).

    Examples:

        >>> float(feature_matching_loss([[1.0, 0.0], [3.0, 0.0]], [[0.0, 1.0]]))  # (2, -1)
        5.0
    """
    mean = mean or (lambda features: tf.reduce_mean(features, axis=0))
    difference = mean(_per_example(real_features)) - mean(_per_example(fake_features))
    return tf.reduce_sum(tf.square(difference))
