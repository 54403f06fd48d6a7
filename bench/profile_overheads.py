"""Profile: where our ``fit()`` spends its time next to the keras-io-style step.

Timing experiments that isolate one overhead each, measured in alternation in
one process (``throughput.interleaved_rates``) so machine load hits all alike:

- ``ours``: the variant at its defaults (TFDS data, default ``steps_per_execution``);
- ``ours, in-memory data``: fed like the reference (arrays, ``shuffle(1024)``):
  the cost of our data pipeline;
- ``ours, spe=1``: one step per execution: the cost of Python per step;
- ``keras-io`` and ``keras-io, spe=10``: the reference step;
- ``keras-io, training unset``: the reference calling its networks without
  ``training=True``, as keras-io's DCGAN example does (dropout and batch norm
  then run in inference mode: less work, another algorithm).

Then: the data pipelines alone (batches/s, no training), how many times each
training function was traced (retracing), and optionally (``--trace DIR``) a
``tf.profiler`` trace of a few steps of ours and of the reference, summarised
as the ops with the most self time.

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/profile_overheads.py \\
        [--variants dcgan wgan_gp] [--rounds 3] [--inter-op 0 --intra-op 0] [--trace DIR]
    ... python bench/profile_overheads.py --steps-only     # compiled steps alone, no fit() loop
    ... python bench/profile_overheads.py --joined-calls   # separate vs joined critic calls
"""

import argparse
import inspect
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tensorflow as tf  # noqa: E402

from throughput import IMAGE_VARIANTS, TIMED_STEPS as STEPS  # noqa: E402



def tracing_count(model):
    """How many times ``fit()``'s compiled step function of ``model`` was traced."""
    function = model.train_function
    closure = inspect.getclosurevars(function).nonlocals if function is not None else {}
    inner = closure.get("multi_step_on_iterator")
    return inner.experimental_get_tracing_count() if inner is not None else None


