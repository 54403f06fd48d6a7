"""Builds saved_models/: one trained, measured, exported generator per variant.

For every entry below: train in the variant's recipe (the CLI's default) on the real data in
``$TFDS_DATA_DIR`` (image variants for ``--minutes`` of wall time each, as in
bench/quality.py, whose saved ``.keras`` files in ``--reuse`` are taken
instead of retraining when present; the 1-D toy for 30,000 steps in the
setting that meets its quality target), measure its quality, and export the generator to
``saved_models/<name>/<version>`` with the metrics in
``assets.extra/model.json``. Prints a Markdown table of what was exported.

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/build_saved_models.py \\
        [--minutes 10 | --steps N] [--reuse runs/quality] [--out saved_models]
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gans import cli, data, evaluation, export, variants  # noqa: E402
from keras_gans.variants import VARIANTS  # noqa: E402
import mode_collapse  # noqa: E402
import semi_supervised  # noqa: E402
from quality import train_for  # noqa: E402

#: The 1-D toy setting that meets the issue's quality target (README, bench/toy1d.py).
TOY_TUNED = {"noise": "normal", "decay_steps": 3000, "generator_ema": 0.999}
TOY_STEPS = 30_000
#: Generator steps of the shipped semi-supervised GAN (bench/semi_supervised.py --steps 4000).
SSGAN_STEPS = 4000

#: name -> (variant, data set, variant options)
ENTRIES = {
    "toy1d": ("toy1d", "gaussian_1d", {"minibatch_discrimination": False, **TOY_TUNED}),
    "toy1d_minibatch": ("toy1d", "gaussian_1d", {"minibatch_discrimination": True, **TOY_TUNED}),
    "vanilla_mnist": ("vanilla", "mnist", {}),
    "dcgan_mnist": ("dcgan", "mnist", {}),
    "dcgan_fashion_mnist": ("dcgan", "fashion_mnist", {}),
    "cdcgan_mnist": ("cdcgan", "mnist", {}),
    "cdcgan_fashion_mnist": ("cdcgan", "fashion_mnist", {}),
    "wgan_mnist": ("wgan", "mnist", {}),
    "wgan_gp_mnist": ("wgan_gp", "mnist", {}),
    "ebgan_mnist": ("ebgan", "mnist", {}),
    "ali_mnist": ("ali", "mnist", {}),
    # The classifier of the semi-supervised GAN (100 labelled digits), with its `classify`.
    "ssgan_mnist": ("ssgan", "mnist", {"labels_per_class": 10}),
    # The best method of bench/mode_collapse.py on each 2-D mixture.
    "mixture_ring": (mode_collapse.BEST["ring"], "ring", {}),
    "mixture_grid": (mode_collapse.BEST["grid"], "grid", {}),
}


def train_toy(options, seed):
    """The 1-D toy in the setting of TOY_TUNED; returns (model, metrics)."""
    variant = VARIANTS["toy1d"]
    keras.utils.set_random_seed(seed)
    model = variant.build(**options)
    model.compile(steps_per_execution=variant.steps_per_execution)
    model.fit(data.gaussian_1d(batch_size=variant.batch_size, seed=seed),
              steps_per_epoch=TOY_STEPS, verbose=0)
    return model, evaluation.gaussian_1d_metrics(model.generate(10_000), 4.0, 0.5)


def rebuilt(loaded, variant_name, dataset, **options):
    """``loaded``'s trained networks (and their moving average) and step counts in a new model
    of ``variant_name``'s recipe with ``options`` over it (e.g. a sampling option)."""
    model = variants.build(variant_name, dataset, **options)
    for attribute in ("generator", "discriminator", "averaged_generator"):
        if hasattr(loaded, attribute):
            getattr(model, attribute).set_weights(getattr(loaded, attribute).get_weights())
    model.g_optimizer.iterations.assign(loaded.g_optimizer.iterations)
    model.d_optimizer.iterations.assign(loaded.d_optimizer.iterations)
    return model


def in_recipe(loaded, variant_name, dataset):
    """A trained ``.keras`` model with the sampling options its variant's recipe has now.

    Rejection sampling changes how samples are drawn, not how the networks train: a
    checkpoint trained before the recipe drew that way is rebuilt in the recipe (:func:`rebuilt`).
    A critic's calibration reads the first real samples of the training split, as ``fit()``
    would have read the first of its (shuffled) data.
    """
    options = variants.get_variant(variant_name).settings(False).options
    sampling = {name: value for name, value in options.items() if name.startswith("rejection_")}
    config = loaded.get_config()
    model = loaded
    if any(config.get(name) != value for name, value in sampling.items()):
        model = rebuilt(loaded, variant_name, dataset)
    return with_training_reference(model, dataset)


