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
    the seed code. ``T`` has no bias: a bias cancels in ``M_i - M_j``.

    Args:
        num_kernels: number of kernels ``B`` (minibatch features added).
        kernel_dim: dimension ``C`` of each kernel's projection.
        kernel_initializer: initializer of ``T``; the seed used N(0, 0.02).

    Example:

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
