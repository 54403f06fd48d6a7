"""Trained generators behind one interface, from a ``.keras`` file or a SavedModel export.

:func:`load` opens either kind; both then draw the same samples for the same seed (an export's
``generate`` signature draws its noise with the stateless ops of
:meth:`keras_gans.models.GAN.sample_noise`). An export is read with ``tf.saved_model.load``
and its signatures only, as TF Serving would - no class of this package is needed to run it.
What ``python -m keras_gans sample`` and ``evaluate`` are built on.

Examples:

    >>> import tempfile
    >>> from keras_gans.models import Toy1DGAN
    >>> gan = Toy1DGAN(noise="normal")  # untrained: enough to compare the two paths
    >>> path = gan.export_generator(tempfile.mkdtemp(), allow_untrained=True)
    >>> exported, in_memory = load(path), KerasGenerator(gan)
    >>> exported.kind, exported.sample_shape
    ('saved_model', (1,))
    >>> bool(np.allclose(exported.generate(5, seed=3)[0], in_memory.generate(5, seed=3)[0]))
    True
"""

import json
import os

import numpy as np


class Generator:
    """What :func:`load` returns: a generator and what is known of its training.

    Attributes:
        path: where it was loaded from (None when built from a model in memory).
        kind: ``"keras"`` or ``"saved_model"``.
        latent_dim: width of the noise ``z``.
        sample_shape: shape of one sample, e.g. ``(28, 28, 1)``, ``(2,)`` or ``(1,)``.
        num_classes: classes of a conditional generator, else None.
        metadata: what the export's ``assets.extra/model.json`` (or the ``metrics.json`` beside
            a ``.keras`` file) records: ``variant``, ``dataset``, ``label_names``, ``metrics``...
    """

    kind = None

    def __init__(self, latent_dim, sample_shape, num_classes=None, metadata=None, path=None):
        self.latent_dim = int(latent_dim)
        self.sample_shape = tuple(int(size) for size in sample_shape)
        self.num_classes = int(num_classes) if num_classes else None
        self.metadata = dict(metadata or {})
        self.path = path

    @property
    def conditional(self):
        """Whether samples are drawn for given labels."""
        return self.num_classes is not None

    @property
    def is_image(self):
        """Whether samples are ``(H, W, C)`` images in [-1, 1]."""
        return len(self.sample_shape) == 3

    @property
    def dataset(self):
        """The data set it was trained on, when recorded (else None)."""
        return self.metadata.get("dataset")

    def check_labels(self, labels):
        """``labels`` as int32, or a ``ValueError`` naming the expected range and what was received."""
        if not self.conditional:
            if labels is not None:
                raise ValueError("Expected no labels for an unconditional generator, received "
                                 f"{list(np.ravel(labels))}.")
            return None
        labels = np.asarray(labels)
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer) or labels.size == 0:
            raise ValueError(f"Expected a non-empty 1-D array of integer labels, received "
                             f"{labels.tolist()!r}.")
        outside = sorted({int(label) for label in labels if not 0 <= label < self.num_classes})
        if outside:
            raise ValueError(f"Expected labels in [0, {self.num_classes - 1}], received {outside}.")
        return labels.astype("int32")

    def generate(self, num_samples=None, labels=None, seed=0):
        """``(samples, z)`` for ``num_samples`` noise vectors (conditional: one per label),
        drawn from ``seed``; the same seed gives the same samples from either kind of file."""
        labels = self.check_labels(labels)
        if labels is None and (not isinstance(num_samples, (int, np.integer)) or num_samples < 1):
            raise ValueError(f"Expected num_samples >= 1, received {num_samples!r}.")
        samples, z = self._generate(num_samples, labels, int(seed))
        return np.asarray(samples), np.asarray(z)

    def sample(self, z, labels=None):
        """Samples (a ``tf.Tensor``, in the data's scale) for noise ``z`` ``(n, latent_dim)``."""
        z = np.asarray(z, dtype="float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"Expected z of shape (n, {self.latent_dim}), received {z.shape}.")
        return self._sample(z, self.check_labels(labels))


class KerasGenerator(Generator):
    """A :class:`Generator` over a :class:`keras_gans.models.GAN` (loaded or in memory)."""

    kind = "keras"

    def __init__(self, model, metadata=None, path=None):
        super().__init__(model.latent_dim, model.generator.outputs[0].shape[1:],
                         getattr(model, "num_classes", None) if model.conditional else None,
                         metadata, path)
        self.model = model
        if hasattr(model, "encode"):
            self.encode = model.encode
        if hasattr(model, "classify"):
            self.classify = model.classify

    def _generate(self, num_samples, labels, seed):
        import tensorflow as tf

        count = num_samples if labels is None else len(labels)
        z = self.model.sample_noise(count, seed=tf.constant([seed, 0], tf.int64))
        return self._sample(z, labels), z

    def _sample(self, z, labels):
        return self.model.sample(z, labels)


class SavedModelGenerator(Generator):
    """A :class:`Generator` over an export's signatures (``tf.saved_model.load`` only)."""

    kind = "saved_model"

    def __init__(self, directory):
        import tensorflow as tf

        with open(os.path.join(directory, "assets.extra", "model.json"), encoding="utf-8") as file:
            metadata = json.load(file)
        self._loaded = tf.saved_model.load(directory)
        self._signatures = self._loaded.signatures
        super().__init__(metadata["latent_dim"], metadata["sample_shape"],
                         metadata.get("num_classes") if metadata.get("conditional") else None,
                         metadata, directory)
        if "encode" in self._signatures:
            self.encode = lambda samples: self._call("encode", samples=samples)["codes"]
        if "classify" in self._signatures:
            self.classify = lambda images: self._call("classify", images=images)["probabilities"]

    def _call(self, name, **inputs):
        import tensorflow as tf

        specs = self._signatures[name].structured_input_signature[1]
        return self._signatures[name](**{key: tf.constant(value, specs[key].dtype)
                                         for key, value in inputs.items()})

    def _generate(self, num_samples, labels, seed):
        count = {"num_samples": num_samples} if labels is None else {"label": labels}
        outputs = self._call("generate", seed=seed, **count)
        return outputs["samples"], outputs["z"]

    def _sample(self, z, labels):
        return self._call("serving_default", z=z,
                          **({} if labels is None else {"label": labels}))["samples"]


def load(path):
    """A :class:`Generator` from a ``.keras`` file, an export version directory
    (``.../3`` holding ``saved_model.pb``) or a TF Serving base path (its newest version).

    Raises:
        FileNotFoundError: ``path`` does not exist, or is a directory with no export in it.
        ValueError: ``path`` is a file that is not a ``.keras`` model of this package.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Expected a .keras file or a SavedModel directory, received "
                                f"{path!r}, which does not exist.")
    if os.path.isdir(path):
        version = path
        if not os.path.isfile(os.path.join(path, "saved_model.pb")):  # a base path of versions
            from keras_gans import export

            version = export.latest_version(path)
        if version is None or not os.path.isfile(os.path.join(version, "saved_model.pb")):
            raise FileNotFoundError(
                f"Expected a SavedModel directory (with saved_model.pb) or a base path of numbered "
                f"versions, received {path!r}, which holds neither.")
        if not os.path.isfile(os.path.join(version, "assets.extra", "model.json")):
            raise FileNotFoundError(f"Expected an export of keras_gans with "
                                    f"assets.extra/model.json, received {version!r} without it.")
        return SavedModelGenerator(version)
    if not path.endswith(".keras"):
        raise ValueError(f"Expected a .keras file or a SavedModel directory, received the file "
                         f"{path!r}.")
    import keras

    from keras_gans.models.base import GAN

    model = keras.models.load_model(path)
    if not isinstance(model, GAN):
        raise ValueError(f"Expected a GAN of keras_gans in {path!r}, received a "
                         f"{type(model).__name__}.")
    from keras_gans import saving

    metadata = {key: value for key, value in saving.read_run_summary(path).items()
                if key in ("variant", "dataset", "metrics", "reference")}
    return KerasGenerator(model, metadata, path)


#: Samples per measurement when none is asked for, as in the benchmarks.
DEFAULT_EVAL_SAMPLES = {"image": 2000, "mixture_2d": 2500, "gaussian_1d": 10_000}
INTERPOLATION_STEPS = 10


def data_kind(generator):
    """``"image"``, ``"mixture_2d"`` or ``"gaussian_1d"``: what the samples are."""
    if generator.is_image:
        return "image"
    if generator.sample_shape == (2,):
        return "mixture_2d"
    if generator.sample_shape == (1,):
        return "gaussian_1d"
    raise ValueError(f"Expected image, 2-D or 1-D samples, received samples of shape "
                     f"{generator.sample_shape}.")


def draw(generator, num_samples=None, labels=None, seed=0, interpolate=False):
    """Samples to show: ``(samples, rows, row_names)``.

    Independent samples, or with ``interpolate`` strips of :data:`INTERPOLATION_STEPS` samples
    along spherical paths between pairs of noise vectors (Radford et al. 2015, sec. 6.1).
    A conditional generator gets one row per label (default: every class); ``num_samples``
    is then spread over the rows.
    """
    from keras_gans import latent

    if generator.conditional and labels is None:
        labels = list(range(generator.num_classes))
    labels = generator.check_labels(labels)
    names = generator.metadata.get("label_names")
    row_names = None if labels is None else [names[i] if names else str(i) for i in labels]
    if interpolate:
        rows = len(labels) if labels is not None else max(1, (num_samples or 64) // INTERPOLATION_STEPS)
        _, z = generator.generate(None if labels is not None else 2 * rows,
                                  None if labels is None else np.tile(labels, 2), seed)
        noise = np.concatenate([latent.interpolate(start, end, INTERPOLATION_STEPS, "spherical")
                                for start, end in zip(z[:rows], z[rows:])])
        row_labels = None if labels is None else np.repeat(labels, INTERPOLATION_STEPS)
        return np.asarray(generator.sample(noise, row_labels)), rows, row_names
    if labels is not None:
        per_row = max(1, (num_samples or 8 * len(labels)) // len(labels))
        samples, _ = generator.generate(labels=np.repeat(labels, per_row), seed=seed)
        return samples, len(labels), row_names
    default = 64 if generator.is_image else DEFAULT_EVAL_SAMPLES[data_kind(generator)]
    samples, _ = generator.generate(num_samples or default, seed=seed)
    return samples, None, None


def evaluate(generator, dataset=None, num_samples=None, seed=0):
    """The package's quality metrics of ``generator``'s samples, and of real data for reference.

    Images: FCD and classifier score (:class:`keras_gans.evaluation.ImageEvaluator`),
    conditional accuracy for conditional generators, reconstruction accuracy when there is an
    encoder (ALI / BiGAN), the test error of a semi-supervised GAN's classifier. 2-D mixtures:
    mode coverage; the 1-D toy: W1 and the moments.

    Returns:
        ``{"dataset", "num_samples", "metrics", "reference"}``.
    """
    from keras_gans import data, evaluation

    kind = data_kind(generator)
    if kind == "gaussian_1d":  # one target, N(4, 0.5), however an export spells it
        dataset = dataset or "gaussian_1d"
    dataset = dataset or generator.dataset
    expected = {"image": sorted(data.IMAGE_DATASETS), "mixture_2d": sorted(data.MIXTURES),
                "gaussian_1d": ["gaussian_1d"]}[kind]
    if dataset not in expected:
        raise ValueError(f"Expected the data set of these {kind} samples to be one of {expected} "
                         f"(pass dataset=), received {dataset!r}.")
    count = num_samples or DEFAULT_EVAL_SAMPLES[kind]
    labels = np.arange(count) % generator.num_classes if generator.conditional else None
    samples, _ = generator.generate(count, labels, seed)
    real = np.random.default_rng(seed)
    if kind == "image":
        evaluator = evaluation.ImageEvaluator(dataset)
        metrics = evaluator.evaluate(samples, labels)
        reference = evaluator.reference(count)
        if hasattr(generator, "encode"):
            metrics["reconstruction_accuracy"] = evaluator.reconstruction_accuracy(generator, count)
        if hasattr(generator, "classify"):
            images, targets = evaluator.reference_arrays()
            metrics["test_error"] = evaluation.classification_error(
                lambda batch: np.asarray(generator.classify(batch)), images, targets)
    elif kind == "mixture_2d":
        means, stddev = data.get_mixture(dataset)
        means = np.asarray(means)
        metrics = evaluation.mode_coverage(samples, means, stddev)
        drawn = means[real.integers(len(means), size=count)] + stddev * real.normal(size=(count, 2))
        reference = evaluation.mode_coverage(drawn, means, stddev)
    else:
        metrics = evaluation.gaussian_1d_metrics(samples, 4.0, 0.5)
        reference = evaluation.gaussian_1d_metrics(real.normal(4.0, 0.5, count), 4.0, 0.5)
    return {"dataset": dataset, "num_samples": count, "metrics": metrics, "reference": reference}
