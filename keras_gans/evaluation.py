"""Sample-quality metrics that need no internet.

For the 1-D toy: the generated distribution's mean and standard deviation,
their ratio to the target's, and the exact Wasserstein-1 distance between the
empirical generated distribution and the target normal. For the 2-D
mixtures: the mode coverage of VEEGAN and PacGAN (:func:`mode_coverage`).
For images: a small shipped classifier's Fréchet distance and score.

Examples:

    >>> import numpy as np
    >>> stats = gaussian_1d_metrics(np.random.default_rng(0).normal(4, 0.5, 50_000), 4.0, 0.5)
    >>> stats["w1"] < 0.01, round(stats["sigma_ratio"], 1)
    (True, 1.0)
"""

import os
import warnings

import numpy as np
from scipy import special


def _integral_of_normal_cdf(t):
    """Antiderivative of the standard normal CDF: ∫Φ(t) dt = tΦ(t) + φ(t)."""
    return t * special.ndtr(t) + np.exp(-0.5 * t * t) / np.sqrt(2 * np.pi)


def wasserstein1_to_normal(samples, mean, stddev):
    """Exact W1 between the empirical distribution of ``samples`` and N(mean, stddev²).

    ``W1 = ∫ |F_n(x) - Φ((x - mean) / stddev)| dx``; ``F_n`` is a step
    function, so the integral is a sum of closed forms of ``∫ Φ`` on each
    step, split where ``Φ`` crosses the step's level. No reference sample is
    drawn, so the value has no Monte-Carlo noise of its own.
    """
    x = np.sort(np.asarray(samples, dtype=np.float64).ravel())
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(
            f"Expected a non-empty array of finite samples, received {x.size} values "
            f"of which {int(np.sum(~np.isfinite(x)))} are not finite."
        )
    if not stddev > 0:
        raise ValueError(f"Expected stddev > 0, received {stddev!r}.")
    n = x.size
    t = (x - mean) / stddev
    big_phi = _integral_of_normal_cdf
    # Left tail: ∫_{-inf}^{x_1} Φ; right tail: ∫_{x_n}^{inf} (1 - Φ) = G(t) - t.
    total = big_phi(t[0]) + (big_phi(t[-1]) - t[-1])
    # Steps [t_i, t_{i+1}) at level c = i / n, i = 1..n-1.
    a, b = t[:-1], t[1:]
    level = np.arange(1, n) / n
    crossing = np.clip(special.ndtri(level), a, b)

    def signed(lo, hi):  # ∫_lo^hi (Φ - c)
        return big_phi(hi) - big_phi(lo) - level * (hi - lo)

    total += np.sum(np.abs(signed(a, crossing)) + np.abs(signed(crossing, b)))
    return float(total * stddev)


def gaussian_1d_metrics(samples, mean, stddev):
    """Mean, standard deviation, sigma ratio and W1 of 1-D samples vs N(mean, stddev²).

    Returns:
        ``{"mean", "std", "sigma_ratio", "w1"}`` as Python floats, where
        ``sigma_ratio = std / stddev`` (1 is perfect; < 1 means the generator
        narrowed, the collapse Glover's AYLIEN tutorial describes).
    """
    samples = np.asarray(samples, dtype=np.float64).ravel()
    w1 = wasserstein1_to_normal(samples, mean, stddev)
    std = float(samples.std())
    return {"mean": float(samples.mean()), "std": std, "sigma_ratio": std / stddev, "w1": w1}


