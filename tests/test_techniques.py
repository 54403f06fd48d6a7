"""The training techniques: each against its formula, composed on every variant, refused when invalid."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import fit_with_expected_average
from keras_gans import layers, losses, networks, techniques
from keras_gans.models import DCGAN, WGAN, WGANGP, ConditionalDCGAN, Toy1DGAN, VanillaGAN
from keras_gans.variants import VARIANTS

SMALL = dict(latent_dim=8, filters=4)


def _images(count=32, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, 28, 28, 1)).astype("float32")


def _labels(count=32):
    return (np.arange(count) % 10).astype("int32")


# --------------------------------------------------------------------- formulas
def test_r1_penalty_is_the_squared_gradient_norm_per_sample():
    critic = keras.Sequential([keras.Input((3, 3, 2)), keras.layers.Flatten(),
                               keras.layers.Dense(5, activation="tanh"), keras.layers.Dense(1)])
    real = np.random.default_rng(0).normal(size=(4, 3, 3, 2)).astype("float32")
    expected = []
    for i in range(4):
        x = tf.constant(real[i:i + 1])
        with tf.GradientTape() as tape:
            tape.watch(x)
            score = critic(x)
        expected.append(np.sum(tape.gradient(score, x).numpy() ** 2))
    np.testing.assert_allclose(losses.r1_penalty(critic, real), expected, rtol=1e-5)


def test_r1_technique_adds_gamma_over_two_times_the_penalty_to_d_loss():
    gan = DCGAN(**SMALL, r1_gamma=4.0)
    gan.compile()
    real = tf.constant(_images(8))
    [technique] = gan.techniques
    expected = 0.5 * 4.0 * losses.r1_penalty(lambda x: gan.D(x), real)
    np.testing.assert_allclose(technique.discriminator_penalty(gan, real, None), expected, rtol=1e-5)


def test_feature_matching_loss_against_numpy():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(6, 4, 3)), rng.normal(size=(5, 4, 3))
    expected = np.sum((real.reshape(6, -1).mean(0) - fake.reshape(5, -1).mean(0)) ** 2)
    assert float(losses.feature_matching_loss(real, fake)) == pytest.approx(expected, rel=1e-5)


def test_feature_matching_objective_uses_the_named_layer_and_no_extra_d_pass():
    gan = DCGAN(**SMALL, feature_matching=2.0, feature_layer="features")
    gan.compile()
    [technique] = gan.techniques
    real, fake = tf.constant(_images(8)), gan.G(gan.sample_noise(8))
    features = keras.Model(gan.discriminator.inputs, gan.discriminator.get_layer("features").output)
    real_f, fake_f = features(real, training=True).numpy(), features(fake, training=True).numpy()
    fake_logits = gan.discriminator(fake, training=True)
    expected = (losses.non_saturating_generator_loss(fake_logits).numpy()
                + 2.0 * np.sum((real_f.mean(0) - fake_f.mean(0)) ** 2))
    calls = []
    logit = gan.discriminator.get_layer("logit")
    original = logit.call
    logit.call = lambda inputs, *a, **k: calls.append(1) or original(inputs, *a, **k)
    objective = technique.generator_objective(gan, fake, real, None,
                                              losses.non_saturating_generator_loss)
    logit.call = original
    # Batch norm in training mode: the statistics of each call's own batch, as above.
    np.testing.assert_allclose(objective, expected, rtol=1e-4)
    assert len(calls) == 2, "one D pass on the fakes (features + logits) and one on the data"


def test_feature_matching_only_drops_the_adversarial_loss():
    gan = DCGAN(**SMALL, feature_matching=1.0, feature_matching_only=True)
    gan.compile()
    real, fake = tf.constant(_images(8)), gan.G(gan.sample_noise(8))
    objective = gan.techniques[0].generator_objective(gan, fake, real, None,
                                                      losses.non_saturating_generator_loss)
    features = gan.techniques[0].features_and_logits
    matching = losses.feature_matching_loss(features(real, training=True)[0],
                                            features(fake, training=True)[0])
    np.testing.assert_allclose(objective, np.full(8, float(matching)), rtol=1e-4)


def test_historical_average_is_the_mean_of_every_past_value_and_penalizes_the_distance():
    gan = Toy1DGAN(historical_averaging=0.5)
    gan.compile()
    [technique] = gan.techniques
    history = {"generator": [[w.numpy() for w in gan.generator.trainable_weights]],
               "discriminator": [[w.numpy() for w in gan.discriminator.trainable_weights]]}

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            for role in history:
                history[role].append([w.numpy() for w in getattr(gan, role).trainable_weights])

    gan.fit(np.full((40, 1), 4.0, "float32"), batch_size=8, callbacks=[Record()], verbose=0)
    assert len(history["generator"]) == 6  # the initial weights and 5 updates
    for role in history:
        network = getattr(gan, role)
        for index, average in enumerate(technique.averages[role]):
            mean = np.mean([weights[index] for weights in history[role]], axis=0)
            np.testing.assert_allclose(average.numpy(), mean, rtol=1e-5, atol=1e-6)
        expected = 0.5 * sum(np.sum((w.numpy() - a.numpy()) ** 2) for w, a in
                             zip(network.trainable_weights, technique.averages[role]))
        assert float(technique.weight_penalty(gan, network)) == pytest.approx(expected, rel=1e-5)


def test_generator_ema_follows_its_recurrence_and_is_what_generate_uses():
    gan = Toy1DGAN(generator_ema=0.9)
    gan.compile()
    averaged = fit_with_expected_average(gan, gan.generator, 0.9,
                                         np.full((40, 1), 4.0, "float32"), batch_size=8)
    for expected, actual in zip(averaged, gan.averaged_generator.weights):
        np.testing.assert_allclose(actual.numpy(), expected, rtol=1e-5, atol=1e-7)
    assert gan.sampling_generator is gan.averaged_generator
    assert not gan.averaged_generator.trainable_weights  # only G itself is trained
    z = gan.sample_noise(5)
    np.testing.assert_allclose(gan.sample(z), gan.averaged_generator(z, training=False))
    assert not np.allclose(gan.sample(z), gan.generator(z, training=False))


def test_instance_noise_anneals_linearly_to_zero():
    gan = DCGAN(**SMALL, instance_noise=0.5, instance_noise_steps=100)
    gan.compile()
    [technique] = gan.techniques
    zeros = tf.zeros((2000, 28, 28, 1))
    for step, sigma in ((0, 0.5), (50, 0.25), (100, 0.0), (300, 0.0)):
        gan.g_optimizer.iterations.assign(step)
        assert float(technique.sigma(gan.g_optimizer.iterations)) == pytest.approx(sigma)
        noisy = technique.discriminator_input(gan, zeros).numpy()
        assert noisy.std() == pytest.approx(sigma, rel=0.01, abs=1e-7)
    # D sees the noise in training only.
    gan.g_optimizer.iterations.assign(0)
    images = tf.constant(_images(4))
    np.testing.assert_array_equal(gan.D(images, training=False), gan.discriminator(images))


def _numpy_translate(images, shifts):
    out = np.zeros_like(images)
    height, width = images.shape[1:3]
    for n, (dy, dx) in enumerate(shifts):
        for i in range(height):
            for j in range(width):
                if 0 <= i - dy < height and 0 <= j - dx < width:
                    out[n, i, j] = images[n, i - dy, j - dx]
    return out


def _numpy_cutout(images, centres, size):
    out = images.copy()
    for n, (cy, cx) in enumerate(centres):
        top, left = max(cy - size // 2, 0), max(cx - size // 2, 0)
        out[n, top:max(cy - size // 2 + size, 0), left:max(cx - size // 2 + size, 0)] = 0
    return out


def test_diff_augment_translation_and_cutout_match_numpy():
    from keras_gans.techniques.diff_augment import cutout, translate

    images = np.random.default_rng(0).uniform(-1, 1, (5, 7, 6, 2)).astype("float32")
    shifts = np.array([[0, 0], [2, -1], [-3, 3], [7, 0], [-1, -6]])
    np.testing.assert_array_equal(translate(images, shifts), _numpy_translate(images, shifts))
    centres = np.array([[0, 0], [3, 3], [6, 5], [7, 6], [1, 4]])
    for size in (1, 3, 4):
        np.testing.assert_array_equal(cutout(images, centres, size),
                                      _numpy_cutout(images, centres, size))


def test_diff_augment_draws_the_papers_ranges_and_passes_gradients_to_g():
    gan = DCGAN(**SMALL, diff_augment="translation,cutout")
    gan.compile()
    [technique] = gan.techniques
    ones = tf.ones((400, 28, 28, 1))
    augmented = technique.discriminator_input(gan, ones).numpy()
    # Cutout: a 14 x 14 square (clipped at the borders) of zeros in every image.
    zeros = (augmented == 0).sum(axis=(1, 2, 3))
    assert zeros.min() > 0 and zeros.max() <= 28 * 4 * 2 + 14 * 14
    # Translation: up to round(28 / 8) = 4 pixels, so some row or column of 4 is 0, never 5.
    translation = DCGAN(**SMALL, diff_augment="translation")
    translation.compile()
    shifted = translation.techniques[0].discriminator_input(translation, ones).numpy()[..., 0]
    empty_rows = (shifted.sum(axis=2) == 0).sum(axis=1)
    empty_columns = (shifted.sum(axis=1) == 0).sum(axis=1)
    assert set(empty_rows) == set(range(5)) and set(empty_columns) == set(range(5))
    # G's gradients flow through the augmentation; D sees it in training only.
    z = gan.sample_noise(4)
    with tf.GradientTape() as tape:
        logits = gan.D(gan.generator(z), training=True)
    gradients = tape.gradient(logits, gan.generator.trainable_variables)
    assert all(g is not None for g in gradients) and any(np.any(g.numpy()) for g in gradients)
    images = tf.constant(_images(4))
    np.testing.assert_array_equal(gan.D(images, training=False), gan.discriminator(images))


def test_label_smoothing_sets_the_real_target_of_d_loss():
    assert DCGAN(**SMALL).real_label == 1.0
    gan = DCGAN(**SMALL, real_label=0.9)
    assert gan.real_label == 0.9


def test_minibatch_discrimination_goes_into_image_discriminators():
    for gan in (DCGAN(**SMALL, minibatch_discrimination=True, minibatch_kernels=7),
                ConditionalDCGAN(**SMALL, minibatch_discrimination=True, minibatch_kernels=7),
                WGANGP(**SMALL, minibatch_discrimination=True, minibatch_kernels=7)):
        layer = gan.discriminator.get_layer("minibatch_discrimination")
        assert layer.num_kernels == 7
        assert gan.discriminator.get_layer("logit").input.shape[-1] == layer.input.shape[-1] + 7
        gan.compile()
        with pytest.raises(ValueError, match="at least 2 samples per replica"):
            gan.check_batch_size(1)


# ------------------------------------------------------ virtual batch norm
def _numpy_vbn(x, reference_size, gamma, beta, epsilon=1e-5):
    """Salimans et al. sec. 3.4: each example with the reference's statistics, weight 1/(R+1)."""
    axes = tuple(range(1, x.ndim - 1))
    reference = x[:reference_size]
    ref_mean = reference.mean(axis=(0,) + axes)
    ref_square = (reference ** 2).mean(axis=(0,) + axes)
    out = np.empty_like(x)
    for i, example in enumerate(x):
        if i < reference_size:
            mean, square = ref_mean, ref_square
        else:
            new = 1 / (reference_size + 1)
            mean = new * example.mean(axis=tuple(a - 1 for a in axes)) + (1 - new) * ref_mean
            square = new * (example ** 2).mean(axis=tuple(a - 1 for a in axes)) + (1 - new) * ref_square
        out[i] = (example - mean) / np.sqrt(square - mean ** 2 + epsilon) * gamma + beta
    return out


