"""Benchmark: sample quality of every image variant after a fixed CPU budget.

Each variant is trained in its recipe (the CLI's default: the recipe's
networks, techniques, optimizers and batch size, ``keras_gans.variants``) on the train split of
``--dataset`` from ``$TFDS_DATA_DIR`` for ``--minutes`` of wall time on this
machine (``keras_gans.callbacks.TimeLimit``), then ``--eval-samples``
generated images are scored by the package's classifier
(``keras_gans.evaluation.ImageEvaluator``): Fréchet classifier distance to the
test split, classifier score, and for ``cdcgan`` conditional accuracy. The
real-data row (the same number of train images against the test split) is
the reference.

Trained models are saved as ``--save-dir/VARIANT_DATASET.keras`` (a new
directory; existing files are never overwritten).

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/quality.py [--minutes 10]
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from keras_gans import callbacks, data, evaluation, variants  # noqa: E402
from keras_gans.data import IMAGE_DATASETS  # noqa: E402
from keras_gans.variants import VARIANTS  # noqa: E402

IMAGE_VARIANTS = [name for name, variant in VARIANTS.items() if variant.data == "images"]


def train_for(name, dataset, minutes, seed, steps_per_epoch=500, steps=None, **options):
    """Trains one variant in its recipe (``python -m keras_gans train NAME``'s
    default, with ``options`` over it) for ``minutes``, or for ``steps``
    generator steps when given (a budget that does not depend on the machine's
    speed); returns (model, steps, seconds)."""
    if steps and steps % 100:
        raise ValueError(f"Expected a step budget that is a multiple of 100, received {steps}.")
    keras.utils.set_random_seed(seed)
    model = variants.build(name, dataset, **options)
    limit = callbacks.TimeLimit(minutes * 60 if not steps else 10**9)
    start = time.perf_counter()
    batch_size = variants.batch_size_of(name)
    if steps:
        epochs, steps_per_epoch = steps // 100, 100
    else:
        epochs = 10**6  # until the time limit
    model.fit(data.load_images(dataset, "train", batch_size, repeat=True, seed=seed),
              epochs=epochs, steps_per_epoch=steps_per_epoch, callbacks=[limit], verbose=0)
    return model, limit.steps, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", choices=IMAGE_VARIANTS, default=IMAGE_VARIANTS)
    parser.add_argument("--dataset", choices=sorted(IMAGE_DATASETS), default="mnist")
    parser.add_argument("--minutes", type=float, default=10.0, help="training budget per variant")
    parser.add_argument("--eval-samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save-dir", default=os.path.join("runs", "quality"))
    args = parser.parse_args(argv)
    os.makedirs(args.save_dir, exist_ok=True)

    print(f"$ python bench/quality.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    evaluator = evaluation.ImageEvaluator(args.dataset)
    reference = evaluator.reference(args.eval_samples)
    print(f"\n{args.dataset}, {args.minutes:g} min of fit() per variant on {os.cpu_count()} CPU "
          f"cores, {args.eval_samples} generated images scored by the package's classifier "
          "against the test split\n")
    print("| model | steps | images/s | FCD ↓ | classifier score ↑ | score / real | "
          "conditional accuracy ↑ |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(f"| real data (train vs test) | – | – | {reference['fcd']:.2f} | "
          f"{reference['classifier_score']:.2f} | 1.00 | "
          f"{reference['conditional_accuracy']:.1%} |", flush=True)
    results = {"reference": reference}
    for number, name in enumerate(args.variants, 1):
        print(f"[{number}/{len(args.variants)}] {name}: {args.minutes:g} min of fit()",
              file=sys.stderr, flush=True)
        model, steps, seconds = train_for(name, args.dataset, args.minutes, args.seed)
        path = os.path.join(args.save_dir, f"{name}_{args.dataset}.keras")
        if not os.path.exists(path):
            model.save(path)
        images, labels = evaluation.generate_for_evaluation(model, args.eval_samples)
        metrics = evaluator.evaluate(images, labels)
        if hasattr(model, "encode"):  # ALI / BiGAN: the share of G(E(x)) that keep x's label
            metrics["reconstruction_accuracy"] = evaluator.reconstruction_accuracy(
                model, args.eval_samples)
        results[name] = {**metrics, "steps": steps, "seconds": seconds}
        ratio = metrics["classifier_score"] / reference["classifier_score"]
        accuracy = metrics.get("conditional_accuracy")
        print(f"| {name} | {steps} | {steps * VARIANTS[name].batch_size / seconds:.0f} | "
              f"{metrics['fcd']:.2f} | {metrics['classifier_score']:.2f} | {ratio:.2f} | "
              f"{'–' if accuracy is None else f'{accuracy:.1%}'} |", flush=True)
    print("\n" + json.dumps(results))


if __name__ == "__main__":
    main()