# -------------------------------------------------------------- 2-D mixtures
def mode_coverage(samples, means, stddev, threshold=3.0):
    """Mode-coverage metrics of 2-D samples of an isotropic Gaussian mixture.

    The protocol of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al.
    2018), usually on 2,500 samples: a sample is **high quality** when it
    lies within ``threshold`` standard deviations of its nearest mode; a mode
    is **captured** when it is the nearest mode of at least one high-quality
    sample; the **reverse KL** compares the histogram ``p`` of the
    high-quality samples over the ``M`` modes with the uniform one:
    ``KL(p || U) = sum_i p_i log(M p_i)`` (0 when every mode gets its share,
    ``log M`` when one mode gets all).

    Args:
        samples: ``(n, d)`` generated points.
        means: ``(M, d)`` the mixture's modes (e.g. :func:`keras_gans.data.get_mixture`).
        stddev: the modes' standard deviation.
        threshold: the high-quality radius, in standard deviations (3).

    Returns:
        ``{"high_quality", "modes", "reverse_kl"}``: the share of
        high-quality samples in [0, 1], the number of modes captured, and the
        reverse KL (``nan`` when no sample is of high quality).

    Examples:

        >>> import numpy as np
        >>> metrics = mode_coverage(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]]),
        ...                         means=[[0, 0], [1, 1]], stddev=0.1)
        >>> round(metrics["high_quality"], 3), metrics["modes"], round(metrics["reverse_kl"], 6)
        (0.667, 2, 0.0)
    """
    samples = np.asarray(samples, dtype=np.float64)
    means = np.asarray(means, dtype=np.float64)
    if samples.ndim != 2 or means.ndim != 2 or samples.shape[1] != means.shape[1]:
        raise ValueError(
            f"Expected samples of shape (n, {means.shape[-1]}) to match the modes' "
            f"{tuple(means.shape)}, received {tuple(samples.shape)}."
        )
    if not stddev > 0:
        raise ValueError(f"Expected stddev > 0, received {stddev!r}.")
    if len(samples) == 0:
        raise ValueError("Expected at least one sample, received none.")
    distances = np.linalg.norm(samples[:, None, :] - means[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(samples)), nearest] < threshold * stddev
    counts = np.bincount(nearest[good], minlength=len(means))
    if not good.any():
        return {"high_quality": 0.0, "modes": 0, "reverse_kl": float("nan")}
    shares = counts[counts > 0] / counts.sum()
    return {
        "high_quality": float(good.mean()),
        "modes": int((counts > 0).sum()),
        "reverse_kl": float(np.sum(shares * np.log(shares * len(means)))),
    }


# ---------------------------------------------------------------- image metrics
# A small classifier per data set stands in for the Inception network of the
# Inception Score / FID: trained offline, shipped with the package, so the
# metrics need no download. Its penultimate layer ("features") gives the
# Fréchet distance; its softmax gives the classifier score and accuracy.

CLASSIFIER_DIR = os.path.join(os.path.dirname(__file__), "assets")


def classifier_path(dataset):
    """Where the package keeps the shipped classifier of ``dataset``."""
    return os.path.join(CLASSIFIER_DIR, f"{dataset}_classifier.keras")


def build_classifier(image_shape=(28, 28, 1), num_classes=10, feature_units=128):
    """A small CNN classifier whose penultimate layer is named ``"features"``.

    Examples:

        >>> build_classifier().get_layer("features").output.shape
        (None, 128)
    """
    import keras

    return keras.Sequential(
        [
            keras.Input(tuple(image_shape)),
            # Active in training only; fills with -1, the background in [-1, 1].
            keras.layers.RandomTranslation(0.08, 0.08, fill_mode="constant", fill_value=-1.0),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(feature_units, activation="relu", name="features"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ],
        name="classifier",
    )


def train_classifier(dataset="mnist", epochs=15, batch_size=128, seed=0, data_dir=None):
    """Trains :func:`build_classifier` on ``dataset``'s train split.

    Returns:
        ``(classifier, test_accuracy)``, the accuracy on the test split.
    """
    import keras

    from keras_gans import data

    keras.utils.set_random_seed(seed)
    spec = data.IMAGE_DATASETS[dataset]
    classifier = build_classifier(spec["shape"], len(spec["labels"]))
    classifier.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy",
                       metrics=["accuracy"])
    train = data.load_images(dataset, "train", batch_size, seed=seed, data_dir=data_dir)
    test = data.load_images(dataset, "test", batch_size, shuffle=False, data_dir=data_dir,
                            drop_remainder=False)
    classifier.fit(train, epochs=epochs, verbose=2)
    accuracy = classifier.evaluate(test, verbose=0, return_dict=True)["accuracy"]
    # Shipped without the optimizer: its Adam slots would triple the file size.
    inference = build_classifier(spec["shape"], len(spec["labels"]))
    inference.set_weights(classifier.get_weights())
    return inference, float(accuracy)


