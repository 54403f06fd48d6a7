"""Export generators as SavedModels that TF Serving loads without this package.

Layout (TF Serving's): ``<base_dir>/<version>/saved_model.pb`` + ``variables/``
+ ``assets.extra/model.json`` (and optional warm-up requests), where
``version`` is one more than the highest integer version already there. A
version is written to a temporary directory beside it and renamed into place,
so TF Serving never sees a half-written version and nothing existing is
touched.

Signatures (``tensorflow/serving/predict``):

- ``serving_default``: ``z`` float32 ``[batch, latent_dim]`` (conditional
  models also ``label`` int32 ``[batch]``) -> ``samples`` float32 in the
  data's scale and, for images, ``images`` uint8 ``[batch, H, W, C]``.
- ``generate``: ``num_samples`` int32 ``[]`` (conditional: ``label`` int32
  ``[batch]`` instead) and ``seed`` int64 ``[]`` -> the same outputs plus
  ``z``; the noise is drawn in the graph with stateless ops, so a seed always
  gives the same samples. A model with ``rejection_sampling`` keeps only the
  samples its discriminator accepts (the export then carries D too).
- ``encode`` (ALI / BiGAN): ``samples`` float32 -> ``codes`` ``[batch, latent_dim]``.
- ``classify`` (the semi-supervised GAN): ``images`` float32 in [-1, 1] ->
  ``probabilities`` ``[batch, K]``.

Every request's batch must lie in ``[1, MAX_BATCH]`` (65,536), checked in the graph:
an empty or too large request fails with ``INVALID_ARGUMENT`` and the server stays up.
(Exports made before this check accept batch 0 and have no cap; ``bench/reexport_saved_models.py``
re-exports an export with the current signatures and the same weights.)

Examples:

    >>> import tempfile
    >>> from keras_gans.models import Toy1DGAN
    >>> gan = Toy1DGAN()
    >>> gan.compile()
    >>> _ = gan.fit(np.full((16, 1), 4.0, "float32"), batch_size=8, verbose=0)
    >>> base = tempfile.mkdtemp()
    >>> path = export_generator(gan, base, metadata={"dataset": "gaussian_1d"})
    >>> sorted(os.listdir(path))
    ['assets', 'assets.extra', 'fingerprint.pb', 'saved_model.pb', 'variables']
    >>> os.path.basename(export_generator(gan, base))   # never overwrites: the next version
    '2'
"""

import json
import os
import shutil
import tempfile

import numpy as np

METADATA_FILE = "model.json"
#: The largest batch one request may ask for (``num_samples``, rows of ``z``, labels or samples):
#: checked in the graph, so that a request cannot exhaust the server's memory.
MAX_BATCH = 65_536
WARMUP_FILE = "tf_serving_warmup_requests"


def existing_versions(base_dir):
    """The integer version directories under ``base_dir``, sorted."""
    if not os.path.isdir(base_dir):
        return []
    return sorted(int(name) for name in os.listdir(base_dir)
                  if name.isdigit() and os.path.isdir(os.path.join(base_dir, name)))


def latest_version(base_dir):
    """The path of the newest version under ``base_dir`` (what TF Serving serves), or None."""
    versions = existing_versions(base_dir)
    return os.path.join(base_dir, str(versions[-1])) if versions else None


def check_base_dir(base_dir):
    """Raises ``NotADirectoryError`` if ``base_dir`` exists and is not a directory."""
    if os.path.exists(base_dir) and not os.path.isdir(base_dir):
        raise NotADirectoryError(
            f"Expected a directory for the versions of the export, received the file {base_dir!r}."
        )


def _check_exportable(model, base_dir, allow_untrained):
    from keras_gans.models.base import GAN

    if not isinstance(model, GAN):
        raise TypeError(f"Expected a keras_gans GAN model, received {type(model).__name__}.")
    steps = model.steps_trained
    if steps == 0 and not allow_untrained:
        raise ValueError(
            f"Expected a trained model, received a {type(model).__name__} with 0 generator "
            "steps (compile() and fit() it first, or pass allow_untrained=True)."
        )
    check_base_dir(base_dir)


