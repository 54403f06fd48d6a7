"""Shared test set-up: quiet TensorFlow logs, seeded runs, small helpers."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def load_bench_script(name):
    """The module of ``bench/<name>.py`` (the benchmark and builder scripts are not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        name, os.path.join(os.path.dirname(HERE), "bench", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tfds_data_dir():
    """``$TFDS_DATA_DIR`` if set, else ``<repo>/../shared/tensorflow_datasets`` if it exists, else None."""
    configured = os.environ.get("TFDS_DATA_DIR")
    if configured:
        return configured
    shared = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "tensorflow_datasets"))
    return shared if os.path.isdir(shared) else None


def mnist_data_dir():
    """:func:`tfds_data_dir`, for a test that reads real MNIST: skips the test when it has none."""
    data_dir = tfds_data_dir()
    if not (data_dir and os.path.isdir(os.path.join(data_dir, "mnist"))):
        pytest.skip(f"no MNIST in {data_dir or '../shared/tensorflow_datasets'} (set TFDS_DATA_DIR)")
    return data_dir


def fit_with_expected_average(gan, network, beta, *fit_args, **fit_kwargs):
    """``gan.fit(...)``, recording ``network``'s weights after every step; returns what the
    generator EMA's recurrence (with its warm-up, ``min(beta, (1 + t) / (10 + t))``) makes of
    them, computed in NumPy."""
    averaged = [w.numpy() for w in network.weights]
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append([w.numpy() for w in network.weights])

    gan.fit(*fit_args, callbacks=[Record()], verbose=0, **fit_kwargs)
    for t, weights in enumerate(seen, start=1):
        decay = min(beta, (1 + t) / (10 + t))
        averaged = [decay * a + (1 - decay) * w for a, w in zip(averaged, weights)]
    return averaged


def backed_up_epoch(run_dir):
    """The epoch of the newest backup in ``run_dir/backup``, from its CheckpointManager index file
    (0 without one): what a test waits for before it kills a run."""
    try:
        with open(os.path.join(run_dir, "backup", "checkpoint"), encoding="utf-8") as file:
            first = file.readline()
    except FileNotFoundError:
        return 0
    return int(first.rsplit("-", 1)[-1].strip().strip('"')) if "ckpt-" in first else 0


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same random state."""
    keras.utils.set_random_seed(1234)
    yield
    keras.backend.clear_session()
    # `train --seed` turns op determinism on for the whole process (and Keras
    # then refuses jit_compile): each test starts without it.
    from tensorflow.python.framework import config as tf_config

    tf_config.disable_op_determinism()


def serve_all(plan, workdir):
    """Serves ``plan``, a list of ``(export_dir, requests)``, through TF Serving's loader path.

    Runs ``tf1_serving_client.py`` once, in a subprocess that cannot import keras_gans:
    ``tf.compat.v1.saved_model.loader.load`` and each signature fed and fetched by its
    SignatureDef tensor names, as the C++ server does. Returns one ``(report, arrays)`` per
    export, in order.
    """
    arguments, out_paths = [], []
    for index, (export_dir, requests) in enumerate(plan):
        request_path = os.path.join(workdir, f"requests{index}.json")
        out_paths.append(os.path.join(workdir, f"outputs{index}.npz"))
        with open(request_path, "w", encoding="utf-8") as file:
            json.dump(requests, file)
        arguments += [str(export_dir), request_path, out_paths[-1]]
    result = subprocess.run(
        [sys.executable, os.path.join(HERE, "tf1_serving_client.py"), *arguments],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    reports = [json.loads(line) for line in result.stdout.strip().splitlines()[-len(plan):]]
    assert len(reports) == len(plan), result.stdout[-3000:]
    return [(report, np.load(path)) for report, path in zip(reports, out_paths)]


@pytest.fixture
def serve(tmp_path):
    """``serve(export_dir, requests) -> (report, arrays)`` through TF Serving's loader path
    (:func:`serve_all` for one export)."""
    def run(export_dir, requests):
        return serve_all([(export_dir, requests)], str(tmp_path))[0]

    return run


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (``-n 2``): the tests that share a costly module-scoped fixture
    (the 1-vs-2-replica report, the uninterrupted multi-worker run, the shipped exports served
    once) run on one worker, so the fixture is computed once."""
    for item in items:
        for fixture in ("mirrored", "uninterrupted", "served"):
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(fixture))
