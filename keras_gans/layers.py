"""Serializable Keras layers used by the discriminators."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="keras_gans")
class MinibatchDiscrimination(keras.layers.Layer):
    """Minibatch discrimination (Salimans et al. 2016, "Improved Techniques").

    Lets the discriminator look at the whole minibatch, so a generator that
    collapses to a narrow set of outputs is easy to spot. For input features
    ``f(x_i)`` of shape ``(batch, A)`` and a learned tensor ``T`` of shape
    ``(A, num_kernels * kernel_dim)``:

        M_i        = reshape(f(x_i) T, (num_kernels, kernel_dim))
        c_b(i, j)  = exp(-||M_{i,b} - M_{j,b}||_1)
        o(x_i)_b   = sum_j c_b(i, j)                     (j runs over the batch)
        output_i   = concat(f(x_i), o(x_i))              shape (A + num_kernels,)

    The sum includes ``j = i`` (a constant 1 per kernel), as in the paper and
    Glover's AYLIEN code. ``T`` has no bias: a bias cancels in ``M_i - M_j``.

    Args:
        num_kernels: number of kernels ``B`` (minibatch features added).
        kernel_dim: dimension ``C`` of each kernel's projection.
        kernel_initializer: initializer of ``T``; that code used N(0, 0.02).

    Examples:

        >>> import numpy as np
        >>> layer = MinibatchDiscrimination(num_kernels=5, kernel_dim=3)
        >>> layer(np.zeros((8, 4), "float32")).shape
        TensorShape([8, 9])
    """

    def __init__(
        self,
        num_kernels=5,
        kernel_dim=3,
        kernel_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in (("num_kernels", num_kernels), ("kernel_dim", kernel_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(
                    f"MinibatchDiscrimination: expected {name} to be a positive "
                    f"integer, received {value!r}."
                )
        self.num_kernels = num_kernels
        self.kernel_dim = kernel_dim
        self.kernel_initializer = keras.initializers.get(
            kernel_initializer or keras.initializers.RandomNormal(stddev=0.02)
        )

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                "MinibatchDiscrimination expects inputs of shape (batch, features) "
                f"with a known feature size, received {tuple(input_shape)}."
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.num_kernels * self.kernel_dim),
            initializer=self.kernel_initializer,
        )

    def call(self, inputs):
        projected = tf.reshape(
            tf.matmul(inputs, tf.cast(self.kernel, inputs.dtype)),
            (-1, self.num_kernels, self.kernel_dim),
        )
        # (batch, 1, kernels, dim) - (1, batch, kernels, dim): all pairs at once.
        differences = projected[:, None, :, :] - projected[None, :, :, :]
        l1_distances = tf.reduce_sum(tf.abs(differences), axis=-1)
        features = tf.reduce_sum(tf.exp(-l1_distances), axis=1)
        return tf.concat([inputs, features], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.num_kernels)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_kernels=self.num_kernels,
            kernel_dim=self.kernel_dim,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
        )
        return config


@keras.saving.register_keras_serializable(package="keras_gans")
class VirtualBatchNormalization(keras.layers.Layer):
    """Virtual batch normalization (Salimans et al. 2016, sec. 3.4).

    Batch norm makes each output depend on the other examples of its
    minibatch. VBN normalizes each example ``x`` with the statistics of a
    REFERENCE batch fixed at the start of training, combined with ``x`` itself
    (the paper: "computed on the union of the reference batch and ``x``")::

        mu(x)     = 1/(R+1) mean(x)     + R/(R+1) mean(x_ref)
        nu(x)     = 1/(R+1) mean(x**2)  + R/(R+1) mean(x_ref**2)
        output(x) = gamma * (x - mu(x)) / sqrt(nu(x) - mu(x)**2 + epsilon) + beta

    where the means run over every axis but the channels (over the spatial
    axes for one example, over the batch and spatial axes for the reference).
    The reference rows themselves are normalized with the reference's own
    statistics. The layer takes the reference rows and the examples in ONE
    tensor, reference first: the first ``reference_size`` rows (see
    :class:`ReferenceBatch` and :func:`keras_gans.networks.with_virtual_batch_norm`).

    The statistics are recomputed from the current weights at every call, and
    training and inference compute the same thing (no moving averages).
    Under a ``tf.distribute`` strategy every replica holds the same reference
    batch, so each example's output is the same on 1 or N replicas: unlike
    batch norm, VBN needs no synchronization.

    Args:
        reference_size: ``R``, rows of the reference batch at the front of
            the input (>= 2: the variance of one row is 0).
        epsilon: added to the variance.
        center, scale: learn ``beta`` / ``gamma`` as in batch norm.

    Examples:

        >>> import numpy as np
        >>> layer = VirtualBatchNormalization(reference_size=4)
        >>> layer(np.random.default_rng(0).normal(size=(6, 3)).astype("float32")).shape
        TensorShape([6, 3])
    """

    def __init__(self, reference_size, epsilon=1e-5, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        check_reference_size(reference_size)
        self.reference_size = reference_size
        self.epsilon = float(epsilon)
        self.center, self.scale = center, scale

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("VirtualBatchNormalization expects a known channel (last) dimension, "
                             f"received input shape {tuple(input_shape)}.")
        self.gamma = self.add_weight(name="gamma", shape=(channels,), initializer="ones",
                                     trainable=self.scale)
        self.beta = self.add_weight(name="beta", shape=(channels,), initializer="zeros",
                                    trainable=self.center)

    def call(self, inputs, training=None, mask=None):  # the same in training and inference
        del training, mask
        dtype = inputs.dtype
        inputs = tf.cast(inputs, tf.float32)  # statistics in float32 under mixed precision, as BN
        size = self.reference_size
        example_axes = list(range(1, len(inputs.shape) - 1))  # spatial axes of one example
        reference = inputs[:size]
        reference_mean = tf.reduce_mean(reference, axis=[0, *example_axes], keepdims=True)
        reference_square = tf.reduce_mean(tf.square(reference), axis=[0, *example_axes],
                                          keepdims=True)
        if example_axes:
            own_mean = tf.reduce_mean(inputs, axis=example_axes, keepdims=True)
            own_square = tf.reduce_mean(tf.square(inputs), axis=example_axes, keepdims=True)
        else:
            own_mean, own_square = inputs, tf.square(inputs)
        new = 1.0 / (size + 1.0)
        mean = new * own_mean + (1.0 - new) * reference_mean
        square = new * own_square + (1.0 - new) * reference_square
        # The reference rows use the reference statistics alone.
        is_reference = tf.reshape(tf.range(tf.shape(inputs)[0]) < size,
                                  [-1] + [1] * (len(inputs.shape) - 1))
        mean = tf.where(is_reference, reference_mean, mean)
        square = tf.where(is_reference, reference_square, square)
        variance = tf.maximum(square - tf.square(mean), 0.0)
        gamma, beta = tf.cast(self.gamma, tf.float32), tf.cast(self.beta, tf.float32)
        return tf.cast((inputs - mean) * tf.math.rsqrt(variance + self.epsilon) * gamma + beta,
                       dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "reference_size": self.reference_size,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale}


def check_reference_size(reference_size):
    """Raises ``ValueError`` unless ``reference_size`` is an integer >= 2."""
    if not isinstance(reference_size, int) or isinstance(reference_size, bool) or reference_size < 2:
        raise ValueError(
            "Expected a reference batch of at least 2 rows (the variance of one row is 0), "
            f"received reference_size={reference_size!r}."
        )


@keras.saving.register_keras_serializable(package="keras_gans")
class ReferenceBatch(keras.layers.Layer):
    """Puts a fixed reference batch in front of every batch: ``[reference; inputs]``.

    The reference (``reference_size`` rows of N(0, 1), drawn once from
    ``seed`` when the layer is built and kept as a non-trainable weight, so
    it is saved, restored and identical on every replica) is what
    :class:`VirtualBatchNormalization` layers downstream take their
    statistics from; :class:`DropReference` removes it again at the output.

    Examples:

        >>> import numpy as np
        >>> ReferenceBatch(reference_size=4)(np.zeros((3, 2), "float32")).shape
        TensorShape([7, 2])
    """

    def __init__(self, reference_size, seed=0, **kwargs):
        super().__init__(**kwargs)
        check_reference_size(reference_size)
        self.reference_size, self.seed = reference_size, seed

    def build(self, input_shape):
        self.reference = self.add_weight(
            name="reference", shape=(self.reference_size, *input_shape[1:]), trainable=False,
            initializer=keras.initializers.RandomNormal(seed=self.seed))

    def call(self, inputs):
        return tf.concat([tf.cast(self.reference, inputs.dtype), inputs], axis=0)

    def compute_output_shape(self, input_shape):
        return (None, *input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "reference_size": self.reference_size, "seed": self.seed}


@keras.saving.register_keras_serializable(package="keras_gans")
class DropReference(keras.layers.Layer):
    """Removes the ``reference_size`` rows that :class:`ReferenceBatch` put in front.

    Examples:

        >>> import numpy as np
        >>> DropReference(reference_size=4)(np.zeros((7, 2), "float32")).shape
        TensorShape([3, 2])
    """

    def __init__(self, reference_size, **kwargs):
        super().__init__(**kwargs)
        self.reference_size = reference_size

    def call(self, inputs):
        return inputs[self.reference_size:]

    def compute_output_shape(self, input_shape):
        return (None, *input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "reference_size": self.reference_size}


@keras.saving.register_keras_serializable(package="keras_gans")
class Maxout(keras.layers.Layer):
    """A maxout layer (Goodfellow et al. 2013): the max of ``pieces`` linear maps.

    ``output_j = max_k (x W_k + b_k)_j`` for ``k = 1..pieces``: a learned,
    piecewise-linear activation. The discriminators of the 2-D mixture
    experiments of ALI, VEEGAN and PacGAN use three such layers of 200 units
    with 5 pieces.

    Args:
        units: output features.
        pieces: linear pieces per unit (>= 1; 1 is a plain ``Dense``).
        kernel_initializer: initializer of ``W`` (PacGAN: N(0, 0.02)).

    Examples:

        >>> import numpy as np
        >>> layer = Maxout(units=3, pieces=2)
        >>> layer(np.ones((4, 5), "float32")).shape
        TensorShape([4, 3])
    """

    def __init__(self, units, pieces=5, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        for name, value in (("units", units), ("pieces", pieces)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(
                    f"Maxout: expected {name} to be a positive integer, received {value!r}."
                )
        self.units = units
        self.pieces = pieces
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(
                f"Maxout expects a known feature size, received inputs of shape {tuple(input_shape)}."
            )
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units * self.pieces),
                                      initializer=self.kernel_initializer)
        self.bias = self.add_weight(name="bias", shape=(self.units * self.pieces,),
                                    initializer="zeros")

    def call(self, inputs):
        linear = tf.matmul(inputs, tf.cast(self.kernel, inputs.dtype)) + tf.cast(self.bias, inputs.dtype)
        pieces = tf.reshape(linear, tf.concat([tf.shape(inputs)[:-1], [self.units, self.pieces]], 0))
        return tf.reduce_max(pieces, axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, pieces=self.pieces,
                      kernel_initializer=keras.initializers.serialize(self.kernel_initializer))
        return config


@keras.saving.register_keras_serializable(package="keras_gans")
class Pack(keras.layers.Layer):
    """Packs ``size`` consecutive samples into one along the last axis (PacGAN).

    ``(batch, ..., c) -> (batch / size, ..., size * c)``: sample ``i`` of the
    output is samples ``size i .. size i + size - 1`` concatenated, so a
    discriminator after this layer judges ``size`` samples jointly (Lin et
    al. 2018). Vectors are concatenated; images are stacked along channels,
    as PacGAN does. The batch must be a multiple of ``size``.

    Examples:

        >>> import numpy as np
        >>> Pack(2)(np.arange(8, dtype="float32").reshape(4, 2)).numpy().tolist()
        [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]
    """

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"Pack: expected size to be a positive integer, received {size!r}.")
        self.size = size

    def call(self, inputs):
        tf.debugging.assert_equal(tf.shape(inputs)[0] % self.size, 0,
                                  f"Pack: the batch must be a multiple of {self.size}")
        shape = tf.shape(inputs)
        grouped = tf.reshape(inputs, tf.concat([[-1, self.size], shape[1:]], 0))
        rank = len(inputs.shape)
        # (packs, size, ..., c) -> (packs, ..., size, c) -> (packs, ..., size * c)
        order = [0, *range(2, rank), 1, rank]
        stacked = tf.transpose(grouped, order)
        return tf.reshape(stacked, tf.concat([[-1], shape[1:-1], [self.size * shape[-1]]], 0))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.size
        channels = None if input_shape[-1] is None else input_shape[-1] * self.size
        return (batch, *input_shape[1:-1], channels)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


@keras.saving.register_keras_serializable(package="keras_gans")
class ReconstructionEnergy(keras.layers.Layer):
    """The energy of an autoencoder discriminator: ``mean((x - Dec(Enc(x)))^2)`` per example.

    Called on ``[inputs, reconstructions]``; returns ``(batch, 1)``, the mean
    squared reconstruction error over every non-batch axis (the energy of
    Zhao et al. 2017, eq. 1 with the squared norm, per pixel: its scale does
    not depend on the image size).

    Examples:

        >>> import numpy as np
        >>> x = np.ones((2, 3), "float32")
        >>> ReconstructionEnergy()([x, np.zeros((2, 3), "float32")]).numpy().tolist()
        [[1.0], [1.0]]
    """

    def call(self, inputs):
        samples, reconstructions = inputs
        error = tf.square(tf.cast(samples, tf.float32) - tf.cast(reconstructions, tf.float32))
        return tf.reduce_mean(tf.reshape(error, [tf.shape(error)[0], -1]), axis=1, keepdims=True)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)


@keras.saving.register_keras_serializable(package="keras_gans")
class WeightNormDense(keras.layers.Layer):
    """A weight-normalized dense layer (Salimans & Kingma 2016): ``y = x (g v / ||v||) + b``.

    The direction ``v`` (one column per unit) and its length ``g`` are trained
    apart; Salimans et al. (2016) build the discriminator of their
    semi-supervised MNIST experiment from these layers. :meth:`initialize` is
    the paper's data-dependent initialization: it sets ``g`` and ``b`` so that
    the outputs on a batch of data have zero mean and unit variance per unit.
    With ``trainable_scale=False`` the lengths stay where the initialization
    put them (the paper's hidden layers); ``initialized`` records that it ran,
    is saved with the weights, and lets :meth:`initialize` run only once.

    Args:
        units: output features.
        trainable_scale: whether ``g`` trains.
        kernel_stddev: std of the normal initializer of ``v`` (only its
            direction matters).

    Examples:

        >>> import numpy as np
        >>> layer = WeightNormDense(3)
        >>> x = np.random.default_rng(0).normal(5.0, 2.0, (64, 4)).astype("float32")
        >>> y = layer.initialize(x)
        >>> float(layer.initialized.numpy()), np.round(np.std(layer(x), axis=0), 3).tolist()
        (1.0, [1.0, 1.0, 1.0])
    """

    def __init__(self, units, trainable_scale=True, kernel_stddev=0.05, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(f"WeightNormDense: expected units to be a positive integer, "
                             f"received {units!r}.")
        self.units, self.trainable_scale = units, bool(trainable_scale)
        self.kernel_stddev = float(kernel_stddev)

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError("WeightNormDense expects a known feature size, received inputs of "
                             f"shape {tuple(input_shape)}.")
        self.kernel = self.add_weight(
            name="kernel", shape=(input_shape[-1], self.units),
            initializer=keras.initializers.RandomNormal(stddev=self.kernel_stddev))
        self.scale = self.add_weight(name="scale", shape=(self.units,), initializer="ones",
                                     trainable=self.trainable_scale)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.initialized = self.add_weight(name="initialized", shape=(), initializer="zeros",
                                           trainable=False)

    def _linear(self, inputs):
        ops = keras.ops
        kernel = ops.cast(self.kernel, "float32")
        norms = ops.sqrt(1e-6 + ops.sum(ops.square(kernel), axis=0))
        weights = kernel * (ops.cast(self.scale, "float32") / norms)
        return ops.matmul(ops.cast(inputs, "float32"), weights)

    def call(self, inputs):
        outputs = self._linear(inputs) + keras.ops.cast(self.bias, "float32")
        return keras.ops.cast(outputs, self.compute_dtype)

    def initialize(self, inputs):
        """Data-dependent initialization on ``inputs``; returns the layer's new outputs.

        Runs eagerly (once, before training; see
        :func:`keras_gans.networks.initialize_from_data`).

        ``g <- g / std`` and ``b <- -mean / std`` of the current outputs
        without bias (Salimans & Kingma 2016, sec. 3), once: on a layer already
        initialized it only returns ``self(inputs)``.
        """
        if not self.built:
            self.build(tuple(inputs.shape))
        if self.initialized.numpy() > 0:
            return self(inputs)
        linear = self._linear(inputs)
        mean, variance = tf.nn.moments(linear, axes=[0])
        std = tf.sqrt(variance + 1e-6)
        self.scale.assign(tf.cast(self.scale, tf.float32) / std)
        self.bias.assign(-mean / std)
        self.initialized.assign(1.0)
        return tf.cast((linear - mean) / std, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "trainable_scale": self.trainable_scale, "kernel_stddev": self.kernel_stddev}
