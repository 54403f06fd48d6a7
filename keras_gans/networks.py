"""Builder functions for the generator and discriminator networks.

Each builder returns a built functional ``keras.Model``. Discriminators output
**logits** (no sigmoid): the losses in :mod:`keras_gans.losses` apply the
sigmoid in a numerically stable way, and ``keras.ops.sigmoid(logits)`` gives
``D(x)`` when a probability is wanted (e.g. to plot a decision boundary).
"""

import math

import keras
import tensorflow as tf

from keras_gans.layers import (
    DropReference,
    Maxout,
    MinibatchDiscrimination,
    Pack,
    ReconstructionEnergy,
    ReferenceBatch,
    VirtualBatchNormalization,
    WeightNormDense,
)

#: Output layers compute in float32 even under a ``mixed_float16`` policy, so
#: that losses, gradient penalties and samples are float32 (Keras' advice).
OUTPUT_DTYPE = "float32"


def inputs_of(network):
    """``network``'s inputs as it is called: its one input, or the list of several.

    A functional model built on ``other.inputs`` (always a list) expects a list even for one
    input, and Keras warns at every call with a tensor ("The structure of `inputs` doesn't
    match the expected structure"); models built on this are called like ``network`` itself.

    Examples:

        >>> inputs_of(mlp_discriminator(units=(16,))).shape
        (None, 28, 28, 1)
        >>> len(inputs_of(dcgan_discriminator(filters=8, num_classes=10)))
        2
    """
    inputs = network.inputs
    return inputs[0] if len(inputs) == 1 else inputs


def _positive_int(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"Expected {name} to be a positive integer, received {value!r}.")
    return value


