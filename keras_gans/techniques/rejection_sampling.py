"""Discriminator rejection sampling (Azadi et al. 2019), with Platt-calibrated critics."""

import math

import keras
import numpy as np
import tensorflow as tf

from keras_gans.techniques import Option, Technique

#: Samples whose largest logit is the bound ``l_max`` (Azadi et al.'s burn-in).
CALIBRATION_SAMPLES = 10_000
#: Candidates drawn per round of the rejection loop.
CANDIDATES_PER_ROUND = 1024
#: The loop gives up below this acceptance rate (a D that rejects almost everything).
MIN_ACCEPTANCE = 1e-3
#: Real samples that ``fit()`` keeps from the start of its data to calibrate a critic's score.
REFERENCE_SAMPLES = 2048


def acceptance_probability(logits, max_logit, shift=0.0):
    """The chance of keeping a sample of logit ``l(x)``: ``a / (a + e^gamma (1 - a))``.

    ``a = min(1, exp(l(x) - l_max))``. For the logistic GAN loss the optimal
    discriminator's logit is ``l*(x) = log p_data(x) / p_g(x)`` (Goodfellow et
    al. 2014, Prop. 1), so keeping a sample of ``p_g`` with probability ``a``,
    where ``l_max`` bounds the logit, is rejection sampling from ``p_data``
    (``shift`` gamma = 0). Azadi et al. 2019 (sec. 3.2) keep a sample with
    probability ``sigmoid(F(x))``,
    ``F(x) = l(x) - l_max - log(1 - exp(l(x) - l_max - eps)) - gamma``; with
    ``eps -> 0`` that is the expression above: gamma = 0 gives ``a`` itself,
    gamma > 0 rejects the low-logit samples harder (fewer kept, closer to the
    data's modes), gamma < 0 keeps more. Samples above the estimated bound
    are always kept.

    Args:
        logits: D's logits, any shape.
        max_logit: ``l_max``, a scalar.
        shift: gamma, a scalar.

    Returns:
        Probabilities in ``(0, 1]``, the shape of ``logits``.

    Examples:

        >>> import numpy as np
        >>> np.round(acceptance_probability([0.0, -np.log(2.0), 1.0], 0.0).numpy(), 3).tolist()
        [1.0, 0.5, 1.0]
        >>> np.round(acceptance_probability([-np.log(2.0)], 0.0, shift=np.log(3.0)).numpy(),
        ...          3).tolist()
        [0.25]
    """
    logits = tf.convert_to_tensor(logits, tf.float32)
    ratio = tf.exp(tf.minimum(logits - tf.cast(max_logit, tf.float32), 0.0))
    if isinstance(shift, (int, float)) and shift == 0:
        return ratio  # exactly; in float32 ratio + (1 - ratio) can miss 1 by an ulp
    return ratio / (ratio + tf.exp(tf.cast(shift, tf.float32)) * (1.0 - ratio))


def platt_scaling(real_scores, fake_scores, ridge=1e-4, iterations=50):
    """``(a, b)`` such that ``a s + b`` is the logit of "real" given a score ``s``.

    Logistic regression of the label (real 1, generated 0) on the scalar
    score (Platt 1999), each class weighted by one half so that the fitted
    logit estimates ``log p_data(x) / p_g(x)`` as an optimal logistic D's
    would (Goodfellow et al. 2014, Prop. 1). Turner et al. (2019, MH-GAN)
    calibrate D this way before sampling with it; here it turns
    the score of a Wasserstein critic or an EBGAN energy, which is no log
    density ratio, into one. Newton's method on the standardized score; a
    small ``ridge`` on the slope keeps it finite when the scores separate
    the classes perfectly.

    When both classes' scores are Gaussian with one variance ``v``, the
    exact log ratio is linear and this recovers it:
    ``a = (mu_real - mu_fake) / v``, ``b = (mu_fake^2 - mu_real^2) / (2 v)``.

    Args:
        real_scores, fake_scores: 1-D scores of real and of generated samples.
        ridge: L2 weight on the standardized slope.
        iterations: Newton steps (it converges in well under 20).

    Returns:
        ``(a, b)``, floats.

    Examples:

        >>> rng = np.random.default_rng(0)
        >>> a, b = platt_scaling(rng.normal(1.0, 1.0, 50_000), rng.normal(-1.0, 1.0, 50_000))
        >>> round(a, 1), round(b, 1)  # (1 - (-1)) / 1 and ((-1)^2 - 1^2) / 2
        (2.0, 0.0)
    """
    real = np.asarray(real_scores, np.float64).ravel()
    fake = np.asarray(fake_scores, np.float64).ravel()
    if real.size < 2 or fake.size < 2:
        raise ValueError(f"Expected at least 2 real and 2 generated scores to calibrate on, "
                         f"received {real.size} and {fake.size}.")
    both = np.concatenate([real, fake])
    center, spread = both.mean(), both.std() or 1.0
    features = np.stack([(both - center) / spread, np.ones_like(both)], 1)
    labels = np.concatenate([np.ones_like(real), np.zeros_like(fake)])
    weights = np.concatenate([np.full(real.size, 0.5 / real.size),
                              np.full(fake.size, 0.5 / fake.size)])
    theta = np.zeros(2)
    for _ in range(iterations):
        probability = 1.0 / (1.0 + np.exp(-features @ theta))
        gradient = features.T @ (weights * (probability - labels)) + [ridge * theta[0], 0.0]
        curvature = (features.T * (weights * probability * (1.0 - probability))) @ features
        step = np.linalg.solve(curvature + np.diag([ridge, 1e-12]), gradient)
        theta -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    slope = theta[0] / spread
    return float(slope), float(theta[1] - slope * center)


