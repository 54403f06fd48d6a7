"""What a discriminator's features respond to: guided backpropagation.

Radford et al. (2015, fig. 5) show which input pixels drive chosen features
of a trained DCGAN discriminator with guided backpropagation (Springenberg
et al. 2015): the gradient of a feature with respect to the image, where
every rectifier passes a gradient back only where both its input and the
incoming gradient are positive. The result highlights the strokes or parts
that excite the feature, not those that suppress it.

Examples:

    >>> import numpy as np
    >>> from keras_gans import networks
    >>> d = networks.dcgan_discriminator(filters=4)
    >>> guided_backpropagation(d, np.zeros((2, 28, 28, 1), "float32"), channel=0).shape
    (2, 28, 28, 1)
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gans.networks import inputs_of


@keras.saving.register_keras_serializable(package="keras_gans")
class GuidedReLU(keras.layers.Layer):
    """A (leaky) rectifier whose gradient is guided: ``dy * (x > 0) * (dy > 0)``.

    The forward pass is the layer it replaces (``negative_slope`` 0 for ReLU,
    the LeakyReLU's slope otherwise); only the backward pass differs.
    """

    def __init__(self, negative_slope=0.0, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        slope = self.negative_slope

        @tf.custom_gradient
        def guided(x):
            def gradient(upstream):
                return upstream * tf.cast(x > 0, upstream.dtype) * tf.cast(upstream > 0, upstream.dtype)

            return tf.where(x > 0, x, slope * x), gradient

        return guided(inputs)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


def _guided(layer):
    if isinstance(layer, keras.layers.LeakyReLU):
        return GuidedReLU(layer.negative_slope, name=layer.name)
    if isinstance(layer, keras.layers.ReLU):
        return GuidedReLU(0.0, name=layer.name)
    return layer.__class__.from_config(layer.get_config())


def default_feature_layer(discriminator):
    """The last rectifier of ``discriminator`` before any Flatten: its last convolutional features.

    For a fully connected D (Flatten first, e.g. the semi-supervised GAN's
    :func:`~keras_gans.networks.weight_norm_discriminator`): its first
    rectifier, whose units each look at the whole image.
    """
    convolutional, dense, flattened = [], [], False
    for layer in discriminator.layers:
        if isinstance(layer, keras.layers.Flatten):
            flattened = True
        elif isinstance(layer, (keras.layers.LeakyReLU, keras.layers.ReLU)):
            (dense if flattened else convolutional).append(layer.name)
    if convolutional or dense:
        return convolutional[-1] if convolutional else dense[0]
    raise ValueError(
        "Expected a discriminator with a rectifier (ReLU or LeakyReLU), received "
        f"{discriminator.name!r} with layers {[layer.name for layer in discriminator.layers]}."
    )


def guided_backpropagation(discriminator, images, layer=None, channel=0):
    """Guided-backpropagation maps of one feature of ``discriminator`` for ``images``.

    Args:
        discriminator: a functional ``keras.Model`` taking images alone.
        images: ``(n, H, W, C)`` in the discriminator's input range.
        layer: the name of the layer whose output holds the feature (default:
            :func:`default_feature_layer`, the last convolutional features).
        channel: the feature (last-axis index of that layer's output); its
            mean over the spatial positions is differentiated.

    Returns:
        ``(n, H, W, C)`` NumPy gradients, one map per image.
    """
    layer = layer or default_feature_layer(discriminator)
    names = [candidate.name for candidate in discriminator.layers]
    if layer not in names:
        raise ValueError(f"Expected layer to be one of {names}, received {layer!r}.")
    features = keras.Model(inputs_of(discriminator), discriminator.get_layer(layer).output)
    width = int(features.output.shape[-1])
    if not isinstance(channel, int) or not 0 <= channel < width:
        raise ValueError(f"Expected channel in [0, {width}), received {channel!r}.")
    guided = keras.models.clone_model(features, clone_function=_guided)
    guided.set_weights(features.get_weights())
    x = tf.convert_to_tensor(np.asarray(images, dtype="float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        activations = guided(x, training=False)
        per_image = tf.reduce_mean(tf.reshape(activations[..., channel], [tf.shape(x)[0], -1]),
                                   axis=1)
        total = tf.reduce_sum(per_image)  # images are independent: one gradient gives every map
    return tape.gradient(total, x).numpy()
