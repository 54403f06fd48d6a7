"""Command line: ``python -m keras_gans {list,train,tune,sample,evaluate,export,train-classifier}``.

The last line that every command but ``list`` prints on stdout is one JSON object
(``{"variant": ..., "metrics": {...}, ...}``) that scripts can parse.
"""

import argparse
import functools
import json
import math
import os
import shutil
import sys

from keras_gans import techniques
from keras_gans.data import IMAGE_DATASETS, MIXTURES
from keras_gans.distribute import CLUSTER_TIMEOUT, STRATEGIES, tf_config
from keras_gans.variants import VARIANTS, Recipe, batch_size_of

OPTIMIZERS = ("default", "adam", "sgd", "rmsprop")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {value}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text}")
    return value


def _labels(text):
    try:
        labels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integer labels such as 0,1,2, received {text!r}") from None
    if not labels:
        raise argparse.ArgumentTypeError(f"expected at least one label, received {text!r}")
    return labels


def build_parser():
    """The ``argparse`` parser of every command (each has ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m keras_gans",
        description="Train the classic GANs with Keras model.fit().",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing = commands.add_parser("list", help="list the GAN variants, their papers and recipes",
                                  description="List the registered GAN variants: each one's "
                                  "summary, paper and default recipe; with --techniques, the "
                                  "training techniques.")
    listing.add_argument("--techniques", action="store_true",
                         help="list the training techniques and their options instead")
    classifier = commands.add_parser(
        "train-classifier",
        help="train the evaluation classifier of an image data set",
        description="Train the small CNN whose features and predictions give the Fréchet "
        "classifier distance, classifier score and conditional accuracy; prints its test "
        "accuracy. The package ships the ones made with --output "
        "keras_gans/assets/DATASET_classifier.keras.",
    )
    classifier.add_argument("--dataset", choices=sorted(IMAGE_DATASETS), default="mnist")
    classifier.add_argument("--epochs", type=_positive_int, default=15)
    classifier.add_argument("--seed", type=int, default=0)
    classifier.add_argument("--output", default=None,
                            help="where to write the .keras file (default "
                            "classifiers/DATASET_classifier.keras); never overwritten")
    export = commands.add_parser(
        "export",
        help="export a trained model's generator for TF Serving",
        description="Export the generator of a .keras file as the next version "
        "(<DIR>/<N>/saved_model.pb) of a TF Serving model; existing versions are never "
        "touched. Metadata (data set, metrics) is read from metrics.json beside the file "
        "when present. Prints the new version's path as JSON.",
    )
    export.add_argument("model", metavar="MODEL.keras", help="a model saved by train or model.save")
    export.add_argument("--to", required=True, metavar="DIR",
                        help="TF Serving model base path, e.g. saved_models/dcgan_mnist")
    sample = commands.add_parser(
        "sample",
        help="draw samples from a .keras file or an export",
        description="Draw samples from a trained model (a .keras file) or an export (a "
        "SavedModel version directory, or a TF Serving base path: its newest version, loaded "
        "with tf.saved_model.load as a server would). Writes a PNG grid (one row per label for "
        "conditional models; the density or the scatter over the modes for the 1-D and 2-D "
        "generators) or the raw samples as .npy. The same --seed gives the same samples from "
        "a .keras file and from its export. Never overwrites --output.",
    )
    sample.add_argument("model", metavar="MODEL.keras|EXPORT_DIR")
    sample.add_argument("--output", required=True, metavar="FILE.png|FILE.npy",
                        help="where to write the grid (.png) or the samples (.npy)")
    sample.add_argument("--num-samples", type=_positive_int, default=None, metavar="N",
                        help="samples to draw (default: 64 images, or 8 per label for "
                        "conditional ones; 10,000 for the 1-D toy, 2,500 for 2-D mixtures); "
                        "with --interpolate, N // 10 strips of 10")
    sample.add_argument("--labels", type=_labels, default=None, metavar="0,1,...",
                        help="conditional models: the labels, one row each (default: every class)")
    sample.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    sample.add_argument("--interpolate", action="store_true",
                        help="strips of 10 samples along spherical paths between random noise "
                        "vectors (Radford et al. 2015, sec. 6.1) instead of independent samples")
    evaluate = commands.add_parser(
        "evaluate",
        help="score a .keras file or an export with the package's quality metrics",
        description="Score a trained model or an export with the metrics of keras_gans."
        "evaluation, beside the same metrics of real data: FCD, classifier score (and "
        "conditional accuracy, ALI's reconstruction accuracy, the semi-supervised GAN's "
        "test error) for images; W1 and the moments for the 1-D toy; mode coverage for the "
        "2-D mixtures. Prints them as JSON on the last line.",
    )
    evaluate.add_argument("model", metavar="MODEL.keras|EXPORT_DIR")
    evaluate.add_argument("--dataset", default=None,
                          choices=sorted({*IMAGE_DATASETS, *MIXTURES, "gaussian_1d"}),
                          help="the data it was trained on (default: the one it records)")
    evaluate.add_argument("--num-samples", type=_positive_int, default=None, metavar="N",
                          help="samples generated (default 2,000 images, 10,000 for the 1-D "
                          "toy, 2,500 for the 2-D mixtures, as the benchmarks)")
    evaluate.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    for variant, sub in _variant_parsers(
        commands, "train", "train a GAN variant",
        "Train a GAN variant with model.fit(); writes model.keras, plots and metrics.json to "
        "--output and prints the final metrics as JSON on the last line. Backs up at every "
        "epoch end: if interrupted (even by kill -9), the same command with the same --output "
        "resumes from the last backup (with --seed, to the same weights as an uninterrupted "
        "run). Stops with an error if a loss becomes NaN.",
    ):
        _add_run_arguments(sub, variant)
        sub.add_argument("--output", default=None,
                         help=f"directory for the results (default: a new runs/{variant.name}*); "
                         "one holding an interrupted run is resumed")
        sub.add_argument("--optimizer", choices=OPTIMIZERS, default="default",
                         help="optimizer of both networks (default: the recipe's, or with "
                         "--paper the paper's)")
        sub.add_argument("--learning-rate", type=_positive_float, default=None,
                         help="learning rate of both optimizers (with --optimizer)")
        sub.add_argument("--steps-per-execution", type=_positive_int,
                         default=variant.steps_per_execution,
                         help="steps run per tf.function call (default "
                         f"{variant.steps_per_execution})")
        sub.add_argument("--strategy", choices=STRATEGIES, default="auto",
                         help="tf.distribute strategy: auto (mirrored when there is more than "
                         "one GPU), none, mirrored, multi_worker (cluster from TF_CONFIG; "
                         "--batch-size is then the global batch; every worker needs the "
                         "same --output, on a file system they all see)")
        sub.add_argument("--cluster-timeout", type=_positive_float,
                         default=CLUSTER_TIMEOUT, metavar="SECONDS",
                         help="multi_worker: seconds to wait for every worker to start "
                         f"(default {CLUSTER_TIMEOUT})")
        sub.add_argument("--mixed-precision", action="store_true",
                         help="mixed_float16 compute with loss scaling (a GPU speed-up)")
        sub.add_argument("--jit-compile", action="store_true",
                         help="compile the train step with XLA (a GPU lever; slower on CPU)")
        sub.add_argument("--export-dir", default=None, metavar="DIR",
                         help="also export the generator for TF Serving as the next version "
                         "under DIR")
        sub.add_argument("--verbose", type=int, choices=(0, 1, 2), default=None,
                         help="Keras progress output: 0 silent, 1 bar, 2 a line per epoch")
        if variant.data != "images":
            sub.add_argument("--animate", action="store_true",
                             help="also write training.gif (the animation of Glover's AYLIEN tutorial)")
            sub.add_argument("--animate-every", type=_positive_int, default=100,
                             help="generator steps between animation frames (default 100)")
    for variant, sub in _variant_parsers(
        commands, "tune", "search a variant's learning rates with Keras Tuner",
        "Search the discriminator and generator learning rates (log scale) of a variant with "
        "Keras Tuner, judged by sample quality (w1 for the toy, reverse_kl for the 2-D "
        "mixtures, val_fcd or val_conditional_accuracy for images). Trials are stored in --directory; running the "
        "same command again resumes the search. Prints the best hyperparameters and every "
        "trial as JSON; writes trials.json and trials.png beside the trials.",
    ):
        _add_run_arguments(sub, variant, steps_help="generator steps per trial")
        sub.add_argument("--tuner", choices=("random", "bayesian", "hyperband"),
                         default="bayesian", help="search algorithm (default bayesian)")
        sub.add_argument("--trials", type=_positive_int, default=10,
                         help="trials to run (random, bayesian; default 10)")
        sub.add_argument("--objective", default=None,
                         choices=("w1", "fcd", "conditional_accuracy", "classifier_score",
                                  "reverse_kl", "error"),
                         help="quality to optimize (default: w1 for the toy, reverse_kl for "
                         "the 2-D mixtures, conditional_accuracy for cdcgan, else fcd)")
        sub.add_argument("--learning-rate-range", nargs=2, type=_positive_float,
                         default=(1e-5, 1e-2), metavar=("LOW", "HIGH"),
                         help="range of both learning rates (default 1e-5 1e-2)")
        sub.add_argument("--tune-beta-1", action="store_true", help="also search Adam's beta_1")
        sub.add_argument("--tune-k", action="store_true",
                         help="also search the discriminator steps k / n_critic")
        searchable = [option.name for _, option in
                      techniques.applicable_options(variant.model_class, searchable=True)]
        sub.add_argument("--tune-techniques", nargs="+", default=(), choices=searchable,
                         metavar="OPTION",
                         help="also search these technique weights on their log ranges: "
                         + ", ".join(searchable))
        sub.add_argument("--directory", default="tuning",
                         help="where Keras Tuner keeps the trials (default tuning/)")
        sub.add_argument("--project-name", default=None,
                         help="project inside --directory (default: the variant's name)")
        sub.add_argument("--export-dir", default=None, metavar="DIR",
                         help="export the best model's generator as the next version under DIR")
        sub.add_argument("--verbose", type=int, choices=(0, 1, 2), default=None,
                         help="Keras Tuner's progress: 0 silent, 1 each trial's progress bar "
                         "and summary, 2 a line per epoch (default 1 in a terminal, else 2)")
    return parser


def _variant_parsers(commands, name, summary, description):
    """Adds command ``name`` with one sub-command per variant; yields ``(variant, parser)``."""
    command = commands.add_parser(name, help=summary, description=description)
    variants = command.add_subparsers(dest="variant", required=True, metavar="VARIANT")
    for variant in VARIANTS.values():
        yield variant, variants.add_parser(variant.name, help=variant.summary,
                                           description=variant.summary)


def _add_run_arguments(sub, variant, steps_help="generator steps in total"):
    """Arguments that ``train`` and ``tune`` share: length, batch, seed, data, variant options."""
    sub.add_argument("--steps", type=_positive_int, default=variant.steps,
                     help=f"{steps_help} (default {variant.steps})")
    sub.add_argument("--epochs", type=_positive_int, default=None,
                     help="epochs the steps are split into; metrics and callbacks run "
                     f"at epoch ends (default {variant.epochs} when it divides --steps, "
                     "else 1)")
    sub.add_argument("--batch-size", type=_positive_int, default=None,
                     help="real samples per minibatch m, over all replicas; a step takes k "
                     f"minibatches (default {batch_size_of(variant.name)}; with --paper "
                     f"{batch_size_of(variant.name, paper=True)})")
    sub.add_argument("--paper", action="store_true",
                     help="the paper's settings (networks, optimizers, no extra techniques) "
                     f"instead of the recipe: {variant.recipe.describe()}")
    sub.add_argument("--seed", type=int, default=None,
                     help="random seed; with it a CPU run is reproducible: same weights, same digest")
    if variant.data == "semi_supervised":
        sub.add_argument("--labels-per-class", type=_positive_int, default=10,
                         help="labelled training images per class; the rest of the first 8,000 "
                         "train images are unlabelled (default 10: 100 labelled digits)")
    if variant.data in ("images", "semi_supervised"):
        sub.add_argument("--dataset", choices=sorted(IMAGE_DATASETS), default="mnist",
                         help="TFDS data set, read from $TFDS_DATA_DIR (default mnist)")
        sub.add_argument("--download", action="store_true",
                         help="let TFDS download the data set if it is missing")
        sub.add_argument("--eval-samples", type=_positive_int, default=2000,
                         help="generated images per quality evaluation (default 2000)")
    elif variant.data == "mixture_2d":
        sub.add_argument("--dataset", choices=sorted(MIXTURES), default="ring",
                         help="the 2-D mixture: " + "; ".join(
                             f"{name}, {spec['summary']}" for name, spec in sorted(MIXTURES.items()))
                         + " (default ring)")
    for option in variant.options:
        sub.add_argument(*option.flags, dest=option.dest, **option.kwargs)
    _add_technique_arguments(sub, variant)


def _add_technique_arguments(sub, variant):
    """One flag per option of every technique that applies to the variant, from its declaration."""
    group = sub.add_argument_group(
        "training techniques", "Options of keras_gans.techniques (default: the recipe's value, "
        "else off); see `python -m keras_gans list --techniques`.")
    for cls, option in techniques.applicable_options(variant.model_class):
        recipe_value = variant.recipe.options.get(option.name)
        shown = f"; recipe: {recipe_value}" if recipe_value is not None else ""
        kwargs = dict(dest=option.name, default=None, help=f"{option.help} [{cls.paper}{shown}]")
        if option.kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = option.kind
            kwargs["metavar"] = option.kind.__name__.upper()
        group.add_argument(option.flag, **kwargs)


def model_options(args, variant):
    """The build options of ``args``: the recipe's (unless ``--paper``), then explicit flags.

    Flags left out are None and do not override; image variants also get
    the data set's image shape and classes.
    """
    dests = [option.dest for option in variant.options]
    dests += [option.name for _, option in techniques.applicable_options(variant.model_class)]
    explicit = {dest: getattr(args, dest) for dest in dests if getattr(args, dest) is not None}
    options = techniques.drop_switched_off(variant.settings(args.paper).options, explicit)
    options.update(explicit)
    options.update(variant.data_options(getattr(args, "dataset", None)))
    return options


def _steps_and_epochs(args, variant):
    """Fills in ``args.epochs`` and checks that it divides ``args.steps``."""
    if args.epochs is None:
        args.epochs = variant.epochs if args.steps % variant.epochs == 0 else 1
    if args.steps % args.epochs:
        raise SystemExit(
            f"error: expected --steps to be a multiple of --epochs, received --steps "
            f"{args.steps} and --epochs {args.epochs}."
        )


def _verbosity(requested):
    """``--verbose``, or by default a progress bar in a terminal and a line per epoch in a log."""
    return requested if requested is not None else (1 if sys.stdout.isatty() else 2)


def _load_data(args, variant):
    """The training data of ``args``: TFDS images or the 1-D Gaussian stream."""
    from keras_gans import data

    if variant.data == "images":
        return data.load_images(args.dataset, "train", minibatch_size(args, variant), repeat=True,
                                seed=args.seed, download=args.download)
    if variant.data == "mixture_2d":
        return data.gaussian_mixture_2d(args.dataset, minibatch_size(args, variant), seed=args.seed)
    if variant.data == "semi_supervised":
        return data.semi_supervised_images(args.dataset, args.labels_per_class,
                                           minibatch_size(args, variant), seed=args.seed or 0,
                                           download=args.download)[0]
    return data.gaussian_1d(batch_size=minibatch_size(args, variant), seed=args.seed)


def minibatch_size(args, variant):
    """``--batch-size``, or the recipe's (with ``--paper`` the variant's) minibatch size."""
    return args.batch_size or batch_size_of(variant.name, args.paper)


def _check_export_dir(export_dir):
    """Refuses an ``--export-dir`` that cannot hold versions, before any training."""
    if not export_dir:
        return
    from keras_gans import export

    try:
        export.check_base_dir(export_dir)
    except NotADirectoryError:
        raise SystemExit(f"error: expected a directory for --export-dir, received the file "
                         f"{export_dir!r}.") from None


#: ``train`` arguments that do not change the trained weights: a run may be
#: resumed with other values of these (e.g. on another number of devices).
NOT_TRAINING_ARGUMENTS = ("command", "argv", "output", "verbose", "export_dir", "strategy",
                          "cluster_timeout",
                          "animate", "animate_every", "download", "eval_samples")
RUN_RECORD = "run.json"
BACKUP_DIR = "backup"


def training_arguments(args):
    """The arguments of a ``train`` command that decide its weights (recorded in run.json)."""
    return {key: value for key, value in sorted(vars(args).items())
            if key not in NOT_TRAINING_ARGUMENTS}


def _digest(value):
    """A 60-bit integer digest of a JSON-able value (compared between workers)."""
    import hashlib

    text = json.dumps(value, sort_keys=True, default=str)
    return int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)


def _lost_worker_message(error, backup):
    """The error of a multi-worker run whose cluster lost a worker."""
    import re

    text = str(error)
    unhealthy = re.search(r"unhealthy \(stopped sending heartbeats\):\s*(\S+)", text)
    peer = re.search(r"remote target (\S+) while calling (\S+?):", text)
    if unhealthy:
        reason = f"{unhealthy.group(1)} stopped sending heartbeats"
    elif peer:
        reason = f"{peer.group(1)} dropped the connection during {peer.group(2)}"
    else:
        reason = (text.strip().splitlines() or [""])[0][:200]
    latest = backup.latest if backup else None
    where = (f"the last backup ({latest}) is intact" if latest
             else "no epoch finished before it, so there is no backup yet")
    return (f"error: the cluster lost a worker ({type(error).__name__}: {reason}); {where}. "
            "Start every worker again with the same command to resume.")


def _output_dir(args, variant_name, write=True):
    """Returns ``(directory, resuming)`` for the results of ``train``.

    - An ``--output`` that holds a finished run (``model.keras``) is refused:
      nothing a user saved is overwritten.
    - An ``--output`` that holds the backups of an interrupted run is resumed,
      provided the training arguments are those recorded in its ``run.json``.
    - Otherwise a new directory: ``--output`` or a fresh ``runs/NAME``,
      ``runs/NAME-2``, ...

    With ``write=False`` (a non-chief worker) the same checks are made but
    nothing is created: the chief writes the directory.
    """
    from keras_gans import saving

    requested = args.output
    if requested:
        if os.path.exists(requested) and not os.path.isdir(requested):
            raise SystemExit(f"error: --output {requested} exists and is not a directory.")
        if os.path.exists(os.path.join(requested, "model.keras")):
            raise SystemExit(
                f"error: --output {requested} already holds a model.keras from an earlier "
                "run; choose another directory (nothing was overwritten)."
            )
        if os.path.exists(os.path.join(requested, BACKUP_DIR, "checkpoint")):
            _check_same_training(requested, args)
            return requested, True
        if not write:
            return requested, False
        path = requested
    else:
        base, suffix = os.path.join("runs", variant_name), 1
        path = base
        while os.path.exists(path):
            suffix += 1
            path = f"{base}-{suffix}"
    os.makedirs(path, exist_ok=True)
    saving.write_json(os.path.join(path, RUN_RECORD),
                      {"command": ["python", "-m", "keras_gans", *getattr(args, "argv", [])],
                       "arguments": training_arguments(args)})
    return path, False


def _check_same_training(output, args):
    """Refuses to resume the run in ``output`` with training arguments other than its own."""
    record = os.path.join(output, RUN_RECORD)
    if not os.path.isfile(record):
        raise SystemExit(f"error: --output {output} holds backups but no {RUN_RECORD}, so it "
                         "cannot be checked that this command continues that run; use another "
                         "--output (nothing was changed).")
    with open(record, encoding="utf-8") as file:
        recorded = json.load(file)["arguments"]
    current = json.loads(json.dumps(training_arguments(args)))  # tuples -> lists, as recorded
    differences = "; ".join(f"{key}: {recorded.get(key)!r} -> {current.get(key)!r}"
                            for key in sorted(set(recorded) | set(current))
                            if recorded.get(key) != current.get(key))
    if differences:
        raise SystemExit(
            f"error: --output {output} holds an interrupted run with other training arguments "
            f"({differences}). Expected the same arguments to resume it; use another --output "
            "to start afresh (nothing was changed)."
        )


def _check_multi_worker_output(args):
    """Refuses ``--strategy multi_worker`` without ``--output`` on a cluster of several workers.

    Checked from the arguments and ``TF_CONFIG`` alone, before the strategy exists: forming the
    cluster makes every worker wait for the others first. A malformed ``TF_CONFIG`` is left to
    :func:`keras_gans.distribute.get_strategy`, which names what it expected.
    """
    if args.strategy != "multi_worker" or args.output:
        return
    try:
        cluster = tf_config().get("cluster", {})
        tasks = sum(len(addresses) for addresses in cluster.values())
    except (ValueError, AttributeError, TypeError):
        return
    if tasks > 1:
        raise SystemExit(
            "error: --strategy multi_worker needs --output: the same directory for every "
            "worker, on a file system they all see; the chief writes the run and its backups "
            "there and every worker resumes from them.")


def make_optimizers(name, learning_rate, recipe=Recipe(), steps=None):
    """``(d_optimizer, g_optimizer)`` for ``--optimizer``/``--learning-rate``.

    ``default`` is the recipe's optimizers (a learning-rate decay spans
    ``steps``, the run's ``--steps``), or ``(None, None)`` (the model's, i.e.
    the paper's) when it has none.
    """
    import keras

    if name == "default":
        if learning_rate is not None:
            raise SystemExit("error: --learning-rate needs --optimizer (adam, sgd or rmsprop).")
        return recipe.make_optimizers(steps)
    classes = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD,
               "rmsprop": keras.optimizers.RMSprop}
    kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}
    return classes[name](**kwargs), classes[name](**kwargs)


def train(args):
    """Runs ``train VARIANT``; returns the JSON-able summary."""
    variant = VARIANTS[args.variant]
    _steps_and_epochs(args, variant)
    import keras
    import tensorflow as tf

    from keras_gans import callbacks, distribute, plotting, saving

    options = model_options(args, variant)
    _check_multi_worker_output(args)
    # Build (and so validate) everything before creating files or training.
    try:
        # First: MultiWorkerMirroredStrategy must exist before any other op.
        strategy = distribute.get_strategy(args.strategy, cluster_timeout=args.cluster_timeout)
        if args.mixed_precision:
            keras.mixed_precision.set_global_policy("mixed_float16")
        if args.seed is not None:
            # Reproducible: seeded initializers, data order and noise, and ops that
            # pick deterministic kernels.
            keras.utils.set_random_seed(args.seed)
            tf.config.experimental.enable_op_determinism()
        with strategy.scope():  # the optimizers too: their variables belong to the strategy
            d_optimizer, g_optimizer = make_optimizers(
                args.optimizer, args.learning_rate, variant.settings(args.paper), steps=args.steps)
            model = variant.build(seed=args.seed, **options)
            model.compile(d_optimizer, g_optimizer, steps_per_execution=args.steps_per_execution,
                          jit_compile=args.jit_compile)
        dataset = _load_data(args, variant)
    except (ValueError, FileNotFoundError, TimeoutError) as error:
        raise SystemExit(f"error: {error}") from None
    chief, multi_worker = distribute.is_chief(strategy), distribute.is_multi_worker(strategy)
    if chief:
        _check_export_dir(args.export_dir)
    # Non-chief workers of a multi-worker run train in lockstep and write nothing.
    output, resuming = _output_dir(args, variant.name, write=chief)
    non_finite_stop = callbacks.TerminateOnNaN()
    fit_callbacks = [non_finite_stop]
    backup = None
    if chief or multi_worker:
        # Every epoch end; rerunning the same command resumes from the newest one. On
        # several workers all take part in each backup, the chief alone writes it.
        backup = callbacks.BackupAndRestore(os.path.join(output, BACKUP_DIR),
                                            delete_checkpoint=False)
        fit_callbacks.append(backup)
        if chief and not resuming:
            again = "this command" if args.output else f"this command with --output {output}"
            print(f"Backing up to {backup.backup_dir} at every epoch end; if interrupted, "
                  f"run {again} to resume.", flush=True)
    quality = None
    if variant.data in ("gaussian_1d", "mixture_2d"):
        mixture = args.dataset if variant.data == "mixture_2d" else None
        fit_callbacks.append(callbacks.ModeCoverageMetrics(mixture) if mixture
                             else callbacks.Gaussian1DMetrics())
        if args.animate and chief:
            fit_callbacks.append(callbacks.TrainingAnimation(
                os.path.join(output, "training.gif"), every_n_steps=args.animate_every,
                mixture=mixture))
    else:
        from keras_gans import evaluation

        if chief:
            fit_callbacks += [
                callbacks.SampleGrid(os.path.join(output, "samples"), os.path.join(output, "logs"),
                                     label_names=IMAGE_DATASETS[args.dataset]["labels"]),
                keras.callbacks.TensorBoard(os.path.join(output, "logs")),
            ]
        if variant.data == "semi_supervised":  # the quality of D as a classifier
            fit_callbacks.append(callbacks.ClassificationError(args.dataset))
        elif os.path.exists(evaluation.classifier_path(args.dataset)):
            # On every worker: callbacks that decide (e.g. EarlyStopping) must see the same logs.
            quality = callbacks.ImageQualityMetrics(
                evaluation.ImageEvaluator(args.dataset), num_samples=args.eval_samples,
                with_reference=True)
            fit_callbacks.append(quality)
    verbose = _verbosity(args.verbose)
    try:
        distribute.check_workers_agree(
            {"training arguments (a digest)": _digest(training_arguments(args))}, strategy,
            hint="Start every worker with the same train command.")
        history = model.fit(dataset, epochs=args.epochs, steps_per_epoch=args.steps // args.epochs,
                            callbacks=fit_callbacks, verbose=verbose)
    except ValueError as error:  # e.g. workers that restored different backups
        raise SystemExit(f"error: {error}") from None
    except (tf.errors.UnavailableError, tf.errors.DeadlineExceededError,
            tf.errors.AbortedError) as error:
        if not multi_worker:
            raise
        raise SystemExit(_lost_worker_message(error, backup)) from None
    if non_finite_stop.stopped_step is not None:
        where = (f"the last good backup ({backup.latest}) is intact" if backup and backup.latest
                 else "no epoch finished before it, so there is no backup")
        raise SystemExit(
            f"error: training diverged: {', '.join(sorted(non_finite_stop.non_finite))} became "
            f"non-finite by step {non_finite_stop.stopped_step}; nothing was saved and {where}. "
            "Lower the learning rates (--optimizer/--learning-rate) and start afresh with a new "
            "--output."
        )
    metrics = {name: float(values[-1]) for name, values in history.history.items()}
    if any(getattr(opt, "use_ema", False) for opt in (model.g_optimizer, model.d_optimizer)):
        # fit() swapped in the averaged weights after the last epoch's metrics: measure again.
        for callback in fit_callbacks:
            if isinstance(callback, (callbacks.Gaussian1DMetrics, callbacks.ModeCoverageMetrics,
                                     callbacks.ImageQualityMetrics)):
                metrics.update(callback.measure())
    summary = {
        "variant": variant.name,
        "steps": model.steps_trained,
        "output": output,
        "metrics": metrics,
        "distribution": distribute.worker_description(strategy),
        "weights_sha256": weights_digest(model),
    }
    if variant.datasets:
        summary["dataset"] = args.dataset
    if quality is not None:
        summary["reference"] = quality.reference
    if not chief:
        return summary
    model.save(os.path.join(output, "model.keras"), overwrite=False)  # atomic, calibrated
    if variant.data == "gaussian_1d":
        plotting.plot_toy1d(model, path=os.path.join(output, "distribution.png"),
                            batch_size=minibatch_size(args, variant))
    elif variant.data == "mixture_2d":
        plotting.plot_mixture(model, args.dataset, path=os.path.join(output, "distribution.png"),
                              title=variant.name)
    if args.export_dir:
        summary["export"] = model.export_generator(args.export_dir, export_metadata(summary))
    saving.write_json(os.path.join(output, saving.RUN_SUMMARY), summary, overwrite=False)
    if backup is not None:  # model.keras now holds all of it
        shutil.rmtree(backup.backup_dir, ignore_errors=True)
    return summary


def weights_digest(model):
    """SHA-256 of every weight of ``model``: equal digests, equal models.

    Printed by ``train`` so that workers of a distributed run, or two runs
    with the same ``--seed``, can be compared at a glance.
    """
    import hashlib

    digest = hashlib.sha256()
    for weight in model.weights:  # values and shapes, in order (names depend on the session)
        value = weight.numpy()
        digest.update(str(value.shape).encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def export_metadata(summary):
    """What an export records of its training run (a ``train`` summary)."""
    metadata = {key: summary[key] for key in ("dataset", "metrics", "reference") if key in summary}
    if summary.get("dataset") in IMAGE_DATASETS:
        metadata["label_names"] = list(IMAGE_DATASETS[summary["dataset"]]["labels"])
    return metadata


def export(args):
    """Runs ``export``; returns the JSON-able summary."""
    import keras

    if not os.path.isfile(args.model):
        raise SystemExit(f"error: expected a .keras file, received {args.model!r} (not a file).")
    from keras_gans import saving

    summary = saving.read_run_summary(args.model)
    try:
        model = keras.models.load_model(args.model)
        path = model.export_generator(args.to, export_metadata(summary))
    except (ValueError, TypeError, OSError) as error:
        raise SystemExit(f"error: {error}") from None
    return {"model": args.model, "export": path}


def tune(args):
    """Runs ``tune VARIANT``; returns the JSON-able summary."""
    variant = VARIANTS[args.variant]
    _steps_and_epochs(args, variant)
    import keras

    from keras_gans import plotting, tuning

    options = model_options(args, variant)
    try:
        if args.seed is not None:
            keras.utils.set_random_seed(args.seed)
        settings = variant.settings(args.paper)
        hypermodel = tuning.GANHyperModel(
            variant.name, options, learning_rates=tuple(args.learning_rate_range),
            tune_beta_1=args.tune_beta_1, tune_discriminator_steps=args.tune_k,
            tune_techniques=tuple(args.tune_techniques),
            # The recipe's optimizers, their decay (if any) over each trial's --steps.
            optimizers=(functools.partial(settings.optimizers, args.steps)
                        if settings.optimizers else None),
            dataset=getattr(args, "dataset", "mnist"),
            eval_samples=getattr(args, "eval_samples", 1000), seed=args.seed,
            steps_per_execution=math.gcd(args.steps // args.epochs, variant.steps_per_execution))
        tuner = tuning.make_tuner(hypermodel, args.tuner, args.objective, max_trials=args.trials,
                                  directory=args.directory, project_name=args.project_name,
                                  seed=args.seed, max_epochs=args.epochs)
        dataset = _load_data(args, variant)
    except (ValueError, FileNotFoundError) as error:
        raise SystemExit(f"error: {error}") from None
    _check_export_dir(args.export_dir)
    verbose = _verbosity(args.verbose)
    search = {"epochs": args.epochs, "steps_per_epoch": args.steps // args.epochs,
              "verbose": verbose}
    if args.tuner == "hyperband":
        search.pop("epochs")  # Hyperband sets each trial's epochs itself
    tuner.search(dataset, **search)
    trials = tuning.trial_table(tuner)
    project = os.path.join(args.directory, tuner.project_name)
    with open(os.path.join(project, "trials.json"), "w", encoding="utf-8") as file:
        json.dump(trials, file, indent=2)
    d_default, g_default = hypermodel.base_optimizers()
    defaults = (tuning.initial_learning_rate(d_default), tuning.initial_learning_rate(g_default))
    objective = tuner.oracle.objective.name
    plotting.plot_tuning_trials(trials, objective, os.path.join(project, "trials.png"), defaults)
    completed = [trial for trial in trials if trial["status"] == "COMPLETED"]
    if not completed:
        raise SystemExit(f"error: no trial completed; see {project} (statuses: "
                         f"{sorted({trial['status'] for trial in trials})}).")
    best = tuner.oracle.get_best_trials(1)[0]
    summary = {"variant": variant.name, "objective": objective, "best_score": best.score,
               "best_hyperparameters": best.hyperparameters.values,
               "default_learning_rates": {"d_learning_rate": defaults[0],
                                          "g_learning_rate": defaults[1]},
               "directory": project, "trials": trials}
    if args.export_dir:
        model = tuner.get_best_models(1)[0]
        metadata = export_metadata({"dataset": args.dataset} if variant.datasets else {})
        metadata["tuning"] = {"objective": objective, "score": best.score,
                              "hyperparameters": best.hyperparameters.values}
        summary["export"] = model.export_generator(args.export_dir, metadata)
    return summary


SAMPLE_FORMATS = (".png", ".npy")


def _load_generator(path):
    """:func:`keras_gans.generators.load`, its errors as the CLI's."""
    from keras_gans import generators

    try:
        return generators.load(path)
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f"error: {error}") from None


