"""The GPU check: every image variant's images/s with XLA, mixed precision and 2 replicas, on one GPU.

One table, in under 5 minutes on one GPU: for each image variant, images/s of ``fit()`` with the
default step, with XLA (``jit_compile=True``), with mixed precision (``mixed_float16``, loss
scaling) and under ``MirroredStrategy`` over 2 logical GPUs split from the one physical GPU;
whether those 2 replicas train the same weights as one device after a few SGD steps (the
largest difference); and the peak GPU memory of each setting. Data is synthetic (uniform images
in [-1, 1]): throughput does not depend on it, and nothing is read or downloaded.

On a machine without a GPU it says so, runs the same code as a CPU smoke test (tiny networks,
a few steps, 2 logical CPUs, DCGAN unless ``--variants`` says otherwise; no figure in it means
anything) and exits 0. tests/test_gpu_check.py runs that mode.

Usage:
    python bench/gpu_check.py [--steps 50] [--variants dcgan wgan_gp]
"""

import argparse
import json
import os
import subprocess
import sys
import time

IMAGE_VARIANTS = ("vanilla", "dcgan", "cdcgan", "wgan", "wgan_gp", "ebgan", "ali", "ssgan")
#: Settings per child process: the dtype policy and the logical devices are process-wide.
PROCESSES = {"float32": ("default", "xla", "mirrored2"), "mixed": ("mixed_float16",)}
SETTINGS = ("default", "xla", "mixed_float16", "mirrored2")
EQUALITY_STEPS = 3
# CPU: checks that each setting runs; proves nothing about speed.
SMOKE = {"steps": 2, "options": {"latent_dim": 8, "filters": 4}, "variants": ("dcgan",)}
NO_FILTERS = ("vanilla",)  # its default networks are MLPs


def _devices(tf, kind):
    """Splits the first device of ``kind`` into 2 logical ones; returns their names."""
    physical = tf.config.list_physical_devices(kind)[0]
    limit = [tf.config.LogicalDeviceConfiguration(memory_limit=16_384)] if kind == "GPU" else \
        [tf.config.LogicalDeviceConfiguration()]
    tf.config.set_logical_device_configuration(physical, limit * 2)
    return [f"/{kind.lower()}:0", f"/{kind.lower()}:1"]


def _images(variant, batch_size, count, seed=0):
    """``count`` synthetic batches for ``variant`` (labels too where it needs them)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, (count * batch_size, 28, 28, 1)).astype("float32")
    if variant.conditional or variant.data == "semi_supervised":
        labels = rng.integers(0, 10, count * batch_size).astype("int32")
        if variant.data == "semi_supervised":  # each batch: unlabelled (-1) half, then labelled
            labels.reshape(count, batch_size)[:, : batch_size // 2] = -1
        return images, labels
    return images


def _build(tf, keras, name, options, strategy, jit_compile=False, sgd=False, seed=0):
    from keras_gans.variants import VARIANTS

    variant = VARIANTS[name]
    if name in NO_FILTERS:
        options = {key: value for key, value in options.items() if key != "filters"}
    keras.utils.set_random_seed(seed)
    with strategy.scope():
        model = variant.build(**{**variant.data_options("mnist"), **options, "seed": seed})
        optimizers = ((keras.optimizers.SGD(0.01), keras.optimizers.SGD(0.01)) if sgd
                      else (None, None))
        model.compile(*optimizers, steps_per_execution=1, jit_compile=jit_compile)
    return model


def _memory(tf, kind):
    """Peak memory of the first device in MB since the last reset (None on CPU)."""
    if kind != "GPU":
        return None
    peak = tf.config.experimental.get_memory_info("GPU:0")["peak"]
    tf.config.experimental.reset_memory_stats("GPU:0")
    return peak / 2**20


def _throughput(tf, keras, name, options, strategy, steps, jit_compile=False):
    """Images/s of the second of two ``steps``-step epochs (the first traces and compiles)."""
    from keras_gans.variants import VARIANTS

    variant = VARIANTS[name]
    model = _build(tf, keras, name, options, strategy, jit_compile)
    batch = variant.batch_size
    data = tf.data.Dataset.from_tensor_slices(_images(variant, batch, 8)).repeat().batch(batch)
    model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    start = time.perf_counter()
    model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    return steps * batch / (time.perf_counter() - start)


def _same_weights(tf, keras, name, options, devices):
    """Largest weight difference between 1 device and 2 replicas after a few SGD steps."""
    import numpy as np

    from keras_gans.variants import VARIANTS

    variant = VARIANTS[name]
    batch = 16
    data = _images(variant, batch, EQUALITY_STEPS * 5)
    weights = []
    for strategy in (tf.distribute.OneDeviceStrategy(devices[0]), _mirrored(tf, devices)):
        model = _build(tf, keras, name, options, strategy, sgd=True)
        model.fit(tf.data.Dataset.from_tensor_slices(data).batch(batch), epochs=1,
                  steps_per_epoch=EQUALITY_STEPS, verbose=0)
        weights.append([np.asarray(w) for w in model.weights])
    return max(float(np.max(np.abs(a - b))) for a, b in zip(*weights))


def _mirrored(tf, devices):
    # NCCL may not all-reduce across logical devices of one GPU; the copy-based one does.
    return tf.distribute.MirroredStrategy(
        devices, cross_device_ops=tf.distribute.HierarchicalCopyAllReduce())


def child(process, names, steps, options):
    """In a fresh process: the settings of ``process`` for every variant in ``names``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    kind = "GPU" if tf.config.list_physical_devices("GPU") else "CPU"
    devices = _devices(tf, kind)
    import keras

    if process == "mixed":
        keras.mixed_precision.set_global_policy("mixed_float16")
    one = tf.distribute.OneDeviceStrategy(devices[0])
    results = {}
    for name in names:
        row = {}
        for setting in PROCESSES[process]:
            _memory(tf, kind)
            strategy = _mirrored(tf, devices) if setting == "mirrored2" else one
            try:
                row[setting] = _throughput(tf, keras, name, options, strategy, steps,
                                           jit_compile=setting == "xla")
            except Exception as error:  # noqa: BLE001 -- a failed cell is reported, not fatal
                row[setting] = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:120]}"
            row[f"{setting}_peak_mb"] = _memory(tf, kind)
        if process == "float32":
            row["max_weight_difference"] = _same_weights(tf, keras, name, options, devices)
        results[name] = row
        print(f"{name}: {json.dumps(row)}", file=sys.stderr, flush=True)
    return results