@pytest.mark.parametrize("shape", [(9, 5), (9, 4, 4, 3)])
def test_virtual_batch_normalization_matches_numpy(shape):
    x = np.random.default_rng(0).normal(1.0, 2.0, size=shape).astype("float32")
    layer = layers.VirtualBatchNormalization(reference_size=4)
    layer.build(shape)
    layer.gamma.assign(np.linspace(0.5, 2, shape[-1]))
    layer.beta.assign(np.linspace(-1, 1, shape[-1]))
    expected = _numpy_vbn(x.astype("float64"), 4, layer.gamma.numpy(), layer.beta.numpy())
    np.testing.assert_allclose(layer(x, training=True), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer(x, training=False), layer(x, training=True))


def test_a_virtual_batch_norm_generator_makes_each_sample_from_its_own_noise_only():
    gan = DCGAN(**SMALL, virtual_batch_norm=True, reference_batch_size=6)
    assert not any(isinstance(layer, keras.layers.BatchNormalization)
                   for layer in gan.generator._flatten_layers())
    z = np.random.default_rng(2).normal(size=(5, 8)).astype("float32")
    together = gan.G(z, training=True).numpy()
    apart = np.concatenate([gan.G(z[i:i + 1], training=True).numpy() for i in range(5)])
    np.testing.assert_allclose(together, apart, atol=1e-5)
    reference = gan.generator.get_layer("reference_batch").reference
    assert reference.shape == (6, 8) and not reference.trainable