def logit_quantile(logits, quantile):
    """The ``quantile`` of ``logits`` (1: their maximum), the nearest-rank definition.

    The smallest logit with at least ``quantile`` of them at or below it.

    Examples:

        >>> logit_quantile([3.0, 1.0, 4.0, 2.0], 0.5).numpy(), logit_quantile([3.0, 1.0], 1.0).numpy()
        (np.float32(2.0), np.float32(3.0))
    """
    logits = tf.sort(tf.reshape(tf.convert_to_tensor(logits, tf.float32), [-1]))
    count = tf.size(logits)
    rank = tf.cast(tf.math.ceil(quantile * tf.cast(count, tf.float64)), tf.int32)
    return logits[tf.clip_by_value(rank, 1, count) - 1]


def draw_accepted(draw_round, num_samples, rounds_limit):
    """Runs ``draw_round(round) -> (samples, codes, keep)`` until ``num_samples`` are kept.

    Returns the first ``num_samples`` kept ``(samples, codes)``, in the order
    they were drawn. Works eagerly and inside a ``tf.function`` (the exported
    ``generate`` signature). Fails with ``InvalidArgumentError`` after
    ``rounds_limit`` rounds with fewer kept.
    """
    samples, codes, keep = draw_round(tf.constant(0))
    kept = (tf.boolean_mask(samples, keep), tf.boolean_mask(codes, keep))

    def more(round_, samples, codes):
        del codes
        return tf.logical_and(tf.shape(samples)[0] < num_samples, round_ < rounds_limit)

    def another(round_, samples, codes):
        new, new_codes, keep = draw_round(round_)
        return (round_ + 1, tf.concat([samples, tf.boolean_mask(new, keep)], 0),
                tf.concat([codes, tf.boolean_mask(new_codes, keep)], 0))

    _, samples, codes = tf.while_loop(
        more, another, (tf.constant(1), *kept),
        shape_invariants=(tf.TensorShape([]), tf.TensorShape([None, *samples.shape[1:]]),
                          tf.TensorShape([None, *codes.shape[1:]])))
    with tf.control_dependencies([tf.debugging.assert_greater_equal(
            tf.shape(samples)[0], tf.cast(num_samples, tf.int32),
            f"discriminator rejection sampling kept fewer samples than asked for from "
            f"{1 / MIN_ACCEPTANCE:g} candidates per sample: D rejects almost every generated "
            f"sample (see model.rejection_acceptance_rate)")]):
        return tf.identity(samples[:num_samples]), tf.identity(codes[:num_samples])


def rounds_limit(num_samples):
    """Rounds of :data:`CANDIDATES_PER_ROUND` candidates before the loop gives up."""
    return tf.cast(tf.math.ceil(tf.cast(num_samples, tf.float32)
                                / (MIN_ACCEPTANCE * CANDIDATES_PER_ROUND)), tf.int32)