def serving_functions(model):
    """``{signature name: (function, input signature)}`` for ``model``'s generator.

    The functions use only TF ops and the generator, so the SavedModel needs
    no Python code of this package.
    """
    import tensorflow as tf

    image_model = len(model.generator.outputs[0].shape) == 4
    model.prepare_sampling()  # eager work the traced draw reads (a bound on D)

    def outputs(samples):
        result = {"samples": samples}
        if image_model:  # tanh range [-1, 1] -> pixels 0..255
            pixels = tf.round((tf.clip_by_value(samples, -1.0, 1.0) + 1.0) * 127.5)
            result["images"] = tf.cast(pixels, tf.uint8)
        return result

    def checked(batch, tensor):
        """``tensor`` once ``1 <= batch <= MAX_BATCH`` holds (else the request fails in-graph)."""
        with tf.control_dependencies([
                tf.debugging.assert_positive(batch, "batch (num_samples, rows of z, labels or "
                                             "samples) must be >= 1"),
                tf.debugging.assert_less_equal(batch, tf.constant(MAX_BATCH, batch.dtype),
                                               f"batch must be <= {MAX_BATCH} per request")]):
            return tf.identity(tensor)

    latent = tf.TensorSpec([None, model.latent_dim], tf.float32, name="z")
    seed = tf.TensorSpec([], tf.int64, name="seed")
    if model.conditional:
        label = tf.TensorSpec([None], tf.int32, name="label")

        def serve(z, label):
            z = checked(tf.shape(z)[0], z)
            return outputs(model.sample(z, model.checked_labels(label)))

        def generate(label, seed):
            label = model.checked_labels(checked(tf.shape(label)[0], label))
            z = model.sample_noise(tf.shape(label)[0], seed=tf.stack([seed, tf.constant(0, tf.int64)]))
            return {**outputs(model.sample(z, label)), "z": z}

        return {"serving_default": (serve, [latent, label]), "generate": (generate, [label, seed])}

    def serve(z):
        return outputs(model.sample(checked(tf.shape(z)[0], z)))

    def generate(num_samples, seed):
        num_samples = checked(num_samples, num_samples)
        samples, z = model.draw(num_samples, seed=tf.stack([seed, tf.constant(0, tf.int64)]))
        return {**outputs(samples), "z": z}

    count = tf.TensorSpec([], tf.int32, name="num_samples")
    functions = {"serving_default": (serve, [latent]), "generate": (generate, [count, seed])}
    sample_shape = [None, *model.generator.outputs[0].shape[1:]]
    for name, (method, input_name, output_name, _) in _sample_signatures(model).items():
        functions[name] = (_named_output(method, output_name, checked),
                           [tf.TensorSpec(sample_shape, tf.float32, name=input_name)])
    return functions


def _named_output(method, output_name, checked):
    """``samples -> {output_name: method(samples)}`` (one argument: a traceable signature)."""
    import tensorflow as tf

    def run(samples):
        return {output_name: method(checked(tf.shape(samples)[0], samples))}

    return run


def _sample_signatures(model):
    """The signatures on data samples that ``model`` has beyond generation:
    ``{name: (method, input name, output name, network it runs)}``."""
    signatures = {}
    if getattr(model, "encoder", None) is not None:  # ALI / BiGAN: data -> codes
        signatures["encode"] = (model.encode, "samples", "codes", model.sampling_encoder)
    if hasattr(model, "classify"):  # the semi-supervised GAN's classifier
        signatures["classify"] = (model.classify, "images", "probabilities", model.discriminator)
    return signatures


def write_saved_model(model, directory):
    """Writes the generator and its serving signatures as a SavedModel.

    ``tf.saved_model.save`` of a ``tf.Module`` that holds the generator's
    variables and one ``tf.function`` per signature. (Keras 3.15's
    ``ExportArchive`` stores every variable twice, once per wrapper, which
    doubles the size of each export.)
    """
    import tensorflow as tf

    module = tf.Module()
    # The tf.Variables behind the Keras variables: what the functions capture.
    module.generator_variables = [weight.value for weight in model.sampling_generator.weights]
    module.sampling_variables = [weight.value for technique in model.techniques
                                 for weight in technique.sampling_variables(model)]
    for name, (_, _, _, network) in _sample_signatures(model).items():
        setattr(module, f"{name}_variables", [weight.value for weight in network.weights])
    signatures = {}
    for name, (function, signature) in serving_functions(model).items():
        traced = tf.function(function, input_signature=signature, autograph=False)
        setattr(module, name, traced)
        signatures[name] = traced.get_concrete_function()
    tf.saved_model.save(module, directory, signatures=signatures)


