"""Benchmark: mode collapse on the 2-D ring and grid, against the published tables.

Trains each method on each mixture for the same number of steps and seeds,
measures 2,500 generated samples with the protocol of VEEGAN (Srivastava et
al. 2017) and PacGAN (Lin et al. 2018) -- modes captured, % high-quality
samples (within 3 std of a mode), reverse KL of the mode histogram -- and
prints the means over seeds beside the published rows, with the seconds per
1,000 steps of each method on this machine.

Every method starts from the same base setting, the one
``python -m keras_gans train mixture_gan`` uses by default (the variants'
recipe: networks, optimizer, batch size); a method adds its model or
technique. ``--paper`` uses PacGAN's setting instead (its networks: G
4 x 400 ReLU + batch norm, D 3 maxout layers of 200 x 5; Adam(1e-4,
beta_1 0.8), batch 100), whose paper trained 400 epochs of 100,000 samples
(400,000 steps) -- far beyond a CPU budget.

Results are appended to ``--out`` (JSON lines) as they finish; a rerun skips
the runs already there, so an interrupted table resumes.

Usage:
    python bench/mode_collapse.py [--mixtures ring grid] [--methods gan unrolled ...]
                                  [--seeds 5] [--steps N] [--paper] [--out FILE] [--save-dir DIR]
    python bench/mode_collapse.py --table FILE     # print the table of a results file
"""

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: method -> (variant, options added to the base setting)
METHODS = {
    "gan": ("mixture_gan", {}),
    "unrolled": ("mixture_unrolled", {"unrolling_steps": 5}),
    "ali": ("mixture_bigan", {}),
    "minibatch": ("mixture_gan", {"minibatch_discrimination": True}),
    "wgan_gp": ("mixture_wgan_gp", {}),
    "pacgan4": ("mixture_gan", {"packing": 4}),
    # R1 (Mescheder et al. 2018): gamma / 2 E ||grad_x D(x)||^2 at real points.
    "r1": ("mixture_gan", {"r1_gamma": 0.1}),
    # R1 with a larger D (3 maxout layers of 256 instead of the recipe's 2 of 128): the larger
    # D sharpens the modes, R1 keeps it from dropping them.
    "r1_large_d": ("mixture_gan", {"r1_gamma": 0.1, "discriminator_units": 256,
                                   "discriminator_depth": 3}),
    # R1's gamma has the units of a squared distance: 0.1 scaled from the grid's std (0.05) to
    # the ring's (0.01) is 0.1 x (0.01 / 0.05)^2 = 0.004.
    "r1_small": ("mixture_gan", {"r1_gamma": 0.004}),
    # r1_large_d with a larger G too (4 layers of 256 instead of 3 of 128): sharper jumps between
    # modes, fewer samples on the bridges.
    "r1_large_dg": ("mixture_gan", {"r1_gamma": 0.1, "discriminator_units": 256,
                                    "discriminator_depth": 3, "generator_units": 256,
                                    "generator_depth": 4}),
    # Discriminator rejection sampling (Azadi et al. 2019) on top: training unchanged, samples
    # kept with probability exp(D's logit - its maximum).
    "gan_drs": ("mixture_gan", {"rejection_sampling": True}),
    "unrolled_drs": ("mixture_unrolled", {"unrolling_steps": 5, "rejection_sampling": True}),
    "r1_drs": ("mixture_gan", {"r1_gamma": 0.1, "rejection_sampling": True}),
    # unrolled_drs plus R1 at gamma 0.01 (for coverage): R1 smooths D, and DRS then keeps bridges.
    "unrolled_r1_drs": ("mixture_unrolled", {"unrolling_steps": 5, "rejection_sampling": True,
                                             "r1_gamma": 0.01}),
    # unrolled_drs plus instance noise annealed to 0 (Sonderby et al. 2017): a smooth D early, for
    # coverage, and an unpenalized one at the end, for the rejection step.
    "unrolled_noise_drs": ("mixture_unrolled", {"unrolling_steps": 5, "rejection_sampling": True,
                                                "instance_noise": 0.3,
                                                "instance_noise_steps": 6000}),
    "unrolled_noise_short_drs": ("mixture_unrolled", {"unrolling_steps": 5,
                                                      "rejection_sampling": True,
                                                      "instance_noise": 0.3,
                                                      "instance_noise_steps": 3000}),
    "unrolled_noise_small_drs": ("mixture_unrolled", {"unrolling_steps": 5,
                                                      "rejection_sampling": True,
                                                      "instance_noise": 0.1,
                                                      "instance_noise_steps": 5000}),
}
#: The best method found on each mixture (mean of the seeds; its seed-0 generator is shipped
#: as saved_models/mixture_<mixture>).
BEST = {"ring": "unrolled_drs", "grid": "unrolled_drs"}
#: The rows of the default table.
DEFAULT_METHODS = ("gan", "unrolled", "ali", "minibatch", "wgan_gp", "unrolled_drs")
#: The published rows: {mixture: {row: (modes, % high quality, reverse KL or None)}}.
PUBLISHED = {
    "ring": {
        "GAN (VEEGAN Table 1)": (1.0, 99.3, None),
        "ALI (VEEGAN Table 1)": (2.8, 0.13, None),
        "Unrolled GAN (VEEGAN Table 1)": (7.6, 35.6, None),
        "VEEGAN (VEEGAN Table 1)": (8.0, 52.9, None),
        "GAN (PacGAN Table 1)": (6.3, 98.2, 0.45),
        "PacGAN4 (PacGAN Table 1)": (7.8, 95.9, 0.07),
    },
    "grid": {
        "GAN (VEEGAN Table 1)": (3.3, 0.5, None),
        "ALI (VEEGAN Table 1)": (15.8, 1.6, None),
        "Unrolled GAN (VEEGAN Table 1)": (23.6, 16.0, None),
        "VEEGAN (VEEGAN Table 1)": (24.6, 40.0, None),
        "GAN (PacGAN Table 1)": (17.3, 94.8, 0.70),
        "PacGAN4 (PacGAN Table 1)": (24.8, 93.6, 0.04),
    },
}
TARGET = "at least one method: all modes (8 / 8 ring, >= 24.8 / 25 grid), >= 90 % high " \
         "quality and reverse KL <= 0.05 on both; unrolled captures more modes than gan on both"