def toy_generator(hidden_units=4, latent_dim=1, kernel_initializer="glorot_uniform", name="generator"):
    """The 1-D toy generator of Glover's AYLIEN tutorial: ``Dense(h) -> softplus -> Dense(1)``.

    ``kernel_initializer`` defaults to Keras' Glorot uniform. The tutorial's code
    drew N(0, 1) weights and pretrained D before the game; with N(0, 1) and no
    pretraining the tanh discriminator saturates on the wide initial fakes and
    training diverges in most seeds.

    Examples:

        >>> toy_generator().output_shape
        (None, 1)
    """
    _positive_int("hidden_units", hidden_units)
    init = kernel_initializer
    return keras.Sequential(
        [
            keras.Input((_positive_int("latent_dim", latent_dim),)),
            keras.layers.Dense(hidden_units, activation="softplus", kernel_initializer=init),
            keras.layers.Dense(1, kernel_initializer=init, dtype=OUTPUT_DTYPE),
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
    """The 1-D toy discriminator of Glover's AYLIEN tutorial.

    Three ``tanh`` layers of width ``2 * hidden_units`` (the discriminator must
    be stronger than the generator), optionally followed by
    :class:`~keras_gans.layers.MinibatchDiscrimination`, then one logit.
    Glorot-initialised by default, see :func:`toy_generator`.

    Examples:

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
    layers.append(keras.layers.Dense(1, kernel_initializer=init, name="logit", dtype=OUTPUT_DTYPE))
    return keras.Sequential(layers, name=name)


def mlp_generator(latent_dim=100, image_shape=(28, 28, 1), units=(256, 512, 1024), name="generator"):
    """A fully connected image generator (Goodfellow et al. 2014, MNIST).

    ``z -> [Dense -> LeakyReLU(0.2)] * len(units) -> Dense -> tanh -> image``;
    outputs are in [-1, 1] like the data from :func:`keras_gans.data.load_images`.

    Examples:

        >>> mlp_generator(latent_dim=8, units=(16,)).output_shape
        (None, 28, 28, 1)
    """
    layers = [keras.Input((_positive_int("latent_dim", latent_dim),))]
    for width in units:
        layers += [keras.layers.Dense(width), keras.layers.LeakyReLU(0.2)]
    layers += [
        keras.layers.Dense(math.prod(image_shape), activation="tanh", dtype=OUTPUT_DTYPE),
        keras.layers.Reshape(tuple(image_shape), dtype=OUTPUT_DTYPE),
    ]
    return keras.Sequential(layers, name=name)


def mlp_discriminator(image_shape=(28, 28, 1), units=(512, 256), dropout=0.3, name="discriminator"):
    """A fully connected image discriminator returning one logit per image.

    Examples:

        >>> mlp_discriminator(units=(16,)).output_shape
        (None, 1)
    """
    layers = [keras.Input(tuple(image_shape)), keras.layers.Flatten()]
    for width in units:
        layers += [keras.layers.Dense(width), keras.layers.LeakyReLU(0.2)]
        if dropout:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(1, name="logit", dtype=OUTPUT_DTYPE))
    return keras.Sequential(layers, name=name)


def weight_norm_discriminator(image_shape=(28, 28, 1), units=(1000, 500, 250, 250, 250),
                              num_logits=10, input_noise=0.3, hidden_noise=0.5,
                              name="discriminator"):
    """The discriminator of Salimans et al.'s (2016) semi-supervised MNIST experiment.

    ``x -> [0, 1] -> + N(0, input_noise) -> [WeightNormDense -> ReLU ->
    + N(0, hidden_noise)] * len(units) -> WeightNormDense(num_logits)``: an
    MLP of :class:`~keras_gans.layers.WeightNormDense` layers whose hidden
    scales are frozen after the data-dependent initialization
    (:func:`initialize_from_data`) and whose output scale trains, with
    Gaussian noise on every layer's input while training, as in the paper's
    released code. Images in [-1, 1] (the package's) are mapped to the
    paper's [0, 1] first, so the noise has the paper's scale. The last ReLU
    is named ``"features"``: feature matching's layer.

    Examples:

        >>> d = weight_norm_discriminator(units=(16, 8), num_logits=3)
        >>> d.output_shape, default_feature_layer(d)
        ((None, 3), 'features')
    """
    _check_image_shape(image_shape)
    if not units:
        raise ValueError(f"Expected at least one hidden layer in units, received {units!r}.")
    layers = [keras.Input(tuple(image_shape)), keras.layers.Flatten(),
              keras.layers.Rescaling(0.5, offset=0.5), keras.layers.GaussianNoise(input_noise)]
    for index, width in enumerate(units):
        last = index == len(units) - 1
        layers += [WeightNormDense(_positive_int("units", width), trainable_scale=False,
                                   kernel_stddev=0.1),
                   keras.layers.ReLU(name="features" if last else None),
                   keras.layers.GaussianNoise(hidden_noise)]
    layers.append(WeightNormDense(_positive_int("num_logits", num_logits), kernel_stddev=0.1,
                                  name="logit", dtype=OUTPUT_DTYPE))
    return keras.Sequential(layers, name=name)


def weight_norm_generator(latent_dim=100, image_shape=(28, 28, 1), units=(500, 500),
                          name="generator"):
    """The generator of Salimans et al.'s (2016) semi-supervised MNIST experiment.

    ``z -> [Dense -> batch norm (no scale) -> softplus] * len(units) ->
    WeightNormDense -> sigmoid``, rescaled to the package's [-1, 1].

    Examples:

        >>> weight_norm_generator(latent_dim=8, units=(16,)).output_shape
        (None, 28, 28, 1)
    """
    _check_image_shape(image_shape)
    layers = [keras.Input((_positive_int("latent_dim", latent_dim),))]
    for width in units:
        layers += [keras.layers.Dense(_positive_int("units", width), use_bias=False),
                   keras.layers.BatchNormalization(scale=False),
                   keras.layers.Activation("softplus")]
    layers += [WeightNormDense(math.prod(image_shape), dtype=OUTPUT_DTYPE),
               keras.layers.Activation("sigmoid", dtype=OUTPUT_DTYPE),
               keras.layers.Rescaling(2.0, offset=-1.0, dtype=OUTPUT_DTYPE),
               keras.layers.Reshape(tuple(image_shape), dtype=OUTPUT_DTYPE)]
    return keras.Sequential(layers, name=name)


def initialize_from_data(network, samples):
    """Data-dependent initialization of every :class:`~keras_gans.layers.WeightNormDense` of ``network``.

    In the network's order, each weight-normalized layer is initialized on
    what ``samples`` give at its input once the layers before it are
    (Salimans & Kingma 2016, sec. 3), in training mode: noise layers on, as
    Salimans et al.'s code does. Works on any single-input network, also
    after a technique rebuilt it around its layers (e.g. minibatch
    discrimination). Layers initialized before (a resumed or loaded network)
    are left as they are. Returns the number of layers initialized.

    Examples:

        >>> import numpy as np
        >>> d = weight_norm_discriminator(units=(16, 8), num_logits=3)
        >>> initialize_from_data(d, np.zeros((32, 28, 28, 1), "float32"))
        3
        >>> initialize_from_data(d, np.zeros((32, 28, 28, 1), "float32"))
        0
    """
    pending = [layer for layer in network.layers
               if isinstance(layer, WeightNormDense) and layer.initialized.numpy() == 0]
    if pending and len(network.inputs) != 1:
        raise ValueError("initialize_from_data expects a network with one input (the samples), "
                         f"received {network.name!r} with {len(network.inputs)} inputs.")
    samples = tf.convert_to_tensor(samples, tf.float32)
    for layer in pending:
        # The layer's input as the network computes it now (the layers before are initialized).
        reaching = keras.Model(inputs_of(network), layer.input)(samples, training=True)
        layer.initialize(reaching)
    return len(pending)


NORMALIZATIONS = ("batch", "layer", "none", None)


def batch_normalization(name=None):
    """``BatchNormalization``, synchronized across replicas when built under a
    multi-replica ``tf.distribute`` strategy.

    Synchronized, the batch statistics are those of the GLOBAL batch, so
    training on N devices matches training on one; on one device plain batch
    norm is kept (same result, fewer ops).
    """
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return keras.layers.BatchNormalization(synchronized=replicas > 1, name=name)


def _normalization(kind, name=None):
    """A normalization layer: ``"batch"``, ``"layer"`` (per sample), or ``"none"`` / None."""
    if kind == "batch":
        return batch_normalization(name=name)
    if kind == "layer":
        return keras.layers.LayerNormalization(name=name)
    if kind in (None, "none"):  # "none": the spelling a CLI flag or a JSON file can carry
        return keras.layers.Identity(name=name)
    raise ValueError(f"Expected normalization in {NORMALIZATIONS}, received {kind!r}.")


def _check_image_shape(image_shape):
    image_shape = tuple(image_shape)
    if len(image_shape) != 3 or image_shape[0] % 4 or image_shape[1] % 4:
        raise ValueError(
            "Expected image_shape (height, width, channels) with height and width divisible "
            f"by 4 (two stride-2 layers), received {image_shape}."
        )
    return image_shape


def _label_input(num_classes):
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"Expected num_classes to be an integer >= 2, received {num_classes!r}.")
    return keras.Input((), dtype="int32", name="label")


def dcgan_generator(latent_dim=100, image_shape=(28, 28, 1), filters=64, num_classes=None,
                    dense_units=None, name="generator"):
    """A DCGAN generator (Radford et al. 2015, sec. 3's architecture rules).

    ``z`` is projected and reshaped to ``(H/4, W/4, 2 * filters)``, then two
    stride-2 transposed convolutions upsample to the image: batch norm and
    ReLU everywhere except the output, which is ``tanh`` without batch norm.

    ``dense_units`` adds one fully connected hidden layer (batch norm, ReLU)
    before the projection: with 1024 it is the MNIST generator of InfoGAN
    (Chen et al. 2016, appendix C.1) that TF-GAN's tutorial uses, wider than
    the paper's all-convolutional one and better per CPU minute on MNIST.

    With ``num_classes`` it is the conditional generator (Mirza
    and Osindero): inputs ``[z, label]``, the label embedded and joined to ``z``.

    Examples:

        >>> dcgan_generator(latent_dim=16, filters=8).output_shape
        (None, 28, 28, 1)
        >>> [tuple(i.shape) for i in dcgan_generator(16, filters=8, num_classes=10).inputs]
        [(None, 16), (None,)]
    """
    height, width, channels = _check_image_shape(image_shape)
    z = keras.Input((_positive_int("latent_dim", latent_dim),), name="z")
    inputs, x = [z], z
    if num_classes is not None:
        label = _label_input(num_classes)
        inputs.append(label)
        x = keras.layers.Concatenate()([z, keras.layers.Embedding(num_classes, 50)(label)])
    if dense_units is not None:
        x = keras.layers.Dense(_positive_int("dense_units", dense_units), use_bias=False)(x)
        x = keras.layers.ReLU()(batch_normalization()(x))
    x = keras.layers.Dense((height // 4) * (width // 4) * 2 * filters, use_bias=False)(x)
    x = keras.layers.ReLU()(batch_normalization()(x))
    x = keras.layers.Reshape((height // 4, width // 4, 2 * filters))(x)
    x = keras.layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(x)
    x = keras.layers.ReLU()(batch_normalization()(x))
    x = keras.layers.Conv2DTranspose(channels, 4, strides=2, padding="same", activation="tanh",
                                     dtype=OUTPUT_DTYPE)(x)
    return keras.Model(inputs if num_classes is not None else z, x, name=name)


def dcgan_discriminator(image_shape=(28, 28, 1), filters=64, normalization="batch",
                        num_classes=None, dense_units=None, num_logits=1, name="discriminator"):
    """A DCGAN discriminator / critic returning one unbounded score per image.

    Two stride-2 convolutions (no pooling) with LeakyReLU(0.2), normalization
    on the second only (never on the input layer), then the flattened features
    to one logit. ``normalization="layer"`` is the WGAN-GP critic (batch norm
    would couple the samples whose gradients the penalty constrains).
    ``dense_units`` adds one fully connected hidden layer (normalization,
    LeakyReLU) before the logit, as in InfoGAN's MNIST discriminator (Chen et
    al. 2016, appendix C.1); the layer named ``"features"`` (feature
    matching's default) is then its output.

    With ``num_classes`` it is conditional: inputs ``[image, label]``, the label
    embedded as an extra ``H x W`` input channel. ``num_logits`` > 1 makes it
    a classifier (the semi-supervised GAN's K class logits).

    Examples:

        >>> dcgan_discriminator(filters=8, normalization="layer").output_shape
        (None, 1)
    """
    height, width, _ = image_shape = _check_image_shape(image_shape)
    image = keras.Input(image_shape, name="image")
    inputs, x = [image], image
    if num_classes is not None:
        label = _label_input(num_classes)
        inputs.append(label)
        label_map = keras.layers.Reshape((height, width, 1))(
            keras.layers.Embedding(num_classes, height * width)(label))
        x = keras.layers.Concatenate()([image, label_map])
    x = keras.layers.Conv2D(filters, 4, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.Conv2D(2 * filters, 4, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(0.2)(_normalization(normalization)(x))
    if dense_units is None:
        x = keras.layers.Flatten(name="features")(x)  # feature matching's default layer
    else:
        x = keras.layers.Dense(_positive_int("dense_units", dense_units))(keras.layers.Flatten()(x))
        x = keras.layers.LeakyReLU(0.2, name="features")(_normalization(normalization)(x))
    x = keras.layers.Dense(_positive_int("num_logits", num_logits), name="logit",
                           dtype=OUTPUT_DTYPE)(x)
    return keras.Model(inputs if num_classes is not None else image, x, name=name)


def autoencoder_discriminator(image_shape=(28, 28, 1), filters=64, embedding_units=64,
                              normalization="batch", name="discriminator"):
    """EBGAN's discriminator: an autoencoder whose output is its reconstruction energy.

    Encoder: two 4x4 stride-2 convolutions (``filters``, ``2 filters``) with
    LeakyReLU(0.2), batch norm on the second, to a Dense code named
    ``"embedding"`` (the ``S`` of the pulling-away term); decoder: the DCGAN
    generator's layers back to the image (tanh). The output, ``"energy"``,
    is the per-example mean squared reconstruction error,
    ``D(x) = mean((Dec(Enc(x)) - x)^2)`` (Zhao et al. 2017, eq. 1; Su Wang's
    tutorial eqs. 12-14), of shape ``(batch, 1)``.

    Examples:

        >>> autoencoder_discriminator(filters=4, embedding_units=8).output_shape
        (None, 1)
    """
    height, width, channels = image_shape = _check_image_shape(image_shape)
    image = keras.Input(image_shape, name="image")
    x = keras.layers.LeakyReLU(0.2)(keras.layers.Conv2D(filters, 4, strides=2, padding="same")(image))
    x = keras.layers.Conv2D(2 * filters, 4, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(0.2)(_normalization(normalization)(x))
    code = keras.layers.Dense(_positive_int("embedding_units", embedding_units),
                              name="embedding")(keras.layers.Flatten()(x))
    x = keras.layers.Dense((height // 4) * (width // 4) * 2 * filters)(code)
    x = keras.layers.ReLU()(_normalization(normalization)(x))
    x = keras.layers.Reshape((height // 4, width // 4, 2 * filters))(x)
    x = keras.layers.Conv2DTranspose(filters, 4, strides=2, padding="same")(x)
    x = keras.layers.ReLU()(_normalization(normalization)(x))
    reconstruction = keras.layers.Conv2DTranspose(channels, 4, strides=2, padding="same",
                                                  activation="tanh", dtype=OUTPUT_DTYPE)(x)
    energy = ReconstructionEnergy(name="energy", dtype=OUTPUT_DTYPE)([image, reconstruction])
    return keras.Model(image, energy, name=name)


def deconv_generator(latent_dim=100, image_shape=(28, 28, 1), dense_units=None, name="generator"):
    """The deconvolutional MNIST generator of Su Wang's *Gentle Introduction*: four layers, exponential upscaling.

    ``z -> Dense(7*7*64) -> [ConvTranspose, stride 2] x 2 -> Conv -> tanh``,
    LeakyReLU(0.2) between the layers. ``dense_units`` adds a fully connected
    hidden layer of that width (LeakyReLU) before the projection, as InfoGAN's
    MNIST generator has one (Chen et al. 2016, appendix C.1).

    Examples:

        >>> deconv_generator(latent_dim=16).output_shape
        (None, 28, 28, 1)
        >>> deconv_generator(latent_dim=16, dense_units=32).layers[0].units
        32
    """
    height, width, channels = _check_image_shape(image_shape)
    hidden = []
    if dense_units is not None:
        hidden = [keras.layers.Dense(_positive_int("dense_units", dense_units)),
                  keras.layers.LeakyReLU(0.2)]
    return keras.Sequential(
        [
            keras.Input((_positive_int("latent_dim", latent_dim),)),
            *hidden,
            keras.layers.Dense((height // 4) * (width // 4) * 64),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Reshape((height // 4, width // 4, 64)),
            keras.layers.Conv2DTranspose(64, 5, strides=2, padding="same"),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Conv2DTranspose(32, 5, strides=2, padding="same"),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Conv2D(channels, 5, padding="same", activation="tanh", dtype=OUTPUT_DTYPE),
        ],
        name=name,
    )


def conv_discriminator(image_shape=(28, 28, 1), name="discriminator"):
    """The convolutional MNIST discriminator of Su Wang's *Gentle Introduction*: two conv-avgpool layers, two dense.

    Examples:

        >>> conv_discriminator().output_shape
        (None, 1)
    """
    return keras.Sequential(
        [
            keras.Input(tuple(image_shape)),
            keras.layers.Conv2D(32, 5, padding="same"),
            keras.layers.LeakyReLU(0.2),
            keras.layers.AveragePooling2D(2),
            keras.layers.Conv2D(64, 5, padding="same"),
            keras.layers.LeakyReLU(0.2),
            keras.layers.AveragePooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(1024),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Dense(1, name="logit", dtype=OUTPUT_DTYPE),
        ],
        name=name,
    )


# ------------------------------------------------- 2-D mixtures, ALI / BiGAN
# The networks of the 2-D mixture experiments of PacGAN (Lin et al. 2018),
# which took them from VEEGAN (Srivastava et al. 2017): G has four hidden
# layers of 400 ReLU units with batch norm, D three maxout layers of 200
# units with 5 pieces, both initialized N(0, 0.02).
def _mixture_init():
    """N(0, 0.02), a new instance per layer: an initializer shared by several layers
    (or made at import time) seeds them all alike, so same-shaped layers would start
    identical and ``keras.utils.set_random_seed`` would not reach them."""
    return keras.initializers.RandomNormal(stddev=0.02)


def mixture_generator(latent_dim=2, sample_dim=2, units=400, depth=4, name="generator"):
    """The 2-D mixtures' generator: ``depth`` x [Dense(units) -> BN -> ReLU] -> Dense(2).

    The output is linear (the grid's modes reach +-4, beyond tanh's range).

    Examples:

        >>> mixture_generator().output_shape
        (None, 2)
    """
    _positive_int("depth", depth)
    z = keras.Input((_positive_int("latent_dim", latent_dim),), name="z")
    x = z
    for index in range(depth):
        x = keras.layers.Dense(_positive_int("units", units), use_bias=False,
                               kernel_initializer=_mixture_init())(x)
        x = batch_normalization(name=f"batch_normalization_{index}")(x)
        x = keras.layers.ReLU()(x)
    x = keras.layers.Dense(_positive_int("sample_dim", sample_dim), kernel_initializer=_mixture_init(),
                           dtype=OUTPUT_DTYPE, name="samples")(x)
    return keras.Model(z, x, name=name)


def _maxout_stack(x, units, depth, pieces):
    _positive_int("depth", depth)
    for index in range(depth):
        x = Maxout(_positive_int("units", units), _positive_int("pieces", pieces),
                   kernel_initializer=_mixture_init(),
                   name="features" if index == depth - 1 else f"maxout_{index}")(x)
    return x


def mixture_discriminator(sample_dim=2, units=200, depth=3, pieces=5, name="discriminator"):
    """The 2-D mixtures' discriminator: ``depth`` maxout layers, then a logit.

    The last maxout layer is named ``"features"`` (feature matching's default).

    Examples:

        >>> mixture_discriminator().output_shape
        (None, 1)
    """
    x = keras.Input((_positive_int("sample_dim", sample_dim),), name="x")
    features = _maxout_stack(x, units, depth, pieces)
    logit = keras.layers.Dense(1, kernel_initializer=_mixture_init(), name="logit",
                               dtype=OUTPUT_DTYPE)(features)
    return keras.Model(x, logit, name=name)


def encoder(sample_shape=(2,), latent_dim=2, units=400, depth=4, filters=64, name="encoder"):
    """ALI's / BiGAN's encoder ``E(x) -> z`` (a deterministic one, as BiGAN's).

    For vectors: ``depth`` x [Dense(units) -> BN -> ReLU] -> Dense(latent_dim),
    the mixture generator run backwards. For images: two 4x4 stride-2
    convolutions (``filters``, ``2 filters``) with LeakyReLU(0.2) and batch
    norm, then a linear Dense to the code (Donahue et al. 2017 use a similar
    convolutional encoder on MNIST).

    Examples:

        >>> encoder((28, 28, 1), latent_dim=8, filters=4).output_shape
        (None, 8)
    """
    x = keras.Input(tuple(sample_shape), name="x")
    h = x
    if len(sample_shape) == 3:
        _check_image_shape(sample_shape)
        for index, width in enumerate((filters, 2 * filters)):
            h = keras.layers.Conv2D(width, 4, strides=2, padding="same", use_bias=index == 0)(h)
            if index:
                h = batch_normalization()(h)
            h = keras.layers.LeakyReLU(0.2)(h)
        h = keras.layers.Flatten()(h)
    else:
        for _ in range(_positive_int("depth", depth)):
            h = keras.layers.Dense(units, use_bias=False, kernel_initializer=_mixture_init())(h)
            h = batch_normalization()(h)
            h = keras.layers.ReLU()(h)
    z = keras.layers.Dense(_positive_int("latent_dim", latent_dim), dtype=OUTPUT_DTYPE,
                           name="code")(h)
    return keras.Model(x, z, name=name)


def joint_discriminator(sample_shape=(2,), latent_dim=2, units=200, depth=3, pieces=5,
                        filters=64, name="discriminator"):
    """ALI's / BiGAN's discriminator ``D(x, z)`` on (sample, code) pairs, one logit.

    For vectors: the concatenation ``[x, z]`` through the mixture
    discriminator's maxout layers. For images: x through two 4x4 stride-2
    convolutions with LeakyReLU(0.2), z through a Dense(512) with
    LeakyReLU(0.2), joined by a Dense(1024) with LeakyReLU(0.2)
    (``"features"``).

    Examples:

        >>> joint_discriminator((28, 28, 1), latent_dim=8, filters=4).output_shape
        (None, 1)
    """
    x = keras.Input(tuple(sample_shape), name="x")
    z = keras.Input((_positive_int("latent_dim", latent_dim),), name="z")
    if len(sample_shape) == 3:
        _check_image_shape(sample_shape)
        h = x
        for width in (filters, 2 * filters):
            h = keras.layers.Conv2D(width, 4, strides=2, padding="same")(h)
            h = keras.layers.LeakyReLU(0.2)(h)
        code = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(512)(z))
        h = keras.layers.Concatenate()([keras.layers.Flatten()(h), code])
        features = keras.layers.LeakyReLU(0.2, name="features")(keras.layers.Dense(1024)(h))
    else:
        features = _maxout_stack(keras.layers.Concatenate()([x, z]), units, depth, pieces)
    logit = keras.layers.Dense(1, kernel_initializer=_mixture_init(), name="logit",
                               dtype=OUTPUT_DTYPE)(features)
    return keras.Model([x, z], logit, name=name)


# ------------------------------------------------------------ network transforms
# The improved techniques that change an architecture are applied to ANY
# network by these functions, so every variant's networks get them alike.


def _layer_of(tensor):
    return tensor._keras_history.operation  # noqa: SLF001 -- the functional API's own link


def logit_layer(discriminator):
    """The discriminator's output layer, named ``"logit"`` by every builder here.

    Raises:
        ValueError: naming the layers, if there is none called ``"logit"``.
    """
    try:
        return discriminator.get_layer("logit")
    except ValueError:
        names = [layer.name for layer in discriminator.layers]
        raise ValueError(
            f"Expected the discriminator's output layer to be named 'logit', received a "
            f"discriminator {discriminator.name!r} with layers {names}."
        ) from None


def default_feature_layer(discriminator):
    """Name of the layer whose output feeds the logit (skipping minibatch features and noise).

    The "intermediate layer" of feature matching (Salimans et al. 2016,
    sec. 3.1): the last hidden features of ``D``.

    Examples:

        >>> default_feature_layer(dcgan_discriminator(filters=4))
        'features'
    """
    layer = _layer_of(logit_layer(discriminator).input)
    # Neither minibatch features nor training noise are features of the sample.
    while isinstance(layer, (MinibatchDiscrimination, keras.layers.GaussianNoise)):
        layer = _layer_of(layer.input)
    return layer.name


def with_minibatch_discrimination(discriminator, num_kernels=5, kernel_dim=3):
    """``discriminator`` with a :class:`~keras_gans.layers.MinibatchDiscrimination`
    layer between its last hidden features and its logit (Salimans et al. 2016, sec. 3.2).

    The hidden layers are shared with ``discriminator``; the logit layer is new
    (it sees ``num_kernels`` more features). A discriminator that has the layer
    already is returned unchanged.

    Examples:

        >>> d = with_minibatch_discrimination(mlp_discriminator(units=(16,)), num_kernels=4)
        >>> d.get_layer("logit").input.shape
        (None, 20)
    """
    if any(isinstance(layer, MinibatchDiscrimination) for layer in discriminator.layers):
        return discriminator
    logit = logit_layer(discriminator)
    features = MinibatchDiscrimination(num_kernels, kernel_dim, name="minibatch_discrimination")(
        logit.input)
    # A new logit of the same kind and width (K class logits for the semi-supervised D).
    output = type(logit).from_config(logit.get_config())(features)
    return keras.Model(inputs_of(discriminator), output, name=discriminator.name)


def with_packing(discriminator, size=4):
    """``discriminator`` judging ``size`` samples at once: PacGAN (Lin et al. 2018).

    The result is ``x -> Pack(size) -> [discriminator's layers, the first one
    widened]``: one logit per pack of ``size`` consecutive samples. The
    layers are new (freshly initialized: the first one sees ``size`` times
    the features). A discriminator that packs already is returned unchanged.

    Raises:
        ValueError: a discriminator with several inputs, or one whose layers
            are not a chain (each layer feeding the next).

    Examples:

        >>> with_packing(mixture_discriminator(units=8), size=4)(tf.zeros((12, 2))).shape
        TensorShape([3, 1])
    """
    if any(isinstance(layer, Pack) for layer in discriminator.layers):
        return discriminator
    if len(discriminator.inputs) != 1:
        raise ValueError(
            "Expected a discriminator with one input to pack, received "
            f"{discriminator.name!r} with inputs {[tuple(i.shape) for i in discriminator.inputs]}."
        )
    shape = tuple(discriminator.inputs[0].shape[1:])
    x = keras.Input(shape, name="x")
    h = Pack(_positive_int("size", size), name="pack")(x)
    layers = [layer for layer in discriminator.layers
              if not isinstance(layer, keras.layers.InputLayer)]
    try:
        for layer in layers:
            h = layer.__class__.from_config(layer.get_config())(h)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"Expected a discriminator whose layers form a chain, to rebuild it on packed "
            f"inputs; {discriminator.name!r} could not be: {error}"
        ) from None
    packed = keras.Model(x, h, name=discriminator.name)
    if tuple(packed.output_shape[1:]) != tuple(discriminator.output_shape[1:]):
        raise ValueError(
            f"Expected a discriminator whose layers form a chain, to rebuild it on packed "
            f"inputs; {discriminator.name!r} gave outputs {packed.output_shape} instead of "
            f"{discriminator.output_shape}."
        )
    return packed


def with_virtual_batch_norm(generator, reference_size=64, seed=0):
    """``generator`` with every ``BatchNormalization`` replaced by virtual batch norm.

    Salimans et al. (2016, sec. 3.4): each example is normalized with the
    statistics of a reference batch of noise fixed before training (drawn
    from ``seed``), combined with the example itself. The result is
    ``z -> ReferenceBatch -> [the generator's layers, VBN for BN] ->
    DropReference``: every call runs the ``reference_size`` reference rows
    along (the cost of VBN). The layers are new (freshly initialized). A
    generator with VBN already is returned unchanged.

    Raises:
        ValueError: a generator with several inputs (a conditional one), or
            without batch normalization to replace.

    Examples:

        >>> g = with_virtual_batch_norm(dcgan_generator(latent_dim=8, filters=4), reference_size=4)
        >>> g(tf.zeros((3, 8))).shape
        TensorShape([3, 28, 28, 1])
    """
    if any(isinstance(layer, VirtualBatchNormalization) for layer in generator._flatten_layers()):
        return generator
    if len(generator.inputs) != 1:
        raise ValueError(
            "Expected a generator with one input (noise) for virtual batch norm, received "
            f"{generator.name!r} with inputs {[tuple(i.shape) for i in generator.inputs]} "
            "(conditional generators would need a reference batch of labels too)."
        )
    if not any(isinstance(layer, keras.layers.BatchNormalization) for layer in generator.layers):
        raise ValueError(
            f"Expected a generator with BatchNormalization layers to replace by virtual batch "
            f"norm, received {generator.name!r} with layers {[l.name for l in generator.layers]}."
        )

    def clone(layer):
        if isinstance(layer, keras.layers.BatchNormalization):
            return VirtualBatchNormalization(reference_size, epsilon=layer.epsilon,
                                             center=layer.center, scale=layer.scale,
                                             name=layer.name.replace("batch_normalization",
                                                                     "virtual_batch_norm"))
        return layer.__class__.from_config(layer.get_config())

    body = keras.models.clone_model(generator, clone_function=clone)
    z = keras.Input(generator.inputs[0].shape[1:], name="z")
    both = body(ReferenceBatch(reference_size, seed, name="reference_batch")(z))
    samples = DropReference(reference_size, name="drop_reference", dtype=OUTPUT_DTYPE)(both)
    return keras.Model(z, samples, name=generator.name)
