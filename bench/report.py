"""Benchmark report: speed, memory and time to quality of every variant.

For every variant of ``keras_gans.variants.VARIANTS``, each measurement in its
own child process (the parent reads the child's peak RSS with ``os.wait4``):

- **speed**: samples/s of ``fit()`` at the variant's default batch size and
  ``steps_per_execution``, median of ``--rounds`` timed epochs after a
  warm-up epoch (``throughput.interleaved_rates``), and the peak RSS of that
  process. For toy1d also the issue's check: 5,000 steps of ``fit()``
  (tracing included) in <= 10 s.
- **quality**: wall time of ``fit()`` until the variant's quality target is
  met, evaluated every ``--eval-every`` steps with the package's callbacks
  (``ImageQualityMetrics`` / ``Gaussian1DMetrics``, ``TimeLimit``), within a
  budget of ``--minutes`` (``--toy-minutes`` for toy1d); the evaluations'
  own time is included and also reported. A missed target is reported as
  "not reached in N min (best X)". Peak RSS of that process too.
- **reference**: the keras-io-style step of ``bench/keras_io_reference.py``
  around the same networks, timed in alternation with ours in one process
  (so machine load hits both alike): samples/s and the ratio ours / theirs.

Targets: toy1d W1 <= 0.05 and sigma ratio >= 0.85 in the README's tuned
setting (``--noise normal --decay-steps 3000 --generator-ema 0.999`` with
minibatch discrimination), measured on the generator ``fit()`` returns, i.e.
with the EMA weights swapped in; cdcgan conditional accuracy >= 97 %; every
other image variant classifier score >= 0.95 x the real data's.

The tables and the command line go to stdout and to ``--output``.

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/report.py \\
        [--minutes 3] [--toy-minutes 2] [--rounds 5] [--variants ...]
"""

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

VARIANT_NAMES = ("toy1d", "vanilla", "dcgan", "cdcgan", "wgan", "wgan_gp")
#: Steps between two quality evaluations: about 10-30 s of training each on 2 cores.
EVAL_EVERY = {"toy1d": 1000, "vanilla": 2000, "dcgan": 300, "cdcgan": 300, "wgan": 100,
              "wgan_gp": 60}
#: The README's tuned toy setting (bench/toy1d.py --noise normal --decay-steps 3000
#: --generator-ema 0.999, with minibatch discrimination).
TOY_TUNED = dict(minibatch_discrimination=True, noise="normal", decay_steps=3000,
                 generator_ema=0.999)
SCORE_SHARE = 0.95
ACCURACY = 0.97


def target_of(name):
    """``(description, is_met(metrics, reference), best_key, better)`` of a variant."""
    if name == "toy1d":
        return ("W1 <= 0.05 and σ ratio >= 0.85 (EMA generator)",
                lambda m, _: m["w1"] <= 0.05 and m["sigma_ratio"] >= 0.85, "w1", min)
    if name == "cdcgan":
        return (f"conditional accuracy >= {ACCURACY:.0%}",
                lambda m, _: m["val_conditional_accuracy"] >= ACCURACY,
                "val_conditional_accuracy", max)
    return (f"classifier score >= {SCORE_SHARE} x real",
            lambda m, ref: m["val_classifier_score"] >= SCORE_SHARE * ref["classifier_score"],
            "val_classifier_score", max)


# ---------------------------------------------------------------- children
@contextlib.contextmanager
def averaged_weights(network, optimizer):
    """Swaps in the moving average of ``network``'s weights kept by ``optimizer``
    (``use_ema=True``), i.e. the weights ``GAN.fit()`` ends with; restores them after."""
    if not getattr(optimizer, "use_ema", False):
        yield
        return
    variables = network.trainable_variables
    saved = [variable.numpy() for variable in variables]
    for variable, average in zip(variables, optimizer._model_variables_moving_average):
        variable.assign(average)
    try:
        yield
    finally:
        for variable, value in zip(variables, saved):
            variable.assign(value)


def quality_clock(metrics, is_met, reference, best_key, better):
    """A callback around ``metrics`` (a package metrics callback): times its
    evaluations, keeps the best value and stops ``fit()`` when ``is_met``."""
    import keras

    class QualityClock(keras.callbacks.Callback):
        def set_model(self, model):
            super().set_model(model)
            metrics.set_model(model)

        def set_params(self, params):
            super().set_params(params)
            metrics.set_params(params)

        def on_train_begin(self, logs=None):
            metrics.on_train_begin(logs)
            self.start, self.eval_seconds, self.evaluations = time.monotonic(), 0.0, 0
            self.best, self.met_at, self.steps_at_met = None, None, None

        def on_epoch_end(self, epoch, logs=None):
            start = time.monotonic()
            values = dict(logs or {})
            metrics.on_epoch_end(epoch, values)
            self.eval_seconds += time.monotonic() - start
            self.evaluations += 1
            if best_key not in values:
                return
            if self.best is None or better(values[best_key], self.best[best_key]) != self.best[best_key]:
                self.best = {key: float(value) for key, value in values.items()}
            if self.met_at is None and is_met(values, reference):
                self.met_at = time.monotonic() - self.start
                self.steps_at_met = self.model.steps_trained
                self.model.stop_training = True

    return QualityClock()