def sample(args):
    """Runs ``sample``; returns the JSON-able summary."""
    import numpy as np

    from keras_gans import generators, plotting, saving

    extension = os.path.splitext(args.output)[1].lower()
    if extension not in SAMPLE_FORMATS:
        raise SystemExit(f"error: expected --output ending in {' or '.join(SAMPLE_FORMATS)}, "
                         f"received {args.output!r}.")
    if os.path.exists(args.output):
        raise SystemExit(f"error: --output {args.output} exists; choose another file (nothing "
                         "was overwritten).")
    generator = _load_generator(args.model)
    kind = generators.data_kind(generator)
    if args.interpolate and kind != "image" and extension == ".png":
        raise SystemExit(f"error: --interpolate draws strips of images; this generator makes "
                         f"{kind} samples: write them as .npy instead.")
    try:
        samples, rows, row_names = generators.draw(generator, args.num_samples, args.labels,
                                                   args.seed, args.interpolate)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    title = os.path.basename(os.path.normpath(args.model))
    with saving.atomic_path(args.output, overwrite=False) as temporary:
        if extension == ".npy":
            np.save(temporary, samples)
        else:
            mixture = generator.dataset if generator.dataset in MIXTURES else "ring"
            figure = plotting.plot_samples(samples, rows, row_names, mixture,
                                           None if kind == "image" else title)
            figure.savefig(temporary, dpi=100, bbox_inches="tight")
    return {"model": args.model, "kind": generator.kind, "output": args.output,
            "samples": int(len(samples)), "rows": rows, "labels": row_names}


