"""Distributed training: 1 vs 2 replicas, per-replica noise, multi-worker, XLA, mixed precision."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import cluster
from conftest import mnist_data_dir
from keras_gans import distribute
from keras_gans.cli import main as cli_main
from keras_gans.variants import VARIANTS

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}

# Variants (and settings) that must train the same weights on 1 and 2 replicas. The plain
# vanilla GAN, CDCGAN and WGAN-GP run inside their settings with a technique on (vanilla_r1,
# cdcgan_techniques, wgan_gp_techniques): every op of the plain step is in them, and each
# comparison costs about 10 s of tracing on two cores.
IDENTICAL = ("toy1d", "toy1d_stratified", "dcgan", "dcgan_techniques",
             "dcgan_virtual_batch_norm", "vanilla_r1", "cdcgan_techniques", "wgan",
             "wgan_reuse_real_batch", "wgan_gp_techniques", "mixture_unrolled",
             "mixture_bigan", "mixture_packing", "ali_images")


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory):
    """The report of tests/mirrored_check.py (2 logical CPUs, fresh process)."""
    out = tmp_path_factory.mktemp("mirrored") / "report.json"
    result = subprocess.run([sys.executable, os.path.join(HERE, "mirrored_check.py"), str(out)],
                            capture_output=True, text=True, timeout=900, env=ENV)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text())


def _tolerance(change):
    """Float32 summation order differs between 1 and 2 replicas; nothing else may."""
    return 1e-5 * max(1.0, change)


@pytest.mark.parametrize("name", IDENTICAL)
def test_one_and_two_replicas_train_the_same_weights(mirrored, name):
    result = mirrored["compare"][name]
    assert result["replicas"] == 2
    assert result["weights_max_abs_change"] > 1e-3, "training must move the weights"
    assert result["weights_max_abs_diff"] <= _tolerance(result["weights_max_abs_change"])
    single, two = result["logs_single"], result["logs_mirrored"]
    assert single.keys() == two.keys()
    for key in single:  # logs are global means, not per-replica sums
        assert two[key] == pytest.approx(single[key], rel=1e-5, abs=1e-6), key


@pytest.mark.parametrize("name", ("dcgan", "cdcgan_techniques", "wgan"))
def test_batch_norm_is_synchronized_across_replicas(mirrored, name):
    synchronized = mirrored["compare"][name]["synchronized_batch_norm"]
    assert synchronized and all(synchronized)


def test_weight_norm_initialization_leaves_every_replica_the_same_weights(mirrored):
    # fit() initializes the paper's D from its first batch once, outside the replicas: both
    # copies of each variable must hold the same values, every layer marked initialized.
    report = mirrored["weight_norm_initialization"]
    assert report["initialized"] == [1.0] * 6
    assert len(report["replica_max_abs_diff"]) == 24
    assert max(report["replica_max_abs_diff"].values()) == 0.0


def test_the_comparison_catches_a_loss_averaged_per_replica(mirrored):
    # Negative control: a minimize() that averages over the REPLICA batch
    # doubles the gradients on 2 replicas; the comparison must see it.
    result = mirrored["compare"]["doubly_scaled"]
    assert result["weights_max_abs_diff"] > 100 * _tolerance(result["weights_max_abs_change"])


@pytest.mark.parametrize("name", ("toy1d_minibatch", "vanilla_mlp_dropout", "dcgan_r1"))
def test_stated_exceptions_differ_between_replica_counts(mirrored, name):
    """The exact exceptions to 1 == 2 replicas, documented in the README:

    - minibatch discrimination compares each sample with the other samples
      of ITS replica's batch (6 + 6 on 2 replicas, 12 on one);
    - Keras ``Dropout`` draws its masks from a ``SeedGenerator``, so masks
      depend on the replica split (and repeat across replicas);
    - the R1 penalty of a discriminator with SYNCHRONIZED batch norm: its
      second-order gradient through the cross-replica statistics differs
      (without batch norm R1 is identical: ``vanilla_r1`` in IDENTICAL).
    Everything else in those models matches (the same runs without MBD /
    dropout are in IDENTICAL).
    """
    result = mirrored["compare"][name]
    assert result["weights_max_abs_diff"] > 100 * _tolerance(result["weights_max_abs_change"])


@pytest.mark.parametrize("seeded", ("seeded", "unseeded"))
def test_noise_differs_between_replicas(mirrored, seeded):
    draws = mirrored["noise"][seeded]
    for key in ("z", "epsilon"):
        first, second = (np.asarray(part) for part in draws[key])
        assert first.shape == second.shape and first.shape[0] == 4
        assert not np.allclose(first, second), key


def test_seeded_noise_is_the_global_draw_split_between_replicas(mirrored):
    draws = mirrored["noise"]["seeded"]
    for key in ("z", "epsilon"):
        np.testing.assert_allclose(np.concatenate(draws[key]), draws["single"][key], atol=1e-7)
    unseeded = mirrored["noise"]["unseeded"]
    assert not np.allclose(np.concatenate(unseeded["z"]), unseeded["single"]["z"])


def test_several_steps_per_execution_fall_back_to_one_on_several_replicas(mirrored):
    # Keras 3's multi-step loop fails on >1 replica (keras-team/keras#19246):
    # fit() warns, runs one step per execution, and runs exactly the steps asked.
    assert mirrored["steps_per_execution"] == {"steps": 20, "steps_per_execution": 1}


def test_a_model_trained_on_two_replicas_saves_and_exports(mirrored):
    result = mirrored["save_and_export"]
    assert result["restored_steps"] == 2
    assert result["keras_max_abs_diff"] < 1e-6 and result["export_max_abs_diff"] < 1e-6


def test_xla_on_cpu_replicas_is_refused_before_training(mirrored):
    # XLA cannot compile across CPU devices (and aborts the process under
    # MultiWorkerMirroredStrategy); fit() says so before any step.
    assert mirrored["xla"]["steps"] == 0
    assert "Expected jit_compile=False on CPU replicas" in mirrored["xla"]["error"]


# ----------------------------------------------------------------- multi-worker
# Training, faults and resumes on several workers: tests/test_multi_worker.py.
def test_workers_seeded_alike_draw_different_noise(tmp_path):
    cluster.run([sys.executable, "multi_worker_check.py", str(tmp_path / "worker{index}.json")])
    first, second = (json.loads((tmp_path / f"worker{i}.json").read_text()) for i in range(2))
    for key in ("unseeded", "seeded"):
        assert np.asarray(first[key]).shape == (4, 8)
        assert not np.allclose(first[key], second[key]), key


def test_multi_worker_without_tf_config_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="TF_CONFIG"):
        distribute.get_strategy("multi_worker")
    with pytest.raises(ValueError, match="Expected a strategy in"):
        distribute.get_strategy("tpu")


# ------------------------------------------------------------- XLA, float16
#: Every technique on, in XLA and in mixed precision too: name -> (variant, technique options).
WITH_TECHNIQUES = {
    "dcgan_techniques": ("dcgan", dict(generator_ema=0.99, feature_matching=1.0, r1_gamma=1.0,
                                       historical_averaging=0.01, instance_noise=0.1,
                                       minibatch_discrimination=True, real_label=0.9,
                                       diff_augment="translation,cutout")),
    "wgan_gp_virtual_batch_norm": ("wgan_gp", dict(virtual_batch_norm=True,
                                                   reference_batch_size=4)),
    "ssgan_mlp": ("ssgan", dict(architecture="mlp")),
}
SETUPS = sorted(VARIANTS) + sorted(WITH_TECHNIQUES)


def _small(name):
    name, options = WITH_TECHNIQUES.get(name, (name, {}))
    options = dict(options)
    if name.startswith("mixture"):
        options.update(generator_units=8, generator_depth=1, discriminator_units=8,
                       discriminator_depth=1)
    elif name != "toy1d":
        options.update(latent_dim=8, image_shape=(8, 8, 1))
    if name in ("dcgan", "cdcgan", "wgan", "wgan_gp", "ebgan", "ssgan", "ali") \
            and options.get("architecture") != "mlp":  # the paper's MLP has fixed widths
        options["filters"] = 4
    if name == "ebgan":
        options["embedding_units"] = 8
    if name in ("cdcgan", "ssgan"):
        options["num_classes"] = 3
    if name in ("wgan", "wgan_gp", "mixture_wgan_gp"):
        options["discriminator_steps"] = 1  # a 5x smaller graph to compile; same ops
    return VARIANTS[name].build(**options)


def _data(name):
    name = WITH_TECHNIQUES.get(name, (name,))[0]
    rng = np.random.default_rng(0)
    if name == "toy1d":
        return rng.normal(4, 0.5, (16, 1)).astype("float32"), None
    if name.startswith("mixture"):
        return rng.normal(0, 1, (16, 2)).astype("float32"), None
    images = rng.uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    if name == "ssgan":  # half unlabelled
        return images, np.concatenate([np.full(8, -1), rng.integers(0, 3, 8)]).astype("int32")
    return images, (rng.integers(0, 3, 16) if name == "cdcgan" else None)


@pytest.mark.parametrize("name", SETUPS)
def test_every_variant_trains_with_xla(name):
    model = _small(name)
    model.compile(jit_compile=True)
    assert model.jit_compile is True
    x, y = _data(name)
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values())


@pytest.fixture
def mixed_float16():
    keras.mixed_precision.set_global_policy("mixed_float16")
    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("name", SETUPS)
def test_every_variant_trains_in_mixed_precision(name, mixed_float16, tmp_path):
    model = _small(name)
    model.compile()
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    hidden = [layer for layer in model.generator.layers if layer.weights][0]
    assert hidden.compute_dtype == "float16" and hidden.variable_dtype == "float32"
    x, y = _data(name)
    before = [w.numpy() for w in model.generator.trainable_weights]
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    assert any(not np.array_equal(a, w.numpy())
               for a, w in zip(before, model.generator.trainable_weights))
    samples = model.generate([0, 1]) if name == "cdcgan" else model.generate(2)
    assert samples.dtype == "float32"  # outputs stay float32 for losses and export
    model.save(tmp_path / "model.keras")
    restored = keras.models.load_model(tmp_path / "model.keras")
    assert isinstance(restored.g_optimizer, keras.optimizers.LossScaleOptimizer)


@pytest.mark.parametrize("strategy", ("none", "mirrored", "auto"))
def test_cli_strategy_flag(strategy, tmp_path, capsys):
    cli_main(["train", "toy1d", "--steps", "20", "--strategy", strategy, "--seed", "1",
              "--output", str(tmp_path / "run"), "--verbose", "0"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["distribution"] == {"task": 0, "chief": True, "replicas": 1}
    assert summary["steps"] == 20 and (tmp_path / "run" / "model.keras").is_file()


def test_same_seed_same_weights_with_or_without_a_one_device_strategy(tmp_path, capsys):
    digests = []
    for strategy in ("none", "mirrored"):
        cli_main(["train", "toy1d", "--steps", "30", "--strategy", strategy, "--seed", "3",
                  "--output", str(tmp_path / strategy), "--verbose", "0"])
        digests.append(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["weights_sha256"])
    assert digests[0] == digests[1]


def test_cli_mixed_precision_and_xla_flags(tmp_path, capsys):
    try:
        cli_main(["train", "toy1d", "--steps", "20", "--mixed-precision", "--jit-compile",
                  "--output", str(tmp_path / "run"), "--verbose", "0"])
    finally:
        keras.mixed_precision.set_global_policy("float32")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 20 and np.isfinite(summary["metrics"]["w1"])
    restored = keras.models.load_model(tmp_path / "run" / "model.keras")
    assert restored.get_compile_config()["jit_compile"] is True
    assert isinstance(restored.d_optimizer, keras.optimizers.LossScaleOptimizer)


def test_a_seeded_image_run_is_reproducible(tmp_path):
    """--seed: same weights from two processes (seeded noise, data order, deterministic ops)."""
    data_dir = mnist_data_dir()
    digests = []
    for run in ("first", "second"):
        result = subprocess.run(
            [sys.executable, "-m", "keras_gans", "train", "dcgan", "--steps", "6", "--epochs", "1",
             "--batch-size", "16", "--filters", "8", "--latent-dim", "16", "--seed", "11",
             "--eval-samples", "50", "--output", str(tmp_path / run), "--verbose", "0"],
            capture_output=True, text=True, timeout=300, env={**ENV, "TFDS_DATA_DIR": data_dir})
        assert result.returncode == 0, result.stderr[-3000:]
        digests.append(json.loads(result.stdout.strip().splitlines()[-1])["weights_sha256"])
    assert digests[0] == digests[1]