def train(mixture, method, seed, steps, paper=False):
    """Trains one method on one mixture; returns ``(model, result row)``."""
    import keras
    import tensorflow as tf

    from keras_gans import data, evaluation, variants

    variant_name, options = METHODS[method]
    variant = variants.get_variant(variant_name)
    steps = steps or variant.steps
    keras.utils.set_random_seed(seed)
    model = variants.build(variant_name, paper=paper, compile=False, seed=seed, **options)
    # XLA: these small MLPs are launch-bound, and XLA's fused steps run about 2x faster on
    # a CPU (for convolutional networks oneDNN without XLA is faster).
    model.compile(*variant.make_optimizers(paper, steps=steps),
                  steps_per_execution=variant.steps_per_execution, jit_compile=True)
    stream = data.gaussian_mixture_2d(mixture, variants.batch_size_of(variant_name, paper),
                                      seed=seed)
    model.fit(stream, steps_per_epoch=variant.steps_per_execution, verbose=0)  # trace, warm up
    start = time.perf_counter()
    model.fit(stream, steps_per_epoch=steps - variant.steps_per_execution, verbose=0)
    seconds = time.perf_counter() - start
    means, stddev = data.get_mixture(mixture)
    try:
        metrics = evaluation.mode_coverage(model.generate(2500).numpy(), means, stddev)
    except tf.errors.InvalidArgumentError as error:  # rejection sampling that keeps ~nothing
        metrics = {"high_quality": float("nan"), "modes": float("nan"),
                   "reverse_kl": float("nan"), "error": error.message}
    return model, {"mixture": mixture, "method": method, "seed": seed, "steps": steps,
                   "paper": paper, **metrics,
                   "seconds_per_1000_steps": 1000 * seconds / (steps - variant.steps_per_execution)}


def _mean(rows, key):
    # nan: no high-quality sample, or (every metric) no samples drawn: the run's "error"
    values = [row[key] for row in rows if row[key] == row[key]]
    return statistics.mean(values) if values else float("nan")


