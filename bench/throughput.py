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


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def images_per_second(model, dataset, steps, batch_size):
    """Images/s of the second of two ``steps``-step epochs (the first traces)."""
    timer = EpochTimer()
    model.fit(dataset, epochs=2, steps_per_epoch=steps, callbacks=[timer], verbose=0)
    return steps * batch_size / timer.seconds[-1]


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
        keras.utils.set_random_seed(0)
        gan = variant.build()
        gan.compile(steps_per_execution=variant.steps_per_execution)
        ours = images_per_second(
            gan, data.load_images(args.dataset, "train", variant.batch_size, repeat=True, seed=0),
            args.steps, variant.batch_size)
        keras.utils.set_random_seed(0)
        reference = reference_for(name, variant.build())
        theirs = images_per_second(
            reference, keras_io_dataset(args.dataset, variant.batch_size, variant.conditional),
            args.steps, variant.batch_size)
        print(f"| {name} | {variant.batch_size} | {ours:.0f} | {theirs:.0f} | "
              f"{ours / theirs:.2f} |", flush=True)


if __name__ == "__main__":
    main()
