"""Benchmark: Keras Tuner learning-rate searches on the 1-D toy and one image variant.

For each search: Bayesian optimization over the discriminator and generator
learning rates (log scale, a decade either side of the variant's default
unless ``--range`` says otherwise), each trial trained ``--executions`` times
for the same number of steps and scored by sample quality averaged over them
(toy: W1 to N(4, 0.5), minimized; image variant: Fréchet classifier distance
on MNIST, minimized). Then the variant's default learning rates and the best
ones found are both retrained with the same budget on ``--seeds`` fresh seeds,
and their quality at the LAST epoch compared (a search's own best score is
optimistic: it is the best epoch of the luckiest of many noisy runs).

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/tuning.py \\
        [--toy-trials 12] [--image-variant dcgan] [--image-trials 8] [--image-steps 600]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import keras_tuner  # noqa: E402

from keras_gans import data, tuning  # noqa: E402


def dataset_for(hypermodel, seed, batch_size):
    if hypermodel.variant.data == "gaussian_1d":
        return data.gaussian_1d(batch_size=batch_size, seed=seed)
    return data.load_images(hypermodel.dataset, "train", batch_size, repeat=True, seed=seed)


def retrain(hypermodel, values, seed, epochs, steps_per_epoch, batch_size):
    """The objective of one run at hyperparameter ``values`` (None: the defaults)."""
    keras.utils.set_random_seed(seed)
    hp = keras_tuner.HyperParameters()
    for name, value in (values or {}).items():
        hp.Fixed(name, value)
    hypermodel.seed = seed
    model = hypermodel.build(hp)
    history = hypermodel.fit(hp, model, dataset_for(hypermodel, seed, batch_size), epochs=epochs,
                             steps_per_epoch=steps_per_epoch, verbose=0)
    return history.history[objective_name(hypermodel)][-1], hp.values


def objective_name(hypermodel):
    return tuning.OBJECTIVES[tuning.default_objective(hypermodel.variant)].name


def decade_around_default(variant, options=None):
    """``(default / 10, default x 10)`` of the variant's discriminator learning rate."""
    default = tuning.initial_learning_rate(
        tuning.GANHyperModel(variant, options).defaults.default_optimizers()[0])
    return default / 10, default * 10


def search_and_compare(label, hypermodel, trials, epochs, steps_per_epoch, batch_size, seeds,
                       executions=1):
    directory = tempfile.mkdtemp(prefix=f"tune-{hypermodel.variant.name}-")
    tuner = tuning.make_tuner(hypermodel, "bayesian", max_trials=trials, directory=directory,
                              seed=0, executions_per_trial=executions)
    start = time.perf_counter()
    tuner.search(dataset_for(hypermodel, 0, batch_size), epochs=epochs,
                 steps_per_epoch=steps_per_epoch, verbose=0)
    minutes = (time.perf_counter() - start) / 60
    rows = tuning.trial_table(tuner)
    best = tuner.oracle.get_best_trials(1)[0]
    name = objective_name(hypermodel)
    direction = tuner.oracle.objective.direction
    low, high = hypermodel.learning_rates
    print(f"\n### {label}: {trials} trials x {executions} run(s) x {epochs * steps_per_epoch} "
          f"steps, batch {batch_size}, learning rates in [{low:g}, {high:g}], {minutes:.1f} min\n")
    print(f"| trial | d_learning_rate | g_learning_rate | {name} ({direction}) | status |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        score = "" if row["score"] is None else f"{row['score']:.4g}"
        print(f"| {row['trial']} | {row['d_learning_rate']:.2e} | {row['g_learning_rate']:.2e} | "
              f"{score} | {row['status']} |")
    default_scores, best_scores = [], []
    for seed in seeds:
        default_score, default_values = retrain(hypermodel, None, seed, epochs, steps_per_epoch,
                                                batch_size)
        best_score, _ = retrain(hypermodel, best.hyperparameters.values, seed, epochs,
                                steps_per_epoch, batch_size)
        default_scores.append(default_score)
        best_scores.append(best_score)
    print(f"\nRetrained on seeds {list(seeds)}, {epochs * steps_per_epoch} steps each "
          f"({name} at the last epoch):\n")
    print(f"| learning rates (D, G) | {name} per seed | median |")
    print("| --- | --- | --- |")
    for title, values, scores in (
        ("defaults", default_values, default_scores),
        ("best found", best.hyperparameters.values, best_scores),
    ):
        rates = f"{values['d_learning_rate']:.2e}, {values['g_learning_rate']:.2e}"
        print(f"| {title}: {rates} | {', '.join(f'{s:.4g}' for s in scores)} | "
              f"{statistics.median(scores):.4g} |", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--toy-trials", type=int, default=12)
    parser.add_argument("--toy-steps", type=int, default=5000)
    parser.add_argument("--image-variant", default="dcgan")
    parser.add_argument("--image-trials", type=int, default=8)
    parser.add_argument("--image-steps", type=int, default=600)
    parser.add_argument("--toy-executions", type=int, default=3,
                        help="runs per toy trial, their scores averaged")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--skip", choices=("toy", "image"), default=None)
    args = parser.parse_args(argv)
    print(f"$ python bench/tuning.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    if args.skip != "toy":
        options = {"minibatch_discrimination": True}
        toy = tuning.GANHyperModel("toy1d", options, steps_per_execution=100,
                                   learning_rates=decade_around_default("toy1d", options))
        search_and_compare("toy1d with minibatch discrimination (Glover's settings otherwise)", toy,
                           args.toy_trials, 5, args.toy_steps // 5, 12, args.seeds,
                           args.toy_executions)
    if args.skip != "image":
        image = tuning.GANHyperModel(args.image_variant, eval_samples=1000, steps_per_execution=10,
                                     learning_rates=decade_around_default(args.image_variant))
        search_and_compare(f"{args.image_variant} on MNIST", image, args.image_trials, 2,
                           args.image_steps // 2, 64, args.seeds[:2])


if __name__ == "__main__":
    main()