def generate_for_evaluation(model, num_samples):
    """``(images, labels or None)`` to score: balanced labels for conditional models.

    Examples:

        >>> from keras_gans.models import ConditionalDCGAN
        >>> images, labels = generate_for_evaluation(ConditionalDCGAN(latent_dim=4, filters=2), 12)
        >>> images.shape, labels.tolist()
        ((12, 28, 28, 1), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
    """
    if getattr(model, "conditional", False):
        labels = np.arange(num_samples) % model.num_classes
        return np.asarray(model.generate(labels)), labels
    return np.asarray(model.generate(num_samples)), None


class ImageEvaluator:
    """Classifier-based sample quality for one image data set.

    Computes, for generated images: the classifier score
    ``exp E_x KL(p(y|x) || p(y))`` (the Inception Score formula), the Fréchet
    classifier distance (FCD) between the penultimate features of the samples
    and of the data set's test split, and, given the labels the samples were
    generated for, the conditional accuracy. :meth:`reference` gives the same
    metrics for real data (train split vs test split) to read them against.

    Args:
        classifier: a ``keras.Model`` with a ``"features"`` layer and a softmax
            output; default: the package's shipped classifier for ``dataset``.
        dataset: a name in ``keras_gans.data.IMAGE_DATASETS``.
        data_dir: TFDS data directory for the reference split.
        reference_split: the split whose features the samples are compared to.
    """

    def __init__(self, dataset="mnist", classifier=None, data_dir=None, reference_split="test"):
        import keras

        self.dataset = dataset
        if classifier is None:
            path = classifier_path(dataset)
            if not os.path.exists(path):
                raise FileNotFoundError(
                    f"No classifier for {dataset!r} at {path}. Train one with: "
                    f"python -m keras_gans train-classifier --dataset {dataset}"
                )
            classifier = keras.models.load_model(path)
        self.classifier = classifier
        from keras_gans.networks import inputs_of

        self._both = keras.Model(
            inputs_of(classifier), [classifier.get_layer("features").output, classifier.outputs[0]]
        )
        self.data_dir = data_dir
        self.reference_split = reference_split
        self._reference_stats = None
        self._reference_arrays = None

    def features_and_probabilities(self, images, batch_size=500):
        """Penultimate features and class probabilities of ``images`` in [-1, 1]."""
        features, probabilities = self._both.predict(np.asarray(images), batch_size=batch_size, verbose=0)
        return features.astype(np.float64), probabilities.astype(np.float64)

    def _split(self, split):
        from keras_gans import data

        return data.load_arrays(self.dataset, split, self.data_dir)

    def reference_arrays(self):
        """The reference split's ``(images, labels)`` (read once)."""
        if self._reference_arrays is None:
            self._reference_arrays = self._split(self.reference_split)
        return self._reference_arrays

    def reference_statistics(self):
        """Mean and covariance of the reference split's features (cached)."""
        if self._reference_stats is None:
            images, _ = self.reference_arrays()
            features, _ = self.features_and_probabilities(images)
            self._reference_stats = feature_statistics(features)
        return self._reference_stats

    def evaluate(self, images, labels=None):
        """Metrics of generated ``images`` (and their conditioning ``labels``).

        Returns:
            ``{"fcd", "classifier_score"}`` plus ``"conditional_accuracy"`` when
            ``labels`` are given.
        """
        return self.metrics_of(*self.features_and_probabilities(images), labels)

    def metrics_of(self, features, probabilities, labels=None):
        """:meth:`evaluate`'s metrics from :meth:`features_and_probabilities` of the images, for
        a caller that needs the probabilities too (one pass of the classifier, not two)."""
        metrics = {
            "fcd": frechet_distance(feature_statistics(features), self.reference_statistics()),
            "classifier_score": classifier_score(probabilities),
        }
        if labels is not None:
            metrics["conditional_accuracy"] = conditional_accuracy(probabilities, labels)
        return metrics

    def reconstruction_accuracy(self, model, num_samples=2000, batch_size=500):
        """Share of reference digits whose reconstruction ``G(E(x))`` keeps its label.

        For a model with an encoder (ALI / BiGAN): the first ``num_samples``
        images of the reference split are encoded and regenerated
        (:func:`keras_gans.latent.reconstruct`), and the classifier's most
        probable class of each reconstruction is compared with the real
        image's label. 10 % is chance on MNIST; a perfect inverse scores the
        classifier's own accuracy.
        """
        from keras_gans import latent

        if not hasattr(model, "encode"):
            raise ValueError(f"Expected a model with an encoder (ALI / BiGAN), received a "
                             f"{type(model).__name__}.")
        images, labels = (part[: int(num_samples)] for part in self.reference_arrays())
        reconstructions = np.concatenate([latent.reconstruct(model, images[i : i + batch_size])
                                          for i in range(0, len(images), batch_size)])
        _, probabilities = self.features_and_probabilities(reconstructions)
        return conditional_accuracy(probabilities, labels)

    def reference(self, num_samples=None):
        """The same metrics for real data: the train split (first ``num_samples``
        images, default as many as the reference split) against the reference
        split. Their FCD is the floor a perfect generator would reach with that
        many samples."""
        reference_images, _ = self.reference_arrays()
        images, labels = self._split("train")
        count = num_samples or len(reference_images)
        return self.evaluate(images[:count], labels[:count])


