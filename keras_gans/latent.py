"""Walking the latent space: interpolation, vector arithmetic, neighbours, reconstructions.

The tools of the DCGAN paper (Radford et al. 2015, sec. 6) and of the
lecture slides' DCGAN section, for any model of this package: paths between
noise vectors (linear, or spherical to stay on the shell where Gaussian
noise lives), attribute vectors as differences of average z's, the nearest
training images of generated ones (the memorisation check), and with ALI /
BiGAN's encoder the reconstructions ``G(E(x))`` and paths between real
samples.

Examples:

    >>> import numpy as np
    >>> path = interpolate(np.array([1.0, 0.0]), np.array([0.0, 1.0]), steps=3, method="spherical")
    >>> np.round(np.linalg.norm(path, axis=1), 6).tolist()
    [1.0, 1.0, 1.0]
"""

import numpy as np

METHODS = ("linear", "spherical")


def _vector(name, value):
    value = np.asarray(value, dtype=np.float64)
    if value.ndim != 1:
        raise ValueError(f"Expected {name} to be one vector of shape (d,), received shape "
                         f"{value.shape}.")
    return value


def lerp(z0, z1, t):
    """``(1 - t) z0 + t z1`` for each ``t``: rows of the straight path."""
    t = np.asarray(t, dtype=np.float64)[:, None]
    return (1.0 - t) * z0 + t * z1


def slerp(z0, z1, t):
    """Spherical interpolation (Shoemake 1985; White 2016, *Sampling generative networks*).

    ``sin((1 - t) omega) / sin(omega) z0 + sin(t omega) / sin(omega) z1`` with
    ``omega`` the angle between ``z0`` and ``z1``: for vectors of equal norm
    every point keeps that norm, where a straight path would cut through the
    low-density centre of a high-dimensional Gaussian. Parallel vectors fall
    back to the straight path.
    """
    t = np.asarray(t, dtype=np.float64)[:, None]
    cosine = z0 @ z1 / (np.linalg.norm(z0) * np.linalg.norm(z1))
    omega = np.arccos(np.clip(cosine, -1.0, 1.0))
    if np.sin(omega) < 1e-8:
        return lerp(z0, z1, t[:, 0])
    return (np.sin((1.0 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


def interpolate(z0, z1, steps=10, method="linear"):
    """``steps`` noise vectors from ``z0`` to ``z1`` (both included), float32 ``(steps, d)``.

    Args:
        z0, z1: the end points, vectors of the same width.
        steps: points on the path (>= 2).
        method: ``"linear"`` or ``"spherical"`` (:func:`slerp`).
    """
    z0, z1 = _vector("z0", z0), _vector("z1", z1)
    if z0.shape != z1.shape:
        raise ValueError(f"Expected z0 and z1 of the same width, received {z0.shape} and {z1.shape}.")
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 2:
        raise ValueError(f"Expected steps to be an integer >= 2, received {steps!r}.")
    if method not in METHODS:
        raise ValueError(f"Expected method in {METHODS}, received {method!r}.")
    t = np.linspace(0.0, 1.0, steps)
    return (lerp if method == "linear" else slerp)(z0, z1, t).astype("float32")


def vector_arithmetic(plus, minus=()):
    """``sum of mean(plus groups) - sum of mean(minus groups)`` (Radford et al. 2015, sec. 6.3).

    Each group is an array of noise vectors ``(n, d)`` whose samples share a
    visual attribute; averaging a group (the paper: three samples) gives a
    stable z for the attribute. ``vector_arithmetic([smiling_woman, neutral_man],
    [neutral_woman])`` is the paper's "smiling man".

    Returns:
        float32 vector ``(d,)``.
    """
    groups = [np.asarray(group, dtype=np.float64) for group in (*plus, *minus)]
    if not plus or any(g.ndim != 2 or g.shape[1] != groups[0].shape[1] or len(g) == 0
                       for g in groups):
        raise ValueError(
            "Expected at least one plus group and groups of noise vectors of shape (n, d) "
            f"with the same d, received shapes {[g.shape for g in groups]}."
        )
    means = [group.mean(axis=0) for group in groups]
    return (sum(means[: len(plus)]) - sum(means[len(plus):], np.zeros_like(means[0]))).astype(
        "float32")


def attribute_vector(with_attribute, without_attribute):
    """The mean z of samples that show an attribute minus the mean z of samples that do not."""
    return vector_arithmetic([with_attribute], [without_attribute])


def nearest_neighbours(samples, reference, k=1, batch_size=256):
    """The ``k`` nearest ``reference`` rows of each sample, by Euclidean distance.

    The memorisation check: a generator that copies its training set has
    generated images at distance ~0 of training images.

    Args:
        samples: ``(n, ...)`` e.g. generated images.
        reference: ``(m, ...)`` e.g. training images, same trailing shape.
        k: neighbours per sample (<= m).
        batch_size: samples compared at once (memory ``batch_size x m``).

    Returns:
        ``(indices, distances)``, each ``(n, k)``, nearest first.
    """
    samples = np.asarray(samples, dtype=np.float32).reshape(len(samples), -1)
    reference = np.asarray(reference, dtype=np.float32).reshape(len(reference), -1)
    if samples.shape[1] != reference.shape[1]:
        raise ValueError(
            f"Expected samples and reference of the same size per row, received "
            f"{samples.shape[1]} and {reference.shape[1]} values."
        )
    if not isinstance(k, int) or not 1 <= k <= len(reference):
        raise ValueError(f"Expected k in [1, {len(reference)}], received {k!r}.")
    squared_reference = np.sum(reference.astype(np.float64) ** 2, axis=1)
    indices, distances = [], []
    for start in range(0, len(samples), batch_size):
        part = samples[start : start + batch_size].astype(np.float64)
        squared = (np.sum(part**2, axis=1)[:, None] - 2.0 * part @ reference.T.astype(np.float64)
                   + squared_reference[None, :])
        nearest = np.argsort(squared, axis=1, kind="stable")[:, :k]
        indices.append(nearest)
        distances.append(np.sqrt(np.maximum(np.take_along_axis(squared, nearest, axis=1), 0.0)))
    return np.concatenate(indices), np.concatenate(distances)


def _encoder_of(model):
    if not hasattr(model, "encode"):
        raise ValueError(
            f"Expected a model with an encoder (ALI / BiGAN), received a {type(model).__name__}."
        )
    return model


def reconstruct(model, samples):
    """``G(E(x))``: an ALI / BiGAN model's reconstructions of ``samples`` (inference mode)."""
    model = _encoder_of(model)
    return model.sample(model.encode(samples)).numpy()


def interpolate_samples(model, x0, x1, steps=10, method="linear"):
    """Samples along the path between the codes ``E(x0)`` and ``E(x1)`` of two real samples."""
    model = _encoder_of(model)
    codes = model.encode(np.stack([x0, x1])).numpy()
    return model.sample(interpolate(codes[0], codes[1], steps, method)).numpy()
