"""Benchmark: images/s of each image variant's ``fit()`` vs a keras-io-style step.

For each variant: our model at its defaults (default batch size and
``steps_per_execution``, data from ``keras_gans.data.load_images``) and the
keras-io-style model of ``bench/keras_io_reference.py`` around freshly built
copies of the SAME networks with the same optimizers, fed the way keras-io
feeds MNIST (``from_tensor_slices(...).shuffle(1024).batch(64)``). Each runs
one warm-up epoch (tracing) and one timed epoch of ``--steps`` steps; the
figure is images per second in the timed epoch. Target (issue 3): ours >= 1.2x.

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/throughput.py [--steps 100]
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gans import data  # noqa: E402
from keras_gans.variants import VARIANTS  # noqa: E402
from keras_io_reference import reference_for  # noqa: E402

IMAGE_VARIANTS = [name for name, variant in VARIANTS.items() if variant.data == "images"]
#: Steps per timed epoch of ``interleaved_rates``: a few seconds of each variant on 2 cores,
#: a multiple of its ``steps_per_execution``.
TIMED_STEPS = {"toy1d": 3000, "vanilla": 200, "dcgan": 60, "cdcgan": 60, "wgan": 30, "wgan_gp": 30}


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


class StepTimer(keras.callbacks.Callback):
    """Records (steps done in the epoch, wall time) after every execution of ``train_step``.

    :meth:`rate` is the throughput between the END of the epoch's first execution
    and the end of its last: ``fit()``'s own set-up, the data iterator's start
    (filling a shuffle buffer) and tracing fall outside the timed window, while
    the Python loop, callbacks and data pipeline of every later step are in it.
    """

    def on_epoch_begin(self, epoch, logs=None):
        self.marks = []

    def on_train_batch_end(self, batch, logs=None):
        # ``batch`` is the index of the execution's last step in this epoch.
        self.marks.append((batch + 1, time.perf_counter()))

    def rate(self, batch_size):
        """Samples per second over all executions after the first."""
        (first_step, first_time), (last_step, last_time) = self.marks[0], self.marks[-1]
        if last_step == first_step:
            raise ValueError("Time at least two executions per epoch (steps > steps_per_execution).")
        return (last_step - first_step) * batch_size / (last_time - first_time)


def interleaved_rates(runs, steps, rounds):
    """Samples/s of several ``fit()`` set-ups measured in alternation.

    Each run is ``(label, model, dataset, batch_size)``. After one warm-up
    epoch each (tracing), ``rounds`` rounds fit every model for one epoch of
    ``steps`` steps in turn, so that a load change on a shared machine hits all
    runs alike; returns ``{label: [samples/s per round]}`` (see
    :class:`StepTimer` for what is timed).
    """
    timer = StepTimer()
    for _, model, dataset, _ in runs:
        model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    rates = {label: [] for label, *_ in runs}
    for _ in range(rounds):
        for label, model, dataset, batch_size in runs:
            model.fit(dataset, epochs=1, steps_per_epoch=steps, callbacks=[timer], verbose=0)
            rates[label].append(timer.rate(batch_size))
    return rates


def images_per_second(model, dataset, steps, batch_size):
    """Images/s of the second of two ``steps``-step epochs (the first traces)."""
    timer = EpochTimer()
    model.fit(dataset, epochs=2, steps_per_epoch=steps, callbacks=[timer], verbose=0)
    return steps * batch_size / timer.seconds[-1]


def build_ours(name, dataset_name="mnist", seed=0, steps_per_execution=None):
    """Variant ``name`` at its defaults, compiled (``steps_per_execution`` overrides its own)."""
    variant = VARIANTS[name]
    keras.utils.set_random_seed(seed)
    gan = variant.build(**variant.data_options(dataset_name))
    gan.compile(steps_per_execution=steps_per_execution or variant.steps_per_execution)
    return gan


def build_reference(name, dataset_name="mnist", seed=0, steps_per_execution=1, training=True):
    """The keras-io-style model around fresh copies of variant ``name``'s networks."""
    variant = VARIANTS[name]
    keras.utils.set_random_seed(seed)
    return reference_for(name, variant.build(**variant.data_options(dataset_name)),
                         steps_per_execution, training)


def per_round_note(name, rates):
    """An HTML comment listing every round's samples/s of every run."""
    return f"<!-- {name} per round: " + "; ".join(
        f"{label}: {', '.join(f'{value:.0f}' for value in values)}"
        for label, values in rates.items()) + " -->"


def keras_io_dataset(dataset_name, batch_size, conditional):
    """MNIST the keras-io way: arrays in memory, shuffle(1024), batch."""
    images, labels = zip(*((x.numpy(), y.numpy()) for x, y in data.load_images(
        dataset_name, "train", 1000, shuffle=False)))
    images, labels = np.concatenate(images), np.concatenate(labels).astype("int32")
    slices = (images, labels) if conditional else images
    return (tf.data.Dataset.from_tensor_slices(slices).shuffle(1024)
            .batch(batch_size, drop_remainder=True).repeat())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", choices=IMAGE_VARIANTS, default=IMAGE_VARIANTS)
    parser.add_argument("--steps", type=int, default=100, help="timed steps per model")
    parser.add_argument("--dataset", default="mnist")
    args = parser.parse_args(argv)
    print(f"$ python bench/throughput.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    print(f"\n{args.steps} timed steps after a warm-up epoch, {os.cpu_count()} CPU cores, "
          f"TF {tf.__version__}, Keras {keras.__version__}\n")
    print("| variant | batch | ours: images/s | keras-io style: images/s | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.variants:
        variant = VARIANTS[name]
        ours = images_per_second(
            build_ours(name, args.dataset),
            data.load_images(args.dataset, "train", variant.batch_size, repeat=True, seed=0),
            args.steps, variant.batch_size)
        theirs = images_per_second(
            build_reference(name, args.dataset),
            keras_io_dataset(args.dataset, variant.batch_size, variant.conditional),
            args.steps, variant.batch_size)
        print(f"| {name} | {variant.batch_size} | {ours:.0f} | {theirs:.0f} | "
              f"{ours / theirs:.2f} |", flush=True)


if __name__ == "__main__":
    main()