def feature_statistics(features):
    """``(mean, covariance)`` of a ``(n, d)`` feature matrix."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"Expected features of shape (n >= 2, d), received {features.shape}.")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(statistics_a, statistics_b):
    """Fréchet distance between Gaussians fitted to two feature sets (as in FID)::

        d² = ||μ_a - μ_b||² + Tr(Σ_a + Σ_b - 2 (Σ_a Σ_b)^{1/2})

    Args:
        statistics_a, statistics_b: ``(mean, covariance)`` pairs, e.g. from
            :func:`feature_statistics`.

    Examples:

        >>> stats = feature_statistics(np.random.default_rng(0).normal(size=(500, 4)))
        >>> round(frechet_distance(stats, stats), 6)
        0.0
    """
    from scipy import linalg

    mean_a, cov_a = statistics_a
    mean_b, cov_b = statistics_b
    with warnings.catch_warnings():  # singular products are handled just below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root, _ = linalg.sqrtm(cov_a @ cov_b, disp=False)
    if not np.all(np.isfinite(root)):
        offset = np.eye(len(cov_a)) * 1e-6
        root = linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    root = np.real(root)
    distance = np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2 * root)
    return float(max(distance, 0.0))


def classifier_score(probabilities, eps=1e-12):
    """The Inception Score formula with any classifier: ``exp E_x KL(p(y|x) || p(y))``.

    1 for identical predictions on every sample; the number of classes for
    confident predictions spread evenly over the classes.

    Examples:

        >>> round(classifier_score(np.eye(10)), 6)
        10.0
    """
    p_yx = np.asarray(probabilities, dtype=np.float64)
    p_y = p_yx.mean(axis=0, keepdims=True)
    kl = np.sum(p_yx * (np.log(p_yx + eps) - np.log(p_y + eps)), axis=1)
    return float(np.exp(kl.mean()))


def classification_error(predict, images, labels, batch_size=500):
    """Share of ``images`` whose most probable class under ``predict`` is not their label.

    ``predict`` maps a batch of images to class probabilities or logits (e.g.
    the semi-supervised GAN's ``classify``, or a plain classifier).

    Examples:

        >>> import numpy as np
        >>> classification_error(lambda x: np.eye(3)[x[:, 0]], np.array([[0], [1], [2]]), [0, 1, 1])
        0.3333333333333333
    """
    predicted = np.concatenate([np.argmax(predict(images[i : i + batch_size]), axis=-1)
                                for i in range(0, len(images), batch_size)])
    return float(np.mean(predicted != np.asarray(labels)))


def conditional_accuracy(probabilities, labels):
    """Share of samples generated for label ``y`` that the classifier assigns to ``y``."""
    labels = np.asarray(labels).ravel()
    return float(np.mean(np.argmax(probabilities, axis=1) == labels))
