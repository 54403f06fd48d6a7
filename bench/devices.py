"""Benchmark: images/s of each image variant under XLA, mixed precision and MirroredStrategy.

Each setting runs in its own process (dtype policies and logical devices are
process-wide): ``default`` (one device, no XLA), ``xla`` (``jit_compile=True``),
``mixed_float16`` (LossScaleOptimizer on both optimizers) and ``mirrored2``
(``MirroredStrategy`` over the CPU split into two logical devices, the
global batch split in two). The figure is images/s of ``fit()`` in a timed
epoch after a warm-up epoch, at the variant's default batch size and
``steps_per_execution``, on TFDS data.

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/devices.py [--steps 50]
"""

import argparse
import json
import os
import subprocess
import sys

SETTINGS = ("default", "xla", "mixed_float16", "mirrored2")
IMAGE_VARIANTS = ("vanilla", "dcgan", "cdcgan", "wgan", "wgan_gp")


def measure(setting, name, steps, dataset_name):
    """Runs in a child process: images/s of ``name`` under ``setting``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    if setting == "mirrored2":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from throughput import images_per_second

    from keras_gans import data
    from keras_gans.variants import VARIANTS

    if setting == "mixed_float16":
        keras.mixed_precision.set_global_policy("mixed_float16")
    strategy = (tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]) if setting == "mirrored2"
                else tf.distribute.get_strategy())
    variant = VARIANTS[name]
    keras.utils.set_random_seed(0)
    with strategy.scope():
        gan = variant.build(**variant.data_options(dataset_name))
        gan.compile(steps_per_execution=variant.steps_per_execution,
                    jit_compile=setting == "xla")
    dataset = data.load_images(dataset_name, "train", variant.batch_size, repeat=True, seed=0)
    return images_per_second(gan, dataset, steps, variant.batch_size)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", choices=IMAGE_VARIANTS, default=IMAGE_VARIANTS)
    parser.add_argument("--settings", nargs="+", choices=SETTINGS, default=SETTINGS)
    parser.add_argument("--steps", type=int, default=50, help="timed steps per measurement")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--child", nargs=2, metavar=("SETTING", "VARIANT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(*args.child, args.steps, args.dataset)))
        return
    print(f"$ python bench/devices.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    print(f"\nimages/s of fit(), {args.steps} timed steps after a warm-up epoch, "
          f"{os.cpu_count()} CPU cores; ratio to `default` in brackets\n")
    print("| variant | " + " | ".join(args.settings) + " |")
    print("| --- |" + " --- |" * len(args.settings))
    for name in args.variants:
        figures = {}
        for setting in args.settings:
            result = subprocess.run(
                [sys.executable, __file__, "--child", setting, name, "--steps", str(args.steps),
                 "--dataset", args.dataset], capture_output=True, text=True)
            figures[setting] = (json.loads(result.stdout.strip().splitlines()[-1])
                                if result.returncode == 0 else None)
            if result.returncode:
                print(f"<!-- {setting} {name} failed: {result.stderr.strip().splitlines()[-1]} -->")
        base = figures.get("default")
        cells = []
        for setting in args.settings:
            value = figures[setting]
            if value is None:
                cells.append("failed")
            elif base and setting != "default":
                cells.append(f"{value:.0f} ({value / base:.2f}x)")
            else:
                cells.append(f"{value:.0f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
