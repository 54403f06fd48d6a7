"""Builds the README's gallery from saved_models/: one small picture per shipped model.

For every export in ``saved_models/`` (its newest version): the picture that
``python -m keras_gans sample EXPORT --output grid.png`` draws (seed 0), at a small size, in
``docs/images/gallery/NAME.png``; plus the 1-D toy's training animation (Glover's AYLIEN
tutorial), trained again in the recipe of ``train toy1d --minibatch-discrimination`` with
``--seed 0``. ``gallery.json`` records the fingerprint of each export pictured, and the command
prints the README's gallery table (captions from each export's ``model.json``), so
tests/test_docs.py fails when a shipped model changes and its picture or caption does not.

Usage:
    python bench/build_gallery.py [--names dcgan_mnist ...] [--skip-animation]
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAVED_MODELS = os.path.join(REPO, "saved_models")
GALLERY = os.path.join(REPO, "docs", "images", "gallery")
MANIFEST = os.path.join(GALLERY, "gallery.json")
ANIMATION = "toy1d_training.gif"
DPI = 60  # small files: the gallery is a glance, `sample` draws full-size grids


def shipped_models():
    """Names of the exports in saved_models/ (directories holding numbered versions)."""
    from keras_gans import export

    return sorted(name for name in os.listdir(SAVED_MODELS)
                  if export.existing_versions(os.path.join(SAVED_MODELS, name)))


def fingerprint(name):
    """``(version, sha256 of its fingerprint.pb)`` of the newest export of ``name``."""
    from keras_gans import export

    path = export.latest_version(os.path.join(SAVED_MODELS, name))
    with open(os.path.join(path, "fingerprint.pb"), "rb") as file:
        return int(os.path.basename(path)), hashlib.sha256(file.read()).hexdigest()


def picture(name, path):
    """Writes the gallery picture of ``saved_models/name`` to ``path``."""
    from keras_gans import generators, plotting

    generator = generators.load(os.path.join(SAVED_MODELS, name))
    count = 5 * (generator.num_classes or 0) or 24  # conditional: 5 per class, else 3 x 8
    mixture = generator.dataset if generator.dataset in ("ring", "grid") else "ring"
    if generator.dataset in ("ring", "grid"):
        count = None  # the metric's 2,500 points: what the title's modes and share count
    samples, rows, row_names = generators.draw(generator, count, seed=0)
    figure = plotting.plot_samples(samples, rows or (3 if generator.is_image else None), row_names,
                                   mixture, title=name)
    figure.savefig(path, dpi=DPI, bbox_inches="tight")


#: The gallery's order (README); exports not named here follow, alphabetically.
ORDER = ("dcgan_mnist", "cdcgan_mnist", "vanilla_mnist", "wgan_gp_mnist", "wgan_mnist",
         "ebgan_mnist", "dcgan_fashion_mnist", "cdcgan_fashion_mnist", "ali_mnist", "ssgan_mnist",
         "mixture_ring", "mixture_grid", "toy1d_minibatch", "toy1d")
COLUMNS = 3


def caption(name):
    """One line on what ``saved_models/name`` measured, from its ``model.json``."""
    from keras_gans import data

    version, _ = fingerprint(name)
    with open(os.path.join(SAVED_MODELS, name, str(version), "assets.extra", "model.json"),
              encoding="utf-8") as file:
        info = json.load(file)
    metrics, reference = info.get("metrics", {}), info.get("reference") or {}
    if "test_error" in metrics:
        return f"a classifier from few labels, {metrics['test_error']:.1%} test error"
    if "modes" in metrics:
        total = len(data.get_mixture(info["dataset"])[0])
        return f"{metrics['modes']}/{total} modes, {metrics['high_quality']:.0%} high quality"
    if "w1" in metrics:
        return f"σ ratio {metrics['sigma_ratio']:.2f}, W1 {metrics['w1']:.3f}"
    parts = [f"score {metrics['classifier_score'] / reference['classifier_score']:.2f}x real's",
             f"FCD {metrics['fcd']:.1f}"]
    if "conditional_accuracy" in metrics:
        parts.append(f"{metrics['conditional_accuracy']:.0%} conditional accuracy")
    if "reconstruction_accuracy" in metrics:
        parts.append(f"{metrics['reconstruction_accuracy']:.0%} reconstruction accuracy")
    return ", ".join(parts)


def gallery_table(names=None):
    """The README's gallery: a Markdown table of every picture with its caption."""
    names = names or shipped_models()
    ordered = [name for name in ORDER if name in names] + sorted(set(names) - set(ORDER))
    cells = [f"![{name}](docs/images/gallery/{name}.png)<br>`{name}`: {caption(name)}"
             for name in ordered]
    cells.append(f"![toy1d training](docs/images/gallery/{ANIMATION})<br>the quick start's "
                 "training, as in Glover's animation")
    cells += [""] * (-len(cells) % COLUMNS)
    rows = ["| " + " | ".join(cells[i : i + COLUMNS]) + " |" for i in range(0, len(cells), COLUMNS)]
    return "\n".join(["|" + " |" * COLUMNS, "|" + " --- |" * COLUMNS, *rows])


def animation(path):
    """Trains the toy as the quick start does (seed 0) and keeps its training animation."""
    from keras_gans import cli

    with tempfile.TemporaryDirectory() as scratch:
        output = os.path.join(scratch, "run")
        cli.main(["train", "toy1d", "--minibatch-discrimination", "--seed", "0", "--verbose", "0",
                  "--animate", "--animate-every", "1000", "--output", output])
        shutil.copyfile(os.path.join(output, "training.gif"), path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", nargs="+", default=None,
                        help="only these saved_models/ entries (default: all)")
    parser.add_argument("--skip-animation", action="store_true",
                        help="keep the committed toy animation (training it takes a minute)")
    args = parser.parse_args(argv)
    names = shipped_models()
    unknown = sorted(set(args.names or ()) - set(names))
    if unknown:
        parser.error(f"--names: expected entries of saved_models/ {names}, received {unknown}")
    os.makedirs(GALLERY, exist_ok=True)
    manifest = {"command": "python bench/build_gallery.py", "models": {}}
    if os.path.isfile(MANIFEST):
        with open(MANIFEST, encoding="utf-8") as file:
            manifest["models"] = {name: entry for name, entry in json.load(file)["models"].items()
                                  if name in names}
    chosen = args.names or names
    for number, name in enumerate(chosen, 1):
        print(f"[{number}/{len(chosen)}] {name}", flush=True)
        picture(name, os.path.join(GALLERY, f"{name}.png"))
        version, digest = fingerprint(name)
        manifest["models"][name] = {"version": version, "fingerprint_sha256": digest,
                                    "picture": f"{name}.png"}
    if not args.skip_animation:
        print(f"[animation] training the toy for {ANIMATION}", flush=True)
        animation(os.path.join(GALLERY, ANIMATION))
    manifest["models"] = dict(sorted(manifest["models"].items()))
    with open(MANIFEST, "w", encoding="utf-8") as file:
        json.dump(manifest, file, indent=2)
        file.write("\n")
    for name in sorted(os.listdir(GALLERY)):
        print(f"{name:36s} {os.path.getsize(os.path.join(GALLERY, name)) / 1024:7.1f} KB")
    print("\nThe README's gallery table:\n")
    print(gallery_table(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
