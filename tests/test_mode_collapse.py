"""Mode collapse: the 2-D mixtures, their metric, the unrolled GAN and ALI / BiGAN."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import fit_with_expected_average
from keras_gans import data, evaluation, layers, losses, networks
from keras_gans.models import BiGAN, UnrolledGAN, VanillaGAN


# ------------------------------------------------------------------ the data
@pytest.mark.parametrize("name, modes, stddev", [("ring", 8, 0.01), ("grid", 25, 0.05)])
def test_mixture_streams_are_seeded_and_equal_weight(name, modes, stddev):
    means, std = data.get_mixture(name)
    assert (len(means), std) == (modes, stddev)
    batches = lambda seed: np.concatenate(  # noqa: E731
        [b.numpy() for b in data.gaussian_mixture_2d(name, 500, seed=seed).take(10)])
    first, again, other = batches(1), batches(1), batches(2)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    distances = np.linalg.norm(first[:, None] - np.asarray(means)[None], axis=-1)
    counts = np.bincount(distances.argmin(1), minlength=modes)
    assert counts.min() > 0.6 * len(first) / modes  # every mode its share
    # isotropic N(0, std^2 I) around the mode: E||x - mu||^2 = 2 std^2
    assert np.mean(distances.min(1) ** 2) == pytest.approx(2 * std**2, rel=0.1)


def test_an_unknown_mixture_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"expected one of \['grid', 'ring'\], received 'spiral'"):
        data.gaussian_mixture_2d("spiral")


# ---------------------------------------------------------------- the metric
def test_samples_of_the_mixture_itself_cover_every_mode():
    means, std = data.get_mixture("grid")
    samples = next(iter(data.gaussian_mixture_2d("grid", 2500, seed=0))).numpy()
    metrics = evaluation.mode_coverage(samples, means, std)
    assert metrics["modes"] == 25
    assert metrics["high_quality"] == pytest.approx(1 - math.exp(-4.5), abs=0.01)  # chi2(2) < 9
    assert metrics["reverse_kl"] < 0.02


def test_a_collapsed_generator_captures_one_mode_with_the_largest_reverse_kl():
    means, std = data.get_mixture("ring")
    collapsed = np.tile(means[3], (2500, 1)) + 0.001
    metrics = evaluation.mode_coverage(collapsed, means, std)
    assert metrics == {"high_quality": 1.0, "modes": 1, "reverse_kl": pytest.approx(math.log(8))}


def test_reverse_kl_is_that_of_the_histogram_of_high_quality_samples():
    means = [[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [30.0, 0.0]]
    counts = [6, 3, 1, 0]  # and 5 samples of low quality, far from every mode
    samples = np.concatenate([np.tile(means[i], (n, 1)) for i, n in enumerate(counts)]
                             + [np.full((5, 2), 100.0)])
    p = np.array([6, 3, 1]) / 10
    metrics = evaluation.mode_coverage(samples, means, stddev=1.0)
    assert metrics["high_quality"] == pytest.approx(10 / 15)
    assert metrics["modes"] == 3
    assert metrics["reverse_kl"] == pytest.approx(float(np.sum(p * np.log(p / 0.25))))


def test_the_high_quality_radius_is_three_standard_deviations():
    inside, outside = [[0.0, 0.29]], [[0.0, 0.31]]
    assert evaluation.mode_coverage(inside, [[0, 0]], 0.1)["high_quality"] == 1.0
    assert evaluation.mode_coverage(outside, [[0, 0]], 0.1)["high_quality"] == 0.0


def test_no_high_quality_sample_at_all_has_no_reverse_kl():
    metrics = evaluation.mode_coverage(np.full((10, 2), 50.0), [[0, 0], [1, 1]], 0.05)
    assert metrics["high_quality"] == 0.0 and metrics["modes"] == 0
    assert math.isnan(metrics["reverse_kl"])


@pytest.mark.parametrize("samples, message", [
    (np.zeros((4, 3)), r"Expected samples of shape \(n, 2\).*received \(4, 3\)"),
    (np.zeros((0, 2)), "at least one sample"),
])
def test_the_metric_refuses_bad_samples(samples, message):
    with pytest.raises(ValueError, match=message):
        evaluation.mode_coverage(samples, [[0, 0]], 0.1)


def test_the_callback_writes_the_three_metrics_into_the_fit_logs():
    from keras_gans.callbacks import ModeCoverageMetrics

    gan = VanillaGAN(networks.mixture_generator(units=8, depth=1),
                     networks.mixture_discriminator(units=8, depth=1))
    gan.compile()
    history = gan.fit(data.gaussian_mixture_2d("grid", 16, seed=0), epochs=2, steps_per_epoch=2,
                      callbacks=[ModeCoverageMetrics("grid", num_samples=500)], verbose=0)
    for key in ("high_quality", "modes", "reverse_kl"):
        assert len(history.history[key]) == 2
    assert 0 <= history.history["modes"][-1] <= 25


# ------------------------------------------------------------------ networks
@pytest.mark.parametrize("build", [networks.mixture_generator, networks.mixture_discriminator,
                                   networks.encoder, networks.joint_discriminator])
def test_the_mixture_networks_draw_their_weights_from_the_users_seed(build):
    def kernels(seed):
        keras.utils.set_random_seed(seed)
        return [w.numpy() for w in build().weights if w.path.endswith("kernel")]

    first, again, other = kernels(0), kernels(0), kernels(1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not any(np.array_equal(a, b) for a, b in zip(first, other))
    same_shape = [(a, b) for i, a in enumerate(first) for b in first[i + 1:] if a.shape == b.shape]
    assert same_shape  # e.g. the generator's 400 x 400 layers
    assert not any(np.array_equal(a, b) for a, b in same_shape)


# -------------------------------------------------------------------- layers
def test_maxout_is_the_max_of_its_linear_pieces():
    layer = layers.Maxout(units=3, pieces=4)
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    output = layer(x).numpy()
    kernel, bias = (w.numpy() for w in layer.weights)
    expected = (x @ kernel + bias).reshape(5, 3, 4).max(axis=-1)
    np.testing.assert_allclose(output, expected, rtol=1e-5, atol=1e-6)
    clone = layers.Maxout.from_config(layer.get_config())
    assert (clone.units, clone.pieces) == (3, 4)
    with pytest.raises(ValueError, match="pieces to be a positive integer, received 0"):
        layers.Maxout(3, pieces=0)


# ------------------------------------------------------------------ PacGAN
def test_pack_concatenates_consecutive_samples_like_numpy():
    vectors = np.arange(24, dtype="float32").reshape(6, 4)
    np.testing.assert_array_equal(layers.Pack(3)(vectors), vectors.reshape(2, 12))
    images = np.random.default_rng(0).normal(size=(4, 5, 5, 2)).astype("float32")
    expected = np.concatenate([images[0::2], images[1::2]], axis=-1)  # channels of 2 samples
    np.testing.assert_array_equal(layers.Pack(2)(images), expected)
    assert layers.Pack.from_config(layers.Pack(3).get_config()).size == 3


def test_a_packed_discriminator_gives_one_logit_per_pack_and_saves():
    gan = VanillaGAN(networks.mixture_generator(units=8, depth=1),
                     networks.mixture_discriminator(units=8, depth=1), packing=4,
                     minibatch_discrimination=True, r1_gamma=1.0)
    gan.compile()
    assert gan.D(tf.zeros((12, 2))).shape == (3, 1)
    assert gan.discriminator.get_layer("features").kernel.shape == (8, 40)  # 4 samples x 2
    stream = data.gaussian_mixture_2d("ring", 8, seed=0)
    gan.fit(stream, steps_per_epoch=2, verbose=0)
    restored = VanillaGAN.from_config(gan.get_config())
    assert restored.D(tf.zeros((8, 2))).shape == (2, 1)
    with pytest.raises(ValueError, match="multiple of 4 samples per replica.*received batches of 6"):
        gan.fit(data.gaussian_mixture_2d("ring", 6, seed=0), steps_per_epoch=1, verbose=0)


def test_the_r1_penalty_of_a_packed_d_is_of_its_gradient_with_respect_to_the_pack():
    gan = VanillaGAN(networks.mixture_generator(units=8, depth=1),
                     networks.mixture_discriminator(units=8, depth=1), packing=2, r1_gamma=2.0)
    gan.compile()
    real = tf.constant(np.random.default_rng(0).normal(size=(6, 2)), tf.float32)
    technique = next(t for t in gan.techniques if t.name == "r1_penalty")
    penalty = technique.discriminator_penalty(gan, real, None)
    from keras_gans.models.base import _per_pack

    per_pack = _per_pack(penalty, tf.zeros([3])).numpy()
    with tf.GradientTape() as tape:
        packs = tf.reshape(real, (3, 4))
        tape.watch(packs)
        h = packs
        for layer in gan.discriminator.layers[2:]:  # the chain after Pack, by hand
            h = layer(h)
    gradient = tape.gradient(h, packs).numpy()
    np.testing.assert_allclose(per_pack, 0.5 * 2.0 * np.sum(gradient**2, axis=1), rtol=1e-5)


@pytest.mark.parametrize("variant", ["wgan_gp", "cdcgan"])
def test_packing_is_refused_where_it_is_not_defined(variant):
    from keras_gans import variants

    with pytest.raises(ValueError, match="packing .* does not apply"):
        variants.build(variant, packing=2, compile=False, latent_dim=8, filters=4)


# ------------------------------------------------------------- unrolled GAN
def _tiny_unrolled(second_order, k=2, d_optimizer=None):
    keras.utils.set_random_seed(1)
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="tanh"),
                                  keras.layers.Dense(2)])
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="tanh"),
                                      keras.layers.Dense(1, name="logit")])
    gan = UnrolledGAN(generator, discriminator, unrolling_steps=k, second_order=second_order)
    gan.compile(d_optimizer or keras.optimizers.SGD(0.5), keras.optimizers.SGD(0.1))
    return gan


def _explicit_generator_loss(gan, generator_weights, real, z, k, unroll_weights=None):
    """G's loss against D after k explicit SGD steps, by plain TF (float64).

    D's k steps are taken on the fakes of ``unroll_weights`` (default: the
    same G): fixed weights there make theta_D^k a constant, the first-order
    unrolled GAN.
    """
    d = [tf.constant(w.numpy(), tf.float64) for w in gan.discriminator.trainable_weights]
    real = tf.constant(real, tf.float64)

    def generate(weights):
        g = [tf.constant(w, tf.float64) for w in weights]
        return tf.matmul(tf.tanh(tf.matmul(z, g[0]) + g[1]), g[2]) + g[3]

    def discriminate(d, x):
        return tf.matmul(tf.tanh(tf.matmul(x, d[0]) + d[1]), d[2]) + d[3]

    unroll_fake = generate(generator_weights if unroll_weights is None else unroll_weights)
    for _ in range(k):
        with tf.GradientTape() as tape:
            tape.watch(d)
            d_loss = tf.reduce_mean(tf.nn.softplus(-discriminate(d, real))
                                    + tf.nn.softplus(discriminate(d, unroll_fake)))
        d = [p - 0.5 * grad for p, grad in zip(d, tape.gradient(d_loss, d))]
    return float(tf.reduce_mean(tf.nn.softplus(-discriminate(d, generate(generator_weights)))))


@pytest.mark.parametrize("second_order", [True, False])
def test_the_unrolled_gradient_matches_finite_differences_of_the_explicit_unroll(second_order):
    gan = _tiny_unrolled(second_order)
    rng = np.random.default_rng(0)
    real = rng.normal(size=(6, 2)).astype("float32")
    z = tf.constant(rng.normal(size=(6, 2)), tf.float32)
    with tf.GradientTape() as tape:
        fake = gan.G(z, None)
        judge = gan.unrolled_discriminator(tf.constant(real), None, fake)
        loss = tf.reduce_mean(losses.non_saturating_generator_loss(gan.D(fake, None, network=judge)))
    analytic = [g.numpy() for g in tape.gradient(loss, gan.generator.trainable_weights)]
    weights = [w.numpy().astype("float64") for w in gan.generator.trainable_weights]
    z64 = tf.cast(z, tf.float64)
    assert float(loss) == pytest.approx(_explicit_generator_loss(gan, weights, real, z64, 2), rel=1e-4)
    h = 1e-5
    for index in range(len(weights)):
        for position in np.ndindex(weights[index].shape):
            plus = [w.copy() for w in weights]
            minus = [w.copy() for w in weights]
            plus[index][position] += h
            minus[index][position] -= h
            fixed = None if second_order else weights
            numeric = (_explicit_generator_loss(gan, plus, real, z64, 2, fixed)
                       - _explicit_generator_loss(gan, minus, real, z64, 2, fixed)) / (2 * h)
            assert analytic[index][position] == pytest.approx(numeric, rel=1e-3, abs=1e-5)


def test_the_second_order_term_changes_the_generator_gradient():
    rng = np.random.default_rng(0)
    real = tf.constant(rng.normal(size=(6, 2)), tf.float32)
    z = tf.constant(rng.normal(size=(6, 2)), tf.float32)
    gradients = []
    for second_order in (True, False):
        gan = _tiny_unrolled(second_order)
        with tf.GradientTape() as tape:
            fake = gan.G(z, None)
            judge = gan.unrolled_discriminator(real, None, fake)
            loss = tf.reduce_mean(losses.non_saturating_generator_loss(gan.D(fake, None, network=judge)))
        gradients.append(tape.gradient(loss, gan.generator.trainable_weights)[0].numpy())
    assert not np.allclose(*gradients, rtol=1e-3)


def test_the_look_ahead_takes_the_adam_steps_that_d_would_take():
    gan = _tiny_unrolled(True, k=3, d_optimizer=keras.optimizers.Adam(0.05, beta_1=0.5))
    rng = np.random.default_rng(0)
    real = tf.constant(rng.normal(size=(6, 2)), tf.float32)
    fake = tf.constant(rng.normal(size=(6, 2)), tf.float32)
    gan.fit(real, batch_size=6, epochs=1, verbose=0)  # Adam's moments and count are not zero
    probe = tf.constant(rng.normal(size=(5, 2)), tf.float32)
    look_ahead = gan.unrolled_discriminator(real, None, fake)(probe).numpy()
    # The same 3 steps, really taken by D's optimizer on the same loss:
    for _ in range(3):
        gan.discriminator_step(real, None, lambda: losses.discriminator_loss(
            gan.D(real, None), gan.D(fake, None)))
    np.testing.assert_allclose(look_ahead, gan.discriminator(probe).numpy(), rtol=1e-4, atol=1e-5)


def test_unrolled_gan_round_trips_through_a_keras_file_and_trains_on(tmp_path):
    gan = UnrolledGAN(networks.mixture_generator(units=8, depth=1),
                      networks.mixture_discriminator(units=8, depth=1), unrolling_steps=3,
                      second_order=False, minibatch_discrimination=True, generator_ema=0.9)
    gan.compile()
    stream = data.gaussian_mixture_2d("ring", 16, seed=0)
    gan.fit(stream, steps_per_epoch=2, verbose=0)
    gan.save(tmp_path / "unrolled.keras")
    restored = keras.models.load_model(tmp_path / "unrolled.keras")
    assert (restored.unrolling_steps, restored.second_order) == (3, False)
    z = tf.random.normal((4, 2))
    np.testing.assert_allclose(restored.sample(z), gan.sample(z), atol=1e-6)
    restored.fit(stream, steps_per_epoch=2, verbose=0)
    assert restored.steps_trained == 4


def test_unrolled_gan_trains_dcgan_networks_too():
    gan = UnrolledGAN(networks.dcgan_generator(8, filters=4), networks.dcgan_discriminator(filters=4),
                      unrolling_steps=1)
    gan.compile()
    history = gan.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=4, verbose=0)
    assert np.isfinite(history.history["g_loss"][-1])


@pytest.mark.parametrize("options, message", [
    (dict(unrolling_steps=-1), "unrolling_steps \\(K\\) to be a non-negative integer, received -1"),
    (dict(feature_matching=1.0), "Expected feature_matching=0 with UnrolledGAN"),
])
def test_bad_unrolled_settings_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        UnrolledGAN(networks.mixture_generator(units=8, depth=1),
                    networks.mixture_discriminator(units=8, depth=1), **options)


# --------------------------------------------------------------- ALI / BiGAN
def _tiny_bigan(**options):
    keras.utils.set_random_seed(2)
    return BiGAN(networks.mixture_generator(units=8, depth=1),
                 networks.joint_discriminator(units=8, depth=1),
                 networks.encoder(units=8, depth=1), **options)


def test_bigan_losses_are_the_value_function_and_its_label_swap():
    gan = _tiny_bigan()
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(5, 2)), tf.float32)
    z = tf.constant(rng.normal(size=(5, 2)), tf.float32)
    real_pairs = gan.D(x, gan.E(x, training=False), training=False).numpy()
    fake_pairs = gan.D(gan.G(z, training=False), z, training=False).numpy()
    d_of = lambda logits: 1 / (1 + np.exp(-logits))  # noqa: E731
    value = np.log(d_of(real_pairs)) + np.log(1 - d_of(fake_pairs))  # V(D, E, G) per example
    np.testing.assert_allclose(losses.discriminator_loss(real_pairs, fake_pairs), -value.ravel(),
                               rtol=1e-5)
    swapped = -np.log(1 - d_of(real_pairs)) - np.log(d_of(fake_pairs))
    np.testing.assert_allclose(losses.encoder_generator_loss(real_pairs, fake_pairs),
                               swapped.ravel(), rtol=1e-5)


def test_the_generator_side_trains_the_encoder_and_d_trains_only_itself():
    gan = _tiny_bigan()
    gan.compile()
    before = {name: [w.numpy() for w in getattr(gan, name).trainable_weights]
              for name in ("generator", "encoder", "discriminator")}
    x = tf.constant(np.random.default_rng(0).normal(size=(8, 2)), tf.float32)
    z = tf.random.normal((8, 2))
    gan.minimize(gan.generator, gan.g_optimizer,
                 lambda: losses.encoder_generator_loss(gan.D(x, gan.E(x)), gan.D(gan.G(z), z)))
    changed = {name: any(not np.allclose(a, b.numpy()) for a, b in
                         zip(before[name], getattr(gan, name).trainable_weights))
               for name in before}
    assert changed == {"generator": True, "encoder": True, "discriminator": False}


def test_bigan_encodes_round_trips_and_trains_on(tmp_path):
    gan = _tiny_bigan(generator_ema=0.9)
    gan.compile()
    stream = data.gaussian_mixture_2d("ring", 16, seed=0)
    gan.fit(stream, steps_per_epoch=3, verbose=0)
    codes = gan.encode(np.ones((3, 2), "float32"))
    assert codes.shape == (3, 2)
    gan.save(tmp_path / "bigan.keras")
    restored = keras.models.load_model(tmp_path / "bigan.keras")
    np.testing.assert_allclose(restored.encode(np.ones((3, 2), "float32")), codes, atol=1e-6)
    restored.fit(stream, steps_per_epoch=2, verbose=0)
    assert restored.steps_trained == 5


def test_with_the_generator_ema_the_encoder_is_averaged_alongside_g():
    """G(E(x)) pairs the averaged G with an encoder averaged by the same recurrence, and the
    averaged encoder (not the live one) is what encode() runs, exports and saves."""
    gan = _tiny_bigan(generator_ema=0.9)
    gan.compile()
    averaged = fit_with_expected_average(gan, gan.encoder, 0.9,
                                         data.gaussian_mixture_2d("ring", 16, seed=0),
                                         steps_per_epoch=4)
    for expected, actual in zip(averaged, gan.averaged_encoder.weights):
        np.testing.assert_allclose(actual.numpy(), expected, rtol=1e-5, atol=1e-7)
    assert not gan.averaged_encoder.trainable_weights
    assert len(gan.variables_of(gan.generator)) == (len(gan.generator.trainable_weights)
                                                    + len(gan.encoder.trainable_weights))
    x = np.random.default_rng(0).normal(size=(6, 2)).astype("float32")
    np.testing.assert_allclose(gan.encode(x), gan.averaged_encoder(x, training=False))
    assert not np.allclose(gan.encode(x), gan.encoder(x, training=False))
    plain = _tiny_bigan()
    assert plain.sampling_encoder is plain.encoder  # without the EMA: E itself


def test_the_cycle_loss_is_the_mean_squared_error_of_each_sample():
    rng = np.random.default_rng(1)
    x, reconstruction = rng.normal(size=(4, 28, 28, 1)), rng.normal(size=(4, 28, 28, 1))
    expected = ((x - reconstruction) ** 2).reshape(4, -1).mean(axis=1)
    np.testing.assert_allclose(losses.cycle_reconstruction_loss(x, reconstruction), expected,
                               rtol=1e-5)


def test_alices_cycle_term_is_added_to_the_generator_sides_loss():
    """With cycle_weight, one SGD step of (G, E) moves them by the plain game's step plus
    lambda times the gradient of the mean cycle loss (the same noise, seed for seed)."""
    x = next(iter(data.gaussian_mixture_2d("ring", 8, seed=0)))
    plain, alice = _tiny_bigan(seed=5), _tiny_bigan(cycle_weight=3.0, seed=5)
    networks_of = lambda gan: gan.generator.trainable_weights + gan.encoder.trainable_weights  # noqa: E731
    with tf.GradientTape() as tape:
        cycle = tf.reduce_mean(losses.cycle_reconstruction_loss(x, alice.G(alice.E(x))))
    cycle_gradients = tape.gradient(cycle, networks_of(alice))
    before = [w.numpy() for w in networks_of(alice)]
    for model in (plain, alice):
        model.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.1))  # D stays put
        model.train_step(x)
    for start, step_plain, step_alice, gradient in zip(before, networks_of(plain), networks_of(alice),
                                                       cycle_gradients):
        np.testing.assert_allclose(step_alice.numpy() - start,
                                   step_plain.numpy() - start - 0.1 * 3.0 * gradient.numpy(),
                                   atol=1e-6)
    assert [m.name for m in alice.metrics] == ["d_loss", "g_loss", "cycle_loss"]


def test_alices_cycle_term_makes_reconstructions_faithful():
    """On the ring, 300 steps: G(E(x)) lands far closer to x with the cycle term than without.

    Mean over 4 seeds: one run's error at step 300 depends on where the game's oscillation
    is, and that moves with the CPU's thread count (one seed's ratio ranged 0.03-0.24)."""
    x = np.asarray(next(iter(data.gaussian_mixture_2d("ring", 256, seed=9))))
    errors = {0.0: [], 10.0: []}
    for seed in range(4):
        for weight in errors:
            gan = _tiny_bigan(cycle_weight=weight, seed=seed)
            gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
            gan.fit(data.gaussian_mixture_2d("ring", 64, seed=seed), steps_per_epoch=300,
                    verbose=0)
            reconstruction = gan.G(gan.encode(x), training=False).numpy()
            errors[weight].append(float(np.mean(np.sum((x - reconstruction) ** 2, axis=1))))
    assert np.mean(errors[10.0]) < 0.2 * np.mean(errors[0.0]), errors


def test_a_negative_cycle_weight_is_refused():
    with pytest.raises(ValueError, match=r"Expected cycle_weight >= 0 \(ALICE's lambda\), "
                                         r"received -1.0"):
        _tiny_bigan(cycle_weight=-1.0)


def test_bigan_on_mnist_sized_images():
    gan = BiGAN(networks.dcgan_generator(8, filters=4),
                networks.joint_discriminator((28, 28, 1), 8, filters=4),
                networks.encoder((28, 28, 1), 8, filters=4))
    gan.compile()
    gan.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=4, verbose=0)
    assert gan.encode(np.zeros((2, 28, 28, 1), "float32")).shape == (2, 8)


@pytest.mark.parametrize("options, message", [
    (dict(r1_gamma=1.0), "r1_penalty .* does not apply to BiGAN"),
    (dict(feature_matching=1.0), "feature_matching .* does not apply to BiGAN"),
])
def test_techniques_that_assume_d_of_samples_alone_are_refused_for_bigan(options, message):
    with pytest.raises(ValueError, match=message):
        _tiny_bigan(**options)


def test_an_encoder_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match=r"codes of width 2 \(the generator's\), received one "
                                         r"from \(2,\) to 3"):
        BiGAN(networks.mixture_generator(units=8, depth=1), encoder=networks.encoder(latent_dim=3))


# ----------------------------------------------------------------------- CLI
@pytest.mark.parametrize("variant, extra", [
    ("mixture_gan", ["--dataset", "grid", "--minibatch-discrimination", "--animate",
                     "--animate-every", "10"]),
    ("mixture_unrolled", ["--unrolling-steps", "2", "--no-second-order", "--rejection-sampling",
                          "--export-dir", "EXPORT"]),
    ("mixture_bigan", ["--generator-ema", "0.9"]),
    ("mixture_wgan_gp", ["--n-critic", "2", "--instance-noise", "0.1"]),
])
def test_the_mixtures_train_from_the_cli(variant, extra, tmp_path, capsys):
    import json

    from PIL import Image

    from keras_gans import cli

    extra = [str(tmp_path / "export") if arg == "EXPORT" else arg for arg in extra]
    assert cli.main(["train", variant, "--steps", "20", "--epochs", "2", "--batch-size", "8",
                     "--generator-units", "8", "--generator-depth", "1",
                     "--discriminator-units", "8", "--discriminator-depth", "1", "--seed", "0",
                     "--steps-per-execution", "10", "--output", str(tmp_path / "run"),
                     "--verbose", "0", *extra]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["variant"] == variant and summary["steps"] == 20
    assert summary["dataset"] == ("grid" if "grid" in extra else "ring")
    assert {"high_quality", "modes", "reverse_kl"} <= set(summary["metrics"])
    for name in ("model.keras", "distribution.png", "metrics.json"):
        assert (tmp_path / "run" / name).stat().st_size > 0, name
    if "--animate" in extra:
        with Image.open(tmp_path / "run" / "training.gif") as gif:
            assert gif.n_frames == 3  # steps 0, 10, 20
    if "--export-dir" in extra:
        served = tf.saved_model.load(summary["export"]).signatures["generate"](
            num_samples=tf.constant(5), seed=tf.constant(1, tf.int64))
        assert served["samples"].shape == (5, 2)
        metadata = json.loads((tmp_path / "export" / "1" / "assets.extra" / "model.json").read_text())
        assert metadata["dataset"] == "ring" and "modes" in metadata["metrics"]
        # The export rejects as the model did (its bound on D's logit travels with it).
        assert "--rejection-sampling" in extra
        model = keras.models.load_model(tmp_path / "run" / "model.keras")
        assert metadata["rejection_sampling"]["max_logit"] == pytest.approx(
            float(model.rejection_max_logit))


def test_the_paper_flag_gives_pacgans_optimizer_and_networks():
    from keras_gans import variants

    gan = variants.build("mixture_gan", paper=True)
    assert [layer.units for layer in gan.generator.layers if isinstance(layer, keras.layers.Dense)] \
        == [400, 400, 400, 400, 2]
    assert [(layer.units, layer.pieces) for layer in gan.discriminator.layers
            if isinstance(layer, layers.Maxout)] == [(200, 5)] * 3
    config = gan.d_optimizer.get_config()
    assert (config["learning_rate"], config["beta_1"]) == (pytest.approx(1e-4), 0.8)
    assert variants.batch_size_of("mixture_gan", paper=True) == 100
