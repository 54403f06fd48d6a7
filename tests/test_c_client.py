"""Every shipped export through TensorFlow's C API (the C++ SavedModel loader TF Serving builds on).

tests/c_client/serving_client.c is compiled here with the system C compiler against the installed
TensorFlow wheel (its headers and libtensorflow_cc.so.2: nothing is downloaded). No Python runs in
that process. If the compiler or the library is missing the tests fail, saying which.
"""

import json
import os
import subprocess

import numpy as np
import pytest
from conftest import load_bench_script

from keras_gans import generators

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED = os.path.join(os.path.dirname(HERE), "saved_models")
SERVING_LOAD = load_bench_script("serving_load")
EXPORTS = sorted(os.path.join(SHIPPED, name, max(os.listdir(os.path.join(SHIPPED, name)), key=int))
                 for name in os.listdir(SHIPPED) if os.path.isdir(os.path.join(SHIPPED, name)))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The compiled client's path (bench/serving_load.py's build: fails, saying why, if it cannot)."""
    try:
        return SERVING_LOAD.build_client(str(tmp_path_factory.mktemp("c_client")))
    except RuntimeError as error:
        pytest.fail(str(error))


def serve(client, export, requests):
    """Runs the requests through one loaded session: ``(signatures, {request: outputs or error})``."""
    result = subprocess.run([client, export], input="\n".join(requests) + "\n",
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    signatures, answers = {}, {}
    for line in result.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "SIGNATURE":
            name, role, key, _, dtype = rest.split(" ")
            signatures.setdefault(name, {"input": {}, "output": {}})[role][key] = dtype
        elif kind == "OUTPUT":
            request, _, key, dtype, dims, values = rest.split(" ")
            shape = () if dims == "-" else tuple(int(d) for d in dims.split(","))
            array = (np.zeros(0) if values == "-" else
                     np.array([float(v) for v in values.split(",")]))
            answers.setdefault(int(request), {})[key] = array.astype(dtype).reshape(shape)
        elif kind == "ERROR":
            request, code, message = rest.split(" ", 2)
            answers[int(request)] = {"error": int(code), "message": message}
    return signatures, answers


def _values(array):
    return ",".join(repr(float(value)) for value in np.ravel(array))


@pytest.mark.parametrize("export", EXPORTS, ids=[os.path.basename(os.path.dirname(e)) for e in EXPORTS])
def test_the_c_loader_serves_each_export_as_python_does(client, export):
    with open(os.path.join(export, "assets.extra", "model.json"), encoding="utf-8") as file:
        info = json.load(file)
    python = generators.load(export)
    if info["conditional"]:
        labels = np.array([3, 7], "int32")
        count = given = "label=int32:2:3,7"
        expected_samples, z = python.generate(labels=labels, seed=5)
    else:
        labels, count, given = None, "num_samples=int32::2", ""
        expected_samples, z = python.generate(2, seed=5)
    z_text = f"z=float32:2,{info['latent_dim']}:{_values(z)}"
    signatures, answers = serve(client, export, [
        "signatures", f"generate {count} seed=int64::5", f"serving_default {z_text} {given}"])

    # The SignatureDefs read from the MetaGraphDef are those model.json documents.
    served = {name: sorted(spec["input"]) for name, spec in signatures.items()
              if not name.startswith("__")}
    assert served == {name: sorted(inputs) for name, inputs in info["signatures"].items()}
    assert set(signatures["serving_default"]["output"]) == set(info["outputs"])

    generated, decoded = answers[0], answers[1]
    assert "error" not in generated and "error" not in decoded, answers
    shape = (2, *info["sample_shape"])
    assert generated["samples"].shape == shape and generated["samples"].dtype == np.float32
    np.testing.assert_allclose(generated["z"], z, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(generated["samples"], expected_samples, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(decoded["samples"], expected_samples, rtol=1e-5, atol=1e-5)
    if "images" in info["outputs"]:
        assert decoded["images"].dtype == np.uint8 and decoded["images"].shape == shape


def _shipped(name):
    """The newest version of the shipped export ``name`` (what TF Serving serves)."""
    from keras_gans.export import latest_version

    return latest_version(os.path.join(SHIPPED, name))


def test_bad_requests_get_an_error_status_and_the_next_request_is_served(client):
    _, answers = serve(client, _shipped("dcgan_mnist"), [
        "generate num_samples=int32::-1 seed=int64::0",    # negative count
        "generate num_samples=int32::2 seed=int64::0",     # then a good one
        "generate num_samples=int32:2:1,2 seed=int64::0",  # a vector where a scalar belongs
        "serving_default z=float32:1,3:0,0,0",             # wrong latent width
        "serving_default z=float32:0,100:",                # batch 0
        "generate num_samples=int32::1 seed=int64::0",
    ])
    assert answers[0]["error"] == 3 and "must be >= 1" in answers[0]["message"]  # INVALID_ARGUMENT
    assert answers[1]["samples"].shape == (2, 28, 28, 1)
    assert "error" in answers[2] and "error" in answers[3]
    assert answers[4]["error"] == 3 and "must be >= 1" in answers[4]["message"]
    assert answers[5]["samples"].shape == (1, 28, 28, 1)

    _, answers = serve(client, _shipped("cdcgan_mnist"), [
        "generate label=int32:2:3,10 seed=int64::0",       # label out of range
        "generate label=int32:1:-1 seed=int64::0",         # negative label
        "generate label=int32:2,1:3,4 seed=int64::0",      # wrong label shape
        "generate label=int32:0: seed=int64::0",           # no labels
        "generate label=int32:2:3,4 seed=int64::0",
    ])
    assert answers[0]["error"] == 3 and "label >= num_classes" in answers[0]["message"]
    assert answers[1]["error"] == 3 and "negative label" in answers[1]["message"]
    assert "error" in answers[2]
    assert answers[3]["error"] == 3 and "must be >= 1" in answers[3]["message"]
    assert answers[4]["samples"].shape == (2, 28, 28, 1)


def test_concurrent_requests_on_one_session_all_succeed_with_identical_answers(client):
    """8 threads x 10 `generate` requests of one seed: no error, every answer equal to a single call's."""
    for name in ("dcgan_mnist", "cdcgan_mnist"):
        row = SERVING_LOAD.measure(client, _shipped(name), threads=8,
                                   repeats=10, num_samples=4)
        assert row["errors"] == 0 and row["mismatches"] == 0, row
        assert row["threads"] == 8 and row["repeats"] == 10 and 0 < row["p50_ms"] <= row["p99_ms"]


