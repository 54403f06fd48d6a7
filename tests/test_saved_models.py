"""The generators shipped in saved_models/, loaded the way TF Serving loads them."""

import functools
import json
import os

import numpy as np
import pytest

from conftest import mnist_data_dir, serve_all
from keras_gans import evaluation

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "saved_models")
EXPECTED = ["ali_mnist", "cdcgan_fashion_mnist", "cdcgan_mnist", "dcgan_fashion_mnist",
            "dcgan_mnist", "ebgan_mnist", "mixture_grid", "mixture_ring", "ssgan_mnist", "toy1d",
            "toy1d_minibatch", "vanilla_mnist", "wgan_gp_mnist", "wgan_mnist"]


def latest(name):
    versions = sorted(int(v) for v in os.listdir(os.path.join(ROOT, name)) if v.isdigit())
    return os.path.join(ROOT, name, str(versions[-1]))


def metadata(name):
    with open(os.path.join(latest(name), "assets.extra", "model.json"), encoding="utf-8") as file:
        return json.load(file)


def test_every_variant_is_shipped_within_the_size_budget():
    assert sorted(n for n in os.listdir(ROOT) if not n.startswith(".")) == EXPECTED
    total = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(ROOT) for f in files)
    # Fourteen exports, float32 (about 105 MB): the recipes' dense layers add ~4 MB to a
    # generator (DCGAN's, WGAN-GP's, EBGAN's); ALI's carries its encoder, the semi-supervised
    # GAN's its classifier, the vanilla GAN's, WGAN-GP's and EBGAN's their discriminator (13,
    # 26 and 5 MB), which their rejection sampling runs.
    assert total <= 108e6
    assert not [f for _, _, files in os.walk(ROOT) for f in files if f.endswith(".keras")]


UNCONDITIONAL_IMAGES = [n for n in EXPECTED if n.startswith(("vanilla", "dcgan", "wgan", "ebgan", "ali"))]
CONDITIONAL = ["cdcgan_mnist", "cdcgan_fashion_mnist"]
TOYS = ["toy1d", "toy1d_minibatch"]
MIXTURES = ["ring", "grid"]
#: Ten labels of each class, for the conditional exports.
LABELS = np.repeat(np.arange(10), 30).astype("int32")
#: The first test digits that ALI encodes (the SSGAN classifies all of :func:`_test_digits`).
ALI_DIGITS = 500


