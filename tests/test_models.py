"""The adversarial core: who updates what, k, metrics, saving, bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import data, losses, networks
from keras_gans.models import GAN, Toy1DGAN, VanillaGAN


def small_vanilla(**kwargs):
    return VanillaGAN(
        networks.mlp_generator(8, units=(16,)), networks.mlp_discriminator(units=(16,)), **kwargs
    )


def images(count=16):
    return np.random.default_rng(0).uniform(-1, 1, (count, 28, 28, 1)).astype("float32")


def snapshot(network):
    return [v.numpy().copy() for v in network.trainable_variables]


def changed(before, network):
    return [not np.array_equal(a, v.numpy()) for a, v in zip(before, network.trainable_variables)]


def test_discriminator_step_changes_only_discriminator():
    gan = small_vanilla()
    gan.compile()
    g_before, d_before = snapshot(gan.generator), snapshot(gan.discriminator)
    real = tf.constant(images(8))
    fake = gan.generate(8)
    gan.minimize(gan.discriminator, gan.d_optimizer, lambda: losses.discriminator_loss(
        gan.discriminator(real), gan.discriminator(fake)))
    assert all(changed(d_before, gan.discriminator))
    assert not any(changed(g_before, gan.generator))


def test_generator_step_changes_only_generator():
    gan = small_vanilla()
    gan.compile()
    g_before, d_before = snapshot(gan.generator), snapshot(gan.discriminator)
    z = gan.sample_noise(8)
    gan.minimize(gan.generator, gan.g_optimizer, lambda: losses.non_saturating_generator_loss(
        gan.discriminator(gan.generator(z))))
    assert all(changed(g_before, gan.generator))
    assert not any(changed(d_before, gan.discriminator))


@pytest.mark.parametrize("k, reuse", [(1, False), (3, False), (3, True)])
def test_k_discriminator_steps_per_generator_step(k, reuse):
    gan = small_vanilla(discriminator_steps=k, reuse_real_batch=reuse)
    gan.compile(steps_per_execution=1)
    history = gan.fit(images(48), batch_size=4, epochs=1, verbose=0)
    # 12 minibatches: k new ones per generator step, or the same one k times.
    steps = 12 if reuse else 12 // k
    assert int(gan.g_optimizer.iterations) == steps
    assert int(gan.d_optimizer.iterations) == steps * k
    # fit() reports epoch means under exactly the names train_step returns.
    assert sorted(history.history) == ["d_loss", "g_loss"] == sorted(m.name for m in gan.metrics)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


def test_generator_loss_choice_changes_the_update():
    results = {}
    for name in ("minimax", "non_saturating"):
        keras.utils.set_random_seed(0)
        gan = small_vanilla(generator_loss=name)
        gan.compile()
        gan.fit(images(4), batch_size=4, verbose=0)
        results[name] = snapshot(gan.generator)
    assert any(not np.allclose(a, b) for a, b in zip(*results.values()))
    with pytest.raises(ValueError, match="received 'hinge'"):
        small_vanilla(generator_loss="hinge")


def test_keras_file_round_trip_restores_optimizers_and_training_continues(tmp_path):
    gan = small_vanilla(generator_loss="minimax", discriminator_steps=2)
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(2e-3))
    gan.fit(images(32), batch_size=8, epochs=2, verbose=0)  # k=2: 2 steps of 2 minibatches
    path = tmp_path / "gan.keras"
    gan.save(path)
    restored = keras.models.load_model(path)

    assert isinstance(restored, VanillaGAN)
    assert (restored.generator_loss, restored.discriminator_steps) == ("minimax", 2)
    for a, b in zip(gan.weights, restored.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for original, loaded in ((gan.d_optimizer, restored.d_optimizer), (gan.g_optimizer, restored.g_optimizer)):
        assert int(loaded.iterations) == int(original.iterations) > 0
        assert float(loaded.learning_rate) == pytest.approx(float(original.learning_rate))
        # Adam's moment slots, not just the step counter, are restored.
        assert len(loaded.variables) == len(original.variables) > 2
        for a, b in zip(original.variables, loaded.variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    z = gan.sample_noise(3)
    np.testing.assert_allclose(gan(z), restored(z), rtol=1e-6)

    before = snapshot(restored.generator)
    restored.fit(images(32), batch_size=8, verbose=0)
    assert int(restored.g_optimizer.iterations) == 6
    assert int(restored.d_optimizer.iterations) == 12
    assert all(changed(before, restored.generator))


def test_config_round_trip_of_the_toy():
    gan = Toy1DGAN(minibatch_discrimination=True, noise_range=5.0, discriminator_steps=2)
    clone = Toy1DGAN.from_config(gan.get_config())
    assert (clone.noise_range, clone.discriminator_steps) == (5.0, 2)
    assert any(layer.__class__.__name__ == "MinibatchDiscrimination" for layer in clone.discriminator.layers)


def test_toy_noise_is_stratified():
    z = Toy1DGAN(noise_range=8.0).sample_noise(5).numpy().ravel()
    np.testing.assert_allclose(z, np.linspace(-8, 8, 5), atol=0.01)
    assert np.all(z >= np.linspace(-8, 8, 5))


def test_noise_differs_between_calls():
    gan = small_vanilla()
    assert not np.allclose(gan.sample_noise(4), gan.sample_noise(4))


@pytest.mark.parametrize(
    "bad_data, message",
    [
        (np.zeros((8, 32, 32, 3), "float32"), r"Expected real samples of shape \(batch, 28, 28, 1\).*received samples of shape \(8, 32, 32, 3\)"),
        (np.zeros((8, 28, 28, 1), "uint8"), "Expected floating-point real samples.*received dtype uint8"),
        (tf.data.Dataset.from_tensors(np.zeros((4, 784), "float32")), r"shape \(batch, 28, 28, 1\).*received samples of shape \(4, 784\)"),
    ],
)
def test_fit_rejects_data_that_does_not_match_the_generator(bad_data, message):
    gan = small_vanilla()
    gan.compile()
    with pytest.raises(ValueError, match=message):
        gan.fit(bad_data, verbose=0)
    assert int(gan.g_optimizer.iterations) == 0


def test_toy_rejects_two_dimensional_samples():
    gan = Toy1DGAN()
    gan.compile()
    with pytest.raises(ValueError, match=r"shape \(batch, 1\).*received samples of shape \(8, 2\)"):
        gan.fit(data.gaussian_1d().map(lambda x: tf.concat([x, x], 1)), steps_per_epoch=1, verbose=0)


def test_compile_rejects_gan_misuse():
    gan = small_vanilla()
    with pytest.raises(ValueError, match="takes d_optimizer and g_optimizer.*received optimizer='adam'"):
        gan.compile(optimizer="adam")
    shared = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two different optimizer instances"):
        gan.compile(shared, shared)


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_rejects_bad_discriminator_steps(k):
    with pytest.raises(ValueError, match=f"discriminator_steps \\(k\\) to be a positive integer, received {k!r}"):
        small_vanilla(discriminator_steps=k)


def test_rejects_networks_that_are_not_models():
    with pytest.raises(TypeError, match="Expected `generator` to be a keras.Model, received Dense"):
        GAN(keras.layers.Dense(1), networks.toy_discriminator())


def test_call_runs_the_generator():
    gan = small_vanilla()
    z = gan.sample_noise(2)
    np.testing.assert_allclose(gan(z), gan.generator(z))
    assert gan.latent_dim == 8


@pytest.mark.parametrize("seed", [0, 2])
def test_toy_moves_the_generated_mean_toward_the_target(seed):
    from keras_gans.callbacks import Gaussian1DMetrics

    keras.utils.set_random_seed(seed)
    gan = Toy1DGAN()
    gan.compile(steps_per_execution=50)
    start = float(np.mean(gan.generate(10_000)))
    history = gan.fit(data.gaussian_1d(4.0, 0.5, batch_size=12, seed=seed), epochs=1,
                      steps_per_epoch=1000, verbose=0, callbacks=[Gaussian1DMetrics()])
    end = history.history["mean"][-1]
    assert abs(end - 4.0) < 0.5 * abs(start - 4.0), (start, end)


def test_minimize_steps_on_the_batch_mean_of_per_example_losses():
    gan = Toy1DGAN()
    network = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")])
    optimizer = keras.optimizers.SGD(learning_rate=1.0)
    x = tf.constant([[1.0], [2.0], [6.0]])
    logged = gan.minimize(network, optimizer, lambda: network(x)[:, 0] ** 2 / 2)
    # d/dw mean_i (w x_i)^2 / 2 = mean_i x_i^2 = 41/3 at w = 1.
    np.testing.assert_allclose(network.get_weights()[0], [[1.0 - 41.0 / 3.0]], rtol=1e-6)
    assert float(logged) == pytest.approx(41.0 / 6.0)


@pytest.mark.parametrize("steps_per_epoch, expected_execution", [(2, 2), (15, 5), (20, 10)])
def test_fit_runs_exactly_the_requested_steps(steps_per_epoch, expected_execution):
    # Keras alone would round each epoch up to whole executions (2 asked -> 10 run).
    gan = Toy1DGAN()
    gan.compile(steps_per_execution=10)
    gan.fit(data.gaussian_1d(batch_size=8, seed=0), steps_per_epoch=steps_per_epoch, epochs=2, verbose=0)
    assert int(gan.g_optimizer.iterations) == 2 * steps_per_epoch
    assert gan.steps_per_execution == expected_execution


def test_toy_normal_noise_option_and_stateless_seed():
    gan = Toy1DGAN(noise="normal")
    z = gan.sample_noise(10_000).numpy().ravel()
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    seed = tf.constant([3, 0], tf.int64)
    np.testing.assert_array_equal(gan.sample_noise(5, seed), gan.sample_noise(5, seed))
    stratified = Toy1DGAN().sample_noise(5, seed).numpy().ravel()
    assert np.all((stratified - np.linspace(-8, 8, 5) >= 0) & (stratified - np.linspace(-8, 8, 5) < 0.01))


def _toy_after_fit(generator_ema):
    keras.utils.set_random_seed(7)
    gan = Toy1DGAN(generator_ema=generator_ema)
    initial = [w.numpy().copy() for w in gan.generator.trainable_weights]
    gan.compile()
    gan.fit(data.gaussian_1d(batch_size=8, seed=0), steps_per_epoch=50, verbose=0)
    return gan, initial


def test_generator_weight_averaging_samples_from_an_average_that_lags_behind():
    averaged, initial = _toy_after_fit(0.99)
    plain, _ = _toy_after_fit(None)
    # Training itself is unchanged (same D, same G); samples come from the moving average
    # of G's weights, which lags behind: closer to where training started.
    for a, b in zip(averaged.discriminator.weights + averaged.generator.weights,
                    plain.discriminator.weights + plain.generator.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    moved = lambda network: sum(np.abs(w.numpy() - i).sum()  # noqa: E731
                                for w, i in zip(network.weights, initial, strict=True))
    assert moved(averaged.averaged_generator) < 0.97 * moved(averaged.generator)


@pytest.mark.parametrize("kwargs, message", [
    (dict(noise="uniform"), r"noise in \('stratified', 'normal'\), received 'uniform'"),
    (dict(decay_steps=0), "decay_steps to be a positive integer, received 0"),
    (dict(generator_ema=1.0), r"generator_ema > 0 and < 1 or None, received 1.0"),
])
def test_toy_rejects_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Toy1DGAN(**kwargs)
