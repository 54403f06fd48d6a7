"""Faults: kill -9 and resume, NaN stops, atomic writes; nothing a user saved is lost."""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import backed_up_epoch
from keras_gans import callbacks, cli, data, networks, saving
from keras_gans.models import (
    DCGAN, WGAN, WGANGP, BiGAN, ConditionalDCGAN, Toy1DGAN, UnrolledGAN, VanillaGAN,
)

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
# 30 epochs of 100 steps: a backup every 100 steps, time to kill the run mid-way.
# The recipe (generator EMA included) with the stratified noise: its samples, and so the W1 of
# equal weights, are nearly deterministic.
TOY_RUN = ["train", "toy1d", "--steps", "3000", "--epochs", "30", "--seed", "11",
           "--minibatch-discrimination", "--noise", "stratified", "--verbose", "0"]


def _train(*args):
    return subprocess.Popen([sys.executable, "-m", "keras_gans", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV)


def _summary(process):
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err[-3000:]
    return out, json.loads(out.strip().splitlines()[-1])


def test_kill_9_mid_run_then_the_same_command_resumes_to_the_same_weights(tmp_path):
    uninterrupted = _train(*TOY_RUN, "--output", str(tmp_path / "whole"))
    _, whole = _summary(uninterrupted)

    run_dir = tmp_path / "killed"
    victim = _train(*TOY_RUN, "--output", str(run_dir))
    deadline = time.monotonic() + 300
    while backed_up_epoch(run_dir) < 3 and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    assert victim.returncode == -signal.SIGKILL
    killed_at = backed_up_epoch(run_dir)
    assert 3 <= killed_at < 30, "the kill must land in the middle of the run"
    assert not (run_dir / "model.keras").exists()

    out, resumed = _summary(_train(*TOY_RUN, "--output", str(run_dir)))
    resumed_from = int(out.split("Resumed from step ")[1].split()[0])
    assert resumed_from >= killed_at * 100 and resumed_from % 100 == 0
    assert resumed["steps"] == whole["steps"] == 3000
    # Same seed, deterministic ops, noise keyed by step, data skipped to the
    # backup's position: bit-identical weights (both optimizers' state included).
    assert resumed["weights_sha256"] == whole["weights_sha256"]
    # The metric draws fresh evaluation noise: equal weights, equal W1 up to sampling.
    assert resumed["metrics"]["w1"] == pytest.approx(whole["metrics"]["w1"], abs=2e-3)
    assert not (run_dir / "backup").exists()  # model.keras holds it all now


def _tiny(variant):
    builders = {
        "toy1d": lambda: Toy1DGAN(minibatch_discrimination=True, seed=5),
        # The MLP discriminator's Dropout draws from a SeedGenerator: its state is backed up.
        "vanilla": lambda: VanillaGAN(networks.mlp_generator(8, units=(16,)),
                                      networks.mlp_discriminator(units=(16,)), seed=5),
        "dcgan": lambda: DCGAN(latent_dim=8, filters=4, seed=5),
        "cdcgan": lambda: ConditionalDCGAN(num_classes=10, latent_dim=8, filters=4, seed=5),
        "wgan": lambda: WGAN(latent_dim=8, filters=4, discriminator_steps=2, seed=5),
        "wgan_gp": lambda: WGANGP(latent_dim=8, filters=4, discriminator_steps=2, seed=5),
        # Every technique's state (EMA copy, historical averages, VBN reference) resumes too,
        # and the data skip counts the k real minibatches of each step.
        "dcgan_techniques": lambda: DCGAN(
            latent_dim=8, filters=4, discriminator_steps=2, seed=5, generator_ema=0.9,
            historical_averaging=0.01, feature_matching=1.0, instance_noise=0.1, r1_gamma=1.0,
            minibatch_discrimination=True, real_label=0.9, diff_augment="translation,cutout"),
        # 2-D mixtures: the unrolled GAN (its look-ahead reads Adam's state) and BiGAN's encoder.
        "mixture_unrolled": lambda: UnrolledGAN(
            networks.mixture_generator(units=8, depth=1),
            networks.mixture_discriminator(units=8, depth=1), unrolling_steps=2, seed=5),
        "mixture_bigan": lambda: BiGAN(
            networks.mixture_generator(units=8, depth=1), networks.joint_discriminator(units=8, depth=1),
            networks.encoder(units=8, depth=1), seed=5, generator_ema=0.9),
        "wgan_gp_virtual_batch_norm": lambda: WGANGP(
            latent_dim=8, filters=4, discriminator_steps=2, seed=5, virtual_batch_norm=True,
            reference_batch_size=4, generator_ema=0.9),
    }
    gan = builders[variant]()
    gan.compile()
    return gan


def _stream(variant):
    if variant == "toy1d":
        return data.gaussian_1d(batch_size=8, seed=3)
    if variant.startswith("mixture"):
        return data.gaussian_mixture_2d("grid", batch_size=8, seed=3)
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (40, 28, 28, 1)).astype("float32")
    labels = rng.integers(0, 10, 40).astype("int32")
    return (tf.data.Dataset.from_tensor_slices((images, labels))
            .shuffle(40, seed=7, reshuffle_each_iteration=True).repeat().batch(8))


