"""The README and the documentation site: short, pictures in step with the shipped models,
every command in them runnable, and ``mkdocs build --strict`` clean (offline)."""

import json
import os
import re
import shlex
import subprocess
import sys

import pytest
from conftest import load_bench_script
import tensorflow_datasets as tfds

from keras_gans import cli

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(REPO, "README.md")
DOCS = os.path.join(REPO, "docs")
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "NO_MKDOCS_2_WARNING": "1"}


def _read(path):
    with open(path, encoding="utf-8") as file:
        return file.read()


def commands_in(markdown):
    """The ``python -m keras_gans ...`` commands of a Markdown text's code blocks, as argv lists."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", markdown, re.DOTALL):
        for line in block.splitlines():
            line = line.split("#")[0].strip()
            for part in line.split("&&"):
                words = shlex.split(part)
                if words[:3] == ["python", "-m", "keras_gans"]:
                    commands.append(words[3:])
    return commands


def test_the_readme_is_short_and_shows_pictures_first():
    text = _read(README)
    lines = text.count("\n")
    assert lines <= 250, f"README.md has {lines} lines; expected at most 250 (the rest is in docs/)"
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings[0] == "Gallery" and "Quick start" in headings and headings[-1] == "References"


def test_the_gallery_pictures_every_shipped_model_as_it_is_now():
    gallery = load_bench_script("build_gallery")
    names = gallery.shipped_models()
    with open(gallery.MANIFEST, encoding="utf-8") as file:
        manifest = json.load(file)["models"]
    assert sorted(manifest) == names, "run: python bench/build_gallery.py"
    for name in names:
        version, digest = gallery.fingerprint(name)
        assert manifest[name] == {"version": version, "fingerprint_sha256": digest,
                                  "picture": f"{name}.png"}, (
            f"saved_models/{name} changed after its gallery picture was made; run: "
            f"python bench/build_gallery.py --names {name}")
    assert gallery.gallery_table() in _read(README), (
        "the README's gallery table is not the one python bench/build_gallery.py prints")


def test_every_image_the_readme_and_docs_show_exists_and_is_small():
    shown = [(README, path) for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", _read(README))]
    for page in ("index.md", "getting-started.md"):
        path = os.path.join(DOCS, page)
        shown += [(path, image) for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", _read(path))]
    assert len(shown) >= 16
    for page, image in shown:
        path = os.path.normpath(os.path.join(os.path.dirname(page), image))
        assert os.path.isfile(path), f"{page} shows {image}, which does not exist"
        assert os.path.getsize(path) < 1_000_000, f"{image} is {os.path.getsize(path)} bytes"


def test_every_link_of_the_readme_resolves():
    text = _read(README)
    links = [target for target in re.findall(r"(?<!!)\[[^\]]*\]\(([^)#]+)\)", text)
             if "://" not in target]
    assert len(links) >= 10
    missing = [target for target in links if not os.path.exists(os.path.join(REPO, target))]
    assert not missing, f"README.md links to missing files: {missing}"


def test_the_readme_names_every_variant_and_its_paper():
    from keras_gans.variants import VARIANTS

    text = _read(README)
    for name in VARIANTS:
        assert f"`{name}`" in text, f"the README's variant table lacks {name}"
    for paper in ("Generative Adversarial Nets", "Wasserstein GAN", "Adversarially Learned Inference",
                  "Energy-based Generative Adversarial Network", "Improved Techniques for Training"):
        assert paper in text


def test_every_command_in_the_readme_and_getting_started_parses():
    parser = cli.build_parser()
    commands = commands_in(_read(README)) + commands_in(_read(os.path.join(DOCS, "getting-started.md")))
    assert {"train", "sample", "evaluate"} <= {command[0] for command in commands}
    for command in commands:
        try:
            parser.parse_args(command)
        except SystemExit as error:  # argparse exits 2 on a bad flag
            raise AssertionError(f"python -m keras_gans {shlex.join(command)}: exit {error}")


def test_a_newcomer_can_draw_and_score_as_the_readme_says(tmp_path, monkeypatch, capsys):
    """The README's sample and evaluate commands, run as written (toy trained briefly first)."""
    monkeypatch.chdir(tmp_path)
    os.symlink(os.path.join(REPO, "saved_models"), tmp_path / "saved_models")
    assert cli.main(["train", "toy1d", "--steps", "200", "--epochs", "1", "--verbose", "0",
                     "--output", "runs/toy1d"]) == 0
    commands = [command for command in commands_in(_read(README))
                if command[0] in ("sample", "evaluate")]
    assert len(commands) >= 5
    with tfds.testing.mock_data(num_examples=100):  # the real-data reference, offline
        for command in commands:
            extra = ["--num-samples", "100"] if command[0] == "evaluate" else []
            assert cli.main(command + extra) == 0, command
            summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
            if command[0] == "sample":
                assert os.path.getsize(summary["output"]) > 0
            else:
                assert summary["metrics"] and summary["reference"]


