"""Ablation benchmark: image variants x training techniques, at an equal wall-clock budget.

Each run trains one variant in one configuration on the train split of
``--dataset`` for ``--minutes`` of ``fit()`` (``keras_gans.callbacks.TimeLimit``;
evaluation time not included), then scores ``--eval-samples`` samples of its
sampling generator (the averaged one with ``generator_ema``) with the
package's classifier against the test split: classifier score / the real
data's, Fréchet classifier distance, and the smallest share of any class
among the samples' predicted classes (a collapsed or lopsided generator has a
small one). Every run is appended as one JSON line to ``--results``, so
tables accumulate over invocations; ``--table`` prints the mean and spread
over seeds of every (variant, configuration) found there.

A configuration is ``NAME`` or ``NAME:key=value,key=value``: the keys are the
variant's build options and technique options (``keras_gans.techniques``),
``batch_size``, and the optimizer settings ``d_lr``, ``g_lr``, ``beta_1``,
``beta_2`` (Adam for both networks; ``optimizer=rmsprop`` for RMSProp, and
``g_optimizer=adam`` or ``rmsprop`` for G's alone), ``decay_steps`` (both
rates cosine-decayed to 1 % over that many updates of each optimizer).
``recipe`` is the CLI's default configuration of the variant (``keras_gans.variants``), ``paper`` the
paper's (the model class's own defaults); keys after them override them.

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/ablation.py \\
        --variants dcgan --configs paper "paper+ema:generator_ema=0.999" --seeds 0 1 2
    python bench/ablation.py --table bench/results/ablation.jsonl
"""

import argparse
import collections
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse_setting(text):
    """``"key=value"`` -> ``(key, value)``, the value read as JSON, else kept as a string."""
    key, _, value = text.partition("=")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def parse_config(text):
    """``"name:key=value,..."`` -> ``(name, {key: value})`` (values read as JSON, else str)."""
    name, _, rest = text.partition(":")
    return name, dict(map(parse_setting, filter(None, rest.split(","))))


OPTIMIZER_KEYS = ("d_lr", "g_lr", "beta_1", "beta_2", "optimizer", "g_optimizer", "decay_steps")


def optimizers(settings):
    """``(d_optimizer, g_optimizer)`` of a configuration's optimizer keys, built by the
    package's recipe factories (``variants.adam`` / ``variants.rmsprop``)."""
    from keras_gans import variants

    get = settings.get
    factories = {"adam": variants.adam, "rmsprop": variants.rmsprop}
    kinds = get("optimizer", "adam"), get("g_optimizer", get("optimizer", "adam"))
    for kind in kinds:
        if kind not in factories:
            raise ValueError(f"Expected optimizer 'adam' or 'rmsprop', received {kind!r}.")
    decay_steps = get("decay_steps")
    pairs = {}
    for kind in set(kinds):
        betas = ({"beta_1": get("beta_1", 0.5), "beta_2": get("beta_2", 0.999)}
                 if kind == "adam" else {})
        make = factories[kind](get("d_lr", 2e-4), get("g_lr", 2e-4),
                               cosine_decay=bool(decay_steps), **betas)
        pairs[kind] = make(decay_steps)
    return pairs[kinds[0]][0], pairs[kinds[1]][1]


def build(variant_name, config, dataset):
    """``(model, batch_size)`` for a configuration, compiled."""
    from keras_gans import variants

    base, options = config
    options = dict(options)
    paper = not base.startswith("recipe")
    batch_size = options.pop("batch_size", variants.batch_size_of(variant_name, paper))
    optimizer_keys = {key: options.pop(key) for key in OPTIMIZER_KEYS if key in options}
    model = variants.build(variant_name, dataset, paper=paper, compile=False, **options)
    d_optimizer, g_optimizer = variants.get_variant(variant_name).make_optimizers(paper)
    if optimizer_keys:
        d_optimizer, g_optimizer = optimizers(optimizer_keys)
    model.compile(d_optimizer, g_optimizer,
                  steps_per_execution=variants.get_variant(variant_name).steps_per_execution)
    return model, batch_size


def class_shares(probabilities, num_classes):
    """Share of the samples predicted as each class."""
    import numpy as np

    return np.bincount(np.argmax(probabilities, axis=1), minlength=num_classes) / len(probabilities)