class DiscriminatorRejectionSampling(Technique):
    """Samples are kept with probability ``exp(l(x) - l_max)``: D filters G.

    Training is unchanged. At sampling time each candidate ``x = G(z)`` is
    kept with probability :func:`acceptance_probability` of D's logit, which
    for a logistic D estimates ``log p_data(x) / p_g(x)``: points G puts
    between the modes of the data, where D's logit is low, are dropped, and
    modes G over-fills are thinned (Azadi et al. 2019, "Discriminator
    Rejection Sampling", Algorithm 1 without extra training of D; its shift
    gamma is ``rejection_shift``, 0 by default: the exact rejection rule).
    ``l_max`` is the largest logit over :data:`CALIBRATION_SAMPLES` seeded
    samples, measured again whenever the model has trained since, when
    samples are next drawn or the model is saved (``model.rejection_max_logit``,
    saved with the model). With
    ``rejection_quantile=q`` below 1 it is the q-quantile of those logits
    instead: the samples above it are all kept, so at least a share ``1 - q``
    of G's samples is kept and one outlying logit cannot bring the rate to
    nearly 0 (the maximum is the exact rule, and the default).

    :meth:`~keras_gans.models.GAN.generate`, the callbacks that call it and
    the exported ``generate`` signature sample this way; the exported
    ``serving_default`` (``z`` in, ``G(z)`` out) maps the codes it is given
    without rejection. Costs about ``1 / acceptance rate`` generator and
    discriminator passes per sample (``model.rejection_acceptance_rate``).

    A D not trained with the logistic loss — a Wasserstein critic, EBGAN's
    energy — scores samples on a scale of its own, not as a log density
    ratio. Its score ``s(x)`` is calibrated first: ``l(x) = a s(x) + b`` with
    ``(a, b)`` from :func:`platt_scaling` of the scores of real samples
    against those of the calibration samples (Turner et al. 2019), measured
    again with the bound (``model.rejection_scale``,
    ``model.rejection_offset``). ``fit()`` keeps the first
    :data:`REFERENCE_SAMPLES` real samples of its data for this;
    :meth:`~keras_gans.models.GAN.set_sampling_reference` gives others.

    Applies to unconditional models whose D sees one sample at a time (a
    packed D judges several at once), and, with the logistic loss, without
    label smoothing (a smoothed label moves the optimal logit).
    """

    name = "rejection_sampling"
    paper = "Azadi et al. 2019"
    summary = "keep each generated sample with probability exp(D's logit - its maximum)"
    needs_discriminator_of_samples = True
    needs_unconditional = "a conditional D would need a bound on its logit for each label"
    options = (
        Option("rejection_sampling", False, "draw samples by discriminator rejection sampling: "
               "keep G(z) with probability exp(D's logit - its maximum)",
               kind=bool),
        Option("rejection_shift", 0.0, "Azadi et al.'s shift gamma of the acceptance rule: 0 "
               "samples p_data if D is optimal; larger values keep fewer, more typical samples",
               low=-10.0, high=10.0),
        Option("rejection_quantile", 1.0, "l_max is this quantile of D's logits over the "
               "calibration samples: 1 (default) their maximum; below 1 every sample above it "
               "is kept, so one outlying logit cannot stop the sampling", above=0.0, high=1.0),
    )

    def build(self, model):
        if any(getattr(technique, "packing", 1) > 1 for technique in model.techniques):
            raise ValueError(
                f"rejection_sampling ({self.paper}) does not apply with packing: a packed D "
                "judges several samples at once, and each sample needs its own logit; "
                "expected packing=1.")
        # A logistic D's logit is the log density ratio; any other score is calibrated.
        self.calibrated = not model.logistic_loss
        self.calibrated_on = None  # the real samples (a, b) were last fitted on
        if model.logistic_loss and model.real_label != 1.0:
            raise ValueError(
                f"rejection_sampling ({self.paper}) does not apply with one-sided label "
                f"smoothing: it needs D's logit to estimate log p_data / p_g, and real_label="
                f"{model.real_label!r} moves it; expected real_label=1.0.")
        model.rejection_max_logit = model.add_weight(
            shape=(), initializer="zeros", trainable=False, name="rejection_max_logit")
        model.rejection_acceptance_rate = model.add_weight(
            shape=(), initializer="zeros", trainable=False, name="rejection_acceptance_rate")
        # The generator step the bound was measured at; -1: never.
        model.rejection_calibrated_at = model.add_weight(
            shape=(), initializer=keras.initializers.Constant(-1), dtype="int64",
            trainable=False, name="rejection_calibrated_at")
        if self.calibrated:  # l(x) = a s(x) + b (platt_scaling)
            model.rejection_scale = model.add_weight(
                shape=(), initializer="ones", trainable=False, name="rejection_scale")
            model.rejection_offset = model.add_weight(
                shape=(), initializer="zeros", trainable=False, name="rejection_offset")

    def real_samples_needed(self, model):
        return REFERENCE_SAMPLES if self.calibrated else 0

    def sampling_variables(self, model):
        calibration = [model.rejection_scale, model.rejection_offset] if self.calibrated else []
        return [*model.discriminator.weights, model.rejection_max_logit, *calibration]

    def sampling_metadata(self, model):
        return {"rejection_sampling": {
            "max_logit": float(model.rejection_max_logit.numpy()),
            "shift": self.rejection_shift,
            "quantile": self.rejection_quantile,
            "acceptance_rate": float(model.rejection_acceptance_rate.numpy()),
            **({"calibration": {"method": "platt_scaling",
                                "scale": float(model.rejection_scale.numpy()),
                                "offset": float(model.rejection_offset.numpy())}}
               if self.calibrated else {}),
            "applies_to": "generate (serving_default maps the z it is given without rejection)"}}

    def prepare_sampling(self, model):
        """Measures ``l_max`` (and the acceptance rate; a critic's calibration first) unless
        current for this step and reference."""
        step = model.steps_trained
        reference = model.sampling_reference
        new_reference = (self.calibrated and reference is not None
                         and reference is not self.calibrated_on)
        if int(model.rejection_calibrated_at.numpy()) == step and not new_reference:
            return
        if self.calibrated and reference is None:
            raise ValueError(
                f"rejection_sampling on {type(model).__name__} calibrates its critic's score on "
                f"real samples, and none were given: fit() keeps the first {REFERENCE_SAMPLES} "
                "of its data; after loading or training otherwise, call "
                "model.set_sampling_reference(real_samples) first.")
        seed = tf.constant([model.seed or 0, step], tf.int64)
        scores = []
        for part in range(math.ceil(CALIBRATION_SAMPLES / CANDIDATES_PER_ROUND)):
            z = model.sample_noise(CANDIDATES_PER_ROUND,
                                   seed=tf.random.experimental.stateless_fold_in(seed, part))
            scores.append(self.scores(model, model.sample(z)))
        scores = tf.concat(scores, 0)[:CALIBRATION_SAMPLES]
        if self.calibrated:
            real_scores = tf.concat(
                [self.scores(model, reference[start:start + CANDIDATES_PER_ROUND])
                 for start in range(0, len(reference), CANDIDATES_PER_ROUND)], 0)
            scale, offset = platt_scaling(real_scores.numpy(), scores.numpy())
            self.calibrated_on = reference
            model.rejection_scale.assign(scale)
            model.rejection_offset.assign(offset)
        logits = self.calibrate(model, scores)
        max_logit = logit_quantile(logits, self.rejection_quantile)
        model.rejection_max_logit.assign(max_logit)
        model.rejection_acceptance_rate.assign(
            tf.reduce_mean(acceptance_probability(logits, max_logit, self.rejection_shift)))
        model.rejection_calibrated_at.assign(step)

    @staticmethod
    def scores(model, samples):
        """D's outputs for ``samples``, shape ``(batch,)``, float32 (inference mode)."""
        return tf.cast(tf.reshape(model.D(samples, training=False), [-1]), tf.float32)

    def calibrate(self, model, scores):
        """The logits ``a s + b`` of D's ``scores`` (the scores themselves for a logistic D)."""
        if not self.calibrated:
            return scores
        return model.rejection_scale * scores + model.rejection_offset

    def logits(self, model, samples):
        """Estimates of ``log p_data / p_g`` at ``samples``, shape ``(batch,)``."""
        return self.calibrate(model, self.scores(model, samples))

    def acceptance(self, model, samples):
        """The probability of keeping each of ``samples``, shape ``(batch,)``."""
        return acceptance_probability(self.logits(model, samples), model.rejection_max_logit,
                                      self.rejection_shift)

    def draw(self, model, num_samples, seed):
        """``num_samples`` kept ``(samples, codes)``; stateless with a ``[2]`` ``seed``."""
        def draw_round(round_):
            if seed is None:
                z = model.sample_noise(CANDIDATES_PER_ROUND)
                uniform = tf.random.uniform([CANDIDATES_PER_ROUND])
            else:
                round_seed = tf.random.experimental.stateless_fold_in(seed, round_)
                z = model.sample_noise(CANDIDATES_PER_ROUND, seed=round_seed)
                uniform = tf.random.stateless_uniform(
                    [CANDIDATES_PER_ROUND], tf.random.experimental.stateless_fold_in(round_seed, 1))
            samples = model.sample(z)
            return samples, z, uniform < self.acceptance(model, samples)

        return draw_accepted(draw_round, num_samples, rounds_limit(num_samples))
