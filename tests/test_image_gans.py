"""Image GANs: DCGAN, conditional DCGAN, WGAN, WGAN-GP (tiny networks, mocked MNIST)."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import keras
from keras_gans import data, losses, networks
from keras_gans.models import DCGAN, WGAN, WGANGP, ConditionalDCGAN, VanillaGAN
from keras_gans.models.vanilla import build_mnist

SMALL = dict(latent_dim=8, filters=4)


def _images(count=16, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, 28, 28, 1)).astype("float32")


def _labels(count=16):
    return (np.arange(count) % 10).astype("int32")


# ------------------------------------------------------------ gradient penalty
def test_gradient_penalty_matches_a_per_sample_computation():
    critic = keras.Sequential([keras.Input((3, 3, 2)), keras.layers.Flatten(),
                               keras.layers.Dense(5, activation="tanh"), keras.layers.Dense(1)])
    rng = np.random.default_rng(0)
    real = rng.normal(size=(4, 3, 3, 2)).astype("float32")
    fake = rng.normal(size=(4, 3, 3, 2)).astype("float32")
    epsilon = np.array([0.0, 0.25, 0.5, 1.0], "float32")
    expected = []
    for i in range(4):  # one sample at a time: its own ε, the norm over all its axes
        x_hat = tf.constant(epsilon[i] * real[i:i + 1] + (1 - epsilon[i]) * fake[i:i + 1])
        with tf.GradientTape() as tape:
            tape.watch(x_hat)
            score = critic(x_hat)
        norm = np.sqrt(np.sum(tape.gradient(score, x_hat).numpy() ** 2))
        expected.append((norm - 1.0) ** 2)
    penalty = losses.gradient_penalty(critic, real, fake, epsilon)
    np.testing.assert_allclose(penalty.numpy(), expected, rtol=1e-4)
    # One ε for the whole batch (a bug of Su Wang's WGAN-GP tutorial code) gives different values.
    shared = losses.gradient_penalty(critic, real, fake, np.full(4, epsilon.mean(), "float32"))
    assert not np.allclose(shared.numpy(), expected, rtol=1e-3)


@pytest.mark.parametrize("scale, expected", [(1.0, 0.0), (3.0, 4.0)])
def test_gradient_penalty_of_a_linear_critic_is_its_norm_gap(scale, expected):
    # f(x) = <w, x> has gradient w everywhere: penalty = (||w|| - 1)², 0 when 1-Lipschitz.
    weights = np.random.default_rng(1).normal(size=(2 * 3 * 3,))
    weights *= scale / np.linalg.norm(weights)
    critic = lambda x: tf.reduce_sum(tf.reshape(x, (-1, 18)) * weights.astype("float32"), axis=1)  # noqa: E731
    real, fake = _images(6)[:, :3, :3, :].repeat(2, -1), _images(6, 1)[:, :3, :3, :].repeat(2, -1)
    penalty = losses.gradient_penalty(critic, real, fake, tf.random.uniform([6]))
    np.testing.assert_allclose(penalty.numpy(), np.full(6, expected), atol=1e-5)


def test_wasserstein_losses_are_the_critic_value_gap():
    real, fake = tf.constant([[2.0], [4.0]]), tf.constant([[1.0], [-1.0]])
    # Critic minimises E[f(G(z))] - E[f(x)]; the generator minimises -E[f(G(z))].
    assert float(tf.reduce_mean(losses.wasserstein_critic_loss(real, fake))) == pytest.approx(-3.0)
    assert float(tf.reduce_mean(losses.wasserstein_generator_loss(fake))) == pytest.approx(0.0)


# ---------------------------------------------------------------------- WGAN
def test_every_critic_weight_is_clipped_after_each_update():
    gan = WGAN(**SMALL, clip_value=0.01)
    # A large learning rate pushes weights far beyond c: only the clip keeps them inside.
    gan.compile(keras.optimizers.SGD(10.0), keras.optimizers.SGD(1e-3))
    gan.fit(_images(80), batch_size=8, epochs=1, verbose=0)  # 2 steps of n_critic=5 minibatches
    largest = max(float(np.abs(w.numpy()).max()) for w in gan.discriminator.trainable_weights)
    assert largest == pytest.approx(0.01)


@pytest.mark.parametrize("model_class", [WGAN, WGANGP])
def test_n_critic_critic_steps_per_generator_step(model_class):
    gan = model_class(**SMALL, discriminator_steps=3)
    gan.compile()
    gan.fit(_images(48), batch_size=8, epochs=1, verbose=0)  # 6 minibatches: 2 steps of 3
    assert int(gan.d_optimizer.iterations) == 6 and int(gan.g_optimizer.iterations) == 2


def test_paper_defaults_of_the_wasserstein_variants():
    wgan, wgan_gp = WGAN(**SMALL), WGANGP(**SMALL)
    assert wgan.discriminator_steps == 5 and wgan.clip_value == 0.01
    d_opt, _ = wgan.default_optimizers()
    assert isinstance(d_opt, keras.optimizers.RMSprop) and float(d_opt.learning_rate) == pytest.approx(5e-5)
    d_opt, g_opt = wgan_gp.default_optimizers()
    assert (float(d_opt.learning_rate), d_opt.beta_1, d_opt.beta_2) == pytest.approx((1e-4, 0.0, 0.9))
    assert wgan_gp.gradient_penalty_weight == 10.0 and wgan_gp.discriminator_steps == 5
    layer_types = {type(layer).__name__ for layer in wgan_gp.discriminator.layers}
    assert "LayerNormalization" in layer_types and "BatchNormalization" not in layer_types


# --------------------------------------------------------------------- DCGAN
def test_dcgan_networks_follow_the_architecture_rules():
    generator = networks.dcgan_generator(**SMALL)
    discriminator = networks.dcgan_discriminator(filters=4)
    for network in (generator, discriminator):
        assert not any("Pooling" in type(layer).__name__ for layer in network.layers)
    # No batch norm at G's output nor at D's input; tanh output; LeakyReLU in D.
    assert generator.layers[-1].activation.__name__ == "tanh"
    assert type(discriminator.layers[1]).__name__ == "Conv2D"
    assert type(discriminator.layers[2]).__name__ == "LeakyReLU"
    assert any(type(layer).__name__ == "BatchNormalization" for layer in generator.layers)


def _normalization_layers(network):
    return [type(layer).__name__ for layer in network.layers
            if type(layer).__name__ in ("BatchNormalization", "LayerNormalization")]


def test_the_wgan_recipe_critic_has_no_normalization_and_the_paper_keeps_batch_norm():
    from keras_gans import cli, variants

    small = dict(latent_dim=8, filters=4)
    assert _normalization_layers(variants.build("wgan", compile=False, **small).discriminator) == []
    assert _normalization_layers(
        variants.build("wgan", paper=True, compile=False, **small).discriminator) == [
            "BatchNormalization"]
    # "none" is a spelling of None (what a flag or a JSON file can carry), for every builder.
    assert _normalization_layers(networks.dcgan_discriminator(filters=4, normalization="none")) == []
    parser = cli.build_parser()
    for flag, expected in (("batch", ["BatchNormalization"]), ("layer", ["LayerNormalization"])):
        args = parser.parse_args(["train", "wgan", "--critic-normalization", flag])
        options = {**cli.model_options(args, variants.get_variant("wgan")), **small}
        assert _normalization_layers(variants.build("wgan", compile=False, **options).discriminator) == expected
    with pytest.raises(ValueError, match=r"normalization in \('batch', 'layer', 'none', None\), received 'group'"):
        networks.dcgan_discriminator(filters=4, normalization="group")


@pytest.mark.parametrize("normalization, norm_type", [("batch", "BatchNormalization"),
                                                      ("layer", "LayerNormalization")])
def test_dense_units_add_infogans_fully_connected_layers(normalization, norm_type):
    generator = networks.dcgan_generator(**SMALL, dense_units=12)
    discriminator = networks.dcgan_discriminator(filters=4, normalization=normalization,
                                                 dense_units=12)
    # G: z -> Dense(12) -> BN -> ReLU -> the projection; D: ... -> Dense(12) -> norm -> features.
    assert generator.layers[1].units == 12 and generator.layers[4].units == 7 * 7 * 8
    assert type(generator.layers[2]).__name__ == "BatchNormalization"
    features = discriminator.get_layer("features")
    assert features.output.shape == (None, 12)
    assert isinstance(features, keras.layers.LeakyReLU)
    assert type(discriminator.layers[-3]).__name__ == norm_type
    assert networks.default_feature_layer(discriminator) == "features"
    gan = DCGAN(**SMALL, generator_dense_units=6, discriminator_dense_units=12)
    assert gan.generator.layers[1].units == 6 and gan.discriminator.get_layer("features").output.shape == (None, 12)
    with pytest.raises(ValueError, match="dense_units to be a positive integer, received 0"):
        networks.dcgan_generator(**SMALL, dense_units=0)


def test_conditional_generator_output_depends_on_the_label():
    gan = ConditionalDCGAN(num_classes=10, **SMALL)
    z = tf.random.normal((3, 8))
    zeros, ones = gan.generate([0, 0, 0], z=z), gan.generate([1, 1, 1], z=z)
    np.testing.assert_allclose(gan.generate([0, 0, 0], z=z), zeros)  # deterministic given z
    assert float(tf.reduce_max(tf.abs(zeros - ones))) > 1e-4


def test_conditional_training_updates_the_label_embeddings():
    gan = ConditionalDCGAN(num_classes=10, **SMALL)
    gan.compile()
    embeddings = [w for w in gan.generator.weights if "embedding" in w.path]
    before = embeddings[0].numpy().copy()
    gan.fit(_images(), _labels(), batch_size=8, verbose=0)
    assert not np.allclose(before, embeddings[0].numpy())


def test_the_conv_vanilla_generator_takes_a_dense_hidden_layer_and_the_mlp_refuses_one():
    gan = build_mnist(8, architecture="conv", generator_dense_units=16)
    first = gan.generator.layers[0]
    assert isinstance(first, keras.layers.Dense) and first.units == 16
    assert gan.generator.output_shape == (None, 28, 28, 1)
    with pytest.raises(ValueError, match=r"Expected architecture='conv' with "
                                         r"generator_dense_units .* received architecture='mlp'"):
        build_mnist(8, generator_dense_units=16)


@pytest.mark.parametrize("build", [
    lambda: build_mnist(8, architecture="conv"),
    lambda: DCGAN(**SMALL),
    lambda: ConditionalDCGAN(**SMALL),
    lambda: WGAN(**SMALL),
    lambda: WGANGP(**SMALL),
], ids=["vanilla-conv", "dcgan", "cdcgan", "wgan", "wgan_gp"])
def test_each_variant_fits_mock_mnist_with_finite_losses(build):
    gan = build()
    gan.compile(steps_per_execution=2)
    with tfds.testing.mock_data(num_examples=32):
        dataset = data.load_images("mnist", batch_size=8, repeat=True, seed=0)
        history = gan.fit(dataset, steps_per_epoch=4, verbose=0)
    assert set(history.history) == {tracker.name for tracker in gan.metrics}
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    assert int(gan.g_optimizer.iterations) == 4


# The critics take 2 steps, not 5: each is another traced copy of the critic update.
@pytest.mark.parametrize("build, extra", [
    (lambda: WGANGP(**SMALL, gradient_penalty_weight=3.0, discriminator_steps=2),
     "gradient_penalty_weight"),
    (lambda: WGANGP(**SMALL, penalty_interval=4, discriminator_steps=2), "penalty_interval"),
    (lambda: ConditionalDCGAN(num_classes=10, **SMALL), "num_classes"),
    (lambda: WGAN(**SMALL, clip_value=0.05, discriminator_steps=2), "clip_value"),
    (lambda: DCGAN(**SMALL, real_label=0.9), "real_label"),
])
def test_keras_file_round_trip_keeps_options_and_trains_on(tmp_path, build, extra):
    gan = build()
    gan.compile()
    inputs = (_images(), _labels()) if gan.conditional else (_images(),)
    gan.fit(*inputs, batch_size=8, verbose=0)
    assert int(gan.g_optimizer.iterations) > 0
    gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    assert type(restored) is type(gan) and getattr(restored, extra) == getattr(gan, extra)
    assert int(restored.d_optimizer.iterations) == int(gan.d_optimizer.iterations)
    for saved, loaded in zip(gan.generator.weights, restored.generator.weights):
        np.testing.assert_array_equal(saved.numpy(), loaded.numpy())
    restored.fit(*inputs, batch_size=8, verbose=0)
    assert int(restored.g_optimizer.iterations) == 2 * int(gan.g_optimizer.iterations)


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize("x, y, message", [
    (np.zeros((8, 32, 32, 1), "float32"), None, r"shape \(batch, 28, 28, 1\).*received.*\(8, 32, 32, 1\)"),
    (np.zeros((8, 28, 28, 3), "float32"), None, r"shape \(batch, 28, 28, 1\)"),
    (np.full((8, 28, 28, 1), 255.0, "float32"), None, r"values in \[-1.0, 1.0\].*received values in \[255, 255\]"),
    (np.zeros((8, 28, 28, 1), "uint8"), None, "floating-point.*received dtype uint8"),
])
def test_unconditional_models_reject_bad_images_before_training(x, y, message):
    gan = DCGAN(**SMALL)
    gan.compile()
    with pytest.raises(ValueError, match=message):
        gan.fit(x, y, batch_size=4, verbose=0)
    assert int(gan.g_optimizer.iterations) == 0


@pytest.mark.parametrize("labels, message", [
    (None, "needs labels: expected labels"),
    (np.full(8, 10, "int32"), r"labels in \[0, 10\), received labels in \[10, 10\]"),
    (np.full(8, -1, "int32"), r"received labels in \[-1, -1\]"),
    (np.zeros(8, "float32"), "integer class labels, received dtype float32"),
])
def test_conditional_model_rejects_missing_or_bad_labels(labels, message):
    gan = ConditionalDCGAN(num_classes=10, **SMALL)
    gan.compile()
    with pytest.raises(ValueError, match=message):
        gan.fit(_images(8), labels, batch_size=4, verbose=0)
    assert int(gan.g_optimizer.iterations) == 0


def test_conditional_model_rejects_bad_labels_in_a_dataset_and_in_generate():
    gan = ConditionalDCGAN(num_classes=10, **SMALL)
    gan.compile()
    dataset = tf.data.Dataset.from_tensor_slices((_images(8), np.full(8, 12, "int32"))).batch(4)
    with pytest.raises(ValueError, match=r"received labels in \[12, 12\]"):
        gan.fit(dataset, verbose=0)
    images_only = tf.data.Dataset.from_tensor_slices(_images(8)).batch(4)
    with pytest.raises(ValueError, match="expected labels"):
        gan.fit(images_only, verbose=0)
    with pytest.raises(ValueError, match=r"labels in \[0, 10\), received labels in \[0, 11\]"):
        gan.generate([0, 11])


@pytest.mark.parametrize("kwargs, message", [
    (dict(clip_value=0.0), "clip_value c > 0, received 0.0"),
    (dict(discriminator_steps=0), "positive integer, received 0"),
])
def test_wgan_rejects_nonsensical_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WGAN(**SMALL, **kwargs)


def test_dcgan_rejects_a_real_label_outside_the_smoothing_range():
    with pytest.raises(ValueError, match=r"real_label > 0.5 and <= 1, received 1.5"):
        DCGAN(**SMALL, real_label=1.5)


def test_wgan_gp_rejects_negative_penalty_weight():
    with pytest.raises(ValueError, match="gradient_penalty_weight >= 0, received -1"):
        WGANGP(**SMALL, gradient_penalty_weight=-1)


@pytest.mark.parametrize("interval", [0, 1.5, True])
def test_wgan_gp_rejects_a_penalty_interval_that_is_not_a_positive_integer(interval):
    with pytest.raises(ValueError, match=f"penalty_interval to be a positive integer, received {interval!r}"):
        WGANGP(**SMALL, penalty_interval=interval)


def _critic_after_steps(steps, seed_model, **options):
    """The critic's weights after ``steps`` one-critic-step updates of a copy of ``seed_model``."""
    gan = WGANGP(**SMALL, discriminator_steps=1, seed=3, **options)
    gan.set_weights(seed_model.get_weights())
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1))
    gan.fit(_images(8 * steps), batch_size=8, shuffle=False, verbose=0)
    return [w.numpy() for w in gan.discriminator.weights]


