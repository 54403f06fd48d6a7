"""Builder functions for the generator and discriminator networks.

Each builder returns a built functional ``keras.Model``. Discriminators output
**logits** (no sigmoid): the losses in :mod:`keras_gans.losses` apply the
sigmoid in a numerically stable way, and ``keras.ops.sigmoid(logits)`` gives
``D(x)`` when a probability is wanted (e.g. to plot a decision boundary).
"""

import math

import keras

from keras_gans.layers import MinibatchDiscrimination


def _positive_int(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"Expected {name} to be a positive integer, received {value!r}.")
    return value


def toy_generator(hidden_units=4, latent_dim=1, kernel_initializer="glorot_uniform", name="generator"):
    """The 1-D toy generator of seed 001: ``Dense(h) -> softplus -> Dense(1)``.

    ``kernel_initializer`` defaults to Keras' Glorot uniform. The seed code
    drew N(0, 1) weights and pretrained D before the game; with N(0, 1) and no
    pretraining the tanh discriminator saturates on the wide initial fakes and
    training diverges in most seeds.

    Example:

    >>> toy_generator().output_shape
    (None, 1)
    """
    _positive_int("hidden_units", hidden_units)
    init = kernel_initializer
    return keras.Sequential(
        [
            keras.Input((_positive_int("latent_dim", latent_dim),)),
            keras.layers.Dense(hidden_units, activation="softplus", kernel_initializer=init),
            keras.layers.Dense(1, kernel_initializer=init),
        ],
        name=name,
    )


def toy_discriminator(
    hidden_units=4,
    minibatch_discrimination=False,
    num_kernels=5,
    kernel_dim=3,
    kernel_initializer="glorot_uniform",
    name="discriminator",
):
    """The 1-D toy discriminator of seed 001.

    Three ``tanh`` layers of width ``2 * hidden_units`` (the discriminator must
    be stronger than the generator), optionally followed by
    :class:`~keras_gans.layers.MinibatchDiscrimination`, then one logit.
    Glorot-initialised by default, see :func:`toy_generator`.

    Example:

    >>> toy_discriminator(minibatch_discrimination=True).output_shape
    (None, 1)
    """
    width = 2 * _positive_int("hidden_units", hidden_units)
    init = kernel_initializer
    layers = [keras.Input((1,))]
    layers += [
        keras.layers.Dense(width, activation="tanh", kernel_initializer=init)
        for _ in range(3)
    ]
    if minibatch_discrimination:
        layers.append(MinibatchDiscrimination(num_kernels, kernel_dim))
    layers.append(keras.layers.Dense(1, kernel_initializer=init, name="logit"))
    return keras.Sequential(layers, name=name)


def mlp_generator(latent_dim=100, image_shape=(28, 28, 1), units=(256, 512, 1024), name="generator"):
    """A fully connected image generator (Goodfellow et al. 2014, MNIST).

    ``z -> [Dense -> LeakyReLU(0.2)] * len(units) -> Dense -> tanh -> image``;
    outputs are in [-1, 1] like the data from :func:`keras_gans.data.load_images`.

    Example:

    >>> mlp_generator(latent_dim=8, units=(16,)).output_shape
    (None, 28, 28, 1)
    """
    layers = [keras.Input((_positive_int("latent_dim", latent_dim),))]
    for width in units:
        layers += [keras.layers.Dense(width), keras.layers.LeakyReLU(0.2)]
    layers += [
        keras.layers.Dense(math.prod(image_shape), activation="tanh"),
        keras.layers.Reshape(tuple(image_shape)),
    ]
    return keras.Sequential(layers, name=name)


def mlp_discriminator(image_shape=(28, 28, 1), units=(512, 256), dropout=0.3, name="discriminator"):
    """A fully connected image discriminator returning one logit per image.

    Example:

    >>> mlp_discriminator(units=(16,)).output_shape
    (None, 1)
    """
    layers = [keras.Input(tuple(image_shape)), keras.layers.Flatten()]
    for width in units:
        layers += [keras.layers.Dense(width), keras.layers.LeakyReLU(0.2)]
        if dropout:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(1, name="logit"))
    return keras.Sequential(layers, name=name)