def with_training_reference(model, dataset):
    """``model``, given the training split as the real samples a critic's calibration reads
    (the first ones, as ``fit()`` would keep), when a sampling technique needs them."""
    if model.sampling_reference_size:
        model.set_sampling_reference(data.load_arrays(dataset, "train")[0])
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", nargs="+", choices=sorted(ENTRIES), default=list(ENTRIES))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--steps", type=int, default=None,
                        help="image variants: a budget of generator steps (a multiple of 100) "
                        "instead of --minutes, the same on any machine")
    parser.add_argument("--eval-samples", type=int, default=2000)
    parser.add_argument("--mixture-steps", type=int, default=None,
                        help="steps of the 2-D mixture GANs (default: the variants' own)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", default=os.path.join("runs", "quality"),
                        help="directory of bench/quality.py's VARIANT_DATASET.keras files")
    parser.add_argument("--out", default="saved_models")
    args = parser.parse_args(argv)
    command = f"python bench/build_saved_models.py {' '.join(argv if argv is not None else sys.argv[1:])}"
    print(f"$ {command}".rstrip() + "\n")
    print("| export | variant | data set | training steps | metrics | size MB |")
    print("| --- | --- | --- | --- | --- | --- |")
    evaluators = {}
    for number, name in enumerate(args.names, 1):
        variant_name, dataset, options = ENTRIES[name]
        # Progress on stderr, so that stdout stays the Markdown table.
        print(f"[{number}/{len(args.names)}] {name}: training {variant_name} on {dataset}",
              file=sys.stderr, flush=True)
        if dataset == "gaussian_1d":
            model, metrics = train_toy(options, args.seed)
            metadata = {"dataset": "N(4, 0.5)", "metrics": metrics,
                         "options": {k: v for k, v in options.items()}}
        elif dataset in data.MIXTURES:
            method = variant_name
            variant_name, options = mode_collapse.METHODS[method]
            saved = os.path.join("runs", "mode_collapse", f"{dataset}_{method}_seed0.keras")
            if os.path.exists(saved) and args.seed == 0:  # bench/mode_collapse.py's model
                model = keras.models.load_model(saved)
            else:
                model, _ = mode_collapse.train(dataset, method, args.seed, args.mixture_steps)
            keras.utils.set_random_seed(args.seed)
            means, stddev = data.get_mixture(dataset)
            metrics = evaluation.mode_coverage(model.generate(2500).numpy(), means, stddev)
            metadata = {"dataset": dataset, "metrics": metrics,
                        "method": {"name": method, "variant": variant_name, **options}}
        elif variant_name == "ssgan":
            labels = options["labels_per_class"]
            saved = os.path.join("runs", "semi_supervised",
                                 f"ssgan_{labels * semi_supervised.NUM_CLASSES}_seed{args.seed}.keras")
            if os.path.exists(saved):  # bench/semi_supervised.py's model
                model = keras.models.load_model(saved)
            else:
                model, _, _ = semi_supervised.train_gan(labels, args.seed, SSGAN_STEPS)
            metrics = {"test_error": semi_supervised.test_error(model.classify)}
            metadata = {**cli.export_metadata({"dataset": dataset, "metrics": metrics}),
                        "labelled_digits": labels * semi_supervised.NUM_CLASSES}
        else:
            checkpoint = os.path.join(args.reuse, f"{variant_name}_{dataset}.keras")
            if os.path.exists(checkpoint):
                model = in_recipe(keras.models.load_model(checkpoint), variant_name, dataset)
            else:
                model, _, _ = train_for(variant_name, dataset, args.minutes, args.seed,
                                        steps=args.steps, **options)
                os.makedirs(args.reuse, exist_ok=True)
                model.save(checkpoint)  # a rerun (e.g. after an export change) reuses it
            if dataset not in evaluators:
                evaluator = evaluation.ImageEvaluator(dataset)
                evaluators[dataset] = (evaluator, evaluator.reference(args.eval_samples))
            evaluator, reference = evaluators[dataset]
            keras.utils.set_random_seed(args.seed)
            metrics = evaluator.evaluate(*evaluation.generate_for_evaluation(model, args.eval_samples))
            if hasattr(model, "encode"):
                metrics["reconstruction_accuracy"] = evaluator.reconstruction_accuracy(
                    model, args.eval_samples)
            metadata = cli.export_metadata({"dataset": dataset, "metrics": metrics,
                                            "reference": reference})
            if any(t.name == "rejection_sampling" for t in model.techniques):
                # What serving_default gives (G(z), no rejection), beside generate's figures.
                keras.utils.set_random_seed(args.seed)
                metadata["metrics_without_rejection"] = evaluator.evaluate(
                    np.asarray(model.sample(model.sample_noise(args.eval_samples))))
        metadata["produced_by"] = command
        path = export.export_generator(model, os.path.join(args.out, name), metadata)
        size = sum(os.path.getsize(os.path.join(root, f))
                   for root, _, files in os.walk(path) for f in files) / 1e6
        shown = ", ".join(f"{key} {value:.3g}" for key, value in metrics.items())
        print(f"| `{path}` | {variant_name} | {dataset} | {int(model.g_optimizer.iterations)} | "
              f"{shown} | {size:.1f} |", flush=True)


if __name__ == "__main__":
    main()