def run(variant_name, config_text, seed, args, evaluator, reference):
    """Trains and scores one configuration; returns its JSON-able record."""
    import keras

    from keras_gans import callbacks, data, evaluation, plotting

    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model, batch_size = build(variant_name, parse_config(config_text), args.dataset)
    limit = callbacks.TimeLimit(args.minutes * 60)
    start = time.perf_counter()
    epochs = args.steps // 100 if args.steps else 10**6  # a step budget, or the time budget
    model.fit(data.load_images(args.dataset, "train", batch_size, repeat=True, seed=seed),
              epochs=epochs, steps_per_epoch=100, callbacks=[] if args.steps else [limit],
              verbose=0)
    seconds = time.perf_counter() - start
    images, labels = evaluation.generate_for_evaluation(model, args.eval_samples)
    features, probabilities = evaluator.features_and_probabilities(images)
    metrics = evaluator.metrics_of(features, probabilities, labels)
    shares = class_shares(probabilities, probabilities.shape[1])
    record = {
        "variant": variant_name, "config": config_text, "seed": seed, "dataset": args.dataset,
        "minutes": None if args.steps else args.minutes, "steps": model.steps_trained, "seconds": round(seconds, 1),
        "batch_size": batch_size, "fcd": metrics["fcd"],
        "score_ratio": metrics["classifier_score"] / reference["classifier_score"],
        "classifier_score": metrics["classifier_score"], "min_class_share": float(shares.min()),
    }
    if args.grids:
        os.makedirs(args.grids, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_.=" else "_" for c in config_text)
        figure = plotting.image_grid(images[:64])
        figure.savefig(os.path.join(args.grids, f"{variant_name}_{safe}_s{seed}.png"), dpi=60)
    return record


def table(path, variants=None, names_only=False):
    """Markdown table of the records in ``path``: mean ± spread over seeds per configuration
    (``names_only``: each configuration by its name, without its ``key=value`` options)."""
    groups = collections.defaultdict(list)
    with open(path, encoding="utf-8") as file:
        for line in file:
            record = json.loads(line)
            if variants and record["variant"] not in variants:
                continue
            budget = f"{record['minutes']:g} min" if record["minutes"] else f"{record['steps']} steps"
            groups[(record["dataset"], record["variant"], record["config"], budget)].append(record)

    def spread(values, digits):
        if len(values) == 1:
            return f"{values[0]:.{digits}f}"
        return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"

    rows = ["| data set | variant | configuration | budget | seeds | steps | score / real ↑ | "
            "FCD ↓ | smallest class share ↑ |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for (dataset, variant, config, budget), records in sorted(groups.items()):
        shown = config.partition(":")[0] if names_only else config
        rows.append(
            f"| {dataset} | {variant} | `{shown}` | {budget} | {len(records)} | "
            f"{statistics.mean(r['steps'] for r in records):.0f} | "
            f"{spread([r['score_ratio'] for r in records], 2)} | "
            f"{spread([r['fcd'] for r in records], 1)} | "
            f"{spread([100 * r['min_class_share'] for r in records], 1)} % |")
    return "\n".join(rows)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", default=["dcgan"])
    parser.add_argument("--configs", nargs="+", default=["paper", "recipe"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--minutes", type=float, default=4.0, help="fit() budget per run")
    parser.add_argument("--steps", type=int, default=None,
                        help="a budget of generator steps (a multiple of 100) instead of minutes: "
                        "fair between configurations when the machine is shared")
    parser.add_argument("--eval-samples", type=int, default=2000)
    parser.add_argument("--results", default=os.path.join("bench", "results", "ablation.jsonl"))
    parser.add_argument("--grids", default=os.path.join("runs", "ablation"),
                        help="where each run's sample grid goes ('' for none)")
    parser.add_argument("--table", metavar="JSONL", help="only print the table of JSONL")
    parser.add_argument("--names-only", action="store_true",
                        help="with --table: configurations by name, without their options")
    args = parser.parse_args(argv)
    if args.table:
        flag = " --names-only" if args.names_only else ""
        print(f"$ python bench/ablation.py --table {args.table}{flag}\n")
        print(table(args.table, names_only=args.names_only))
        return
    from keras_gans import evaluation

    print(f"$ python bench/ablation.py {' '.join(argv)}", flush=True)
    evaluator = evaluation.ImageEvaluator(args.dataset)
    reference = evaluator.reference(args.eval_samples)
    os.makedirs(os.path.dirname(args.results) or ".", exist_ok=True)
    for variant in args.variants:
        for config in args.configs:
            for seed in args.seeds:
                record = run(variant, config, seed, args, evaluator, reference)
                print(json.dumps(record), flush=True)
                with open(args.results, "a", encoding="utf-8") as file:
                    file.write(json.dumps(record) + "\n")
    print()
    print(table(args.results, args.variants))


if __name__ == "__main__":
    main()
