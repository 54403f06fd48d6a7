"""Benchmark: discriminator rejection sampling's shift gamma and bound on one trained image model.

Loads a trained ``.keras`` model (training is the same at any setting: only sampling changes;
a model trained without ``rejection_sampling`` is rebuilt with it in ``--variant``'s recipe, its
networks copied in) and scores 2,000 samples of G alone and of ``generate`` at each shift gamma
(Azadi et al. 2019) and bound quantile q, against the test split: classifier score / real, FCD,
the smallest class share and the share of G's samples kept. A critic's score (WGAN, EBGAN) is
calibrated on the first 2,048 digits of the training split.

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/build_saved_models.py \\
        --names vanilla_mnist --steps 8000          # trains runs/quality/vanilla_mnist.keras
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/rejection_sampling.py \\
        [--model runs/quality/vanilla_mnist.keras] [--shifts 0 1 2] [--quantiles 1 0.95]
    ... python bench/rejection_sampling.py --model runs/quality/ebgan_mnist.keras --variant ebgan
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gans  # noqa: E402,F401  (registers the model classes for load_model)
from ablation import class_shares  # noqa: E402
from build_saved_models import rebuilt, with_training_reference  # noqa: E402
from keras_gans import evaluation  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=os.path.join("runs", "quality", "vanilla_mnist.keras"),
                        help="a trained .keras model: with rejection_sampling=True, or any "
                        "model of --variant")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--variant", default=None,
                        help="the variant whose recipe rebuilds a model trained without "
                        "rejection_sampling (e.g. ebgan, wgan_gp)")
    parser.add_argument("--shifts", nargs="+", type=float, default=[0.0, 1.0, 2.0])
    parser.add_argument("--quantiles", nargs="+", type=float, default=[1.0],
                        help="rejection_quantile values: l_max is this quantile of D's logits")
    parser.add_argument("--eval-samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    model = keras.models.load_model(args.model)
    technique = next((t for t in model.techniques if t.name == "rejection_sampling"), None)
    if technique is None:
        if args.variant is None:
            raise SystemExit(f"{args.model} was trained without rejection_sampling: name its "
                             "variant with --variant to rebuild it with the technique.")
        model = rebuilt(model, args.variant, args.dataset, rejection_sampling=True)
        technique = next(t for t in model.techniques if t.name == "rejection_sampling")
    model = with_training_reference(model, args.dataset)
    evaluator = evaluation.ImageEvaluator(args.dataset)
    reference = evaluator.reference(args.eval_samples)

    print(f"$ python bench/rejection_sampling.py {' '.join(argv or sys.argv[1:])}".rstrip())
    print(f"\n{args.model}: {model.steps_trained} generator steps; {args.eval_samples} samples, "
          f"seed {args.seed}, against the {args.dataset} test split\n")
    print("| sampling | kept | score / real ↑ | FCD ↓ | smallest class share ↑ |")
    print("| --- | --- | --- | --- | --- |")

    def row(label, images, kept):
        features, probabilities = evaluator.features_and_probabilities(images)
        metrics = evaluator.metrics_of(features, probabilities)
        share = class_shares(probabilities, probabilities.shape[1]).min()
        print(f"| {label} | {kept:.1%} | "
              f"{metrics['classifier_score'] / reference['classifier_score']:.3f} | "
              f"{metrics['fcd']:.2f} | {share:.1%} |", flush=True)

    keras.utils.set_random_seed(args.seed)
    row("G(z), no rejection", np.asarray(model.sample(model.sample_noise(args.eval_samples))), 1.0)
    for quantile in args.quantiles:
        for shift in args.shifts:
            technique.rejection_shift, technique.rejection_quantile = shift, quantile
            model.rejection_calibrated_at.assign(-1)  # the bound and the rate depend on them
            keras.utils.set_random_seed(args.seed)
            images = np.asarray(model.generate(args.eval_samples))
            bound = "" if quantile == 1 else f", q = {quantile:g}"
            row(f"rejection, γ = {shift:g}{bound}", images,
                float(model.rejection_acceptance_rate.numpy()))


if __name__ == "__main__":
    main()
