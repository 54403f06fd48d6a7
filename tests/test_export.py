"""Export for TF Serving, checked through the loader path of TF Serving's C++ server.

The TF Serving binary is not installable here; ``tf1_serving_client.py`` loads
each export in a subprocess that cannot import keras_gans, with
``tf.compat.v1.saved_model.loader.load(sess, ["serve"], dir)``, and runs every
signature by its SignatureDef tensor names, as the server does.
"""

import json
import os
import subprocess

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import cli, export
from keras_gans.models import ConditionalDCGAN, DCGAN, Toy1DGAN

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def trained(model, conditional=False):
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (8, *model.generator.outputs[0].shape[1:]))
    labels = np.arange(8) % 10 if conditional else None
    model.fit(images.astype("float32"), labels, batch_size=8, verbose=0)
    return model


@pytest.fixture(scope="module")
def cdcgan_export(tmp_path_factory):
    base = tmp_path_factory.mktemp("serving") / "cdcgan_mnist"
    model = trained(ConditionalDCGAN(latent_dim=8, filters=4), conditional=True)
    path = model.export_generator(str(base), {"dataset": "mnist"})
    return model, base, path


def test_conditional_export_signatures_and_outputs(cdcgan_export, serve):
    model, base, path = cdcgan_export
    assert path == str(base / "1")
    z = np.random.default_rng(1).normal(size=(3, 8)).astype("float32")
    report, arrays = serve(path, [
        {"signature": "serving_default", "inputs": {"z": z.tolist(), "label": [0, 4, 9]}},
        {"signature": "generate", "inputs": {"label": [0, 4, 9], "seed": 7}},
        {"signature": "generate", "inputs": {"label": [0, 4, 9], "seed": 7}},
        {"signature": "generate", "inputs": {"label": [0, 4, 9], "seed": 8}},
        {"signature": "serving_default", "inputs": {"z": z[:, :5].tolist(), "label": [0, 4, 9]}},
        {"signature": "serving_default", "inputs": {"z": z.tolist(), "label": [[0], [4], [9]]}},
    ])
    signatures = report["signatures"]
    assert set(signatures) == {"serving_default", "generate"}
    assert {s["method_name"] for s in signatures.values()} == {"tensorflow/serving/predict"}
    assert signatures["serving_default"]["inputs"] == {
        "z": {"dtype": "float32", "shape": [-1, 8]}, "label": {"dtype": "int32", "shape": [-1]}}
    assert signatures["generate"]["inputs"] == {
        "label": {"dtype": "int32", "shape": [-1]}, "seed": {"dtype": "int64", "shape": []}}
    assert signatures["generate"]["outputs"]["images"] == {"dtype": "uint8", "shape": [-1, 28, 28, 1]}
    assert set(signatures["generate"]["outputs"]) == {"samples", "images", "z"}

    samples, images = arrays["0/samples"], arrays["0/images"]
    assert samples.dtype == np.float32 and samples.shape == (3, 28, 28, 1)
    assert samples.min() >= -1 and samples.max() <= 1
    np.testing.assert_array_equal(images, np.round((samples + 1) * 127.5).astype(np.uint8))
    # The export computes what the Keras model computes.
    np.testing.assert_allclose(samples, model.generate([0, 4, 9], z=z).numpy(), atol=1e-5)
    # generate: the same seed gives the same samples, another seed others; z is returned.
    np.testing.assert_array_equal(arrays["1/samples"], arrays["2/samples"])
    assert not np.allclose(arrays["1/samples"], arrays["3/samples"])
    np.testing.assert_allclose(arrays["1/samples"], model.generate([0, 4, 9], z=arrays["1/z"]).numpy(),
                               atol=1e-5)
    # Inputs of the wrong shape are rejected by the signature.
    assert "Cannot feed value of shape (3, 5)" in report["results"][4]["error"]
    assert "Cannot feed value of shape (3, 1)" in report["results"][5]["error"]


