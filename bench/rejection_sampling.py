"""Benchmark: discriminator rejection sampling's shift gamma on one trained image model.

Loads a ``.keras`` model trained with ``rejection_sampling=True`` (training is the same at any
gamma: only sampling changes) and scores 2,000 samples of G alone and of ``generate`` at each
shift gamma (Azadi et al. 2019), against the test split: classifier score / real, FCD, the
smallest class share and the share of G's samples kept.

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/build_saved_models.py \\
        --names vanilla_mnist --steps 8000          # trains runs/quality/vanilla_mnist.keras
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/rejection_sampling.py \\
        [--model runs/quality/vanilla_mnist.keras] [--shifts 0 1 2]
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
from keras_gans import evaluation  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=os.path.join("runs", "quality", "vanilla_mnist.keras"),
                        help="a .keras model trained with rejection_sampling=True")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--shifts", nargs="+", type=float, default=[0.0, 1.0, 2.0])
    parser.add_argument("--eval-samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    model = keras.models.load_model(args.model)
    technique = next((t for t in model.techniques if t.name == "rejection_sampling"), None)
    if technique is None:
        raise SystemExit(f"Expected a model trained with rejection_sampling=True, received "
                         f"{args.model} without it.")
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
    for shift in args.shifts:
        technique.rejection_shift = shift
        model.rejection_calibrated_at.assign(-1)  # the acceptance rate depends on gamma
        keras.utils.set_random_seed(args.seed)
        images = np.asarray(model.generate(args.eval_samples))
        row(f"rejection, γ = {shift:g}", images, float(model.rejection_acceptance_rate.numpy()))


if __name__ == "__main__":
    main()