def test_the_extras_install_jupyterlab_and_mkdocs():
    from importlib import metadata

    requirements = metadata.requires("keras-gans") or []
    assert any(r.startswith("jupyterlab") and 'extra == "tutorials"' in r for r in requirements)
    assert any(r.startswith("mkdocs") and 'extra == "docs"' in r for r in requirements)


def _nav_pages(config):
    pages = []

    def walk(entry):
        if isinstance(entry, str):
            pages.append(entry)
        elif isinstance(entry, dict):
            for value in entry.values():
                walk(value)
        elif isinstance(entry, list):
            for value in entry:
                walk(value)

    walk(config["nav"])
    return pages


def test_every_docs_page_is_in_the_navigation():
    import yaml

    with open(os.path.join(REPO, "mkdocs.yml"), encoding="utf-8") as file:
        config = yaml.safe_load(file)
    listed = set(_nav_pages(config))
    pages = {os.path.relpath(os.path.join(root, name), DOCS)
             for root, _, names in os.walk(DOCS) for name in names
             if name.endswith(".md") and not root.startswith(os.path.join(DOCS, "results"))}
    assert pages - listed == set(), f"pages missing from mkdocs.yml's nav: {sorted(pages - listed)}"
    missing = [page for page in listed if not os.path.exists(os.path.join(DOCS, page))]
    assert not missing, f"nav entries without a page: {missing}"
    notebooks = {f"tutorials/{name}" for name in os.listdir(os.path.join(REPO, "tutorials"))
                 if name.endswith(".ipynb")}
    assert notebooks <= listed, f"tutorials missing from the nav: {sorted(notebooks - listed)}"


def _mkdocs(*arguments, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", *arguments],
                          capture_output=True, text=True, env=ENV, cwd=cwd, timeout=600)


def test_the_documentation_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs", reason="pip install -e '.[docs]'")
    result = _mkdocs("--site-dir", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr[-4000:]
    site = tmp_path / "site"
    for page in ("index.html", "getting-started/index.html", "api/models/index.html",
                 "tutorials/01_gan_basics_1d/index.html", "benchmarks/mode-collapse/index.html"):
        assert (site / page).is_file(), page
    api = (site / "api" / "losses" / "index.html").read_text(encoding="utf-8")
    assert "wasserstein_critic_loss" in api and ":func:" not in api
    tutorial = (site / "tutorials" / "01_gan_basics_1d" / "index.html").read_text(encoding="utf-8")
    assert "data:image/png;base64" in tutorial or "<img" in tutorial, "the notebook shows no output"


def test_a_broken_link_fails_the_strict_build(tmp_path):
    """What the build above guards against: the same strictness turns a dead link into a failure."""
    pytest.importorskip("mkdocs", reason="pip install -e '.[docs]'")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nSee [the API](api/missing.md).\n")
    (tmp_path / "mkdocs.yml").write_text("site_name: probe\nstrict: true\n")
    result = _mkdocs("--site-dir", str(tmp_path / "site"), cwd=tmp_path)
    assert result.returncode != 0 and "api/missing.md" in result.stderr