def test_signatures_reject_the_wrong_dtype(cdcgan_export):
    _, _, path = cdcgan_export
    loaded = tf.saved_model.load(path)
    serving = loaded.signatures["serving_default"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float tensor but is a double"):
        serving(z=tf.zeros((2, 8), tf.float64), label=tf.constant([0, 1], tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a int32 tensor but is a float"):
        serving(z=tf.zeros((2, 8)), label=tf.constant([0.0, 1.0]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        serving(z=tf.zeros((1, 8)), label=tf.constant([10], tf.int32))  # label out of range


def test_metadata_and_versions_never_overwritten(cdcgan_export, tmp_path):
    model, base, path = cdcgan_export
    info = json.loads((base / "1" / "assets.extra" / export.METADATA_FILE).read_text())
    assert info["variant"] == "cdcgan" and info["dataset"] == "mnist"
    assert info["latent_dim"] == 8 and info["num_classes"] == 10 and info["training_steps"] == 1
    before = (base / "1" / "saved_model.pb").read_bytes()
    second = model.export_generator(str(base))
    assert second == str(base / "2") and export.existing_versions(str(base)) == [1, 2]
    assert (base / "1" / "saved_model.pb").read_bytes() == before
    assert not [name for name in os.listdir(base) if name.startswith(".export-")]


def test_toy_export_generate_is_stratified_and_deterministic(tmp_path, serve):
    model = trained(Toy1DGAN())
    path = model.export_generator(str(tmp_path / "toy1d"))
    report, arrays = serve(path, [
        {"signature": "generate", "inputs": {"num_samples": 5, "seed": 3}},
        {"signature": "generate", "inputs": {"num_samples": 5, "seed": 3}},
        {"signature": "serving_default", "inputs": {"z": [[-8.0], [0.0], [8.0]]}},
    ])
    assert set(report["signatures"]["generate"]["outputs"]) == {"samples", "z"}
    np.testing.assert_array_equal(arrays["0/samples"], arrays["1/samples"])
    z = arrays["0/z"].ravel()  # Glover's stratified grid over [-8, 8] plus 0.01 U[0, 1)
    assert np.all((z - np.linspace(-8, 8, 5) >= 0) & (z - np.linspace(-8, 8, 5) < 0.01))
    np.testing.assert_allclose(arrays["2/samples"], model.generator(np.array([[-8.0], [0.0], [8.0]])),
                               atol=1e-5)


def test_an_ali_export_also_encodes(tmp_path, serve):
    from keras_gans import networks
    from keras_gans.models import BiGAN

    model = BiGAN(networks.dcgan_generator(8, filters=4),
                  networks.joint_discriminator((28, 28, 1), 8, filters=4),
                  networks.encoder((28, 28, 1), 8, filters=4))
    model = trained(model)
    path = model.export_generator(str(tmp_path / "ali_mnist"), {"dataset": "mnist"})
    images = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    report, arrays = serve(path, [
        {"signature": "encode", "inputs": {"samples": images.tolist()}},
        {"signature": "generate", "inputs": {"num_samples": 2, "seed": 1}},
    ])
    assert set(report["signatures"]) == {"serving_default", "generate", "encode"}
    np.testing.assert_allclose(arrays["0/codes"], model.encode(images), atol=1e-5)
    assert arrays["1/samples"].shape == (2, 28, 28, 1)
    with open(os.path.join(path, "assets.extra", "model.json"), encoding="utf-8") as file:
        assert json.load(file)["signatures"]["encode"] == ["samples"]


def test_saved_model_cli_show_and_run(cdcgan_export, tmp_path):
    _, _, path = cdcgan_export
    shown = subprocess.run(["saved_model_cli", "show", "--all", "--dir", path],
                           capture_output=True, text=True, env=ENV, timeout=300)
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert "signature_def['generate']" in shown.stdout and "signature_def['serving_default']" in shown.stdout
    np.save(tmp_path / "label.npy", np.array([3, 3], np.int32))
    np.save(tmp_path / "seed.npy", np.array(5, np.int64))
    ran = subprocess.run(
        ["saved_model_cli", "run", "--dir", path, "--tag_set", "serve", "--signature_def", "generate",
         "--inputs", f"label={tmp_path / 'label.npy'};seed={tmp_path / 'seed.npy'}",
         "--outdir", str(tmp_path / "out")],
        capture_output=True, text=True, env=ENV, timeout=300)
    assert ran.returncode == 0, ran.stderr[-2000:]
    images = np.load(tmp_path / "out" / "images.npy")
    assert images.shape == (2, 28, 28, 1) and images.dtype == np.uint8


def test_bad_exports_fail_clearly_and_touch_nothing(tmp_path, monkeypatch):
    untrained = DCGAN(latent_dim=8, filters=4)
    with pytest.raises(ValueError, match="trained model, received a DCGAN with 0 generator steps"):
        untrained.export_generator(str(tmp_path / "a"))
    assert not (tmp_path / "a").exists()
    model = trained(DCGAN(latent_dim=8, filters=4))
    a_file = tmp_path / "file"
    a_file.write_text("mine")
    with pytest.raises(NotADirectoryError, match="received the file"):
        model.export_generator(str(a_file))
    assert a_file.read_text() == "mine"
    with pytest.raises(PermissionError, match="Cannot write the export"):
        model.export_generator("/sys/keras_gans_export_test")  # unwritable, even for root

    # A crash in the middle of writing leaves the existing versions as they were, and no debris.
    base = tmp_path / "dcgan"
    model.export_generator(str(base))

    def crash(*args, **kwargs):  # after the SavedModel is written, before the rename
        raise OSError("disk full")

    monkeypatch.setattr(export, "write_warmup_requests", crash)
    with pytest.raises(OSError, match="disk full"):
        model.export_generator(str(base))
    assert sorted(os.listdir(base)) == ["1"]


def test_cli_export_and_train_export_dir(tmp_path, capsys):
    run_dir, serving = tmp_path / "run", tmp_path / "serving" / "toy1d"
    assert cli.main(["train", "toy1d", "--steps", "20", "--output", str(run_dir), "--verbose", "0",
                     "--export-dir", str(serving)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["export"] == str(serving / "1")
    info = json.loads((serving / "1" / "assets.extra" / "model.json").read_text())
    assert info["variant"] == "toy1d" and info["training_steps"] == 20 and "w1" in info["metrics"]
    assert cli.main(["export", str(run_dir / "model.keras"), "--to", str(serving)]) == 0
    assert json.loads(capsys.readouterr().out.strip())["export"] == str(serving / "2")
    with pytest.raises(SystemExit, match="expected a .keras file"):
        cli.main(["export", str(tmp_path / "missing.keras"), "--to", str(serving)])
    with pytest.raises(SystemExit, match="--export-dir, received the file"):
        cli.main(["train", "toy1d", "--steps", "1", "--output", str(tmp_path / "r2"),
                  "--export-dir", str(run_dir / "model.keras")])


def test_warmup_requests_are_prediction_logs_for_both_signatures(cdcgan_export):
    from tensorflow_serving.apis import prediction_log_pb2

    _, _, path = cdcgan_export
    records = list(tf.data.TFRecordDataset(os.path.join(path, "assets.extra", export.WARMUP_FILE)))
    logs = [prediction_log_pb2.PredictionLog.FromString(record.numpy()) for record in records]
    requests = {log.predict_log.request.model_spec.signature_name: log.predict_log.request
                for log in logs}
    assert set(requests) == {"serving_default", "generate"}
    assert set(requests["serving_default"].inputs) == {"z", "label"}
    assert tf.make_ndarray(requests["serving_default"].inputs["z"]).shape == (2, 8)
    assert set(requests["generate"].inputs) == {"label", "seed"}