def test_lazy_gradient_penalty_is_the_full_penalty_scaled_on_due_steps_and_none_between():
    # Lazy regularization: with interval 4, critic update 0 carries 4 x the penalty (like
    # lambda = 40 every step), update 1 none (like lambda = 0), under the same noise.
    reference = WGANGP(**SMALL, discriminator_steps=1)
    lazy_one = _critic_after_steps(1, reference, penalty_interval=4)
    for got, want in zip(lazy_one, _critic_after_steps(1, reference, gradient_penalty_weight=40.0)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert not all(np.allclose(got, want) for got, want in
                   zip(lazy_one, _critic_after_steps(1, reference)))  # the penalty did act
    lazy_two = _critic_after_steps(2, reference, penalty_interval=4)

    class Then40Then0(WGANGP):  # lambda = 40 on update 0, 0 on update 1
        def lazy_penalty(self, penalty, interval, batch_size):
            weight = tf.where(tf.equal(self.d_optimizer.iterations, 0), 4.0, 0.0)
            return weight * penalty()

    expected = Then40Then0(**SMALL, discriminator_steps=1, seed=3)
    expected.set_weights(reference.get_weights())
    expected.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1))
    expected.fit(_images(16), batch_size=8, shuffle=False, verbose=0)
    # Two SGD steps at lambda 40 amplify float32 rounding (the two graphs order their sums
    # differently): up to 3e-5 on weights of size ~5 was seen under load; a penalty applied on
    # the wrong update moves them by orders of magnitude more (the control below).
    for got, want in zip(lazy_two, expected.discriminator.weights):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-4)
    penalized_twice = _critic_after_steps(2, reference, gradient_penalty_weight=40.0)
    assert max(np.max(np.abs(got - want)) for got, want in zip(lazy_two, penalized_twice)) > 1e-2


def test_unconditional_models_ignore_labels():
    gan = VanillaGAN(networks.mlp_generator(8, units=(16,)), networks.mlp_discriminator(units=(16,)))
    gan.compile()
    history = gan.fit(_images(8), _labels(8), batch_size=4, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])