def speed(name, args):
    """Samples/s of ``fit()`` at the defaults (and toy1d's 5,000-step check)."""
    from keras_gans import data
    from keras_gans.variants import VARIANTS
    from throughput import TIMED_STEPS, build_ours, interleaved_rates

    variant = VARIANTS[name]
    model = build_ours(name, args.dataset, args.seed)
    if variant.data == "images":
        dataset = data.load_images(args.dataset, "train", variant.batch_size, repeat=True,
                                   seed=args.seed)
    else:
        dataset = data.gaussian_1d(batch_size=variant.batch_size, seed=args.seed)
    rates = interleaved_rates([(name, model, dataset, variant.batch_size)], TIMED_STEPS[name],
                              args.rounds)[name]
    result = {"rates": rates}
    if name == "toy1d":
        from toy1d import train_once

        _, result["toy_5000_seconds"] = train_once(args.seed, False, 5000, variant.batch_size,
                                                   "default", None, 1)
    return result


def reference(name, args):
    """Ours and the keras-io-style step in alternation: samples/s per round."""
    from keras_gans import data
    from keras_gans.variants import VARIANTS
    from throughput import (TIMED_STEPS, build_ours, build_reference, interleaved_rates,
                            keras_io_dataset)

    variant, batch = VARIANTS[name], VARIANTS[name].batch_size
    return interleaved_rates(
        [("ours", build_ours(name, args.dataset, args.seed),
          data.load_images(args.dataset, "train", batch, repeat=True, seed=args.seed), batch),
         ("theirs", build_reference(name, args.dataset, args.seed),
          keras_io_dataset(args.dataset, batch, variant.conditional), batch)],
        TIMED_STEPS[name], args.rounds)


def quality(name, args):
    """Time of ``fit()`` to the variant's target, within the time budget."""
    import keras

    from keras_gans import callbacks, data, evaluation
    from keras_gans.variants import VARIANTS

    variant = VARIANTS[name]
    keras.utils.set_random_seed(args.seed)
    if name == "toy1d":
        model = variant.build(**TOY_TUNED)
        dataset = data.gaussian_1d(batch_size=variant.batch_size, seed=args.seed)

        class AveragedGaussian1DMetrics(callbacks.Gaussian1DMetrics):
            def measure(self):
                with averaged_weights(self.model.generator, self.model.g_optimizer):
                    return super().measure()

        metrics, real, minutes = AveragedGaussian1DMetrics(), None, args.toy_minutes
    else:
        model = variant.build(**variant.data_options(args.dataset))
        dataset = data.load_images(args.dataset, "train", variant.batch_size, repeat=True,
                                   seed=args.seed)
        evaluator = evaluation.ImageEvaluator(args.dataset)
        real = evaluator.reference(args.eval_samples)  # before fit(): not timed
        metrics = callbacks.ImageQualityMetrics(evaluator, args.eval_samples)
        minutes = args.minutes
    model.compile(steps_per_execution=variant.steps_per_execution)
    _, is_met, best_key, better = target_of(name)
    clock = quality_clock(metrics, is_met, real, best_key, better)
    limit = callbacks.TimeLimit(minutes * 60)
    start = time.monotonic()
    model.fit(dataset, epochs=10**6, steps_per_epoch=args.eval_every.get(name, EVAL_EVERY[name]),
              callbacks=[clock, limit], verbose=0)
    return {"seconds": time.monotonic() - start, "steps": model.steps_trained,
            "met_at": clock.met_at, "steps_at_met": clock.steps_at_met, "best": clock.best,
            "evaluations": clock.evaluations, "eval_seconds": clock.eval_seconds,
            "real": real, "minutes": minutes, "load": os.getloadavg()[0]}


CHILDREN = {"speed": speed, "reference": reference, "quality": quality}