def test_virtual_batch_norm_layers_round_trip():
    for layer in (layers.VirtualBatchNormalization(5, epsilon=1e-3), layers.ReferenceBatch(3, seed=4),
                  layers.DropReference(3)):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


# ------------------------------------------------------------- real batches
def test_the_discriminator_sees_k_new_real_minibatches_per_generator_step():
    k, m, steps = 3, 4, 2
    seen = tf.Variable(tf.zeros([steps * k]), trainable=False)

    class Recording(VanillaGAN):
        def discriminator_step(self, real, labels, per_example_loss):
            index = tf.cast(tf.reshape(self.d_optimizer.iterations, [1, 1]), tf.int32)
            seen.assign(tf.tensor_scatter_nd_update(seen, index, [tf.reduce_mean(real)]))
            return super().discriminator_step(real, labels, per_example_loss)

    numbered = tf.data.Dataset.range(100).map(
        lambda i: tf.fill([m, 28, 28, 1], tf.cast(i, tf.float32) / 100.0))
    gan = Recording(networks.mlp_generator(8, units=(16,)), networks.mlp_discriminator(units=(16,)),
                    discriminator_steps=k)
    gan.compile(steps_per_execution=2)
    gan.fit(numbered, steps_per_epoch=steps, verbose=0)
    np.testing.assert_allclose(seen.numpy() * 100, np.arange(steps * k), atol=1e-4)

    seen.assign(tf.zeros([steps * k]))
    reusing = Recording(networks.mlp_generator(8, units=(16,)),
                        networks.mlp_discriminator(units=(16,)), discriminator_steps=k,
                        reuse_real_batch=True)
    reusing.compile()
    reusing.fit(numbered, steps_per_epoch=steps, verbose=0)
    np.testing.assert_allclose(seen.numpy() * 100, np.repeat(np.arange(steps), k), atol=1e-4)


