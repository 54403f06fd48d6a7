"""`sample` and `evaluate`: the same samples from a .keras file and its export, grids, scores, errors."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image

from keras_gans import cli, export, generators

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = os.path.join(REPO, "saved_models")
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def last_json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """A briefly trained 1-D toy: ``(model.keras, its export)``."""
    from keras_gans.models import Toy1DGAN

    directory = tmp_path_factory.mktemp("toy")
    gan = Toy1DGAN(noise="normal")
    gan.compile()
    gan.fit(np.random.default_rng(0).normal(4.0, 0.5, (256, 1)).astype("float32"),
            batch_size=8, epochs=1, verbose=0)
    gan.save(str(directory / "model.keras"))
    return str(directory / "model.keras"), gan.export_generator(str(directory / "export"))


def test_a_keras_file_and_its_export_draw_the_same_samples(toy, tmp_path, capsys):
    keras_path, export_path = toy
    outputs = []
    for source in (keras_path, export_path, os.path.dirname(export_path)):  # version, base path
        output = tmp_path / f"{len(outputs)}.npy"
        assert cli.main(["sample", source, "--seed", "3", "--num-samples", "50",
                         "--output", str(output)]) == 0
        summary = last_json(capsys)
        outputs.append(np.load(output))
        assert summary["samples"] == 50 and outputs[-1].shape == (50, 1)
    assert summary["kind"] == "saved_model"
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(outputs[1], outputs[2])
    cli.main(["sample", export_path, "--seed", "4", "--num-samples", "50",
              "--output", str(tmp_path / "other.npy")])
    assert not np.allclose(np.load(tmp_path / "other.npy"), outputs[1]), "the seed is ignored"


def test_an_export_is_read_without_the_package(toy):
    """As a server would: tf.saved_model.load and the signatures, with keras_gans unimportable."""
    code = (
        "import importlib.util, sys; sys.modules['keras_gans'] = None\n"  # import keras_gans fails
        f"spec = importlib.util.spec_from_file_location('standalone', {generators.__file__!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        f"samples, _ = module.load({toy[1]!r}).generate(4, seed=3)\n"
        "print(samples.ravel().tolist())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    standalone = json.loads(result.stdout.strip().splitlines()[-1])
    expected, _ = generators.load(toy[1]).generate(4, seed=3)
    np.testing.assert_allclose(standalone, expected.ravel(), rtol=1e-6)


def _classified(images):
    from keras_gans import evaluation

    _, probabilities = evaluation.ImageEvaluator("mnist").features_and_probabilities(images)
    return probabilities.argmax(axis=1)


def test_sample_draws_one_row_per_label_of_a_conditional_export(tmp_path, capsys):
    model = os.path.join(SHIPPED, "cdcgan_mnist")
    assert cli.main(["sample", model, "--labels", "2,7", "--num-samples", "40",
                     "--output", str(tmp_path / "digits.npy")]) == 0
    summary = last_json(capsys)
    assert summary["rows"] == 2 and summary["labels"] == ["2", "7"]
    images = np.load(tmp_path / "digits.npy")
    assert images.shape == (40, 28, 28, 1) and images.min() >= -1 and images.max() <= 1
    # Row-major: the first 20 were drawn for 2, the last 20 for 7, and they look like it.
    predicted = _classified(images)
    assert np.mean(predicted[:20] == 2) >= 0.8 and np.mean(predicted[20:] == 7) >= 0.8, predicted

    assert cli.main(["sample", model, "--output", str(tmp_path / "grid.png")]) == 0
    assert last_json(capsys)["rows"] == 10
    with Image.open(tmp_path / "grid.png") as grid:
        width, height = grid.size
    assert height > width  # 10 rows of 8 (plus the row names)


def test_interpolations_change_gradually_along_each_strip(tmp_path, capsys):
    model = os.path.join(SHIPPED, "dcgan_mnist")
    assert cli.main(["sample", model, "--interpolate", "--num-samples", "30",
                     "--output", str(tmp_path / "strips.npy")]) == 0
    assert last_json(capsys)["rows"] == 3
    strips = np.load(tmp_path / "strips.npy").reshape(3, 10, -1)
    neighbours = np.linalg.norm(np.diff(strips, axis=1), axis=-1).mean()
    ends = np.linalg.norm(strips[:, -1] - strips[:, 0], axis=-1).mean()
    assert neighbours < 0.5 * ends, (neighbours, ends)
    assert cli.main(["sample", model, "--interpolate", "--output", str(tmp_path / "s.png")]) == 0


def test_sample_plots_the_1d_and_2d_generators(toy, tmp_path, capsys):
    for source in (toy[1], os.path.join(SHIPPED, "mixture_ring")):
        output = tmp_path / (os.path.basename(os.path.dirname(source)) + ".png")
        assert cli.main(["sample", source, "--output", str(output)]) == 0
        with Image.open(output) as picture:
            assert min(picture.size) > 100


@pytest.mark.parametrize("arguments, message", [
    (["/no/such/model"], "does not exist"),
    (["{tmp}/notes.txt"], "Expected a .keras file or a SavedModel directory, received the file"),
    (["{tmp}"], "holds neither"),
    (["{shipped}/cdcgan_mnist", "--labels", "3,10"], "Expected labels in [0, 9], received [10]"),
    (["{shipped}/dcgan_mnist", "--labels", "1"], "Expected no labels for an unconditional"),
    (["{shipped}/mixture_ring", "--interpolate"], "write them as .npy instead"),
])
def test_sample_refuses_bad_input_with_a_clear_error(arguments, message, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a model")
    arguments = [part.format(tmp=tmp_path, shipped=SHIPPED) for part in arguments]
    with pytest.raises(SystemExit) as raised:
        cli.main(["sample", *arguments, "--output", str(tmp_path / "out.png")])
    assert message in str(raised.value)
    assert not (tmp_path / "out.png").exists()


def test_sample_never_overwrites_and_names_its_formats(tmp_path):
    existing = tmp_path / "grid.png"
    existing.write_bytes(b"mine")
    model = os.path.join(SHIPPED, "dcgan_mnist")
    with pytest.raises(SystemExit, match="exists; choose another file"):
        cli.main(["sample", model, "--output", str(existing)])
    assert existing.read_bytes() == b"mine"
    with pytest.raises(SystemExit, match=r"expected --output ending in .png or .npy, received"):
        cli.main(["sample", model, "--output", str(tmp_path / "grid.jpg")])
    with pytest.raises(SystemExit):  # argparse: not integers
        cli.main(["sample", model, "--labels", "a,b", "--output", str(tmp_path / "x.png")])


def test_evaluate_reproduces_the_recorded_quality_of_shipped_exports(capsys):
    """The toy's W1 and a mixture's coverage, beside real data's, as JSON on the last line."""
    toy = os.path.join(SHIPPED, "toy1d_minibatch")
    assert cli.main(["evaluate", toy]) == 0
    result = last_json(capsys)
    with open(os.path.join(export.latest_version(toy), "assets.extra", "model.json"),
              encoding="utf-8") as file:
        recorded = json.load(file)["metrics"]
    assert result["dataset"] == "gaussian_1d" and result["num_samples"] == 10_000
    assert abs(result["metrics"]["w1"] - recorded["w1"]) < 0.02, (result, recorded)
    assert result["reference"]["w1"] < 0.02 and abs(result["reference"]["sigma_ratio"] - 1) < 0.03

    assert cli.main(["evaluate", os.path.join(SHIPPED, "mixture_ring")]) == 0
    result = last_json(capsys)
    assert result["dataset"] == "ring" and result["variant"]
    assert result["reference"]["high_quality"] > 0.98 and result["reference"]["modes"] == 8
    assert 0 <= result["metrics"]["high_quality"] <= 1


