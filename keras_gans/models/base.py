"""The adversarial training core shared by every GAN variant."""

import math
import warnings

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="keras_gans")
class GAN(keras.Model):
    """Base class of every GAN variant: two networks, two optimizers, one game.

    The base class owns the machinery that every variant shares, so that a
    variant's ``train_step`` reads like its paper's algorithm box:

    - ``generator`` and ``discriminator`` (public ``keras.Model`` attributes)
      and ``latent_dim``;
    - :meth:`sample_noise` (``tf.random`` ops, so every replica of a
      ``tf.distribute`` strategy draws different noise);
    - :meth:`compile` with one optimizer per network, built eagerly (required
      under ``MirroredStrategy``), each variant supplying defaults;
    - ``discriminator_steps``, Algorithm 1's ``k``;
    - :meth:`minimize`, one gradient step of one network on a per-example
      loss averaged over the *global* batch (correct under strategies);
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
            (Algorithm 1's ``k``). Each draws fresh noise; the real minibatch
            is the one ``fit()`` delivered for this step.
    """

    metric_names = ("d_loss", "g_loss")
    #: Conditional variants need labels with every batch (``fit(x, y)``).
    conditional = False
    #: Value range that real IMAGES (rank-4 samples) must lie in: the tanh range.
    image_range = (-1.0, 1.0)

    def __init__(self, generator, discriminator, discriminator_steps=1, **kwargs):
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
        self.generator = generator
        self.discriminator = discriminator
        self.discriminator_steps = discriminator_steps
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}
        self.d_optimizer = None
        self.g_optimizer = None
        # Both networks are built: nothing is left for Keras to build
        # symbolically from the first batch (which fails under strategies).
        self.built = True

    # ------------------------------------------------------------------ noise
    @property
    def latent_dim(self):
        """Width of the generator's noise input."""
        return int(self.generator.inputs[0].shape[-1])

    def sample_noise(self, batch_size, seed=None):
        """Draws the generator input ``z ~ p_z``: standard normal by default.

        ``tf.random`` ops (not ``keras.random`` with a ``SeedGenerator``) so
        that replicas of a distribution strategy draw *different* noise.

        Args:
            batch_size: number of noise vectors (int or scalar tensor).
            seed: optional stateless seed, a ``[2]`` integer tensor: the same
                seed gives the same noise (used by exported ``generate``).
        """
        if seed is not None:
            return tf.random.stateless_normal((batch_size, self.latent_dim), seed)
        return tf.random.normal((batch_size, self.latent_dim))

    def call(self, z, training=False):
        """Runs the generator: ``model(z)`` is ``G(z)``."""
        return self.generator(z, training=training)

    def G(self, z, labels=None, training=True):  # noqa: N802 -- the paper's name
        """``G(z)``, or ``G(z | y)`` for conditional variants (labels ignored otherwise)."""
        return self.generator([z, labels] if self.conditional else z, training=training)

    def D(self, samples, labels=None, training=True):  # noqa: N802 -- the paper's name
        """``D(x)``, or ``D(x | y)`` for conditional variants (labels ignored otherwise)."""
        return self.discriminator(
            [samples, labels] if self.conditional else samples, training=training
        )

    def generate(self, num_samples):
        """Returns ``num_samples`` generated samples as a tensor.

        Example:

        >>> from keras_gans.models import Toy1DGAN
        >>> Toy1DGAN().generate(4).shape
        TensorShape([4, 1])
        """
        return self.generator(self.sample_noise(num_samples), training=False)

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
            **kwargs: passed to ``keras.Model.compile`` (e.g.
                ``steps_per_execution``, ``jit_compile``, ``run_eagerly``).
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
        if d_optimizer is g_optimizer:
            raise ValueError(
                "Expected two different optimizer instances for d_optimizer and "
                "g_optimizer (each keeps its own state); received the same object twice."
            )
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # Built eagerly: optimizers created lazily inside fit() fail under
        # MirroredStrategy, and a .keras file can only restore built ones.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

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
        tf.debugging.assert_less(labels, self.num_classes, "label >= num_classes")
        tf.debugging.assert_non_negative(labels, "negative label")
        return labels

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

        Returns:
            The mean loss of this replica's examples, for logging, and with
            terms, ``(mean loss, {name: mean term})``.
        """
        with tf.GradientTape() as tape:
            loss = per_example_loss()
            loss, terms = loss if isinstance(loss, tuple) else (loss, None)
            scaled = optimizer.scale_loss(tf.nn.compute_average_loss(loss))
        variables = network.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        if terms is None:
            return tf.reduce_mean(loss)
        return tf.reduce_mean(loss), {name: tf.reduce_mean(term) for name, term in terms.items()}

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
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def fit(self, x=None, y=None, *args, **kwargs):
        """``keras.Model.fit``, after checking the data against the model.

        An optimizer created with ``use_ema=True`` (e.g. the generator's:
        the averaged generator of "improved techniques" papers) replaces its
        network's weights by their moving average when ``fit()`` ends.

        Raises:
            ValueError: data that cannot train this model (see
                :meth:`check_training_data`), before any step runs.
        """
        self.check_training_data(x, y)
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)  # datasets shuffle themselves
        self._fit_steps_per_execution(kwargs.get("steps_per_epoch"))
        history = super().fit(x, y, *args, **kwargs)
        # Keras finalizes only `self.optimizer`; an optimizer with
        # `use_ema=True` (Polyak averaging of the weights) ends here.
        for network, optimizer in ((self.generator, self.g_optimizer),
                                   (self.discriminator, self.d_optimizer)):
            if getattr(optimizer, "use_ema", False):
                optimizer.finalize_variable_values(network.trainable_variables)
        return history

    def _fit_steps_per_execution(self, steps_per_epoch):
        """Makes ``steps_per_execution`` divide ``steps_per_epoch``.

        Keras rounds every epoch up to a whole number of executions (10 steps
        asked with ``steps_per_execution=100`` would run 100), which would
        silently train for more steps than requested.
        """
        if steps_per_epoch is None or steps_per_epoch % self.steps_per_execution == 0:
            return
        fitting = math.gcd(int(steps_per_epoch), int(self.steps_per_execution))
        warnings.warn(
            f"steps_per_execution={self.steps_per_execution} does not divide "
            f"steps_per_epoch={steps_per_epoch}; using steps_per_execution={fitting} so that "
            "exactly the requested steps run.",
            stacklevel=3,
        )
        self.steps_per_execution = fitting
        self.train_function = None  # retraced with the new count

    def check_training_data(self, x, y=None):
        """Raises ``ValueError`` if the data cannot train this model.

        Checks the samples' shape against the generator's output and their
        dtype; for images (rank 4) that the first batch lies in
        :attr:`image_range`; for conditional models that labels are given and
        lie in ``[0, num_classes)``. Accepts arrays (``x``, ``y``) and
        ``tf.data.Dataset`` s of samples or ``(samples, labels)`` (the first
        batch is read for the value checks); other inputs (Python generators,
        ``PyDataset``) are passed through unchecked.
        """
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
            first_batch = lambda: next(iter(x.take(1)))  # noqa: E731
        elif hasattr(x, "shape") and hasattr(x, "dtype"):
            has_labels = y is not None
            shape, dtype = tf.TensorShape(x.shape), tf.as_dtype(x.dtype)
            first_batch = lambda: (x, y)  # noqa: E731
        else:
            return
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
        if self.conditional and not has_labels:
            raise ValueError(
                f"{type(self).__name__} is conditional: expected labels with the samples "
                "(fit(images, labels) or a dataset of (images, labels)), received samples only."
            )
        if len(expected) != 3 and not self.conditional:
            return
        batch = first_batch()
        samples, labels = _split_batch(batch)
        if len(expected) == 3:
            low, high = self.image_range
            values = tf.convert_to_tensor(samples)
            smallest, largest = float(tf.reduce_min(values)), float(tf.reduce_max(values))
            if smallest < low - 1e-3 or largest > high + 1e-3 or smallest != smallest:
                raise ValueError(
                    f"Expected images with values in [{low}, {high}] (the generator's tanh "
                    f"range), received values in [{smallest:g}, {largest:g}]. Scale them, e.g. "
                    "with keras_gans.data.scale_images (uint8 -> [-1, 1])."
                )
        if self.conditional:
            self.check_labels(labels)

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
        )
        return config

    @classmethod
    def from_config(cls, config):
        """Re-creates the model, networks included, from :meth:`get_config`."""
        config = dict(config)
        for role in ("generator", "discriminator"):
            config[role] = keras.saving.deserialize_keras_object(config[role])
        return cls(**config)


def _split_batch(data):
    """``(samples, labels or None)`` of a batch given as samples or a tuple."""
    if isinstance(data, (tuple, list)):
        return data[0], (data[1] if len(data) > 1 else None)
    return data, None