def test_an_epoch_of_arrays_is_one_pass_over_them_in_steps_of_k_minibatches():
    gan = WGAN(**SMALL, discriminator_steps=5)
    gan.compile()
    history = gan.fit(_images(100), batch_size=4, epochs=2, verbose=0)
    assert len(history.history["d_loss"]) == 2
    assert gan.steps_trained == 2 * (100 // (5 * 4))
    assert int(gan.d_optimizer.iterations) == 5 * gan.steps_trained


# ------------------------------------------------------------ composition
ALL = dict(feature_matching=1.0, generator_ema=0.99, instance_noise=0.1, r1_gamma=1.0,
           historical_averaging=0.01, minibatch_discrimination=True)


@pytest.mark.parametrize("cls, options", [
    (DCGAN, dict(ALL, real_label=0.9, discriminator_steps=2)),
    (DCGAN, dict(diff_augment="translation,cutout", translation_fraction=0.25,
                 cutout_fraction=0.3, generator_ema=0.99)),
    (DCGAN, dict(virtual_batch_norm=True, reference_batch_size=4, generator_ema=0.99)),
    (ConditionalDCGAN, dict(ALL, real_label=0.9)),
    # The critics at k = 2, not 5: each k is another traced copy of the critic update.
    (WGAN, dict(ALL, discriminator_steps=2)),
    (WGANGP, dict(ALL, virtual_batch_norm=True, reference_batch_size=4, discriminator_steps=2)),
])
def test_every_option_round_trips_through_a_keras_file_and_training_continues(cls, options,
                                                                              tmp_path):
    gan = cls(**SMALL, **options)
    gan.compile()
    fit_data = (_images(), _labels()) if gan.conditional else (_images(),)
    gan.fit(*fit_data, batch_size=4, verbose=0)
    gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    assert [type(t) for t in restored.techniques] == [type(t) for t in gan.techniques]
    for technique, loaded in zip(gan.techniques, restored.techniques):
        assert loaded.get_config() == technique.get_config()
    assert len(restored.weights) == len(gan.weights)
    for a, b in zip(gan.weights, restored.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    steps = restored.steps_trained
    restored.fit(*fit_data, batch_size=4, verbose=0)
    assert restored.steps_trained > steps
    assert all(np.isfinite(w.numpy()).all() for w in restored.weights)


def test_generator_ema_is_exported():
    from keras_gans.export import serving_functions

    gan = Toy1DGAN(generator_ema=0.9)
    gan.compile()
    gan.fit(np.full((40, 1), 4.0, "float32"), batch_size=8, verbose=0)
    serve, _ = serving_functions(gan)["serving_default"]
    z = gan.sample_noise(4)
    np.testing.assert_allclose(serve(z)["samples"], gan.averaged_generator(z, training=False))


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize("options, message", [
    (dict(feature_matching=1.0, feature_layer="conv9"),
     r"feature_layer to name a layer of the discriminator, one of \['image', .*'logit'\]; "
     r"received 'conv9'"),
    (dict(virtual_batch_norm=True, reference_batch_size=1), "reference_batch_size >= 2, received 1"),
    (dict(instance_noise=-0.1), "instance_noise >= 0, received -0.1"),
    (dict(historical_averaging=-1.0), "historical_averaging >= 0, received -1.0"),
    (dict(r1_gamma=float("nan")), "r1_gamma to be a finite number"),
    (dict(feature_matching=-2), "feature_matching >= 0, received -2"),
    (dict(generator_ema=1.0), r"generator_ema > 0 and < 1 or None, received 1.0"),
    (dict(real_label=0.4), r"real_label > 0.5 and <= 1, received 0.4"),
    (dict(minibatch_discrimination=True, minibatch_kernels=0), "minibatch_kernels >= 1"),
    (dict(instance_noise=0.1, instance_noise_steps=2.5), "instance_noise_steps to be an integer"),
    (dict(diff_augment="color"), r"diff_augment in \('', 'translation', 'cutout', "
     r"'translation,cutout'\), received 'color'"),
    (dict(diff_augment="cutout", cutout_fraction=0.0), "cutout_fraction > 0 and <= 1"),
    (dict(rejection_sampling=True, rejection_shift=11.0),
     r"rejection_shift >= -10 and <= 10, received 11.0"),
])
def test_invalid_settings_are_refused_before_any_step(options, message):
    with pytest.raises(ValueError, match=message):
        DCGAN(**SMALL, **options)


@pytest.mark.parametrize("options, message", [
    (dict(instance_noise_steps=500), r"instance_noise_steps=500 given without instance_noise, so "
     r"instance_noise .* is off and ignores it; set instance_noise to use it"),
    (dict(rejection_shift=1.0), r"rejection_shift=1.0 given without rejection_sampling"),
])
def test_an_option_given_without_its_technique_is_ignored_with_a_warning(options, message):
    with pytest.warns(UserWarning, match=message):
        gan = DCGAN(**SMALL, **options)
    assert gan.techniques == ()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DCGAN(**SMALL, instance_noise_steps=2000)  # at its default
        DCGAN(**SMALL, instance_noise=0.1, instance_noise_steps=500)  # the technique on
        for on in (False, True):  # a loop switching it explicitly: deliberate
            DCGAN(**SMALL, virtual_batch_norm=on, reference_batch_size=4)


@pytest.mark.parametrize("cls, options, message", [
    (WGAN, dict(real_label=0.9), "label_smoothing .* does not apply to WGAN: its discriminator loss "
     "is not the logistic"),
    (ConditionalDCGAN, dict(virtual_batch_norm=True), "virtual_batch_norm .* does not apply to "
     "ConditionalDCGAN: its generator is conditional"),
])
def test_a_technique_that_does_not_apply_is_refused(cls, options, message):
    with pytest.raises(ValueError, match=message):
        cls(**SMALL, **options)


def test_diff_augment_needs_images():
    with pytest.raises(ValueError, match=r"diff_augment .* does not apply to Toy1DGAN: it "
                       r"augments images .* samples have shape \(None, 1\)"):
        Toy1DGAN(diff_augment="translation")


def test_virtual_batch_norm_needs_batch_norm_in_the_generator():
    gan = VanillaGAN(networks.mlp_generator(8, units=(16,)), networks.mlp_discriminator(units=(16,)))
    assert gan.techniques == ()
    with pytest.raises(ValueError, match="has no batch normalization to replace"):
        VanillaGAN(networks.mlp_generator(8, units=(16,)), networks.mlp_discriminator(units=(16,)),
                   virtual_batch_norm=True)


# --------------------------------------------------------- declarations
def test_every_technique_declares_documented_options():
    names = set()
    for cls in techniques.techniques().values():
        assert cls.name and cls.paper and cls.summary and cls.__doc__
        assert cls.options and all(option.help for option in cls.options)
        for option in cls.options:
            assert option.name not in names, f"two techniques declare {option.name}"
            names.add(option.name)
            assert option.check(option.default) == option.default
    assert techniques.describe().count("\n") == len(names) + 1


def test_cli_flags_are_derived_from_the_declarations():
    from keras_gans.cli import build_parser

    parser = build_parser()
    for variant in VARIANTS.values():
        text = parser.parse_args(["train", variant.name, "--paper"])
        for _, option in techniques.applicable_options(variant.model_class):
            assert hasattr(text, option.name), (variant.name, option.name)
    wgan = vars(parser.parse_args(["train", "wgan"]))
    assert "real_label" not in wgan and "r1_gamma" in wgan  # no logistic loss, no smoothing
    assert "virtual_batch_norm" not in vars(parser.parse_args(["train", "cdcgan"]))


def test_the_tuner_searches_technique_weights_on_their_declared_ranges():
    import keras_tuner

    from keras_gans.tuning import GANHyperModel

    hypermodel = GANHyperModel("dcgan", {"latent_dim": 8, "filters": 4},
                               tune_techniques=("feature_matching", "r1_gamma"))
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    assert {"feature_matching", "r1_gamma"} <= set(hp.values)
    low, high = techniques.all_options()["r1_gamma"][1].search
    assert low <= hp.values["r1_gamma"] <= high
    by_name = {type(t).__name__: t for t in model.techniques}
    assert by_name["R1Penalty"].r1_gamma == hp.values["r1_gamma"]
    assert by_name["FeatureMatching"].feature_matching == hp.values["feature_matching"]
    with pytest.raises(ValueError, match="one of .*received 'generator_ema'"):
        GANHyperModel("dcgan", tune_techniques=("generator_ema",))


def test_recipes_build_and_paper_is_the_model_classes_defaults():
    from keras_gans import variants

    recipe = variants.build("dcgan", latent_dim=8, filters=4)
    paper = variants.build("dcgan", paper=True, latent_dim=8, filters=4)
    assert [type(t).__name__ for t in recipe.techniques] == ["GeneratorEMA"]
    assert paper.techniques == ()
    # InfoGAN's fully connected layers (G 256, D 1024) in the recipe; none in the paper's.
    assert recipe.discriminator.get_layer("features").output.shape == (None, 1024)
    assert paper.discriminator.get_layer("features").output.shape == (None, 7 * 7 * 8)
    assert [layer.units for layer in recipe.generator.layers if hasattr(layer, "units")][0] == 256
    assert float(recipe.g_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(paper.g_optimizer.learning_rate) == pytest.approx(2e-4)
    # Every recipe is valid for its variant, and a recipe's cosine learning-rate decay ends where
    # its variant's default run (--steps) does.
    decays = {}
    for name, variant in variants.VARIANTS.items():
        model = variants.build(name, **({"latent_dim": 8} if variant.data == "images" else {}))
        for optimizer in (model.d_optimizer, model.g_optimizer):
            schedule = getattr(optimizer, "_learning_rate", None)
            if isinstance(schedule, keras.optimizers.schedules.CosineDecay):
                decays[name] = schedule.decay_steps
                assert schedule.decay_steps == variant.steps, name
                assert float(schedule(variant.steps)) == pytest.approx(
                    0.01 * float(schedule(0)), rel=1e-5)
    assert {"dcgan", "wgan_gp", "mixture_gan"} <= set(decays)
    with pytest.raises(ValueError, match="Expected the run's number of steps"):
        variants.adam(cosine_decay=True)()
    d_rmsprop, g_rmsprop = variants.rmsprop(1e-4, 3e-4, cosine_decay=True)(100)
    assert isinstance(g_rmsprop, keras.optimizers.RMSprop)
    assert float(g_rmsprop._learning_rate(0)) == pytest.approx(3e-4)
    assert float(d_rmsprop._learning_rate(100)) == pytest.approx(1e-6)


def test_switching_a_recipe_technique_off_drops_its_other_options_silently():
    from keras_gans import cli, variants

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "rejection_shift set while ... is off"
        on = variants.build("vanilla", compile=False)
        off = variants.build("vanilla", compile=False, rejection_sampling=False)
    config = on.get_config()
    assert (config["rejection_sampling"], config["rejection_shift"]) == (True, 1.0)
    assert "rejection_sampling" not in [t.name for t in off.techniques]
    args = cli.build_parser().parse_args(["train", "vanilla", "--no-rejection-sampling"])
    options = cli.model_options(args, VARIANTS["vanilla"])
    assert options["rejection_sampling"] is False and "rejection_shift" not in options
