"""The adversarial training core shared by every GAN variant."""

import functools
import math
import numbers
import threading
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_gans import distribute, networks, techniques

# Per-thread state of the train step being traced: MirroredStrategy traces
# each replica's step in its own thread, so this cannot live on the model.
_STEP = threading.local()


@keras.saving.register_keras_serializable(package="keras_gans")
class GAN(keras.Model):
    """Base class of every GAN variant: two networks, two optimizers, one game.

    The base class owns the machinery that every variant shares, so that a
    variant's ``train_step`` reads like its paper's algorithm box:

    - ``generator`` and ``discriminator`` (public ``keras.Model`` attributes)
      and ``latent_dim``;
    - :meth:`sample_noise` and :meth:`random_draw`: noise that differs
      between the replicas of a ``tf.distribute`` strategy and, with ``seed``,
      does not depend on the number of replicas;
    - :meth:`compile` with one optimizer per network, built eagerly (required
      under ``MirroredStrategy``), each variant supplying defaults;
    - ``discriminator_steps``, Algorithm 1's ``k``, and :meth:`real_batches`:
      each of the k discriminator steps of a training step gets a NEW real
      minibatch, as in the papers' algorithms (``fit()`` takes a stream of
      minibatches of size ``m``; one training step consumes ``k`` of them);
    - :meth:`discriminator_step`, :meth:`generator_step` and :meth:`minimize`:
      one gradient step of one network on a per-example loss averaged over the
      *global* batch (correct under strategies), where the training
      techniques of :mod:`keras_gans.techniques` (feature matching, R1,
      historical averaging, instance noise, generator EMA, ...) take part;
    - :meth:`update_metrics` and the :attr:`metrics` property, so ``fit()``
      reports epoch means under the same names ``train_step`` returns;
    - ``get_config`` / ``get_compile_config`` so that ``model.save("x.keras")``
      and ``keras.models.load_model`` restore both networks *and* both
      optimizers' state, and training continues;
    - checks of the training data in :meth:`fit`, before any step runs.

    Subclasses implement ``train_step`` and ``default_optimizers``, and list
    the names of the values ``train_step`` reports in ``metric_names``.

    Args:
        generator: ``keras.Model`` mapping noise ``(batch, latent_dim)`` to samples.
        discriminator: ``keras.Model`` mapping samples to logits / critic values.
        discriminator_steps: discriminator updates per generator update
            (Algorithm 1's ``k``). Each draws fresh noise and takes the next
            real minibatch of the data.
        seed: optional integer making the training noise a function of
            (seed, step): reproducible, identical on 1 or N replicas, and
            repeated exactly by a resumed run (see :meth:`random_draw`).
        reuse_real_batch: give all k discriminator steps the SAME real
            minibatch (the keras-io convention) instead of k fresh ones.
        generator_side: for subclasses, ``{attribute: network}`` of further
            networks that the generator's optimizer trains with G (ALI /
            BiGAN's ``{"encoder": E}``); set before the techniques are built,
            so that the generator's moving average covers them too.
        **kwargs: the options of the training techniques
            (:func:`keras_gans.techniques.describe`; e.g. ``feature_matching=1.0``,
            ``generator_ema=0.999``, ``r1_gamma=1.0``), then ``keras.Model``'s.

    What a step and an epoch count: one training step (``fit()``'s step,
    ``steps_trained``) is one generator update, which consumes ``k`` real
    minibatches of ``m`` samples (one, with ``reuse_real_batch``); an epoch
    is ``steps_per_epoch`` training steps, or one pass over finite data
    (``len / (k m)`` steps).
    """

    metric_names = ("d_loss", "g_loss")
    #: Conditional variants need labels with every batch (``fit(x, y)``).
    conditional = False
    #: Variants whose D needs labels although G does not (the semi-supervised GAN).
    needs_labels = False
    #: Value range that real IMAGES (rank-4 samples) must lie in: the tanh range.
    image_range = (-1.0, 1.0)
    #: Whether D is trained with the logistic (cross-entropy) loss on logits,
    #: which one-sided label smoothing modifies.
    logistic_loss = False

    def __init__(self, generator, discriminator, discriminator_steps=1, seed=None,
                 reuse_real_batch=False, generator_side=None, **kwargs):
        technique_options = techniques.pop_options(kwargs)
        super().__init__(**kwargs)
        for role, network in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(network, keras.Model):
                raise TypeError(
                    f"Expected `{role}` to be a keras.Model, received {type(network).__name__}."
                )
            if not network.built:
                raise ValueError(
                    f"The {role} must be built (e.g. start it with keras.Input) so that "
                    f"its optimizer can be built eagerly; received an unbuilt {network.name!r}."
                )
        if (
            not isinstance(discriminator_steps, int)
            or isinstance(discriminator_steps, bool)
            or discriminator_steps < 1
        ):
            raise ValueError(
                "Expected discriminator_steps (k) to be a positive integer, "
                f"received {discriminator_steps!r}."
            )
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise ValueError(f"Expected seed to be a non-negative integer or None, received {seed!r}.")
        # Techniques that change an architecture do it before anything is tracked.
        self.techniques, generator, discriminator = techniques.configure(
            type(self), generator, discriminator, technique_options)
        self.generator = generator
        self.discriminator = discriminator
        self.generator_side_names = ("generator", *(generator_side or {}))
        for name, network in (generator_side or {}).items():
            setattr(self, name, network)
        self.discriminator_steps = discriminator_steps
        self.seed = seed
        self.reuse_real_batch = bool(reuse_real_batch)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}
        self.d_optimizer = None
        self.g_optimizer = None
        #: Real samples that sampling techniques calibrate on (see set_sampling_reference).
        self.sampling_reference = None
        for technique in self.techniques:
            technique.build(self)
        # Both networks are built: nothing is left for Keras to build
        # symbolically from the first batch (which fails under strategies).
        self.built = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Every train_step starts a fresh sequence of seeded random draws
        # (see `random_draw`); a subclass need not remember to do it.
        if "train_step" in vars(cls):
            cls.train_step = _numbering_random_draws(vars(cls)["train_step"])

    # ------------------------------------------------------------------ noise
    @property
    def latent_dim(self):
        """Width of the generator's noise input."""
        return int(self.generator.inputs[0].shape[-1])

    def noise_distribution(self, batch_size, seed=None):
        """``p_z``: ``batch_size`` rows of standard normal noise.

        Subclasses with another ``p_z`` override this. ``seed`` (a ``[2]``
        integer tensor) makes the draw stateless: same seed, same noise.
        """
        if seed is not None:
            return tf.random.stateless_normal((batch_size, self.latent_dim), seed)
        return tf.random.normal((batch_size, self.latent_dim))

    def sample_noise(self, batch_size, seed=None):
        """Draws the generator input ``z ~ p_z`` for ``batch_size`` examples.

        With an explicit ``seed`` the draw is stateless (used by the exported
        ``generate`` signature). Otherwise it is one of the step's random
        draws (:meth:`random_draw`): different on every replica, and with the
        model's ``seed`` the same as a single-device run would draw.
        """
        if seed is not None:
            return self.noise_distribution(batch_size, seed)
        return self.random_draw(self.noise_distribution, batch_size)

    def sample_uniform(self, batch_size):
        """One ``U[0, 1)`` value per example (a :meth:`random_draw`), shape ``(batch,)``."""
        return self.random_draw(_uniform, batch_size)

    def random_draw(self, distribution, batch_size):
        """This replica's ``batch_size`` rows of one random draw of the train step.

        ``distribution(n, seed)`` returns ``n`` rows, statelessly when
        ``seed`` is a ``[2]`` tensor.

        - Without the model's ``seed``: stateful ``tf.random`` ops, different
          on every replica. On several replicas the replica's global id is
          folded into the seed, so worker processes seeded alike differ too
          (a ``keras.random.SeedGenerator`` gives every replica the same noise).
        - With ``seed``, inside a train step: keyed by (seed, training step,
          draw number). Every replica draws the rows of the whole GLOBAL batch
          and keeps its slice, so the noise is the same on 1 or N replicas,
          differs between replicas, and repeats when a run resumes at a step.
        """
        step = getattr(_STEP, "state", None)
        context = tf.distribute.get_replica_context()
        replicas = 1 if context is None else context.num_replicas_in_sync
        if self.seed is None or step is None or self.g_optimizer is None:
            if replicas == 1:
                return distribution(batch_size, None)
            # Stateful ops would draw the same noise in every worker process
            # seeded alike: fold this replica's global id into the seed.
            return distribution(batch_size, tf.stack([
                tf.random.uniform([], maxval=2**62, dtype=tf.int64),
                tf.cast(context.replica_id_in_sync_group, tf.int64),
            ]))
        seed = tf.random.experimental.stateless_fold_in(
            tf.random.experimental.stateless_fold_in(
                tf.constant([self.seed, 0], tf.int64), self.g_optimizer.iterations
            ),
            step["draws"],
        )
        step["draws"] += 1
        if replicas == 1:
            return distribution(batch_size, seed)
        if "rows" not in step:  # where this replica's examples sit in the global batch
            sizes = context.all_gather(tf.reshape(tf.cast(batch_size, tf.int32), [1]), axis=0)
            first = tf.reduce_sum(sizes[: context.replica_id_in_sync_group])
            step["rows"] = (first, tf.reduce_sum(sizes))
        first, global_batch_size = step["rows"]
        return distribution(global_batch_size, seed)[first : first + batch_size]

    def call(self, z, training=False):
        """Runs the generator: ``model(z)`` is ``G(z)``."""
        return self.generator(z, training=training)

    def sampling_network(self, name):
        """The network that inference runs for ``self.<name>``: itself, or the
        copy a technique puts in its place (the ``generator_ema`` average)."""
        for technique in self.techniques:
            network = technique.sampling_network(self, name)
            if network is not None:
                return network
        return getattr(self, name)

    @property
    def sampling_generator(self):
        """The generator that samples are drawn from: G, or its moving average
        with the ``generator_ema`` technique. :meth:`generate`, the callbacks
        and the exports use it."""
        return self.sampling_network("generator")

    def sample(self, z, labels=None):
        """Samples of :attr:`sampling_generator` for noise ``z`` (inference mode)."""
        return self.sampling_generator([z, labels] if self.conditional else z, training=False)

    @property
    def real_label(self):
        """D's target for real samples: 1, or the one-sided label smoothing's alpha."""
        return next((t.real_label for t in self.techniques if hasattr(t, "real_label")), 1.0)

    def G(self, z, labels=None, training=True):  # noqa: N802 -- the paper's name
        """``G(z)``, or ``G(z | y)`` for conditional variants (labels ignored otherwise)."""
        return self.generator([z, labels] if self.conditional else z, training=training)

    def D(self, samples, labels=None, training=True, network=None):  # noqa: N802 -- the paper's name
        """``D(x)``, or ``D(x | y)`` for conditional variants (labels ignored otherwise).

        In training, what D sees passes through the techniques first (e.g.
        instance noise). ``network`` replaces the discriminator by a model on
        the same inputs and layers (feature matching's features-and-logits).
        """
        if training:
            for technique in self.techniques:
                samples = technique.discriminator_input(self, samples)
        network = network or self.discriminator
        return network(self.discriminator_inputs(samples, labels), training=training)

    def discriminator_inputs(self, samples, labels):
        """What the discriminator network is called on: ``samples``, or
        ``[samples, labels]`` for conditional variants (ALI / BiGAN: ``[x, z]``)."""
        return [samples, labels] if self.conditional else samples

    def generate(self, num_samples):
        """Returns ``num_samples`` generated samples as a tensor.

        Examples:

            >>> from keras_gans.models import Toy1DGAN
            >>> Toy1DGAN().generate(4).shape
            TensorShape([4, 1])
        """
        if not isinstance(num_samples, numbers.Integral) or isinstance(num_samples, bool) \
                or num_samples < 1:
            raise ValueError(
                f"Expected num_samples to be a positive integer, received {num_samples!r}."
            )
        return self.draw(num_samples)[0]

    def prepare_sampling(self):
        """The techniques' eager work before samples are drawn (rejection sampling's bound
        on D's logit); :meth:`draw` runs it, and an export before it traces ``draw``."""
        for technique in self.techniques:
            technique.prepare_sampling(self)

    def set_sampling_reference(self, real_samples):
        """Real samples for the sampling techniques to calibrate on, in place of fit()'s.

        Rejection sampling with a D that is not a logistic one (a Wasserstein
        critic, EBGAN's energy) calibrates D's score on real samples;
        :meth:`fit` keeps the first rows of its data for it. Give them here
        for a model loaded from a file and trained further, or trained
        without ``fit()``. The calibration is measured again when samples
        are next drawn.

        Args:
            real_samples: an array of real samples, shaped like G's output.
        """
        samples = np.asarray(real_samples, "float32")
        expected = tuple(self.generator.outputs[0].shape[1:])
        if samples.ndim != len(expected) + 1 or samples.shape[1:] != expected or not len(samples):
            raise ValueError(f"Expected real samples of shape (n, {', '.join(map(str, expected))})"
                             f" with n >= 1, received shape {samples.shape}.")
        wanted = self.sampling_reference_size
        self.sampling_reference = samples[:wanted] if wanted else None

    @property
    def sampling_reference_size(self):
        """Real samples the techniques calibrate on (:meth:`set_sampling_reference`); 0: none."""
        return max([technique.real_samples_needed(self) for technique in self.techniques] or [0])

    def draw(self, num_samples, seed=None):
        """``(samples, codes)``: ``num_samples`` generated samples and the noise behind them.

        ``G(z)`` for fresh ``z``, or what a sampling technique draws instead
        (``rejection_sampling`` keeps only some of G's samples). With ``seed``
        (a ``[2]`` integer tensor) every draw is stateless: the exported
        ``generate`` signature calls this inside its ``tf.function``.
        """
        if tf.executing_eagerly():
            self.prepare_sampling()
        for technique in self.techniques:
            drawn = technique.draw(self, num_samples, seed)
            if drawn is not None:
                return drawn
        z = self.sample_noise(num_samples, seed=seed)
        return self.sample(z), z

    # --------------------------------------------------------------- compile
    def default_optimizers(self):
        """Returns ``(d_optimizer, g_optimizer)`` used when compile gets none."""
        return keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Configures the model for training.

        Args:
            d_optimizer: optimizer of the discriminator (instance, name or
                config); ``None`` uses the variant's default.
            g_optimizer: optimizer of the generator; ``None`` uses the default.
                Under a ``mixed_float16`` dtype policy both are wrapped in
                ``keras.optimizers.LossScaleOptimizer``.
            **kwargs: passed to ``keras.Model.compile`` (e.g.
                ``steps_per_execution``, ``jit_compile`` for XLA, ``run_eagerly``).
                ``optimizer``, ``loss`` and ``metrics`` are not accepted: a GAN
                has two optimizers and its own losses.
        """
        for name in ("optimizer", "loss", "metrics"):
            if kwargs.get(name) is not None:
                raise ValueError(
                    f"GAN.compile() takes d_optimizer and g_optimizer and defines its own "
                    f"losses and metrics; received {name}={kwargs[name]!r}."
                )
            kwargs.pop(name, None)
        super().compile(optimizer=None, **kwargs)
        defaults = self.default_optimizers()
        d_optimizer = keras.optimizers.get(d_optimizer) if d_optimizer is not None else defaults[0]
        g_optimizer = keras.optimizers.get(g_optimizer) if g_optimizer is not None else defaults[1]
        for role, optimizer in (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer)):
            rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
            if not (rate >= 0 and math.isfinite(rate)):  # 0 freezes a network: allowed
                raise ValueError(
                    f"Expected a non-negative, finite learning rate for {role}, received {rate!r} "
                    f"({type(optimizer).__name__})."
                )
        if d_optimizer is g_optimizer:
            raise ValueError(
                "Expected two different optimizer instances for d_optimizer and "
                "g_optimizer (each keeps its own state); received the same object twice."
            )
        if self.dtype_policy.name == "mixed_float16":
            # float16 gradients underflow without loss scaling; `minimize`
            # scales each loss with its optimizer's `scale_loss`.
            d_optimizer, g_optimizer = (
                opt if isinstance(opt, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(opt)
                for opt in (d_optimizer, g_optimizer)
            )
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # Built eagerly: optimizers created lazily inside fit() fail under
        # MirroredStrategy, and a .keras file can only restore built ones.
        self.d_optimizer.build(self.variables_of(self.discriminator))
        self.g_optimizer.build(self.variables_of(self.generator))

    def get_compile_config(self):
        """Serializes both optimizers and the step options for ``.keras`` files."""
        if self.d_optimizer is None:
            return None
        return {
            "d_optimizer": keras.optimizers.serialize(self.d_optimizer),
            "g_optimizer": keras.optimizers.serialize(self.g_optimizer),
            "steps_per_execution": self.steps_per_execution,
            "jit_compile": bool(self.jit_compile),
        }

    def compile_from_config(self, config):
        """Re-creates and builds both optimizers so their saved state loads."""
        self.compile(
            d_optimizer=keras.optimizers.deserialize(config["d_optimizer"]),
            g_optimizer=keras.optimizers.deserialize(config["g_optimizer"]),
            steps_per_execution=config.get("steps_per_execution", 1),
            jit_compile=config.get("jit_compile", False),
        )

    def export_generator(self, base_dir, metadata=None, **kwargs):
        """Exports the generator for TF Serving as the next version in ``base_dir``.

        See :func:`keras_gans.export.export_generator`; returns the new
        version's path.
        """
        from keras_gans.export import export_generator

        return export_generator(self, base_dir, metadata=metadata, **kwargs)

    # -------------------------------------------------------------- training
    @property
    def metrics(self):
        """One ``keras.metrics.Mean`` per value that ``train_step`` reports."""
        return list(self.trackers.values())

    def unpack(self, data):
        """Splits a ``fit()`` batch into ``(samples, labels or None)``.

        Conditional variants get int32 labels checked by :meth:`checked_labels`.
        """
        samples, labels = _split_batch(data)
        if not self.conditional:
            return samples, labels
        if labels is None:
            raise ValueError(
                f"{type(self).__name__} is conditional: train_step needs (samples, labels) batches."
            )
        return samples, self.checked_labels(labels)

    def checked_labels(self, labels):
        """``labels`` as int32, with in-graph checks that they lie in ``[0, num_classes)``.

        Used in ``train_step`` and in exported signatures: CPUs fail on an
        out-of-range embedding lookup, GPUs silently return zeros.
        """
        labels = tf.cast(labels, tf.int32)
        # The lookup must wait for the checks: otherwise a CPU may run it first and fail
        # with a bare "indices[1] = 10 is not in [0, 10)" instead of the checks' message.
        with tf.control_dependencies([
                tf.debugging.assert_less(labels, self.num_classes, "label >= num_classes"),
                tf.debugging.assert_non_negative(labels, "negative label")]):
            return tf.identity(labels)

    @property
    def steps_trained(self):
        """Generator updates so far (training steps); 0 before ``compile``."""
        if self.g_optimizer is None:
            return 0
        return int(keras.ops.convert_to_numpy(self.g_optimizer.iterations))

    def batch_size_of(self, samples):
        """This replica's batch size, as a scalar tensor (may vary per batch)."""
        return tf.shape(samples)[0]

    def minimize(self, network, optimizer, per_example_loss):
        """One gradient step of ``network`` on ``per_example_loss()``.

        The per-example losses are averaged over the GLOBAL batch
        (``tf.nn.compute_average_loss``): gradients are summed across replicas,
        so this is what makes one code path right on 1 or N devices. Only
        ``network``'s trainable variables change.

        Args:
            network: the ``keras.Model`` to update.
            optimizer: its optimizer (may be a ``LossScaleOptimizer``).
            per_example_loss: zero-argument callable returning a ``(batch,)``
                tensor, or ``(loss, {name: per-example term})`` to also log
                terms of the loss; it runs under the gradient tape.

        The techniques' weight penalties (historical averaging) are added to
        the averaged loss, and their ``after_update`` hooks (generator EMA)
        run after the update.

        Returns:
            The mean loss of this replica's examples, for logging, and with
            terms, ``(mean loss, {name: mean term})``.
        """
        with tf.GradientTape() as tape:
            loss = per_example_loss()
            loss, terms = loss if isinstance(loss, tuple) else (loss, None)
            total = tf.nn.compute_average_loss(loss)
            for technique in self.techniques:
                penalty = technique.weight_penalty(self, network)
                if penalty is not None:  # once per step, not per replica
                    total += tf.nn.scale_regularization_loss(penalty)
            scaled = optimizer.scale_loss(total)
        variables = self.variables_of(network)
        optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        for technique in self.techniques:
            technique.after_update(self, network)
        if terms is None:
            return tf.reduce_mean(loss)
        return tf.reduce_mean(loss), {name: tf.reduce_mean(term) for name, term in terms.items()}

    @property
    def generator_side_networks(self):
        """``{attribute: network}`` of what the generator's optimizer trains: G
        (and ALI / BiGAN's encoder)."""
        return {name: getattr(self, name) for name in self.generator_side_names}

    def variables_of(self, network):
        """The variables that ``network``'s optimizer trains: its trainable ones,
        and for the generator those of the whole generator side."""
        if network is self.generator:
            return [variable for side in self.generator_side_networks.values()
                    for variable in side.trainable_variables]
        return network.trainable_variables

    def real_batches(self, data):
        """The ``k`` real minibatches of this training step, as ``(samples, labels)`` pairs.

        ``fit()`` delivers the k minibatches of a step as one batch of ``k m``
        rows (this replica's share of each, in order); they are split here, so
        each discriminator step sees a NEW real minibatch, as in Algorithm 1
        of Goodfellow et al. (2014), WGAN and WGAN-GP. With
        ``reuse_real_batch`` (or k = 1) the one delivered minibatch is given
        k times.
        """
        samples, labels = self.unpack(data)
        k = self.discriminator_steps
        if k == 1 or self.reuse_real_batch:
            return [(samples, labels)] * k
        label_chunks = [None] * k if labels is None else tf.split(labels, k)
        return list(zip(tf.split(samples, k), label_chunks))

    @property
    def real_batches_per_step(self):
        """Real minibatches one training step consumes: ``k``, or 1 with ``reuse_real_batch``."""
        return 1 if self.reuse_real_batch else self.discriminator_steps

    def lazy_penalty(self, penalty, interval, batch_size):
        """``penalty()`` on one discriminator step in ``interval``, times ``interval``; else 0.

        Lazy regularization (Karras et al. 2020, sec. 3.1): a gradient penalty
        changes slowly, so computing it every ``interval``-th D update (those
        where D's optimizer has made a multiple of ``interval`` updates), scaled
        up to keep its average weight, regularizes as much at a fraction of
        the cost of its double backpropagation. ``penalty()`` returns a
        ``(batch,)`` per-example tensor; only the taken branch runs.
        """
        if interval == 1:
            return penalty()
        due = tf.equal(self.d_optimizer.iterations % interval, 0)
        return tf.cond(due, lambda: tf.cast(interval, tf.float32) * penalty(),
                       lambda: tf.zeros(tf.reshape(batch_size, [1])))

    def discriminator_step(self, real, labels, per_example_loss):
        """One update of D on ``per_example_loss()`` plus the techniques' penalties.

        The techniques' per-example terms on the real minibatch (the R1
        penalty) are added to the loss. Returns what :meth:`minimize` returns.
        """
        def loss():
            value = per_example_loss()
            value, terms = value if isinstance(value, tuple) else (value, None)
            for technique in self.techniques:
                penalty = technique.discriminator_penalty(self, real, labels)
                if penalty is not None:
                    value = value + _per_pack(penalty, value)
            return value if terms is None else (value, terms)

        return self.minimize(self.discriminator, self.d_optimizer, loss)

    def generator_step(self, z, labels, real, adversarial_loss, judge=None):
        """One update of G on noise ``z``; returns its mean loss.

        G's loss is ``adversarial_loss(D(G(z)))`` (a function of D's outputs
        on the fakes, e.g. :func:`keras_gans.losses.non_saturating_generator_loss`)
        unless a technique replaces it (feature matching, which also needs
        the ``real`` minibatch). ``judge(fake)``, run under the gradient tape,
        returns the network that judges the fakes instead of D (the unrolled
        GAN's look-ahead copy of D).
        """
        def loss():
            fake = self.G(z, labels)
            for technique in self.techniques:
                objective = technique.generator_objective(self, fake, real, labels,
                                                          adversarial_loss)
                if objective is not None:
                    return objective
            return adversarial_loss(self.D(fake, labels, network=judge(fake) if judge else None))

        return self.minimize(self.generator, self.g_optimizer, loss)

    def update_metrics(self, **values):
        """Updates the trackers and returns every metric's running mean.

        The keyword names must be exactly ``metric_names``, so that ``fit()``
        shows epoch means rather than last-batch values.
        """
        if set(values) != set(self.trackers):
            raise ValueError(
                f"train_step must report exactly {sorted(self.trackers)}; "
                f"received {sorted(values)}."
            )
        for name, value in values.items():
            self.trackers[name].update_state(value)
        logs = {name: tracker.result() for name, tracker in self.trackers.items()}
        if distribute.is_multi_worker(self.distribute_strategy):
            # Keras 3 reduces multi-worker logs with `strategy.reduce(MEAN,
            # axis=0)`, which fails on scalars (keras-team/keras#20585): shape
            # (1,) reduces to the same scalar.
            logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
        return logs

    def fit(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.fit``, after checking the data against the model.

        An optimizer created with ``use_ema=True`` (e.g. the generator's:
        the averaged generator of "improved techniques" papers) replaces its
        network's weights by their moving average when ``fit()`` ends. A
        technique that calibrates on real samples (rejection sampling with a
        critic) keeps the first rows of the data and calibrates when
        ``fit()`` ends, so a model saved then samples without them.

        Raises:
            ValueError: data that cannot train this model (see
                :meth:`check_training_data`), before any step runs.
        """
        minibatch, first_samples, reference = self._inspect_training_data(
            x, y, kwargs.get("batch_size"))
        self.check_distribution()
        if reference is not None:
            self.set_sampling_reference(reference)
        if first_samples is not None:
            self.initialize_from_data(first_samples)
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)  # datasets shuffle themselves
        self._fit_steps_per_execution(kwargs.get("steps_per_epoch"))
        x = self._resume_from_backup(x, kwargs)
        x, y, kwargs = self._group_real_batches(x, y, kwargs, minibatch)
        history = super().fit(x, y, *args, **kwargs)
        # Keras finalizes only `self.optimizer`; an optimizer with
        # `use_ema=True` (Polyak averaging of the weights) ends here.
        for network, optimizer in ((self.generator, self.g_optimizer),
                                   (self.discriminator, self.d_optimizer)):
            if getattr(optimizer, "use_ema", False):
                optimizer.finalize_variable_values(network.trainable_variables)
        # The sampling techniques calibrate on `reference` when samples are
        # next drawn or the model is saved, not here: a loop of short fit()
        # calls (a tuner, a benchmark's turns) would pay for it every time.
        return history

    def _resume_from_backup(self, x, fit_kwargs):
        """Restores a :class:`~keras_gans.callbacks.BackupAndRestore` backup before any data is read.

        Sets ``initial_epoch`` to the backup's and, for a ``tf.data`` stream,
        skips the batches the interrupted run consumed, so the resumed run
        sees the data the uninterrupted one would have (the noise of a seeded
        model is keyed by the restored step).
        """
        from keras_gans.callbacks import BackupAndRestore

        backups = [c for c in fit_kwargs.get("callbacks") or [] if isinstance(c, BackupAndRestore)]
        if not backups:
            return x
        backups[0].set_model(self)
        epoch, batches = backups[0].restore()
        if epoch:
            fit_kwargs["initial_epoch"] = epoch
            if isinstance(x, tf.data.Dataset):
                x = x.skip(batches)  # real minibatches, before they are grouped
        return x

    def _group_real_batches(self, x, y, fit_kwargs, minibatch):
        """Groups the real minibatches ``k`` to a training step (see :meth:`real_batches`).

        A stream of minibatches of ``m`` rows becomes one of ``k m`` rows per
        step (a trailing incomplete group is dropped). On N replicas the rows
        are interleaved so that the strategy's even split gives every replica
        its ``m / N`` rows of EACH of the k minibatches, in order: replica r
        gets what it would get of each minibatch if they came one per step.
        Arrays are first made a shuffled stream of ``batch_size`` minibatches.
        ``minibatch`` is ``m`` (the size of the first batch, which
        :meth:`check_training_data` read: reading it again would advance a
        reshuffling dataset's order and break exact resumes).
        """
        k = self.real_batches_per_step
        if k == 1 or not (isinstance(x, tf.data.Dataset) or hasattr(x, "shape")):
            return x, y, fit_kwargs
        if not isinstance(x, tf.data.Dataset):  # arrays: Keras' batching and shuffling, by hand
            batch_size = fit_kwargs.pop("batch_size", None) or 32
            x = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
            if fit_kwargs.get("shuffle", True):
                x = x.shuffle(int(x.cardinality()), reshuffle_each_iteration=True)
            fit_kwargs["shuffle"] = False  # done
            rows = int(x.cardinality())
            x, y = x.batch(batch_size), None
            return self._group_stream(x, k, batch_size, rows), y, fit_kwargs
        return self._group_stream(x, k, minibatch), y, fit_kwargs

    def _group_stream(self, x, k, minibatch, rows=None):
        """``x``'s minibatches of ``minibatch`` rows grouped ``k`` to a batch, interleaved
        for the replicas."""
        replicas = self.distribute_strategy.num_replicas_in_sync
        if minibatch % replicas:
            raise ValueError(
                f"Expected minibatches whose size divides evenly over the {replicas} replicas, "
                f"so that each gets its share of each of the k={k} minibatches of a step; "
                f"received minibatches of {minibatch}."
            )

        def interleave(tensor):
            shape = tf.shape(tensor)[1:]
            grouped = tf.reshape(tensor, tf.concat([[k, replicas, -1], shape], 0))
            order = tf.concat([[1, 0], tf.range(2, tf.rank(grouped))], 0)
            return tf.reshape(tf.transpose(grouped, order), tf.concat([[-1], shape], 0))

        grouped = x.unbatch().batch(k * minibatch, drop_remainder=True)
        if rows is None and int(x.cardinality()) >= 0:
            rows = self._known_rows(x, int(x.cardinality()), minibatch)
        if rows is not None:  # lets Keras show the epoch's length
            grouped = grouped.apply(tf.data.experimental.assert_cardinality(rows // (k * minibatch)))
        if replicas > 1:
            grouped = grouped.map(lambda *parts: tuple(interleave(p) for p in parts)
                                  if len(parts) > 1 else interleave(parts[0]))
        return grouped.prefetch(tf.data.AUTOTUNE)

    @staticmethod
    def _known_rows(x, batches, minibatch):
        """Rows in a finite stream of ``batches`` minibatches, when known without reading it."""
        spec = x.element_spec
        spec = spec[0] if isinstance(spec, (tuple, list)) else spec
        if spec.shape.rank and spec.shape[0] is not None:  # every batch has ``minibatch`` rows
            return batches * minibatch
        return None

    def save(self, filepath, overwrite=True, **kwargs):
        """``keras.Model.save``, written atomically.

        The file is written beside ``filepath`` and moved into place in one
        step: a crash mid-write leaves an existing file complete and loadable
        (``ModelCheckpoint`` benefits too). ``overwrite=False`` raises
        ``FileExistsError`` instead of replacing a file (Keras would ask).

        The sampling techniques are prepared first when they can be (rejection
        sampling's bound, calibrated on the real samples ``fit()`` kept), so
        that the loaded file draws the same samples without real data.
        """
        from keras_gans import saving

        if self.sampling_reference is not None or not self.sampling_reference_size:
            self.prepare_sampling()
        if not str(filepath).endswith(".keras") or kwargs:
            return super().save(filepath, overwrite=overwrite, **kwargs)
        saving.save_model(self, filepath, overwrite=overwrite)

    def _maybe_symbolic_build(self, *args, **kwargs):
        """Skipped: networks, optimizers and metrics are all built already.

        Under a strategy Keras 3 would first reduce a data batch across
        replicas to build the model symbolically, which fails across
        workers (keras-team/keras#20585) and has nothing to build here.
        """

    def _fit_steps_per_execution(self, steps_per_epoch):
        """Makes ``steps_per_execution`` work: 1 on several replicas, else a divisor.

        Keras 3's multi-step loop (a ``tf.cond`` around each step) fails on
        more than one replica with "You must feed a value for placeholder
        tensor" (keras-team/keras#19246, a plain ``Sequential`` too). And Keras
        rounds every epoch up to a whole number of executions (10 steps asked
        with ``steps_per_execution=100`` would run 100), which would silently
        train for more steps than requested.
        """
        replicas = self.distribute_strategy.num_replicas_in_sync
        if replicas > 1 and self.steps_per_execution > 1:
            fitting, reason = 1, (
                f"Keras cannot run several steps per execution on {replicas} replicas "
                "(keras-team/keras#19246)")
        elif steps_per_epoch is not None and steps_per_epoch % self.steps_per_execution:
            fitting = math.gcd(int(steps_per_epoch), int(self.steps_per_execution))
            reason = (f"it does not divide steps_per_epoch={steps_per_epoch}; exactly the "
                      "requested steps will run")
        else:
            return
        warnings.warn(
            f"Using steps_per_execution={fitting} instead of {self.steps_per_execution}: {reason}.",
            stacklevel=3,
        )
        self.steps_per_execution = fitting
        self.train_function = None  # retraced with the new count

    def check_distribution(self):
        """Raises ``ValueError`` for a set-up that would fail after tracing.

        XLA cannot compile a step whose replicas are CPU devices (variables
        on another device; no CPU collectives under XLA).
        """
        strategy = self.distribute_strategy
        if not self.jit_compile or strategy.num_replicas_in_sync == 1:
            return
        devices = strategy.extended.worker_devices
        if any("CPU" in device.upper() for device in devices):
            raise ValueError(
                "Expected jit_compile=False on CPU replicas: XLA cannot compile a step across "
                f"{strategy.num_replicas_in_sync} replicas on {', '.join(devices)}; received "
                "jit_compile=True. XLA is a GPU option (and slower than oneDNN on CPU)."
            )

    def check_training_data(self, x, y=None, batch_size=None):
        """Raises ``ValueError`` if the data cannot train this model.

        Checks the samples' shape against the generator's output and their
        dtype; that the first batch is not empty and holds only finite values,
        and is large enough for D (:meth:`check_batch_size`); for images
        (rank 4) that it lies in :attr:`image_range`; for conditional models
        that labels are given and lie in ``[0, num_classes)``. Accepts arrays (``x``, ``y``) and
        ``tf.data.Dataset`` s of samples or ``(samples, labels)`` (the first
        batch is read for the value checks); other inputs (Python generators,
        ``PyDataset``) are passed through unchecked.

        Returns:
            The rows of a dataset's first batch (its minibatch size), the
            number of samples of arrays, or None for unchecked inputs.
        """
        return self._inspect_training_data(x, y, batch_size)[0]

    def initialize_from_data(self, samples):
        """Data-dependent initialization of D before the first step (:meth:`fit` calls it).

        Every :class:`~keras_gans.layers.WeightNormDense` layer of the
        discriminator is initialized on ``samples`` (at most
        500 of the first batch) as Salimans & Kingma (2016) do; layers
        initialized before (a loaded or resumed model) are kept. A no-op for
        networks without such layers. It runs outside the replicas, so under
        ``MirroredStrategy`` every replica gets the same values; under
        ``MultiWorkerMirroredStrategy`` each worker initializes from its own
        first batch and noise, which agree when the workers read the same
        seeded stream and share the seed of ``keras.utils.set_random_seed``
        (as ``python -m keras_gans train --seed`` does).
        """
        networks.initialize_from_data(self.discriminator, samples[:500])

    def _inspect_training_data(self, x, y=None, batch_size=None):
        """:meth:`check_training_data`; returns ``(its result, the first batch's samples,
        the real samples the techniques calibrate on or None)``.

        The first batches are read once, by one iterator: reading a
        reshuffling dataset again would advance its order and break exact
        resumes.
        """
        wanted = self.sampling_reference_size
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            if isinstance(spec, dict):
                raise ValueError(
                    "Expected a dataset of sample batches or (samples, labels) tuples, "
                    f"received a dataset of dicts with keys {sorted(spec)}; "
                    "map it to tuples first (e.g. with keras_gans.data.load_images)."
                )
            has_labels = isinstance(spec, (tuple, list)) and len(spec) > 1
            spec = spec[0] if isinstance(spec, (tuple, list)) else spec
            shape, dtype = tf.TensorShape(spec.shape), spec.dtype

            def first_batches():
                first, reference, rows = None, [], 0
                for batch in x:  # one iterator, stopped once enough rows are read
                    first = batch if first is None else first
                    reference.append(_split_batch(batch)[0])
                    rows += int(tf.shape(reference[-1])[0])
                    if rows >= wanted:
                        break
                if first is None:
                    raise StopIteration
                return first, reference
        elif hasattr(x, "shape") and hasattr(x, "dtype"):
            has_labels = y is not None
            shape, dtype = tf.TensorShape(x.shape), tf.as_dtype(x.dtype)
            first_batches = lambda: ((x, y), [x[:wanted]])  # noqa: E731 -- in memory: check all
        else:
            return None, None, None
        expected = tuple(self.generator.outputs[0].shape[1:])
        received = tuple(shape.as_list()) if shape.rank is not None else None
        if received is None or received[1:] != expected:
            raise ValueError(
                f"Expected real samples of shape (batch, {', '.join(map(str, expected))}) "
                f"to match the generator's output, received samples of shape "
                f"{received or 'unknown'}."
            )
        if not dtype.is_floating:
            raise ValueError(
                f"Expected floating-point real samples (scaled like the generator's "
                f"output), received dtype {dtype.name}. Scale images to [-1, 1] first, "
                "e.g. with keras_gans.data.load_images."
            )
        if (self.conditional or self.needs_labels) and not has_labels:
            raise ValueError(
                f"{type(self).__name__} needs labels: expected labels with the samples "
                "(fit(images, labels) or a dataset of (images, labels)), received samples only."
            )
        try:
            first, reference = first_batches()
            samples, labels = _split_batch(first)
        except StopIteration:
            samples = labels = None
        if samples is None or int(tf.shape(samples)[0]) == 0:
            raise ValueError("Expected training data with at least one sample, received an "
                             "empty data set.")
        values = tf.convert_to_tensor(samples)
        finite = tf.math.is_finite(values)
        if not bool(tf.reduce_all(finite)):
            bad = int(tf.size(values)) - int(tf.reduce_sum(tf.cast(finite, tf.int32)))
            raise ValueError(
                f"Expected finite real samples, received {bad} NaN or infinite values among "
                f"{int(tf.shape(values)[0])} samples (the first batch of a data set)."
            )
        count = int(tf.shape(values)[0])
        self.check_batch_size(count if isinstance(x, tf.data.Dataset) else
                              min(batch_size or 32, count))  # 32: fit()'s default
        if len(expected) == 3:
            low, high = self.image_range
            smallest, largest = float(tf.reduce_min(values)), float(tf.reduce_max(values))
            if smallest < low - 1e-3 or largest > high + 1e-3:
                raise ValueError(
                    f"Expected images with values in [{low}, {high}] (the generator's tanh "
                    f"range), received values in [{smallest:g}, {largest:g}]. Scale them, e.g. "
                    "with keras_gans.data.scale_images (uint8 -> [-1, 1])."
                )
        if self.conditional or self.needs_labels:
            self.check_labels(labels)
        reference = (np.concatenate([np.asarray(part) for part in reference])[:wanted]
                     if wanted else None)
        return count, values, reference

    def check_batch_size(self, batch_size):
        """Raises ``ValueError`` if a layer of D needs more samples per replica than given.

        Minibatch discrimination compares each sample with the others of its
        replica's batch: it needs at least 2; packing (PacGAN) needs a
        multiple of its pack size.
        """
        from keras_gans.layers import MinibatchDiscrimination, Pack

        replicas = self.distribute_strategy.num_replicas_in_sync
        layers = list(self.discriminator._flatten_layers())
        if any(isinstance(layer, MinibatchDiscrimination) for layer in layers) \
                and batch_size // replicas < 2:
            raise ValueError(
                "Expected at least 2 samples per replica: minibatch discrimination compares "
                f"each sample with the others of its batch; received batches of {batch_size} "
                f"on {replicas} replica(s)."
            )
        for layer in layers:
            if isinstance(layer, Pack) and (batch_size % replicas
                                            or (batch_size // replicas) % layer.size):
                raise ValueError(
                    f"Expected batches of a multiple of {layer.size} samples per replica: D "
                    f"judges packs of {layer.size} (PacGAN); received batches of {batch_size} "
                    f"on {replicas} replica(s)."
                )

    def check_labels(self, labels):
        """Raises ``ValueError`` unless ``labels`` are integers in ``[0, num_classes)``."""
        labels = tf.convert_to_tensor(labels)
        if not labels.dtype.is_integer:
            raise ValueError(f"Expected integer class labels, received dtype {labels.dtype.name}.")
        if labels.shape.rank != 1:
            raise ValueError(
                f"Expected labels of shape (batch,), received shape {tuple(labels.shape)}."
            )
        smallest, largest = int(tf.reduce_min(labels)), int(tf.reduce_max(labels))
        if smallest < 0 or largest >= self.num_classes:
            raise ValueError(
                f"Expected labels in [0, {self.num_classes}), received labels in "
                f"[{smallest}, {largest}]."
            )

    # ---------------------------------------------------------------- config
    def get_config(self):
        """Serializes both networks and the variant's options."""
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            discriminator=keras.saving.serialize_keras_object(self.discriminator),
            discriminator_steps=self.discriminator_steps,
            seed=self.seed,
            reuse_real_batch=self.reuse_real_batch,
        )
        for technique in self.techniques:
            config.update(technique.get_config())
        return config

    @classmethod
    def from_config(cls, config):
        """Re-creates the model, networks included, from :meth:`get_config`."""
        config = dict(config)
        for role in ("generator", "discriminator"):
            config[role] = keras.saving.deserialize_keras_object(config[role])
        return cls(**config)


def _per_pack(per_sample, per_example):
    """``per_sample`` terms summed over each pack of a packing D (PacGAN), whose loss
    ``per_example`` has one value per pack; unchanged without packing."""
    samples, packs = tf.shape(per_sample)[0], tf.shape(per_example)[0]
    return tf.reduce_sum(tf.reshape(per_sample, [packs, samples // packs]), axis=1)


def _uniform(batch_size, seed=None):
    """``U[0, 1)``, one value per example: a ``distribution`` for ``random_draw``."""
    if seed is not None:
        return tf.random.stateless_uniform([batch_size], seed)
    return tf.random.uniform([batch_size])


def _numbering_random_draws(train_step):
    """Wraps ``train_step`` so its seeded random draws are numbered from 0.

    Nested calls (a subclass calling ``super().train_step``) share the
    numbering of the outermost call.
    """

    @functools.wraps(train_step)
    def wrapper(self, data):
        if getattr(_STEP, "state", None) is not None:
            return train_step(self, data)
        _STEP.state = {"draws": 0}
        try:
            return train_step(self, data)
        finally:
            _STEP.state = None

    return wrapper


def _split_batch(data):
    """``(samples, labels or None)`` of a batch given as samples or a tuple."""
    if isinstance(data, (tuple, list)):
        return data[0], (data[1] if len(data) > 1 else None)
    return data, None
