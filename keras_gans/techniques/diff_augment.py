"""Differentiable augmentation (Zhao et al. 2020, DiffAugment)."""

import tensorflow as tf

from keras_gans.techniques import Option, Technique

def translate(images, shifts):
    """Shifts each image by whole pixels, filling the uncovered border with 0.

    Args:
        images: ``(batch, height, width, channels)``.
        shifts: ``(batch, 2)`` integers ``(dy, dx)``: pixel ``(i, j)`` of the
            result is pixel ``(i - dy, j - dx)`` of the image (0 outside it).

    Differentiable with respect to ``images`` (two gathers from a padded copy).

    Examples:

        >>> import numpy as np
        >>> image = np.arange(1.0, 10.0, dtype="float32").reshape(1, 3, 3, 1)
        >>> translate(image, [[1, 0]])[0, :, :, 0].numpy().tolist()
        [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    """
    images = tf.convert_to_tensor(images)
    shifts = tf.cast(shifts, tf.int32)
    height, width = images.shape[1], images.shape[2]
    pad = max(height, width)  # any shift up to the image size stays inside the padding
    padded = tf.pad(images, [[0, 0], [pad, pad], [pad, pad], [0, 0]])
    rows = tf.range(height)[None, :] + pad - shifts[:, :1]
    columns = tf.range(width)[None, :] + pad - shifts[:, 1:]
    shifted = tf.gather(padded, rows, axis=1, batch_dims=1)
    return tf.gather(shifted, columns, axis=2, batch_dims=1)


def cutout(images, centres, size):
    """Sets a ``size`` x ``size`` square of each image to 0 (clipped at the borders).

    Args:
        images: ``(batch, height, width, channels)``.
        centres: ``(batch, 2)`` integers: the square covers rows
            ``cy - size // 2`` to ``cy - size // 2 + size - 1`` (and likewise columns).
        size: the square's side in pixels.

    Examples:

        >>> import numpy as np
        >>> cutout(np.ones((1, 3, 3, 1), "float32"), [[0, 0]], 2)[0, :, :, 0].numpy().tolist()
        [[0.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    images = tf.convert_to_tensor(images)
    start = tf.cast(centres, tf.int32) - size // 2

    def inside(length, first):
        index = tf.range(length)[None, :]
        return (index >= first) & (index < first + size)

    covered = (inside(images.shape[1], start[:, :1])[:, :, None]
               & inside(images.shape[2], start[:, 1:])[:, None, :])
    return images * tf.cast(~covered, images.dtype)[..., None]


class DifferentiableAugmentation(Technique):
    """The same kind of random augmentation on every image D sees, real and fake.

    ``D(T(x))`` and ``D(T(G(z)))`` with a random ``T`` drawn per example and
    per call, differentiable, so G's gradients flow through ``T``. A
    discriminator trained on few images memorizes them, and its feedback to
    G degrades as training goes on; augmenting only the real images would
    teach G to draw the augmentations, augmenting both keeps the target
    distribution (Zhao et al. 2020, "Differentiable Augmentation for
    Data-Efficient GAN Training", sec. 3). The paper's policies for images:

    - ``translation``: a shift of up to ``translation_fraction`` of the image
      size in each direction (1/8: 4 pixels on MNIST), border filled with 0;
    - ``cutout``: a square of side ``cutout_fraction`` of the image (1/2) at a
      random centre set to 0.

    Penalties computed through D (the gradient penalty, R1) see the augmented
    images too, with gradients taken with respect to the unaugmented ones.
    """

    name = "diff_augment"
    paper = "Zhao et al. 2020, DiffAugment"
    summary = "random translation / cutout of every image D sees, real and fake"
    needs_discriminator_of_samples = True
    options = (
        Option("diff_augment", "", "augment every image D sees: 'translation', 'cutout' or "
               "'translation,cutout' ('': off)", kind=str,
               choices=("", "translation", "cutout", "translation,cutout")),
        Option("translation_fraction", 0.125, "largest shift of diff_augment's translation, as "
               "a fraction of the image size", low=0.0, high=0.5),
        Option("cutout_fraction", 0.5, "side of diff_augment's cutout square, as a fraction of "
               "the image size", above=0.0, high=1.0),
    )

    @classmethod
    def unsupported(cls, model_class, generator, discriminator, values):
        if generator is not None and len(generator.outputs[0].shape) != 4:
            return (f"it augments images (batch, height, width, channels); the generator's "
                    f"samples have shape {tuple(generator.outputs[0].shape)}")
        return None

    def discriminator_input(self, model, samples):
        height, width = samples.shape[1], samples.shape[2]

        def uniform(count, seed=None):
            if seed is None:
                return tf.random.uniform([count, 4])
            return tf.random.stateless_uniform([count, 4], seed)

        # One draw per D call: (dy, dx) of the shift, then the cutout's centre.
        draw = model.random_draw(uniform, tf.shape(samples)[0])
        sizes = tf.constant([height, width], tf.float32)
        if "translation" in self.diff_augment:
            reach = tf.floor(sizes * self.translation_fraction + 0.5)
            shifts = tf.floor(draw[:, :2] * (2 * reach + 1)) - reach
            samples = translate(samples, shifts)
        if "cutout" in self.diff_augment:
            size = int(min(height, width) * self.cutout_fraction + 0.5)
            centres = tf.floor(draw[:, 2:] * (sizes + (1 - size % 2)))
            samples = cutout(samples, centres, size)
        return samples