def run_child(role, name, argv):
    """Runs one measurement in a child process; returns (result, peak RSS in MB)."""
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen([sys.executable, os.path.abspath(__file__), *argv,
                                    "--child", role, name],
                                   stdout=subprocess.PIPE, stderr=errors, text=True)
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            raise RuntimeError(f"{role} {name} failed:\n{errors.read()[-3000:]}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024  # kB -> MB


def describe_quality(name, result):
    """Time to target, or "not reached in N min (best X)"."""
    best = result["best"] or {}
    if name == "toy1d":
        best_text = (f"W1 {best['w1']:.3f}, σ ratio {best['sigma_ratio']:.2f}" if best else "–")
    elif name == "cdcgan":
        best_text = f"{best['val_conditional_accuracy']:.1%}" if best else "–"
    else:
        best_text = (f"{best['val_classifier_score'] / result['real']['classifier_score']:.2f} x real"
                     if best else "–")
    if result["met_at"] is not None:
        return f"**{result['met_at']:.0f} s** ({result['steps_at_met']} steps; {best_text})"
    return f"not reached in {result['minutes']:g} min ({result['steps']} steps; best {best_text})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", choices=VARIANT_NAMES, default=list(VARIANT_NAMES))
    parser.add_argument("--minutes", type=float, default=3.0,
                        help="time budget of each image variant to reach its target")
    parser.add_argument("--toy-minutes", type=float, default=2.0, help="toy1d's time budget")
    parser.add_argument("--rounds", type=int, default=5, help="timed epochs per speed figure")
    parser.add_argument("--eval-every", nargs="*", default=[], metavar="VARIANT=STEPS",
                        help=f"steps between evaluations (defaults: {EVAL_EVERY})")
    parser.add_argument("--eval-samples", type=int, default=2000)
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results",
                                                         "report.md"))
    parser.add_argument("--child", nargs=2, metavar=("ROLE", "VARIANT"), help=argparse.SUPPRESS)
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    args.eval_every = {key: int(value) for key, value in
                       (pair.split("=") for pair in args.eval_every)}
    if args.child:
        role, name = args.child
        print(json.dumps(CHILDREN[role](name, args)))
        return

    import tensorflow as tf

    from keras_gans.variants import VARIANTS

    lines = []

    def emit(text=""):
        print(text, flush=True)
        lines.append(text)
        with open(args.output, "w") as report:
            report.write("\n".join(lines) + "\n")

    emit(f"$ TFDS_DATA_DIR={os.environ.get('TFDS_DATA_DIR', '')} python bench/report.py "
         f"{' '.join(argv)}".rstrip())
    emit(f"\n{os.cpu_count()} CPU cores, TF {tf.__version__}; load average (1, 5, 15 min) at "
         f"start: {', '.join(f'{load:.2f}' for load in os.getloadavg())}\n")
    emit("| variant | batch | steps/execution | samples/s of fit() | peak RSS, fit() | target | "
         "time to target | evaluations (their time) | peak RSS, fit() + evaluation | "
         "keras-io style: samples/s | ours / keras-io |")
    emit("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    notes = []
    child_argv = [arg for arg in argv if arg != "--child"]
    for name in args.variants:
        variant = VARIANTS[name]
        fast, fast_rss = run_child("speed", name, child_argv)
        slow, slow_rss = run_child("quality", name, child_argv)
        rate = statistics.median(fast["rates"])
        if variant.data == "images":
            pair, _ = run_child("reference", name, child_argv)
            ours, theirs = statistics.median(pair["ours"]), statistics.median(pair["theirs"])
            versus = f"{theirs:.0f} | {ours / theirs:.2f} (ours {ours:.0f})"
            notes.append(f"{name} per round, ours / keras-io samples/s: " + "; ".join(
                f"{a:.0f} / {b:.0f}" for a, b in zip(pair["ours"], pair["theirs"])))
        else:
            versus = "– | –"
        if "toy_5000_seconds" in fast:
            seconds = fast["toy_5000_seconds"]
            notes.append(f"toy1d check: 5,000 steps of fit() in {seconds:.1f} s, tracing included "
                         f"(target <= 10 s: {'met' if seconds <= 10 else 'MISSED'})")
        emit(f"| {name} | {variant.batch_size} | {variant.steps_per_execution} | {rate:.0f} | "
             f"{fast_rss:.0f} MB | {target_of(name)[0]} | {describe_quality(name, slow)} | "
             f"{slow['evaluations']} ({slow['eval_seconds']:.0f} s) | {slow_rss:.0f} MB | "
             f"{versus} |")
        notes.append(f"{name}: load average {slow['load']:.2f} at the end of its quality run")
    emit()
    for note in notes:
        emit(f"- {note}")
    emit(f"\nload average (1, 5, 15 min) at end: "
         f"{', '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
