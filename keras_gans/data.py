"""Training data as ``tf.data`` streams: 1-D distributions and TFDS images.

Examples:

    >>> from keras_gans import data
    >>> batch = next(iter(data.gaussian_1d(mean=4.0, stddev=0.5, batch_size=8, seed=1)))
    >>> tuple(batch.shape)
    (8, 1)
"""

import math
import os

import tensorflow as tf

IMAGE_DATASETS = {
    "mnist": {
        "shape": (28, 28, 1),
        "labels": tuple(str(digit) for digit in range(10)),
    },
    "fashion_mnist": {
        "shape": (28, 28, 1),
        "labels": (
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        ),
    },
}


def _check_batch_size(batch_size):
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"Expected batch_size to be a positive integer, received {batch_size!r}.")


def gaussian_1d(mean=4.0, stddev=0.5, batch_size=8, seed=None):
    """An endless stream of ``(batch_size, 1)`` float32 batches from N(mean, stddev²).

    Every batch is drawn in the graph from a per-batch seed of
    ``tf.data.Dataset.random(seed)``, so a fixed ``seed`` gives the same stream
    on every run, and no Python code runs per batch.

    Args:
        mean: mean of the target distribution (Glover's AYLIEN tutorial: 4).
        stddev: its standard deviation (the tutorial: 0.5); must be > 0.
        batch_size: samples per batch.
        seed: integer seed of the stream, or None for a random one.
    """
    _check_batch_size(batch_size)
    if not stddev > 0:
        raise ValueError(f"Expected stddev > 0, received {stddev!r}.")

    def draw(seeds):
        return tf.random.stateless_normal((batch_size, 1), seed=seeds, mean=mean, stddev=stddev)

    return (
        tf.data.Dataset.random(seed=seed)
        .batch(2)
        .map(draw, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


#: The 2-D Gaussian mixtures of the mode-collapse literature (Metz et al. 2017;
#: VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018): equal-weight
#: modes of standard deviation ``stddev`` around ``means``.
MIXTURES = {
    "ring": {
        "means": tuple((math.cos(2 * math.pi * k / 8), math.sin(2 * math.pi * k / 8))
                       for k in range(8)),
        "stddev": 0.01,
        "summary": "8 Gaussians of std 0.01 on the unit circle",
    },
    "grid": {
        "means": tuple((float(x), float(y)) for x in range(-4, 5, 2) for y in range(-4, 5, 2)),
        "stddev": 0.05,
        "summary": "25 Gaussians of std 0.05 at {-4, -2, 0, 2, 4}^2",
    },
}


def get_mixture(name):
    """``(means, stddev)`` of the 2-D mixture ``name`` (a key of :data:`MIXTURES`).

    Examples:

        >>> means, stddev = get_mixture("grid")
        >>> len(means), stddev
        (25, 0.05)
    """
    if name not in MIXTURES:
        raise ValueError(f"Unknown mixture: expected one of {sorted(MIXTURES)}, received {name!r}.")
    return MIXTURES[name]["means"], MIXTURES[name]["stddev"]


def gaussian_mixture_2d(name="ring", batch_size=100, seed=None):
    """An endless stream of ``(batch_size, 2)`` float32 batches from a 2-D mixture.

    Each sample picks one of the mixture's modes uniformly and adds isotropic
    Gaussian noise of the mixture's standard deviation. Like
    :func:`gaussian_1d`, every batch is drawn in the graph from a per-batch
    seed of ``tf.data.Dataset.random(seed)``: a fixed ``seed`` gives the same
    stream on every run.

    Args:
        name: ``"ring"`` or ``"grid"`` (see :data:`MIXTURES`).
        batch_size: samples per batch (PacGAN and VEEGAN: 100).
        seed: integer seed of the stream, or None for a random one.

    Examples:

        >>> batch = next(iter(gaussian_mixture_2d("ring", batch_size=4, seed=0)))
        >>> tuple(batch.shape)
        (4, 2)
    """
    _check_batch_size(batch_size)
    means, stddev = get_mixture(name)
    means = tf.constant(means, tf.float32)

    def draw(seeds):
        pick_seed, noise_seed = tf.unstack(tf.random.experimental.stateless_split(seeds, 2))
        modes = tf.random.stateless_uniform((batch_size,), pick_seed, maxval=len(means),
                                            dtype=tf.int32)
        noise = tf.random.stateless_normal((batch_size, 2), noise_seed, stddev=stddev)
        return tf.gather(means, modes) + noise

    return (
        tf.data.Dataset.random(seed=seed)
        .batch(2)
        .map(draw, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def scale_images(images):
    """Maps uint8 pixels in [0, 255] to float32 in [-1, 1] (the generator's tanh range)."""
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def load_images(
    name="mnist",
    split="train",
    batch_size=64,
    with_labels=True,
    shuffle=True,
    repeat=False,
    seed=None,
    data_dir=None,
    download=False,
    drop_remainder=True,
    cache=True,
):
    """Loads an image data set with ``tfds.load``, batched and scaled to [-1, 1].

    Args:
        name: a TFDS name; ``IMAGE_DATASETS`` lists the ones the package knows.
        split: TFDS split, e.g. ``"train"`` or ``"test[:10%]"``.
        batch_size: images per batch.
        with_labels: yield ``(images, labels)`` tuples instead of images.
        shuffle: shuffle the examples (with ``seed``) every epoch.
        repeat: repeat forever (for ``fit(steps_per_epoch=...)``).
        seed: shuffle seed.
        data_dir: TFDS data directory; default ``$TFDS_DATA_DIR`` or
            ``~/tensorflow_datasets``.
        download: let TFDS download and prepare the data if it is missing.
        drop_remainder: drop the last partial batch, so every training step
            sees the same batch size (set False to evaluate every example).
        cache: keep the decoded examples in memory after the first epoch
            (TFDS stores MNIST as PNGs: decoding them every step competes
            with training for the CPU). Set False for data sets larger than
            memory.

    Raises:
        FileNotFoundError: the data is not prepared in ``data_dir`` and
            ``download`` is False; the message says where it looked.
    """
    import tensorflow_datasets as tfds

    _check_batch_size(batch_size)
    data_dir = data_dir or os.environ.get("TFDS_DATA_DIR")
    try:
        dataset = tfds.load(
            name,
            split=split,
            data_dir=data_dir,
            download=download,
            as_supervised=True,
            shuffle_files=shuffle,
        )
    except (tfds.core.registered.DatasetNotFoundError, AssertionError) as error:
        where = data_dir or os.path.expanduser("~/tensorflow_datasets")
        raise FileNotFoundError(
            f"Data set {name!r} (split {split!r}) is not prepared in {where}. "
            "Point TFDS_DATA_DIR (or data_dir=) at a directory holding it, e.g. "
            "../shared/tensorflow_datasets, or allow a download with download=True "
            f"(CLI: --download). TFDS said: {error}"
        ) from error
    if cache:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)

    def to_model_input(images, labels):
        images = scale_images(images)
        return (images, tf.cast(labels, tf.int32)) if with_labels else images

    return dataset.map(to_model_input, num_parallel_calls=tf.data.AUTOTUNE).prefetch(
        tf.data.AUTOTUNE
    )


def load_arrays(name="mnist", split="test", data_dir=None, download=False):
    """A whole split of an image data set in memory: ``(images, labels)`` NumPy arrays.

    Images in [-1, 1] as :func:`load_images` gives them, in the split's order.
    """
    import numpy as np

    batches = load_images(name, split, 1000, shuffle=False, drop_remainder=False,
                          data_dir=data_dir, download=download)
    images, labels = zip(*((x.numpy(), y.numpy()) for x, y in batches))
    return np.concatenate(images), np.concatenate(labels)


def split_labelled(labels, labels_per_class, num_classes, seed=0):
    """The labelled / unlabelled split of the semi-supervised protocol, as index arrays.

    With ``seed``, picks the first ``labels_per_class`` examples of each of
    ``num_classes`` classes in a random order of ``labels``; every other
    index is unlabelled.

    Examples:

        >>> labels = [0, 1, 0, 1, 0]
        >>> labelled, unlabelled = split_labelled(labels, 1, num_classes=2)
        >>> sorted(labels[i] for i in labelled), len(unlabelled)
        ([0, 1], 3)
    """
    import numpy as np

    labels = np.asarray(labels)
    order = np.random.default_rng(seed).permutation(len(labels))
    labelled = np.concatenate([order[labels[order] == k][:labels_per_class]
                               for k in range(num_classes)])
    if len(labelled) < labels_per_class * num_classes:
        counts = np.bincount(labels, minlength=num_classes)[:num_classes]
        raise ValueError(f"Expected at least {labels_per_class} examples of each of the "
                         f"{num_classes} classes, received {int(counts.min())} of class "
                         f"{int(counts.argmin())}.")
    return labelled, np.setdiff1d(np.arange(len(labels)), labelled)


def semi_supervised_images(name="mnist", labels_per_class=10, batch_size=64, num_train=8000,
                           seed=0, data_dir=None, download=False):
    """Batches for the semi-supervised GAN: half unlabelled, half labelled images.

    The first ``num_train`` training images of ``name`` are split, with
    ``seed``, into ``labels_per_class`` labelled images of each class and the
    rest, unlabelled. Every batch holds ``batch_size`` unlabelled images
    (label -1) followed by ``batch_size`` labelled ones (the small labelled
    set repeated and reshuffled), as in the training of Salimans et al.
    (2016, sec. 5), where each step draws a labelled and an unlabelled
    minibatch. An endless stream.

    Returns:
        ``(dataset, labelled_indices)``: the stream of ``(images (2m, H, W, C),
        labels (2m,))`` and the indices of the labelled images among the
        ``num_train``.
    """
    import numpy as np

    _check_batch_size(batch_size)
    if not isinstance(labels_per_class, int) or labels_per_class < 1:
        raise ValueError(f"Expected labels_per_class to be a positive integer, received "
                         f"{labels_per_class!r}.")
    images, labels = load_arrays(name, f"train[:{num_train}]", data_dir, download)
    labelled, unlabelled = split_labelled(labels, labels_per_class,
                                          len(IMAGE_DATASETS[name]["labels"]), seed)

    def stream(indices, keep_labels, stream_seed):
        part = tf.data.Dataset.from_tensor_slices(
            (images[indices], labels[indices] if keep_labels else np.full(len(indices), -1, "int32")))
        return part.shuffle(len(indices), seed=stream_seed, reshuffle_each_iteration=True).repeat() \
            .batch(batch_size, drop_remainder=True)

    both = tf.data.Dataset.zip(stream(unlabelled, False, seed), stream(labelled, True, seed + 1))
    dataset = both.map(lambda u, l: (tf.concat([u[0], l[0]], 0), tf.concat([u[1], l[1]], 0)))
    return dataset.prefetch(tf.data.AUTOTUNE), labelled