class _Crash(keras.callbacks.Callback):
    """Dies like a killed process after ``epochs`` epochs: no on_train_end."""

    def __init__(self, epochs):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epochs:
            raise KeyboardInterrupt


def _state(gan):
    return [v.numpy() for v in gan.variables + gan.d_optimizer.variables + gan.g_optimizer.variables]


@pytest.mark.parametrize("variant", ["toy1d", "vanilla", "dcgan", "cdcgan", "wgan", "wgan_gp",
                                     "dcgan_techniques", "wgan_gp_virtual_batch_norm",
                                     "mixture_unrolled", "mixture_bigan"])
def test_a_resumed_fit_ends_where_an_uninterrupted_one_does(variant, tmp_path):
    fit = dict(epochs=3, steps_per_epoch=2, verbose=0)
    keras.utils.set_random_seed(0)
    whole = _tiny(variant)
    whole.fit(_stream(variant), **fit)

    keras.utils.set_random_seed(0)
    crashed = _tiny(variant)
    with pytest.raises(KeyboardInterrupt):
        crashed.fit(_stream(variant), callbacks=[callbacks.BackupAndRestore(tmp_path), _Crash(2)],
                    **fit)
    keras.utils.set_random_seed(0)  # the same script run again (global seeds reset)
    resumed = _tiny(variant)
    backup = callbacks.BackupAndRestore(tmp_path)
    history = resumed.fit(_stream(variant), callbacks=[backup], **fit)

    assert resumed.steps_trained == whole.steps_trained == 6
    assert len(history.history["d_loss"]) == 1  # only epoch 3 ran
    for expected, actual in zip(_state(whole), _state(resumed), strict=True):
        np.testing.assert_array_equal(actual, expected)
    assert not tmp_path.exists()  # fit() completed: the backups are deleted (Keras' default)


def test_a_backup_callback_reused_for_a_new_run_starts_it_from_zero(tmp_path):
    gan, backup = _tiny("toy1d"), callbacks.BackupAndRestore(tmp_path)
    gan.fit(_stream("toy1d"), epochs=2, steps_per_epoch=3, verbose=0, callbacks=[backup])
    assert not tmp_path.exists()  # completed
    with pytest.raises(KeyboardInterrupt):  # a second run of the same model and callback
        gan.fit(_stream("toy1d"), epochs=2, steps_per_epoch=3, verbose=0,
                callbacks=[backup, _Crash(1)])
    assert backup.restore() == (1, 3)  # the first run's 6 batches are not carried over


def _nan_at_batch(bad_batch, batch_size=8):
    """A seeded N(4, 0.5) stream whose batch ``bad_batch`` holds a NaN (finite before it)."""
    def batch(index):
        values = tf.random.stateless_normal((batch_size, 1), [index, 0], mean=4.0, stddev=0.5)
        return tf.where(index == bad_batch, np.float32("nan"), values)

    return tf.data.Dataset.range(10**6).map(batch)


def test_nan_stops_training_and_the_last_good_backup_is_intact(tmp_path, capsys):
    gan = Toy1DGAN(seed=1)
    gan.compile()
    stop, backup = callbacks.TerminateOnNaN(), callbacks.BackupAndRestore(tmp_path)
    gan.fit(_nan_at_batch(250), epochs=6, steps_per_epoch=100, verbose=0,
            callbacks=[stop, backup])

    printed = capsys.readouterr().out
    assert stop.stopped_step == 251 and set(stop.non_finite) >= {"d_loss"}  # batch 250 is step 251
    assert "Step 251: non-finite d_loss=nan" in printed
    assert "Epoch 3: not backed up" in printed
    assert gan.steps_trained == 251  # stopped at once, not run to 600
    # Kept (not deleted at train end), and holding epoch 2's finite state.
    assert backup.latest.endswith("ckpt-2")
    fresh = Toy1DGAN(seed=1)
    fresh.compile()
    restorer = callbacks.BackupAndRestore(tmp_path)
    restorer.set_model(fresh)
    assert restorer.restore() == (2, 200)
    assert fresh.steps_trained == 200
    assert all(np.all(np.isfinite(w.numpy())) for w in fresh.weights)
    assert not all(np.all(np.isfinite(w.numpy())) for w in gan.weights)


