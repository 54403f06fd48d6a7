"""Benchmark: one of our image recipes against TF-GAN's tutorial network and a keras-io-style step.

Three set-ups train on the train split of ``--dataset`` for ``--minutes`` of
``fit()`` each, in alternation (slices of ``--slice`` seconds, round robin, so
a load change on the machine hits all three alike):

- ``ours``: ``python -m keras_gans train VARIANT`` (``--variant``, default
  ``dcgan``; the recipe, or ``--paper`` for the paper's settings), sampled
  with ``generate`` as the shipped exports are;
- ``tf-gan``: TF-GAN's MNIST tutorial network and settings
  (``bench/tfgan_reference.py``), batch 32;
- ``keras-io``: the same variant's paper networks trained with keras-io's step
  (``bench/keras_io_reference.py``; its WGAN example's step for ``wgan`` and
  ``wgan_gp``), the paper's optimizers and batch.

Then ``--eval-samples`` samples of each are scored by the package's
classifier against the test split: classifier score / the real data's, FCD,
and the smallest class share. TF-GAN's tutorial reports 0.88x its real score
after 2,000 steps of batch 32 (with its own classifier).

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/versus_references.py --minutes 10
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/versus_references.py \
        --variant wgan_gp --setups ours tf-gan
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

#: The variants TF-GAN's unconditional MNIST tutorial can be set beside.
UNCONDITIONAL_IMAGE_VARIANTS = ("vanilla", "dcgan", "wgan", "wgan_gp")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="fit() budget of each")
    parser.add_argument("--slice", type=float, default=60.0, help="seconds per turn")
    parser.add_argument("--variant", default="dcgan", choices=UNCONDITIONAL_IMAGE_VARIANTS,
                        help="which of our unconditional image variants is 'ours'")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--paper", action="store_true", help="ours at the paper's settings")
    parser.add_argument("--eval-samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--setups", nargs="+", choices=("ours", "tf-gan", "keras-io"),
                        default=["ours", "tf-gan", "keras-io"], help="which to train")
    args = parser.parse_args(argv)

    import keras
    import numpy as np

    from keras_gans import callbacks, data, evaluation, variants
    from keras_io_reference import reference_for
    from tfgan_reference import BATCH_SIZE, TFGANTutorialGAN

    keras.utils.set_random_seed(args.seed)
    ours = variants.build(args.variant, args.dataset, paper=args.paper)
    tfgan = TFGANTutorialGAN()
    tfgan.compile(steps_per_execution=10)
    keras_io_networks = variants.build(args.variant, args.dataset, paper=True)
    keras_io = reference_for(args.variant, keras_io_networks)
    setups = {
        "ours": (ours, variants.batch_size_of(args.variant, args.paper),
                 lambda n: ours.generate(n)),
        "tf-gan": (tfgan, BATCH_SIZE, lambda n: tfgan.generate(n)),
        "keras-io": (keras_io, variants.batch_size_of(args.variant, paper=True),
                     lambda n: keras_io.generator(
                         keras.random.normal((n, keras_io_networks.latent_dim)), training=False)),
    }
    setups = {label: setup for label, setup in setups.items() if label in args.setups}
    streams = {label: data.load_images(args.dataset, "train", batch, repeat=True, seed=args.seed)
               for label, (_, batch, _) in setups.items()}
    spent = dict.fromkeys(setups, 0.0)
    steps = dict.fromkeys(setups, 0)
    budget = args.minutes * 60
    while any(value < budget for value in spent.values()):
        for label, (model, _, _) in setups.items():
            if spent[label] >= budget:
                continue
            limit = callbacks.TimeLimit(min(args.slice, budget - spent[label]))
            start = time.perf_counter()
            model.fit(streams[label], epochs=10**6, steps_per_epoch=100, callbacks=[limit],
                      verbose=0)
            spent[label] += time.perf_counter() - start
            steps[label] += limit.steps
    evaluator = evaluation.ImageEvaluator(args.dataset)
    reference = evaluator.reference(args.eval_samples)
    print(f"$ python bench/versus_references.py {' '.join(argv)}".rstrip())
    print(f"\n{args.variant} on {args.dataset}, {args.minutes:g} min of fit() each on "
          f"{os.cpu_count()} CPU cores, in alternating {args.slice:g} s turns; "
          f"{args.eval_samples} samples scored by the package's classifier against the test "
          "split\n")
    print("| set-up | steps | batch | score / real ↑ | FCD ↓ | smallest class share ↑ |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, (_, batch, sample) in setups.items():
        keras.utils.set_random_seed(args.seed)
        images = np.asarray(sample(args.eval_samples))
        features, probabilities = evaluator.features_and_probabilities(images)
        metrics = evaluator.metrics_of(features, probabilities)
        shares = np.bincount(probabilities.argmax(1), minlength=probabilities.shape[1])
        print(f"| {label} | {steps[label]} | {batch} | "
              f"{metrics['classifier_score'] / reference['classifier_score']:.2f} | "
              f"{metrics['fcd']:.1f} | {100 * shares.min() / len(images):.1f} % |", flush=True)


if __name__ == "__main__":
    main()
