"""Re-exports saved_models/ with the current serving signatures, keeping the trained weights.

For every export: rebuild its model in the recipe bench/build_saved_models.py trained, copy the
weights of the newest version's SavedModel into it (by position, each shape checked), export it
as the next version, and prove the two versions are the same generator: ``serving_default``,
``generate`` and ``encode`` / ``classify`` must give identical outputs for the same requests.
Only then is the old version removed (``--keep-old`` keeps it; git history keeps it anyway). A
signature change (the request cap, the label checks' order) then reaches the shipped models
without retraining them. Prints a Markdown table.

Usage:
    python bench/reexport_saved_models.py [--names dcgan_mnist ...] [--out saved_models] [--keep-old]
"""

import argparse
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gans import data, export, variants  # noqa: E402
from keras_gans.data import IMAGE_DATASETS  # noqa: E402
import build_saved_models  # noqa: E402
import mode_collapse  # noqa: E402

#: Where each network of a model is stored in an export (see keras_gans.export.write_saved_model).
STORED = {"generator_variables": lambda model: model.sampling_generator,
          "encode_variables": lambda model: model.encoder,
          "classify_variables": lambda model: model.discriminator}


def rebuild(name, info):
    """The untrained model of export ``name`` in its training recipe, its weights set from ``info``'s export."""
    variant_name, dataset, options = build_saved_models.ENTRIES[name]
    if dataset in data.MIXTURES:
        variant_name, options = mode_collapse.METHODS[info["method"]["name"]]
    if variant_name == "ssgan":  # labels_per_class chose its data, not its networks
        options = {}
    model = variants.build(variant_name, dataset if dataset in IMAGE_DATASETS else "mnist", **options)
    model.g_optimizer.iterations.assign(info["training_steps"])
    return model


def copy_weights(loaded, model):
    """Assigns every network stored in the loaded export to ``model``'s; raises on any mismatch."""
    for attribute, network_of in STORED.items():
        if not hasattr(loaded, attribute):
            continue
        source, target = list(getattr(loaded, attribute)), network_of(model).weights
        shapes = [tuple(v.shape) for v in source], [tuple(w.shape) for w in target]
        if shapes[0] != shapes[1]:
            raise ValueError(f"Expected the export's {attribute} to have the shapes of the "
                             f"rebuilt network, {shapes[1]}; received {shapes[0]}.")
        for variable, weight in zip(source, target):
            weight.assign(variable.numpy())


def requests(info):
    """``{signature: inputs}`` that exercise every signature of an export described by ``info``."""
    rng = np.random.default_rng(0)
    batch = 16
    z = rng.standard_normal((batch, info["latent_dim"])).astype("float32")
    if info["conditional"]:
        labels = (np.arange(batch) % info["num_classes"]).astype("int32")
        result = {"serving_default": {"z": z, "label": labels},
                  "generate": {"label": labels, "seed": np.int64(3)}}
    else:
        result = {"serving_default": {"z": z},
                  "generate": {"num_samples": np.int32(batch), "seed": np.int64(3)}}
    samples = rng.uniform(-1, 1, (batch, *info["sample_shape"])).astype("float32")
    for signature, names in info["signatures"].items():
        if signature not in result:  # encode, classify: one input of data samples
            result[signature] = {names[0]: samples}
    return result


def outputs(loaded, inputs_by_signature):
    """``{signature: {output: array}}`` of a loaded export for ``requests()``' inputs."""
    return {signature: {key: value.numpy() for key, value in
                        loaded.signatures[signature](**{k: tf.constant(v) for k, v in inputs.items()}).items()}
            for signature, inputs in inputs_by_signature.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", nargs="+", choices=sorted(build_saved_models.ENTRIES),
                        default=sorted(build_saved_models.ENTRIES))
    parser.add_argument("--out", default="saved_models")
    parser.add_argument("--keep-old", action="store_true")
    args = parser.parse_args(argv)
    command = f"python bench/reexport_saved_models.py {' '.join(argv if argv is not None else sys.argv[1:])}"
    print(f"$ {command}".rstrip() + "\n")
    print("| export | from | to | signatures compared | max abs difference |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.names:
        base = os.path.join(args.out, name)
        old = export.latest_version(base)
        with open(os.path.join(old, "assets.extra", export.METADATA_FILE), encoding="utf-8") as file:
            info = json.load(file)
        model = rebuild(name, info)
        previous = tf.saved_model.load(old)
        copy_weights(previous, model)
        generated = export.build_metadata(model)
        kept = {key: value for key, value in info.items() if key not in generated}
        kept["reexported"] = {"from_version": int(os.path.basename(old)), "by": command}
        new = export.export_generator(model, base, kept)
        inputs = requests(info)
        try:
            before, after = outputs(previous, inputs), outputs(tf.saved_model.load(new), inputs)
            difference = max(float(np.max(np.abs(before[s][k].astype("float64") - after[s][k])))
                             for s in before for k in before[s])
        except BaseException:
            shutil.rmtree(new)
            raise
        if difference != 0.0:
            shutil.rmtree(new)
            raise SystemExit(f"error: {name}: version {new} differs from {old} by {difference}; "
                             "removed the new version, kept the old one.")
        if not args.keep_old:
            shutil.rmtree(old)
        print(f"| {name} | {old} | {new} | {', '.join(sorted(inputs))} | {difference:g} |",
              flush=True)


if __name__ == "__main__":
    main()
