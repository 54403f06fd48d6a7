"""Benchmark: the semi-supervised GAN's test error against a supervised-only baseline.

For every number of labels per class and seed, ``ssgan`` is trained in the
setting ``python -m keras_gans train ssgan --labels-per-class N`` uses (the
variant's networks and optimizers; ``N x 10`` labelled MNIST digits, the rest
of the first 8,000 train digits unlabelled) for ``--steps`` generator steps
(a step budget, so a loaded machine gives the same figures, only later),
and its classifier's error is measured on the 2,000 test digits
(``keras_gans.callbacks.ClassificationError``). The baseline is the same
discriminator network trained as a plain 10-way classifier (cross-entropy, the
same optimizer, the same data-dependent initialization where the network has
one) on the same labelled digits alone, in batches of the same
size, for as many steps as the GAN's discriminator took: so it sees the
labelled data as often, in less time. The table puts both beside
Salimans et al. (2016), Table 1 (MNIST, the 60,000 digits unlabelled, the
paper's networks and schedule).

Results are appended to ``--out`` (JSON lines) as they finish; a rerun skips
the runs already there, so an interrupted table resumes.

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/semi_supervised.py \\
        [--labels 20 50 100 200] [--seeds 0 1 2 3 4] [--steps 2000] [--out FILE] [--save-dir DIR]
    python bench/semi_supervised.py --table FILE     # print the table of a results file
"""

import argparse
import functools
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: Salimans et al. (2016), Table 1: labelled examples -> (% test error, std), feature matching.
PUBLISHED = {20: (16.77, 4.52), 50: (2.21, 1.36), 100: (0.93, 0.065), 200: (0.80, 0.10)}
NUM_CLASSES = 10