def test_keras_terminate_on_nan_is_blind_to_gan_losses_and_ours_is_not():
    def diverge(stop):
        gan = Toy1DGAN()
        gan.compile(keras.optimizers.SGD(1e38), keras.optimizers.SGD(1e38))
        gan.fit(np.full((64, 1), 4.0, "float32"), batch_size=8, epochs=20, callbacks=[stop],
                verbose=0)
        return gan.steps_trained

    assert diverge(keras.callbacks.TerminateOnNaN()) == 160  # never fires: no logs["loss"]
    assert diverge(callbacks.TerminateOnNaN()) < 160
    with pytest.raises(RuntimeError, match="non-finite"):
        diverge(callbacks.TerminateOnNaN(raise_error=True))


def test_cli_divergence_is_a_clear_error_and_saves_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit, match=r"training diverged: .*non-finite by step \d+; nothing "
                       r"was saved and (the last good backup|no epoch finished)"):
        cli.main(["train", "toy1d", "--optimizer", "sgd", "--learning-rate", "1e38",
                  "--steps", "400", "--epochs", "4", "--output", str(out), "--verbose", "0",
                  "--export-dir", str(tmp_path / "exports")])
    assert not (out / "model.keras").exists() and not (out / "metrics.json").exists()
    assert not (tmp_path / "exports").exists()


def test_resuming_with_other_training_arguments_is_refused(tmp_path):
    out = tmp_path / "run"
    args = ["train", "toy1d", "--steps", "200", "--epochs", "2", "--seed", "1", "--verbose", "0",
            "--output", str(out)]
    (out / "backup").mkdir(parents=True)
    (out / "backup" / "checkpoint").write_text('model_checkpoint_path: "ckpt-1"\n')
    saving.write_json(out / "run.json", {"arguments": cli.training_arguments(
        cli.build_parser().parse_args(args))})
    changed = [a if a != "200" else "400" for a in args]
    with pytest.raises(SystemExit, match=r"other training arguments \(steps: 200 -> 400\)"):
        cli.main(changed)
    assert sorted(os.listdir(out / "backup")) == ["checkpoint"]  # untouched


def test_a_crash_while_writing_a_backup_leaves_the_previous_one_loadable(tmp_path, monkeypatch):
    from tensorflow.python.checkpoint import checkpoint_management

    gan = Toy1DGAN(seed=2)
    gan.compile()
    backup = callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)

    def die(*args, **kwargs):  # the new data files are written; the index not yet switched
        raise KeyboardInterrupt

    class DieInEpoch2(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                monkeypatch.setattr(checkpoint_management, "update_checkpoint_state_internal", die)

    with pytest.raises(KeyboardInterrupt):
        gan.fit(data.gaussian_1d(seed=0), epochs=3, steps_per_epoch=10, verbose=0,
                callbacks=[DieInEpoch2(), backup])
    monkeypatch.undo()
    assert any(name.startswith("ckpt-2") for name in os.listdir(tmp_path))  # the half-done one
    fresh = Toy1DGAN(seed=2)
    fresh.compile()
    restorer = callbacks.BackupAndRestore(tmp_path)
    restorer.set_model(fresh)
    assert restorer.restore() == (1, 10) and fresh.steps_trained == 10


def test_a_backup_of_another_model_is_refused(tmp_path):
    first = Toy1DGAN(seed=2)
    first.compile()
    first.fit(data.gaussian_1d(seed=0), epochs=1, steps_per_epoch=2, verbose=0,
              callbacks=[callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)])
    other = Toy1DGAN(hidden_units=8)
    other.compile()
    with pytest.raises(ValueError, match="Expected the backup in .* to hold this model's state"):
        other.fit(data.gaussian_1d(seed=0), epochs=2, steps_per_epoch=2, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(tmp_path)])
    assert other.steps_trained == 0


def test_a_failed_save_leaves_the_previous_model_file_loadable(tmp_path, monkeypatch):
    path = tmp_path / "gan.keras"
    gan = Toy1DGAN()
    gan.compile()
    gan.save(path)
    before = path.read_bytes()

    def write_half_then_fail(model, filepath, **kwargs):
        with open(filepath, "wb") as file:
            file.write(before[: len(before) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(keras.Model, "save", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        gan.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["gan.keras"]  # no debris
    assert isinstance(keras.models.load_model(path), Toy1DGAN)
    # Written through a private temporary file, but readable as any new file is.
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(FileExistsError, match="nothing was overwritten"):
        gan.save(path, overwrite=False)