def _cell(value, base=None):
    if not isinstance(value, float):
        return str(value)
    ratio = f" ({value / base:.2f}x)" if isinstance(base, float) and value is not base else ""
    return f"{value:.0f}{ratio}"


def table(results, names):
    """The Markdown table of ``results`` (variant -> the children's rows merged)."""
    lines = ["| variant | " + " | ".join(f"{s} images/s" for s in SETTINGS)
             + " | 1 vs 2 replicas: max weight difference | peak MB (default, xla, mixed, mirrored) |",
             "| --- |" + " --- |" * (len(SETTINGS) + 2)]
    for name in names:
        row = results[name]
        peaks = [row.get(f"{s}_peak_mb") for s in SETTINGS]
        peak = ", ".join("–" if p is None else f"{p:.0f}" for p in peaks)
        lines.append(f"| {name} | " + " | ".join(_cell(row.get(s), row.get("default"))
                                                 for s in SETTINGS)
                     + f" | {row.get('max_weight_difference', float('nan')):.2e} | {peak} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", choices=IMAGE_VARIANTS, default=None,
                        help="default: every image variant on a GPU, dcgan in the CPU smoke mode")
    parser.add_argument("--steps", type=int, default=50, help="timed steps per measurement (GPU)")
    parser.add_argument("--child", choices=sorted(PROCESSES), help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    options = SMOKE["options"] if args.smoke else {}
    steps = SMOKE["steps"] if args.smoke else args.steps
    if args.child:
        args.variants = args.variants or list(IMAGE_VARIANTS)
        print(json.dumps(child(args.child, args.variants, steps, options)))
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    print(f"$ python bench/gpu_check.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        print(f"\n{details.get('device_name', 'GPU')} ({len(gpus)} found, the first used), "
              f"TF {tf.__version__}, {time.strftime('%Y-%m-%d')}; {steps} timed steps per cell\n")
    else:
        print("\nNo GPU found: nothing here measures a GPU. Running the CPU smoke mode instead "
              "(tiny networks, 2 steps, 2 logical CPUs): it checks that every setting runs.\n")
        options, steps = SMOKE["options"], SMOKE["steps"]
    args.variants = args.variants or (list(IMAGE_VARIANTS) if gpus else list(SMOKE["variants"]))
    start = time.perf_counter()
    results = {name: {} for name in args.variants}
    for process in PROCESSES:
        command = [sys.executable, os.path.abspath(__file__), "--child", process, "--steps",
                   str(steps), "--variants", *args.variants] + (["--smoke"] if not gpus else [])
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode:
            raise SystemExit(f"error: the {process} child failed:\n{result.stderr[-3000:]}")
        for name, row in json.loads(result.stdout.strip().splitlines()[-1]).items():
            results[name].update(row)
    print(table(results, args.variants))
    print(f"\n{time.perf_counter() - start:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