def evaluate(args):
    """Runs ``evaluate``; returns the JSON-able summary."""
    from keras_gans import generators

    generator = _load_generator(args.model)
    try:
        result = generators.evaluate(generator, args.dataset, args.num_samples, args.seed)
    except (ValueError, FileNotFoundError) as error:
        raise SystemExit(f"error: {error}") from None
    return {"model": args.model, "kind": generator.kind,
            "variant": generator.metadata.get("variant"), **result}


def train_classifier(args):
    """Runs ``train-classifier``; returns the JSON-able summary."""
    from keras_gans import evaluation

    path = args.output or os.path.join("classifiers", f"{args.dataset}_classifier.keras")
    if os.path.exists(path):
        raise SystemExit(f"error: {path} exists; choose another --output (nothing was overwritten).")
    try:
        classifier, accuracy = evaluation.train_classifier(args.dataset, args.epochs, seed=args.seed)
    except FileNotFoundError as error:
        raise SystemExit(f"error: {error}") from None
    from keras_gans import saving

    saving.save_model(classifier, path, overwrite=False)
    return {"dataset": args.dataset, "test_accuracy": accuracy, "output": path}


def main(argv=None):
    """Entry point of ``python -m keras_gans`` and the ``keras-gans`` script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    if args.command == "list":
        if args.techniques:
            print(techniques.describe())
            return 0
        for variant in VARIANTS.values():
            print(f"{variant.name:16s} {variant.summary}\n{'':16s} paper: {variant.reference}\n"
                  f"{'':16s} recipe: {variant.recipe.describe()}")
        return 0
    commands = {"train-classifier": train_classifier, "export": export, "train": train,
                "tune": tune, "sample": sample, "evaluate": evaluate}
    summary = commands[args.command](args)
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