def table(rows):
    """The Markdown table of result rows: means over seeds, published rows beside."""
    lines = []
    for mixture in ("ring", "grid"):
        mine = [row for row in rows if row["mixture"] == mixture]
        if not mine:
            continue
        modes = {"ring": 8, "grid": 25}[mixture]
        lines += [f"\n**{mixture}** ({modes} modes)\n",
                  "| method | seeds | modes | % high quality | reverse KL | s / 1,000 steps |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for method in METHODS:
            group = [row for row in mine if row["method"] == method]
            if group:
                shown = f"{method} (shipped)" if method == BEST[mixture] else method
                failed = sum("error" in row for row in group)
                seeds = f"{len(group)}" + (f" ({failed} drew < 2,500 samples)" if failed else "")
                lines.append(
                    f"| {shown} | {seeds} | {_mean(group, 'modes'):.1f} | "
                    f"{100 * _mean(group, 'high_quality'):.1f} | {_mean(group, 'reverse_kl'):.3f} | "
                    f"{_mean(group, 'seconds_per_1000_steps'):.1f} |")
        for name, (published_modes, quality, kl) in PUBLISHED[mixture].items():
            lines.append(f"| *{name}* | | {published_modes} | {quality} | "
                         f"{'' if kl is None else kl} | |")
    plain = {m: _mean([r for r in rows if r["method"] == "gan" and r["mixture"] == m],
                      "seconds_per_1000_steps") for m in ("ring", "grid")}
    unrolled = {m: _mean([r for r in rows if r["method"] == "unrolled" and r["mixture"] == m],
                         "seconds_per_1000_steps") for m in ("ring", "grid")}
    if all(v == v for v in list(plain.values()) + list(unrolled.values())):
        cost = statistics.mean(unrolled[m] / plain[m] for m in plain)
        lines.append(f"\nUnrolling K=5 steps costs {cost:.1f}x a plain GAN step.")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mixtures", nargs="+", choices=("ring", "grid"), default=["ring", "grid"])
    parser.add_argument("--methods", nargs="+", choices=sorted(METHODS),
                        default=list(DEFAULT_METHODS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=None,
                        help="generator steps per run (default: the variants' own)")
    parser.add_argument("--paper", action="store_true", help="PacGAN's setting instead of the recipe")
    # Rows since 2026-12-06, when each mixture layer got its own initializer (before, one
    # initializer made at import time seeded every layer alike, whatever the seed;
    # those rows are in bench/results/mode_collapse.jsonl).
    parser.add_argument("--out", default="bench/results/mode_collapse_seeded.jsonl")
    parser.add_argument("--table", metavar="FILE", help="only print the table of FILE")
    parser.add_argument("--save-dir", default=os.path.join("runs", "mode_collapse"),
                        help="where the best method's seed-0 models are saved (bench/"
                        "build_saved_models.py exports them)")
    args = parser.parse_args(argv)
    command = "python " + " ".join(sys.argv)
    if args.table:
        with open(args.table, encoding="utf-8") as file:
            print(table([json.loads(line) for line in file if line.strip()]))
        return
    from keras_gans import variants

    steps = args.steps or variants.get_variant("mixture_gan").steps
    done = set()
    if os.path.exists(args.out):
        with open(args.out, encoding="utf-8") as file:
            done = {(r["mixture"], r["method"], r["seed"], r["steps"], r["paper"])
                    for r in map(json.loads, filter(str.strip, file))}
    start = time.perf_counter()
    for seed in range(args.seeds):  # seed by seed: an interrupted table has every method
        for mixture in args.mixtures:
            for method in args.methods:
                if (mixture, method, seed, steps, args.paper) in done:
                    continue
                model, row = train(mixture, method, seed, steps, args.paper)
                if args.save_dir and method == BEST[mixture] and seed == 0:
                    os.makedirs(args.save_dir, exist_ok=True)
                    model.save(os.path.join(args.save_dir, f"{mixture}_{method}_seed0.keras"))
                print(json.dumps(row), flush=True)
                with open(args.out, "a", encoding="utf-8") as file:
                    file.write(json.dumps(row) + "\n")
    with open(args.out, encoding="utf-8") as file:
        rows = [r for r in map(json.loads, filter(str.strip, file))
                if r["steps"] == steps and r["paper"] == args.paper
                and r["mixture"] in args.mixtures and r["method"] in args.methods]
    print(f"\n{command}\n({time.perf_counter() - start:.0f} s this run; {steps} steps per run; "
          f"target: {TARGET})")
    print(table(rows))


if __name__ == "__main__":
    main()
