"""The command line end to end, and its errors."""

import json
import os
import subprocess
import sys

import pytest
import tensorflow_datasets as tfds
from PIL import Image

from keras_gans import cli

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "keras_gans", *args], capture_output=True,
                          text=True, env=ENV, cwd=cwd, timeout=600)


def test_train_toy1d_end_to_end(tmp_path):
    out = tmp_path / "run"
    result = run("train", "toy1d", "--steps", "400", "--epochs", "2", "--seed", "0",
                 "--minibatch-discrimination", "--animate", "--animate-every", "100",
                 "--output", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["variant"] == "toy1d" and summary["steps"] == 400
    assert {"d_loss", "g_loss", "mean", "std", "sigma_ratio", "w1"} <= set(summary["metrics"])
    for name in ("model.keras", "distribution.png", "training.gif", "metrics.json"):
        assert (out / name).stat().st_size > 0, name
    with Image.open(out / "training.gif") as gif:
        assert gif.n_frames == 5  # steps 0, 100, 200, 300, 400
    assert json.loads((out / "metrics.json").read_text()) == summary

    # The same --output again is refused, and the earlier model is untouched.
    before = (out / "model.keras").stat().st_mtime_ns
    again = run("train", "toy1d", "--steps", "100", "--output", str(out))
    assert again.returncode != 0
    assert "already holds a model.keras" in again.stderr
    assert (out / "model.keras").stat().st_mtime_ns == before


def test_train_vanilla_on_mock_mnist(tmp_path, capsys):
    with tfds.testing.mock_data(num_examples=64):
        assert cli.main(["train", "vanilla", "--steps", "4", "--epochs", "2", "--batch-size", "8",
                         "--steps-per-execution", "2", "--loss", "minimax", "--k", "2",
                         "--output", str(tmp_path), "--verbose", "0"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["variant"] == "vanilla" and summary["steps"] == 4
    assert (tmp_path / "samples.png").exists() and (tmp_path / "model.keras").exists()


def test_default_output_never_reuses_a_directory(tmp_path):
    (tmp_path / "runs" / "toy1d").mkdir(parents=True)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        first = cli._new_output_dir(None, "toy1d")
        second = cli._new_output_dir(None, "toy1d")
    finally:
        os.chdir(cwd)
    assert (first, second) == (os.path.join("runs", "toy1d-2"), os.path.join("runs", "toy1d-3"))


@pytest.mark.parametrize("args, message", [
    (["train", "nosuchgan"], "invalid choice: 'nosuchgan'"),
    (["train", "toy1d", "--steps", "-5"], "expected a positive integer, received -5"),
    (["train", "toy1d", "--batch-size", "0"], "expected a positive integer, received 0"),
    (["train", "toy1d", "--steps", "10", "--epochs", "3"], "--steps to be a multiple of --epochs"),
    (["train", "toy1d", "--learning-rate", "0.1"], "--learning-rate needs --optimizer"),
    (["train", "toy1d", "--optimizer", "adam", "--learning-rate", "-1"], "expected a positive number, received -1"),
    (["train", "toy1d", "--k", "0"], "discriminator_steps (k) to be a positive integer, received 0"),
])
def test_bad_input_gets_a_clear_error_before_training(args, message, tmp_path):
    result = run(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "runs").exists()  # nothing was written


def test_missing_image_data_says_where_it_looked(tmp_path):
    env_dir = tmp_path / "empty"
    env_dir.mkdir()
    result = subprocess.run([sys.executable, "-m", "keras_gans", "train", "vanilla", "--steps", "1"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600,
                            env={**ENV, "TFDS_DATA_DIR": str(env_dir)})
    assert result.returncode != 0
    assert f"not prepared in {env_dir}" in result.stderr


@pytest.mark.parametrize("command", [[], ["list"], ["train"], ["train", "toy1d"], ["train", "vanilla"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: python -m keras_gans" in capsys.readouterr().out


def test_list_names_the_variants(capsys):
    assert cli.main(["list"]) == 0
    listed = capsys.readouterr().out
    assert "toy1d" in listed and "vanilla" in listed