def build_metadata(model, metadata=None):
    """The ``assets.extra/model.json`` content: what the model is and how good it was."""
    from keras_gans.variants import name_of

    shape = [int(d) for d in model.generator.outputs[0].shape[1:]]
    info = {
        "variant": name_of(model),
        "class": type(model).__name__,
        "latent_dim": model.latent_dim,
        "sample_shape": shape,
        "conditional": bool(model.conditional),
        "num_classes": getattr(model, "num_classes", None),
        "training_steps": model.steps_trained,
        "signatures": {
            "serving_default": ["z", "label"] if model.conditional else ["z"],
            "generate": ["label", "seed"] if model.conditional else ["num_samples", "seed"],
            **{name: [input_name] for name, (_, input_name, _, _) in
               _sample_signatures(model).items()},
        },
        "outputs": ["samples", "images"] if len(shape) == 3 else ["samples"],
        "max_batch": MAX_BATCH,
    }
    for technique in model.techniques:  # how the generate signature draws, if not G(z)
        info.update(technique.sampling_metadata(model))
    info.update(metadata or {})
    return info


def write_warmup_requests(path, model, num_samples=2):
    """Writes TF Serving warm-up requests (``PredictionLog`` protos) for both signatures.

    Returns False (and writes nothing) when ``tensorflow-serving-api`` is not
    installed (``pip install keras-gans[serving]``).
    """
    try:
        from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2
    except ImportError:
        return False
    import tensorflow as tf

    z = np.zeros((num_samples, model.latent_dim), np.float32)
    labels = np.arange(num_samples, dtype=np.int32) % max(getattr(model, "num_classes", 1), 1)
    requests = {
        "serving_default": {"z": z, **({"label": labels} if model.conditional else {})},
        "generate": {**({"label": labels} if model.conditional
                        else {"num_samples": np.int32(num_samples)}), "seed": np.int64(0)},
    }
    with tf.io.TFRecordWriter(path) as writer:
        for signature, inputs in requests.items():
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name="model", signature_name=signature))
            for key, value in inputs.items():
                request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())
    return True


def export_generator(model, base_dir, metadata=None, warmup=True, allow_untrained=False):
    """Exports ``model``'s generator as the next version under ``base_dir``.

    Args:
        model: a trained :class:`~keras_gans.models.GAN`.
        base_dir: TF Serving's model base path (created if missing).
        metadata: extra entries for ``assets.extra/model.json`` (e.g.
            ``dataset``, ``label_names``, ``metrics``).
        warmup: also write ``assets.extra/tf_serving_warmup_requests`` when
            ``tensorflow-serving-api`` is installed.
        allow_untrained: export a model with 0 training steps.

    Returns:
        The path of the new version directory.

    Raises:
        ValueError: an untrained model (nothing is written).
        NotADirectoryError: ``base_dir`` is a file (nothing is written).
        PermissionError: ``base_dir`` cannot be written (nothing is written).
    """
    _check_exportable(model, base_dir, allow_untrained)
    try:  # fails fast on an unwritable location, before anything is traced
        os.makedirs(base_dir, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".export-", dir=base_dir)
    except OSError as error:
        raise PermissionError(f"Cannot write the export under {base_dir!r}: {error}") from error
    try:
        write_saved_model(model, staging)
        extra = os.path.join(staging, "assets.extra")
        os.makedirs(extra, exist_ok=True)
        info = build_metadata(model, metadata)
        with open(os.path.join(extra, METADATA_FILE), "w", encoding="utf-8") as file:
            json.dump(info, file, indent=2)
        if warmup:
            write_warmup_requests(os.path.join(extra, WARMUP_FILE), model)
        versions = existing_versions(base_dir)
        target = os.path.join(base_dir, str((versions[-1] if versions else 0) + 1))
        os.rename(staging, target)  # atomic; fails rather than replace an existing version
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