def train_gan(labels_per_class, seed, steps):
    """Trains ``ssgan`` for ``steps``; returns ``(model, seconds, labelled indices)``."""
    import keras

    from keras_gans import data, variants

    keras.utils.set_random_seed(seed)
    model = variants.build("ssgan", "mnist", seed=seed)
    stream, labelled = data.semi_supervised_images(
        "mnist", labels_per_class, variants.batch_size_of("ssgan"), seed=seed)
    start = time.perf_counter()
    model.fit(stream, epochs=max(1, steps // 100), steps_per_epoch=min(steps, 100), verbose=0)
    return model, time.perf_counter() - start, labelled


def train_baseline(labelled, seed, steps):
    """The ssgan's discriminator network trained on the labelled digits alone, as a
    10-way classifier, for ``steps`` batches; returns ``(classifier, seconds)``."""
    import keras
    import tensorflow as tf

    from keras_gans import data, networks, variants

    keras.utils.set_random_seed(seed)
    gan = variants.build("ssgan", "mnist", seed=seed)  # compiled: its D optimizer is the GAN's
    network = gan.discriminator
    images, labels = data.load_arrays("mnist", "train[:8000]")
    # Weight-normalized layers start from their data-dependent initialization, as in the GAN.
    networks.initialize_from_data(network, images[labelled])  # a no-op without weight norm
    batch_size = variants.batch_size_of("ssgan")
    stream = tf.data.Dataset.from_tensor_slices((images[labelled], labels[labelled])) \
        .shuffle(len(labelled), seed=seed).repeat().batch(batch_size)
    d_optimizer = type(gan.d_optimizer).from_config(gan.d_optimizer.get_config())  # a fresh copy
    network.compile(d_optimizer, keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    steps_per_execution=10)
    start = time.perf_counter()
    network.fit(stream, steps_per_epoch=-(-steps // 10) * 10, verbose=0)
    return network, time.perf_counter() - start


@functools.lru_cache(maxsize=1)
def _test_digits():
    from keras_gans import data

    return data.load_arrays("mnist", "test[:2000]")


def test_error(predict):
    """Share of the 2,000 test digits whose most probable class under ``predict`` is wrong."""
    from keras_gans import evaluation

    return evaluation.classification_error(predict, *_test_digits())


def run(labels_per_class, seed, steps, save_dir=None):
    """One row: the GAN's and the baseline's test error for one label count and seed
    (the GAN saved to ``save_dir/ssgan_<labels>_seed<seed>.keras`` unless that exists)."""
    model, seconds, labelled = train_gan(labels_per_class, seed, steps)
    steps = model.steps_trained
    if save_dir:
        path = os.path.join(save_dir, f"ssgan_{labels_per_class * NUM_CLASSES}_seed{seed}.keras")
        if not os.path.exists(path):
            model.save(path)
    gan_error = test_error(model.classify)
    baseline, baseline_seconds = train_baseline(labelled, seed, steps)
    baseline_error = test_error(lambda images: baseline(images, training=False))
    return {"labels": labels_per_class * NUM_CLASSES, "seed": seed, "steps": steps,
            "recipe": recipe(), "seconds": seconds, "error": gan_error,
            "baseline_error": baseline_error, "baseline_seconds": baseline_seconds}


def recipe():
    """The ssgan recipe the GANs train in, as one line (rows of another recipe are not mixed)."""
    from keras_gans import variants

    return variants.get_variant("ssgan").recipe.describe()


#: The recipe of the rows written before rows named theirs (the MLP without R1).
EARLIER_RECIPE = "architecture='mlp', Adam(D 0.001, G 0.001, beta_1 0.5, beta_2 0.999), batch 100"


def _mean_std(values):
    mean = statistics.mean(values)
    return mean, statistics.stdev(values) if len(values) > 1 else 0.0


def table(rows):
    """The Markdown table of result rows: mean ± std over seeds, the paper's beside."""
    lines = ["| recipe | labelled digits | seeds | GAN steps | ssgan test error | supervised only | "
             "baseline / ssgan | Salimans et al. Table 1 |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    def group_of(row):
        return _recipe_of(row), row["labels"], row["steps"]

    for settings, count, steps in sorted(set(map(group_of, rows))):
        group = [row for row in rows if group_of(row) == (settings, count, steps)]
        error, error_std = _mean_std([100 * row["error"] for row in group])
        baseline, baseline_std = _mean_std([100 * row["baseline_error"] for row in group])
        published = PUBLISHED.get(count)
        paper = f"{published[0]} ± {published[1]} %" if published else ""
        lines.append(f"| {settings} | {count} | {len(group)} | {steps:.0f} | {error:.2f} ± {error_std:.2f} % | "
                     f"{baseline:.2f} ± {baseline_std:.2f} % | {baseline / error:.1f}x | {paper} |")
    return "\n".join(lines)


def _recipe_of(row):
    """The recipe a result row was trained in."""
    return row.get("recipe", EARLIER_RECIPE)


def read_rows(path):
    """The result rows of a JSON-lines file (none if it does not exist)."""
    if not os.path.exists(path):
        return []
    with open(path) as lines:
        return [json.loads(line) for line in lines if line.strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", nargs="+", type=int, default=[20, 50, 100, 200],
                        help="labelled digits in all (a multiple of 10)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--steps", type=int, default=2000,
                        help="generator steps of each GAN (a multiple of 100 above 100)")
    parser.add_argument("--out", default=os.path.join("bench", "results", "semi_supervised.jsonl"))
    parser.add_argument("--save-dir", default=os.path.join("runs", "semi_supervised"),
                        help="where the trained GANs go (existing files are kept)")
    parser.add_argument("--table", metavar="JSONL", help="only print the table of JSONL")
    args = parser.parse_args(argv)
    if args.table:
        print(table(read_rows(args.table)))
        return
    for count in args.labels:
        if count % NUM_CLASSES or count <= 0:
            parser.error(f"--labels: expected positive multiples of {NUM_CLASSES}, received {count}")
    print(f"$ python bench/semi_supervised.py {' '.join(argv if argv is not None else sys.argv[1:])}"
          .rstrip(), flush=True)
    os.makedirs(args.save_dir, exist_ok=True)
    current = recipe()
    done = {(_recipe_of(row), row["seed"], row["labels"], row["steps"])
            for row in read_rows(args.out)}
    for seed in args.seeds:  # seed-major: an interrupted table has every label count
        for count in args.labels:
            if (current, seed, count, args.steps) in done:
                continue
            row = run(count // NUM_CLASSES, seed, args.steps, args.save_dir)
            print(json.dumps(row), flush=True)
            with open(args.out, "a") as out:
                out.write(json.dumps(row) + "\n")
    print(table([row for row in read_rows(args.out)
                 if row["steps"] == args.steps and _recipe_of(row) == current]))


if __name__ == "__main__":
    main()
