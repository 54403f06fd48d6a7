"""Benchmark: the 1-D toy with and without minibatch discrimination, over seeds.

Trains ``Toy1DGAN`` exactly as ``python -m keras_gans train toy1d`` does (same
defaults: the recipe of ``keras_gans.variants``; ``--paper`` for the settings of
Glover's AYLIEN tutorial; the other flags override), evaluates 10,000 generated samples against N(4, 0.5), and prints a
Markdown table (mean, sigma ratio, exact W1, fit seconds) plus the command that
produced it. Target (issue 2): with minibatch discrimination sigma ratio >= 0.85
and W1 <= 0.05 on at least 4 of 5 seeds; and 5,000 steps in <= 10 s.

Usage:
    python bench/toy1d.py [--seeds 5] [--paper] [--steps N] [--batch-size B]
                          [--noise normal] [--decay-steps N] [--generator-ema 0.999]
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from keras_gans import cli, data  # noqa: E402
from keras_gans.evaluation import gaussian_1d_metrics  # noqa: E402
from keras_gans.variants import VARIANTS  # noqa: E402

TOY = VARIANTS["toy1d"]


def train_once(seed, minibatch_discrimination, steps, batch_size, optimizer, learning_rate, k,
               **options):
    """Trains one toy GAN; returns (metrics, seconds spent in fit())."""
    keras.utils.set_random_seed(seed)
    gan = TOY.build(minibatch_discrimination=minibatch_discrimination, discriminator_steps=k,
                    **options)
    gan.compile(*cli.make_optimizers(optimizer, learning_rate),
                steps_per_execution=TOY.steps_per_execution)
    start = time.perf_counter()
    gan.fit(data.gaussian_1d(batch_size=batch_size, seed=seed), steps_per_epoch=steps, verbose=0)
    seconds = time.perf_counter() - start
    return gaussian_1d_metrics(gan.generate(10_000), 4.0, 0.5), seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=TOY.steps)
    parser.add_argument("--batch-size", type=int, default=TOY.batch_size)
    parser.add_argument("--optimizer", choices=cli.OPTIMIZERS, default="default")
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--k", type=int, default=1, help="discriminator steps per generator step")
    parser.add_argument("--paper", action="store_true",
                        help="the settings of Glover's AYLIEN tutorial instead of the recipe")
    parser.add_argument("--noise", choices=("stratified", "normal"), default=None)
    parser.add_argument("--decay-steps", type=int, default=None)
    parser.add_argument("--generator-ema", type=float, default=None)
    args = parser.parse_args(argv)
    options = {} if args.paper else dict(TOY.recipe.options)
    options.update({key: value for key, value in (("noise", args.noise),
                   ("decay_steps", args.decay_steps), ("generator_ema", args.generator_ema))
                   if value is not None})
    args.noise = options.get("noise", "stratified")
    args.decay_steps = options.get("decay_steps", 150)
    args.generator_ema = options.get("generator_ema")

    print(f"$ python bench/toy1d.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    print(f"\n{args.steps} steps, k={args.k}, batch {args.batch_size}, optimizer {args.optimizer}, "
          f"{args.noise} noise, decay every {args.decay_steps} steps, generator EMA "
          f"{args.generator_ema}, 10,000 generated samples vs N(4, 0.5)\n")
    print("| minibatch discrimination | seed | mean | σ ratio | W1 | target met | fit s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    met, ratios, seconds = {}, {}, []
    for mbd in (True, False):
        for seed in range(args.seeds):
            metrics, elapsed = train_once(seed, mbd, args.steps, args.batch_size,
                                          args.optimizer, args.learning_rate, args.k, **options)
            ok = metrics["sigma_ratio"] >= 0.85 and metrics["w1"] <= 0.05
            met[mbd] = met.get(mbd, 0) + ok
            ratios.setdefault(mbd, []).append(metrics["sigma_ratio"])
            seconds.append(elapsed)
            print(f"| {'yes' if mbd else 'no'} | {seed} | {metrics['mean']:.3f} | "
                  f"{metrics['sigma_ratio']:.3f} | {metrics['w1']:.3f} | {'yes' if ok else 'no'} | "
                  f"{elapsed:.1f} |", flush=True)
    print(f"\nwith minibatch discrimination: target met on {met[True]}/{args.seeds} seeds, "
          f"median σ ratio {statistics.median(ratios[True]):.2f}")
    print(f"without: target met on {met[False]}/{args.seeds} seeds, "
          f"median σ ratio {statistics.median(ratios[False]):.2f}")
    print(f"fit() time for {args.steps} steps: median {statistics.median(seconds):.1f} s "
          f"(max {max(seconds):.1f} s), steps_per_execution={TOY.steps_per_execution}, "
          "tracing included")


if __name__ == "__main__":
    main()