def test_evaluate_scores_images_with_every_metric_the_model_allows(capsys):
    """Conditional accuracy, ALI's reconstruction accuracy, the SSGAN's test error (mock data)."""
    expected = {"cdcgan_mnist": "conditional_accuracy", "ali_mnist": "reconstruction_accuracy",
                "ssgan_mnist": "test_error"}
    results = {}
    with tfds.testing.mock_data(num_examples=200):
        for name, metric in expected.items():
            assert cli.main(["evaluate", os.path.join(SHIPPED, name), "--num-samples", "200"]) == 0
            results[name] = result = last_json(capsys)
            assert {"fcd", "classifier_score", metric} <= set(result["metrics"]), result
            assert 0 <= result["metrics"][metric] <= 1
            assert {"fcd", "classifier_score"} <= set(result["reference"])
    # It depends only on the shipped classifier and the generator, not on the mock images.
    assert results["cdcgan_mnist"]["metrics"]["conditional_accuracy"] > 0.8


def test_evaluate_needs_to_know_the_data_set(toy, tmp_path):
    from keras_gans.models import ConditionalDCGAN

    gan = ConditionalDCGAN(latent_dim=4, filters=2)
    generator = generators.KerasGenerator(gan)  # nothing records its data set
    with pytest.raises(ValueError, match=r"Expected the data set of these image samples to be one "
                                         r"of \['fashion_mnist', 'mnist'\]"):
        generators.evaluate(generator, num_samples=10)
    with pytest.raises(SystemExit, match="received 'ring'"):
        cli.main(["evaluate", toy[1], "--dataset", "ring"])


def test_the_console_script_has_both_commands():
    script = shutil.which("keras-gans")
    assert script, "the keras-gans console script is not installed: pip install -e ."
    for command in ("sample", "evaluate"):
        result = subprocess.run([script, command, "--help"], capture_output=True, text=True,
                                env=ENV, timeout=120)
        assert result.returncode == 0 and "MODEL.keras|EXPORT_DIR" in result.stdout


def test_list_names_each_variants_paper(capsys):
    from keras_gans.variants import VARIANTS

    assert cli.main(["list"]) == 0
    listed = capsys.readouterr().out
    for variant in VARIANTS.values():
        assert f"paper: {variant.reference}" in listed
    assert "Generative Adversarial Nets" in listed and "Wasserstein GAN" in listed
