"""Benchmark: what each training technique costs, in images/s of a DCGAN step.

Builds the DCGAN of ``python -m keras_gans train dcgan --paper`` (batch 64,
``steps_per_execution`` 10) once plain and once with each technique switched
on alone, and times ``fit()`` on MNIST-shaped data in alternation
(``throughput.interleaved_rates``: a warm-up epoch each, then ``--rounds``
rounds of one ``--steps``-step epoch per set-up, so a load change on the
machine hits all alike). Prints images/s (median of the rounds) and the cost
relative to the plain step. Target (the issue): generator EMA and historical
averaging cost under 10 %.

Usage:
    python bench/technique_cost.py [--steps 50] [--rounds 3] [--setups LABEL ...]
"""

import argparse
import os
import statistics
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

#: label -> technique options (each technique alone, as the CLI flags would set it).
SETUPS = {
    "plain (paper)": {},
    "generator_ema=0.999": {"generator_ema": 0.999},
    "historical_averaging=0.01": {"historical_averaging": 0.01},
    "real_label=0.9": {"real_label": 0.9},
    "instance_noise=0.1": {"instance_noise": 0.1},
    "feature_matching=1": {"feature_matching": 1.0},
    "minibatch_discrimination (50 x 5)": {"minibatch_discrimination": True,
                                          "minibatch_kernels": 50, "minibatch_kernel_dim": 5},
    "r1_gamma=1": {"r1_gamma": 1.0},
    "virtual_batch_norm (reference 64)": {"virtual_batch_norm": True},
    "diff_augment=translation,cutout": {"diff_augment": "translation,cutout"},
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=50, help="steps per timed epoch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--setups", nargs="+", choices=list(SETUPS), default=list(SETUPS),
                        help="which set-ups to time (the plain one always runs)")
    args = parser.parse_args(argv)
    setups = {label: SETUPS[label] for label in SETUPS
              if label in args.setups or label == "plain (paper)"}

    import keras
    import numpy as np
    import tensorflow as tf

    from keras_gans import variants
    from throughput import interleaved_rates

    images = np.random.default_rng(0).uniform(-1, 1, (1024, 28, 28, 1)).astype("float32")
    dataset = (tf.data.Dataset.from_tensor_slices(images).cache().repeat()
               .batch(args.batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    runs = []
    for label, options in setups.items():
        keras.utils.set_random_seed(0)
        model = variants.build("dcgan", paper=True, **options)
        runs.append((label, model, dataset, args.batch_size))
    rates = interleaved_rates(runs, args.steps, args.rounds)
    plain = statistics.median(rates["plain (paper)"])
    print(f"$ python bench/technique_cost.py {' '.join(argv)}".rstrip())
    print(f"\nDCGAN (the paper's, batch {args.batch_size}) on {os.cpu_count()} CPU cores, "
          f"median of {args.rounds} interleaved epochs of {args.steps} steps\n")
    print("| technique | images/s | cost vs plain |")
    print("| --- | --- | --- |")
    for label in setups:
        rate = statistics.median(rates[label])
        print(f"| {label} | {rate:.0f} | {100 * (plain / rate - 1):+.0f} % |")


if __name__ == "__main__":
    main()