def _plan():
    """What the tests below ask of each export (``key -> (export, requests)``), served together."""
    draw_twice = [{"signature": "generate", "inputs": {"num_samples": 500, "seed": 0}}] * 2
    plan = {("quality", name): (latest(name), draw_twice) for name in UNCONDITIONAL_IMAGES}
    plan.update({("classes", name): (latest(name), [
        {"signature": "generate", "inputs": {"label": LABELS.tolist(), "seed": 1}}])
        for name in CONDITIONAL})
    plan.update({("toy", name): (latest(name), [
        {"signature": "generate", "inputs": {"num_samples": 10000, "seed": 0}}]) for name in TOYS})
    plan.update({("mixture", name): (latest(f"mixture_{name}"), [
        {"signature": "generate", "inputs": {"num_samples": 2500, "seed": 1}}]) for name in MIXTURES})
    images, _ = _test_digits()
    plan["encode", "ali_mnist"] = (latest("ali_mnist"), [
        {"signature": "encode", "inputs": {"samples": images[:ALI_DIGITS].tolist()}}])
    plan["classify", "ssgan_mnist"] = (latest("ssgan_mnist"), [
        {"signature": "classify", "inputs": {"images": images.tolist()}}])
    return plan


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``key -> (report, arrays)`` for every request of :func:`_plan`: one process loads each
    export the way TF Serving does (TensorFlow is imported once, not once per export)."""
    plan = _plan()
    answers = serve_all(list(plan.values()), str(tmp_path_factory.mktemp("served")))
    return dict(zip(plan, answers))


@pytest.mark.parametrize("name", UNCONDITIONAL_IMAGES)
def test_unconditional_image_exports_serve_their_recorded_quality(name, served):
    info = metadata(name)
    dataset = "fashion_mnist" if name.endswith("fashion_mnist") else "mnist"
    assert info["dataset"] == dataset and info["training_steps"] > 0
    report, arrays = served["quality", name]
    assert set(report["signatures"]) == {"serving_default", "generate"} | (
        {"encode"} if name.startswith("ali") else set())
    samples, images = arrays["0/samples"], arrays["0/images"]
    assert samples.shape == (500, 28, 28, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(samples, arrays["1/samples"])
    # The classifier score of served samples matches the one recorded at export (500 vs 2000
    # samples: the estimate is slightly lower and noisier, hence the tolerance).
    evaluator = evaluation.ImageEvaluator(dataset)
    _, probabilities = evaluator.features_and_probabilities(samples)
    recorded = info["metrics"]["classifier_score"]
    assert evaluation.classifier_score(probabilities) == pytest.approx(recorded, rel=0.15)


@pytest.mark.parametrize("name", CONDITIONAL)
def test_conditional_exports_produce_the_requested_classes(name, served):
    info = metadata(name)
    dataset = info["dataset"]
    assert len(info["label_names"]) == 10 and info["conditional"]
    _, arrays = served["classes", name]
    _, probabilities = evaluation.ImageEvaluator(dataset).features_and_probabilities(arrays["0/samples"])
    accuracy = evaluation.conditional_accuracy(probabilities, LABELS)
    assert accuracy == pytest.approx(info["metrics"]["conditional_accuracy"], abs=0.05)
    if dataset == "mnist":
        assert accuracy >= 0.95


@pytest.mark.parametrize("name", TOYS)
def test_toy_exports_reproduce_their_recorded_distribution(name, served):
    info = metadata(name)
    _, arrays = served["toy", name]
    metrics = evaluation.gaussian_1d_metrics(arrays["0/samples"], 4.0, 0.5)
    # Another draw of 10,000 noise values: tolerances of about 4 standard errors.
    for key, tolerance in (("mean", 0.02), ("sigma_ratio", 0.03), ("w1", 0.015)):
        assert metrics[key] == pytest.approx(info["metrics"][key], abs=tolerance)


@pytest.mark.parametrize("mixture", MIXTURES)
def test_mixture_exports_reproduce_their_recorded_mode_coverage(mixture, served):
    from keras_gans import data

    info = metadata(f"mixture_{mixture}")
    assert info["dataset"] == mixture and info["sample_shape"] == [2]
    _, arrays = served["mixture", mixture]
    assert arrays["0/samples"].shape == (2500, 2)
    means, stddev = data.get_mixture(mixture)
    metrics = evaluation.mode_coverage(arrays["0/samples"], means, stddev)
    # Another draw of 2,500 points: the share within about 4 standard errors, the modes within
    # one (a mode that gets a handful of points may be hit or missed by a draw).
    assert metrics["high_quality"] == pytest.approx(info["metrics"]["high_quality"], abs=0.04)
    assert abs(metrics["modes"] - info["metrics"]["modes"]) <= 1
    assert metrics["reverse_kl"] == pytest.approx(info["metrics"]["reverse_kl"], abs=0.05)


@functools.cache
def _test_digits():
    """The first 2,000 real MNIST test digits (those the exports were measured on), from
    ``$TFDS_DATA_DIR`` or ../shared; read once for the plan and the tests."""
    from keras_gans import data

    return data.load_arrays("mnist", "test[:2000]", data_dir=mnist_data_dir())


def test_the_ali_export_encodes_digits_that_regenerate_with_their_label(served, serve):
    info = metadata("ali_mnist")
    labels = _test_digits()[1][:ALI_DIGITS]
    _, arrays = served["encode", "ali_mnist"]
    codes = arrays["0/codes"]
    assert codes.shape == (ALI_DIGITS, info["latent_dim"])
    _, reconstructed = serve(latest("ali_mnist"), [
        {"signature": "serving_default", "inputs": {"z": codes.tolist()}}])
    _, probabilities = evaluation.ImageEvaluator("mnist").features_and_probabilities(
        reconstructed["0/samples"])
    accuracy = evaluation.conditional_accuracy(probabilities, labels)
    # 500 of the 2,000 digits measured at export: within about 4 standard errors.
    assert accuracy == pytest.approx(info["metrics"]["reconstruction_accuracy"], abs=0.08)
    assert accuracy >= 0.80  # ALICE's cycle term in the recipe: 18 % of digits without it


def test_the_ssgan_export_classifies_test_digits_with_its_recorded_error(served):
    info = metadata("ssgan_mnist")
    assert info["labelled_digits"] == 100
    _, labels = _test_digits()
    report, arrays = served["classify", "ssgan_mnist"]
    assert {"classify", "generate"} <= set(report["signatures"])
    probabilities = arrays["0/probabilities"]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    # The same 2,000 digits as at export, through the served graph: the same error.
    error = float(np.mean(np.argmax(probabilities, axis=1) != labels))
    assert error == pytest.approx(info["metrics"]["test_error"], abs=0.002)