def test_requests_beyond_the_documented_cap_fail_in_the_graph(client):
    from keras_gans.export import MAX_BATCH

    toy, cgan = _shipped("toy1d"), _shipped("cdcgan_mnist")
    _, answers = serve(client, toy, [
        "generate num_samples=int32::0 seed=int64::0",
        "generate num_samples=int32::-3 seed=int64::0",
        "generate num_samples=int32::1000000000 seed=int64::0",  # would be 4 GB of samples
        "serving_default z=float32:0,1:",
        f"generate num_samples=int32::{MAX_BATCH} seed=int64::0",
        "generate num_samples=int32::3 seed=int64::0",
    ])
    for request in (0, 1, 3):
        assert answers[request]["error"] == 3 and "must be >= 1" in answers[request]["message"]
    assert answers[2]["error"] == 3 and f"must be <= {MAX_BATCH}" in answers[2]["message"]
    assert answers[4]["samples"].shape == (MAX_BATCH, 1)  # the cap itself is allowed
    assert answers[5]["samples"].shape == (3, 1)
    # The label checks run before the embedding lookup: always their own message, never the
    # lookup's bare index error (which a CPU could otherwise raise first).
    _, answers = serve(client, cgan, ["generate label=int32:1:10 seed=int64::0"] * 5)
    assert all("label >= num_classes" in answers[i]["message"] for i in range(5)), answers
    _, answers = serve(client, cgan, ["generate label=int32:1:-1 seed=int64::0"] * 5)
    assert all("negative label" in answers[i]["message"] for i in range(5)), answers
    for export in EXPORTS:  # every shipped export records its cap
        with open(os.path.join(export, "assets.extra", "model.json"), encoding="utf-8") as file:
            assert json.load(file)["max_batch"] == MAX_BATCH, export
