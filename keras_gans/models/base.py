"""The adversarial training core shared by every GAN variant."""

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

    def sample_noise(self, batch_size):
        """Draws the generator input ``z ~ p_z``: standard normal by default.

        ``tf.random`` ops (not ``keras.random`` with a ``SeedGenerator``) so
        that replicas of a distribution strategy draw *different* noise.
        """
        return tf.random.normal((batch_size, self.latent_dim))

    def call(self, z, training=False):
        """Runs the generator: ``model(z)`` is ``G(z)``."""
        return self.generator(z, training=training)

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

    # -------------------------------------------------------------- training
    @property
    def metrics(self):
        """One ``keras.metrics.Mean`` per value that ``train_step`` reports."""
        return list(self.trackers.values())

    def unpack(self, data):
        """Splits a ``fit()`` batch into ``(samples, labels or None)``."""
        if isinstance(data, (tuple, list)):
            return data[0], (data[1] if len(data) > 1 else None)
        return data, None

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
                tensor; it runs under the gradient tape.

        Returns:
            The mean loss of this replica's examples, for logging.
        """
        with tf.GradientTape() as tape:
            loss = per_example_loss()
            scaled = optimizer.scale_loss(tf.nn.compute_average_loss(loss))
        variables = network.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return tf.reduce_mean(loss)

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

    def fit(self, x=None, *args, **kwargs):
        """``keras.Model.fit``, after checking the data against the generator.

        Raises:
            ValueError: samples whose shape or dtype cannot be compared with
                the generator's output (see :meth:`check_training_data`).
        """
        self.check_training_data(x)
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)  # datasets shuffle themselves
        return super().fit(x, *args, **kwargs)

    def check_training_data(self, x):
        """Raises ``ValueError`` if real samples do not match generated ones.

        Checks ``tf.data.Dataset`` element specs and array shapes; other inputs
        (Python generators, ``PyDataset``) are passed through unchecked.
        """
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            spec = spec[0] if isinstance(spec, (tuple, list)) else spec
            if isinstance(spec, dict):
                raise ValueError(
                    "Expected a dataset of sample batches or (samples, labels) tuples, "
                    f"received a dataset of dicts with keys {sorted(spec)}; "
                    "map it to tuples first (e.g. with keras_gans.data.load_images)."
                )
            shape, dtype = tf.TensorShape(spec.shape), spec.dtype
        elif hasattr(x, "shape") and hasattr(x, "dtype"):
            shape, dtype = tf.TensorShape(x.shape), tf.as_dtype(x.dtype)
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
