"""Benchmark: the semi-supervised GAN's test error along one long run.

Trains ``ssgan`` in its recipe (or with ``--unsupervised-weight`` /
``--learning-rate`` changed) on MNIST with ``--labels-per-class`` labels per
class, and prints the test error on the 2,000 test digits every 500 steps, with
D's and G's losses: where the error stops falling, and whether D overpowers G
(its loss near 0 while G's feature-matching loss explodes).

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/ssgan_curve.py \\
        [--seed 0] [--steps 4000] [--labels-per-class 10] [--unsupervised-weight 0.5] \\
        [--learning-rate 1e-3] [--cosine-decay] [--set diff_augment=translation ...]
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
EVERY = 500


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=4000, help=f"a multiple of {EVERY}")
    parser.add_argument("--labels-per-class", type=int, default=10)
    parser.add_argument("--unsupervised-weight", type=float, default=None,
                        help="w of L_supervised + w L_unsupervised (default: the recipe's)")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="Adam's rate for D and G, beta_1 0.5 (default: the recipe's)")
    parser.add_argument("--cosine-decay", action="store_true",
                        help="Adam(--learning-rate or 1e-3, beta_1 0.5) for D and G, both rates "
                        "cosine-decayed to 1 %% of it over --steps")
    parser.add_argument("--set", nargs="+", default=[], metavar="OPTION=VALUE",
                        help="other model options (techniques included), values read as JSON, e.g. "
                        "r1_gamma=0.1 diff_augment=translation,cutout")
    args = parser.parse_args(argv)
    if args.steps <= 0 or args.steps % EVERY:
        parser.error(f"--steps: expected a positive multiple of {EVERY}, received {args.steps}")
    print(f"$ python bench/ssgan_curve.py {' '.join(argv if argv is not None else sys.argv[1:])}"
          .rstrip(), flush=True)

    import keras

    from ablation import parse_setting  # bench/ is this script's directory
    from keras_gans import callbacks, data, variants

    keras.utils.set_random_seed(args.seed)
    options = {} if args.unsupervised_weight is None else \
        {"unsupervised_weight": args.unsupervised_weight}
    options.update(map(parse_setting, args.set))  # values may hold commas: translation,cutout
    model = variants.build("ssgan", "mnist", seed=args.seed, compile=False, **options)
    rate = args.learning_rate or 1e-3
    optimizers = variants.get_variant("ssgan").make_optimizers(False) \
        if args.learning_rate is None and not args.cosine_decay else \
        variants.adam(rate, rate, beta_1=0.5, cosine_decay=args.cosine_decay)(args.steps)
    model.compile(*optimizers, steps_per_execution=10)
    stream, _ = data.semi_supervised_images("mnist", args.labels_per_class,
                                            variants.batch_size_of("ssgan"), seed=args.seed)
    start = time.perf_counter()

    class Report(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            print(json.dumps({"step": (epoch + 1) * EVERY,
                              "seconds": round(time.perf_counter() - start),
                              **{key: round(float(value), 4) for key, value in logs.items()}}),
                  flush=True)

    model.fit(stream, epochs=args.steps // EVERY, steps_per_epoch=EVERY, verbose=0,
              callbacks=[callbacks.ClassificationError(), Report()])


if __name__ == "__main__":
    main()
