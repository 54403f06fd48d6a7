"""Benchmark: one of our image recipes against TF-GAN's tutorial network and a keras-io-style step.

Three set-ups train on the train split of ``--dataset`` for ``--minutes`` of
``fit()`` each, in alternation (slices of ``--slice`` seconds, round robin, so
a load change on the machine hits all three alike). With ``--ours-steps N``
the budget is instead the wall time ``ours`` takes for N generator steps,
still in alternation: after each turn of ``ours`` the others train until
they have had as many seconds as it has. On a machine slower than the one
a 10-minute target was set on, that compares the set-ups at the target
machine's budget (the steps ``ours`` runs there in 10 minutes), which
``--minutes 10`` here would not:

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
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/versus_references.py \
        --variant wgan_gp --setups ours tf-gan --ours-steps 6700
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

#: The variants TF-GAN's unconditional MNIST tutorial can be set beside.
UNCONDITIONAL_IMAGE_VARIANTS = ("vanilla", "dcgan", "wgan", "wgan_gp")


def epochs_for(max_steps=None):
    """``(epochs, steps_per_epoch)`` of a turn of at most ``max_steps`` steps (None: no cap):
    epochs of 100 steps, or one shorter epoch for the last few."""
    if max_steps is None:
        return 10**6, 100
    return (max_steps // 100, 100) if max_steps >= 100 else (1, max_steps)


def alternate(labels, train_turn, slice_seconds, minutes=10.0, ours_steps=None):
    """Round-robin turns of training until each set-up has had the same time.

    ``train_turn(label, seconds, max_steps)`` trains one set-up for about
    ``seconds`` (at most ``max_steps`` steps when given) and returns
    ``(seconds used, steps done)``. The budget is ``minutes`` each, or with
    ``ours_steps`` the time ``"ours"`` takes for that many steps: after each
    of its turns, every other set-up trains until it has had as many seconds
    as ``"ours"`` so far (a turn that overran is made up in the next one).
    Returns ``({label: seconds}, {label: steps})``.
    """
    spent, steps = dict.fromkeys(labels, 0.0), dict.fromkeys(labels, 0)

    def turn(label, seconds, max_steps=None):
        used, done = train_turn(label, seconds, max_steps)
        spent[label] += used
        steps[label] += done

    if ours_steps is None:
        budget = minutes * 60
        while any(value < budget for value in spent.values()):
            for label in labels:
                if spent[label] < budget:
                    turn(label, min(slice_seconds, budget - spent[label]))
        return spent, steps
    while steps["ours"] < ours_steps:
        turn("ours", slice_seconds, ours_steps - steps["ours"])
        for label in labels:
            if label != "ours" and spent[label] < spent["ours"]:
                turn(label, spent["ours"] - spent[label])
    return spent, steps


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="fit() budget of each")
    parser.add_argument("--ours-steps", type=int, default=None,
                        help="instead of --minutes: the budget is the time 'ours' takes for this "
                        "many generator steps (a multiple of 100); after each of its turns "
                        "the others train until they have had as much time")
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
    if args.ours_steps is not None:
        if "ours" not in args.setups:
            parser.error("--ours-steps sets the budget by 'ours'; include it in --setups")
        if args.ours_steps <= 0 or args.ours_steps % 100:
            parser.error(f"--ours-steps must be a positive multiple of 100, received {args.ours_steps}")

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
    def train_turn(label, seconds, max_steps=None):
        """Trains one set-up for ``seconds`` (and at most ``max_steps``): (seconds, steps)."""
        limit = callbacks.TimeLimit(seconds)
        epochs, per_epoch = epochs_for(max_steps)
        start = time.perf_counter()
        setups[label][0].fit(streams[label], epochs=epochs, steps_per_epoch=per_epoch,
                             callbacks=[limit], verbose=0)
        used = time.perf_counter() - start
        print(f"{label}: {limit.steps} steps in {used:.0f} s", file=sys.stderr, flush=True)
        return used, limit.steps

    spent, steps = alternate(list(setups), train_turn, args.slice, minutes=args.minutes,
                             ours_steps=args.ours_steps)
    budget_words = (f"{args.minutes:g} min of fit() each" if args.ours_steps is None else
                    f"the {spent['ours'] / 60:.1f} min of fit() that 'ours' took for "
                    f"{args.ours_steps} steps, each")
    evaluator = evaluation.ImageEvaluator(args.dataset)
    reference = evaluator.reference(args.eval_samples)
    print(f"$ python bench/versus_references.py {' '.join(argv)}".rstrip())
    print(f"\n{args.variant} on {args.dataset}, {budget_words} on "
          f"{os.cpu_count()} CPU cores, in alternating {args.slice:g} s turns; "
          f"{args.eval_samples} samples scored by the package's classifier against the test "
          "split\n")
    print("| set-up | steps | batch | min of fit() | score / real ↑ | FCD ↓ | smallest class share ↑ |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, (_, batch, sample) in setups.items():
        keras.utils.set_random_seed(args.seed)
        images = np.asarray(sample(args.eval_samples))
        features, probabilities = evaluator.features_and_probabilities(images)
        metrics = evaluator.metrics_of(features, probabilities)
        shares = np.bincount(probabilities.argmax(1), minlength=probabilities.shape[1])
        print(f"| {label} | {steps[label]} | {batch} | {spent[label] / 60:.1f} | "
              f"{metrics['classifier_score'] / reference['classifier_score']:.2f} | "
              f"{metrics['fcd']:.1f} | {100 * shares.min() / len(images):.1f} % |", flush=True)


if __name__ == "__main__":
    main()