def step_rates(runs, steps, rounds):
    """Samples/s of the compiled training functions alone, without ``fit()``'s loop.

    Each run is ``(label, model, dataset, batch_size)``; every round runs
    ``steps`` steps (rounded down to whole executions) of each model's
    ``train_function`` in turn, after one call that traces it. Returns
    ``{label: [samples/s per round]}``.
    """
    iterators = {}
    for label, model, dataset, _ in runs:
        iterators[label] = iter(dataset)
        model.make_train_function()
        model.train_function(iterators[label])
    rates = {label: [] for label, *_ in runs}
    for _ in range(rounds):
        for label, model, _, batch_size in runs:
            executions = max(1, steps // model.steps_per_execution)
            start = time.perf_counter()
            for _ in range(executions):
                logs = model.train_function(iterators[label])
            float(next(iter(logs.values())))
            done = executions * model.steps_per_execution
            rates[label].append(done * batch_size / (time.perf_counter() - start))
    return rates


def pipeline_rate(dataset, batches=300):
    """Batches/s of a data set alone (after its first batch: buffers filled)."""
    iterator = iter(dataset)
    next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches / (time.perf_counter() - start)


def top_ops(logdir, count=10):
    """Self time by op type in the newest ``tf.profiler`` trace of ``logdir`` (host ops)."""
    import glob
    import json

    from tensorflow.python.profiler.internal import _pywrap_profiler_plugin

    path = max(glob.glob(os.path.join(logdir, "plugins/profile/*/*.xplane.pb")),
               key=os.path.getmtime)
    raw, ok = _pywrap_profiler_plugin.xspace_to_tools_data([path], "framework_op_stats", {})
    if not ok:
        return f"(could not convert {path}: {raw[:80]!r})"
    table = json.loads(raw)[0]
    columns = [column["id"] for column in table["cols"]]
    rows = [dict(zip(columns, [cell.get("v") for cell in row["c"]])) for row in table["rows"]]
    by_type = {}
    for row in rows:
        by_type[row["type"]] = by_type.get(row["type"], 0.0) + row["total_self_time"]
    idle = by_type.pop("IDLE", 0.0)
    busy = sum(by_type.values())
    lines = [f"{op_type} {seconds / busy:.1%}" for op_type, seconds in
             sorted(by_type.items(), key=lambda item: -item[1])[:count]]
    return (f"{busy / 1e6:.2f} s busy in ops ({idle / 1e6:.2f} s idle thread time); "
            + ", ".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", choices=IMAGE_VARIANTS, default=IMAGE_VARIANTS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--inter-op", type=int, default=0, help="0: TensorFlow's default")
    parser.add_argument("--intra-op", type=int, default=0, help="0: TensorFlow's default")
    parser.add_argument("--trace", default=None, help="write tf.profiler traces here")
    parser.add_argument("--joined-calls", action="store_true",
                        help="time discriminator steps with separate vs joined D calls")
    parser.add_argument("--steps-only", action="store_true",
                        help="time the compiled steps alone (no fit() loop): ours and keras-io")
    parser.add_argument("--dataset", default="mnist")
    args = parser.parse_args(argv)
    tf.config.threading.set_inter_op_parallelism_threads(args.inter_op)
    tf.config.threading.set_intra_op_parallelism_threads(args.intra_op)

    import keras

    from keras_gans import data
    from keras_gans.variants import VARIANTS
    from throughput import (build_ours, build_reference, interleaved_rates, keras_io_dataset,
                            per_round_note)

    print(f"$ python bench/profile_overheads.py "
          f"{' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    print(f"\n{os.cpu_count()} CPU cores, TF {tf.__version__}, Keras {keras.__version__}, "
          f"inter-op threads {args.inter_op or 'default'}, intra-op {args.intra_op or 'default'}; "
          f"load average at start {os.getloadavg()[0]:.2f}\n")
    if args.joined_calls:
        compare_joined_calls(args)
        return
    if args.steps_only:
        compare_steps(args)
        return
    print("| variant | steps | ours | ours, in-memory data | ours, spe=1 | keras-io (spe=1) | "
          "keras-io, spe=10 | keras-io, training unset | ours / keras-io | "
          "traces (ours, theirs) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in args.variants:
        variant, batch = VARIANTS[name], VARIANTS[name].batch_size

        def ours(steps_per_execution):
            return build_ours(name, args.dataset, 0, steps_per_execution)

        def theirs(steps_per_execution, training=True):
            return build_reference(name, args.dataset, 0, steps_per_execution, training)

        tfds_data = data.load_images(args.dataset, "train", batch, repeat=True, seed=0)
        memory_data = keras_io_dataset(args.dataset, batch, variant.conditional)
        spe = variant.steps_per_execution
        runs = [("ours", ours(spe), tfds_data, batch),
                ("ours, in-memory data", ours(spe), memory_data, batch),
                ("ours, spe=1", ours(1), tfds_data, batch),
                ("keras-io (spe=1)", theirs(1), memory_data, batch),
                ("keras-io, spe=10", theirs(10), memory_data, batch)]
        if name not in ("wgan", "wgan_gp"):  # keras-io's WGAN-GP example sets training=True
            runs.append(("keras-io, training unset", theirs(1, None), memory_data, batch))
        rates = interleaved_rates(runs, STEPS[name], args.rounds)
        medians = {label: statistics.median(values) for label, values in rates.items()}
        traces = f"{tracing_count(runs[0][1])}, {tracing_count(runs[3][1])}"
        print(f"| {name} | {STEPS[name]} | " + " | ".join(
            f"{medians[label]:.0f}" for label, *_ in runs) + " | –" * (6 - len(runs)) +
            f" | {medians['ours'] / medians['keras-io (spe=1)']:.2f} | {traces} |", flush=True)
        print(per_round_note(name, rates), flush=True)
        print(f"<!-- {name} data alone, batches/s: TFDS pipeline {pipeline_rate(tfds_data):.0f}, "
              f"in-memory {pipeline_rate(memory_data):.0f}; a training step needs "
              f"{medians['ours'] / batch:.1f} -->", flush=True)
        if args.trace:
            for label, model, dataset, _ in (runs[0], runs[3]):
                logdir = os.path.join(args.trace, f"{name}_{label.split()[0].strip(',')}")
                tf.profiler.experimental.start(logdir)
                model.fit(dataset, epochs=1, steps_per_epoch=STEPS[name], verbose=0)
                tf.profiler.experimental.stop()
                print(f"<!-- {name} {label} trace: {top_ops(logdir)} -->", flush=True)
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


def joined_step(critic, optimizer, real, fake, epsilon, join, penalty_weight):
    """One discriminator step (Wasserstein loss, plus the gradient penalty if
    ``penalty_weight``) with the critic called once per batch (``join=1``), once on
    [real; fake] (2) or once on [real; fake; interpolates] (3). Returns the loss."""
    from keras_gans import losses

    def call(x):
        return critic(x, training=True)

    with tf.GradientTape() as tape:
        if join == 3:
            mix = tf.reshape(epsilon, (-1, 1, 1, 1))
            joined = tf.concat([real, fake, mix * real + (1.0 - mix) * fake], axis=0)
            with tf.GradientTape() as inner:
                inner.watch(joined)
                scores = call(joined)
            real_scores, fake_scores, _ = tf.split(scores, 3)
            slopes = tf.reshape(inner.gradient(scores, joined)[2 * real.shape[0]:],
                                (real.shape[0], -1))
            penalty = tf.square(tf.sqrt(tf.reduce_sum(tf.square(slopes), axis=1) + 1e-12) - 1.0)
        else:
            if join == 2:
                real_scores, fake_scores = tf.split(call(tf.concat([real, fake], axis=0)), 2)
            else:
                real_scores, fake_scores = call(real), call(fake)
            penalty = (losses.gradient_penalty(call, real, fake, epsilon) if penalty_weight
                       else tf.zeros([real.shape[0]]))
        loss = tf.reduce_mean(losses.wasserstein_critic_loss(real_scores, fake_scores)
                              + penalty_weight * penalty)
    variables = critic.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss


def compare_joined_calls(args):
    """Critic steps with separate vs joined critic calls: time and exactness."""
    import keras

    from keras_gans import networks

    critics = {
        "wgan_gp critic (layer norm), with penalty": (
            lambda: networks.dcgan_discriminator(normalization="layer"), 10.0, (1, 2, 3)),
        "vanilla MLP discriminator (dropout off)": (
            lambda: networks.mlp_discriminator(dropout=0), 0.0, (1, 2)),
        "Su Wang's conv discriminator (vanilla --architecture conv)": (
            networks.conv_discriminator, 0.0, (1, 2)),
    }
    print("ms per discriminator step (batch 64 real + 64 fake), median of "
          f"{args.rounds} rounds; |Δ loss| = largest difference to separate calls\n")
    print("| discriminator | separate calls | [real; fake] joined | [real; fake; x̂] joined | "
          "largest abs Δ loss |")
    print("| --- | --- | --- | --- | --- |")
    for label, (build, weight, joins) in critics.items():
        keras.utils.set_random_seed(0)
        real = tf.random.uniform((64, 28, 28, 1), -1, 1)
        fake = tf.random.uniform((64, 28, 28, 1), -1, 1)
        epsilon = tf.random.uniform((64,))
        critic = build()
        functions, steps = {}, {}
        for join in joins:
            optimizer = keras.optimizers.SGD(0.0)  # a frozen critic: every variant sees the same
            optimizer.build(critic.trainable_variables)
            functions[join] = tf.function(
                lambda join=join, optimizer=optimizer: joined_step(
                    critic, optimizer, real, fake, epsilon, join, weight))
            steps[join] = float(functions[join]())  # traces
        repeats = 10 if weight else 50
        times = {join: [] for join in joins}
        for _ in range(args.rounds):
            for join, function in functions.items():
                start = time.perf_counter()
                for _ in range(repeats):
                    function()
                times[join].append((time.perf_counter() - start) / repeats * 1e3)
        cells = [f"{statistics.median(times[join]):.1f}" if join in times else "–"
                 for join in (1, 2, 3)]
        delta = max(abs(steps[join] - steps[1]) for join in joins)
        print(f"| {label} | " + " | ".join(cells) + f" | {delta:.1e} |", flush=True)


def compare_steps(args):
    """Samples/s of the compiled steps alone (no ``fit()`` loop): ours and keras-io."""
    from keras_gans import data
    from keras_gans.variants import VARIANTS
    from throughput import build_ours, build_reference, keras_io_dataset, per_round_note

    print("| variant | steps per round | ours (steps/execution 10) | keras-io (1) | "
          "ours / keras-io |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.variants:
        variant, batch = VARIANTS[name], VARIANTS[name].batch_size
        runs = [("ours", build_ours(name, args.dataset),
                 data.load_images(args.dataset, "train", batch, repeat=True, seed=0), batch),
                ("keras-io", build_reference(name, args.dataset),
                 keras_io_dataset(args.dataset, batch, variant.conditional), batch)]
        rates = step_rates(runs, STEPS[name], args.rounds)
        medians = {label: statistics.median(values) for label, values in rates.items()}
        print(f"| {name} | {STEPS[name]} | {medians['ours']:.0f} | {medians['keras-io']:.0f} | "
              f"{medians['ours'] / medians['keras-io']:.2f} |", flush=True)
        print(per_round_note(name, rates), flush=True)
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
