"""Discriminator rejection sampling: its acceptance rule, what it samples, export, refusals."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import export, networks, variants
from keras_gans.models import WGANGP, ConditionalDCGAN, VanillaGAN
from keras_gans.techniques import rejection_sampling

# A 1-D "GAN" whose generator is the identity (p_g = N(0, 1)) and whose discriminator's logit is
# exactly log N(x; 0.5, 0.5^2) - log N(x; 0, 1) = -1.5 x^2 + 2 x - 0.5 + log 2: rejection sampling
# with it must draw from N(0.5, 0.5^2).
TARGET_MEAN, TARGET_STD = 0.5, 0.5


def _identity_generator():
    z = keras.Input((1,))
    dense = keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")
    return keras.Model(z, dense(z))


def _log_ratio_discriminator(quadratic=-1.5, linear=2.0, constant=-0.5 + np.log(2.0)):
    x = keras.Input((1,))
    features = keras.layers.Concatenate()([x, keras.layers.Multiply()([x, x])])
    logit = keras.layers.Dense(1)
    output = logit(features)
    logit.set_weights([np.array([[linear], [quadratic]], "float32"),
                       np.array([constant], "float32")])
    return keras.Model(x, output)


def _gan(discriminator=None, **options):
    gan = VanillaGAN(_identity_generator(), discriminator or _log_ratio_discriminator(), seed=3,
                     rejection_sampling=True, **options)
    gan.compile()
    return gan


def test_acceptance_is_exp_of_the_logit_below_its_maximum():
    logits = np.array([-3.0, -0.5, 0.0, 0.7, 2.5], "float32")
    expected = np.minimum(np.exp(logits - 0.7), 1.0)
    np.testing.assert_allclose(
        rejection_sampling.acceptance_probability(logits, 0.7).numpy(), expected, rtol=1e-6)


def test_the_shift_is_azadi_et_al_s_sigmoid_of_f_with_a_vanishing_epsilon():
    logits, bound, epsilon = np.array([-4.0, -1.0, -0.2, 0.0, 1.5]), 0.0, 1e-9
    for shift in (-1.0, 0.0, 0.7, 2.0):
        difference = np.minimum(logits - bound, 0.0)  # samples above the bound are kept
        f = difference - np.log(1.0 - np.exp(difference - epsilon)) - shift
        np.testing.assert_allclose(
            rejection_sampling.acceptance_probability(logits.astype("float32"), bound,
                                                      shift).numpy(),
            1.0 / (1.0 + np.exp(-f)), rtol=1e-5)


def test_a_positive_shift_keeps_fewer_more_concentrated_samples():
    # The kept density is N(x; 0, 1) * acceptance(x): its rate and mean by quadrature.
    gan = _gan(rejection_shift=1.5)
    samples = gan.generate(3000).numpy().ravel()
    x = np.linspace(-8.0, 8.0, 200_001)
    logit = -1.5 * x**2 + 2.0 * x - 0.5 + np.log(2.0)
    ratio = np.exp(np.minimum(logit - float(gan.rejection_max_logit), 0.0))
    kept = np.exp(-x**2 / 2) / np.sqrt(2 * np.pi) * ratio / (ratio + np.exp(1.5) * (1 - ratio))
    rate = np.trapezoid(kept, x)
    mean = np.trapezoid(x * kept, x) / rate
    std = np.sqrt(np.trapezoid((x - mean) ** 2 * kept, x) / rate)
    assert float(gan.rejection_acceptance_rate) == pytest.approx(rate, abs=0.02)
    assert rate < 0.3  # gamma = 0 keeps 0.42
    assert samples.mean() == pytest.approx(mean, abs=0.03)
    assert samples.std() == pytest.approx(std, abs=0.03)
    assert std < TARGET_STD - 0.05  # narrower than p_data: the shift trades spread for typicality
    assert json.loads(json.dumps(gan.get_config()))["rejection_shift"] == 1.5


def test_samples_follow_the_data_distribution_when_the_logit_is_the_log_density_ratio():
    gan = _gan()
    samples = gan.generate(4000).numpy().ravel()
    assert abs(samples.mean() - TARGET_MEAN) < 0.03
    assert abs(samples.std() - TARGET_STD) < 0.03
    # The bound is the ratio's maximum, -1.5 x^2 + 2 x + log 2 - 0.5 at x = 2/3, up to the
    # largest of 10,000 samples; G's samples are kept at the rate E_g[p / q] / exp(max) =
    # exp(-max) = 0.42.
    bound = 2 / 3 + np.log(2) - 0.5
    assert float(gan.rejection_max_logit) == pytest.approx(bound, abs=0.01)
    assert float(gan.rejection_acceptance_rate) == pytest.approx(np.exp(-bound), abs=0.02)
    # Without the technique G's own samples: N(0, 1).
    assert abs(VanillaGAN(_identity_generator(), _log_ratio_discriminator())
               .generate(4000).numpy().std() - 1.0) < 0.05


def test_the_bound_is_measured_again_after_training_and_saved_with_the_model(tmp_path):
    gan = _gan()
    gan.generate(1)
    assert int(gan.rejection_calibrated_at) == 0
    bound = float(gan.rejection_max_logit)
    gan.fit(np.random.default_rng(0).normal(0.5, 0.5, (64, 1)).astype("float32"), batch_size=16,
            verbose=0)
    assert gan.steps_trained == 4
    gan.generate(1)
    assert int(gan.rejection_calibrated_at) == 4
    assert float(gan.rejection_max_logit) != bound  # D moved: a new bound
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    restored = keras.models.load_model(path)
    assert [type(t).__name__ for t in restored.techniques] == ["DiscriminatorRejectionSampling"]
    assert float(restored.rejection_max_logit) == float(gan.rejection_max_logit)
    assert int(restored.rejection_calibrated_at) == 4


def test_the_exported_generate_signature_rejects_and_is_seeded(tmp_path):
    gan = _gan()
    gan.fit(np.zeros((8, 1), "float32"), batch_size=8, verbose=0)  # exports need a trained model
    gan.generator.set_weights(_identity_generator().get_weights())  # undo the step
    gan.discriminator.set_weights(_log_ratio_discriminator().get_weights())
    path = export.export_generator(gan, str(tmp_path / "export"), warmup=False)
    loaded = tf.saved_model.load(path)
    generate = loaded.signatures["generate"]
    first = generate(num_samples=tf.constant(3000), seed=tf.constant(7, tf.int64))
    again = generate(num_samples=tf.constant(3000), seed=tf.constant(7, tf.int64))
    np.testing.assert_array_equal(first["samples"], again["samples"])
    samples = first["samples"].numpy().ravel()
    assert samples.shape == (3000,)
    assert abs(samples.mean() - TARGET_MEAN) < 0.04 and abs(samples.std() - TARGET_STD) < 0.04
    np.testing.assert_allclose(first["z"].numpy().ravel(), samples, atol=1e-6)  # G is the identity
    # serving_default maps the codes it is given, without rejection.
    z = np.linspace(-3, 3, 7, dtype="float32")[:, None]
    np.testing.assert_allclose(loaded.signatures["serving_default"](z=z)["samples"], z, atol=1e-6)
    with open(os.path.join(path, "assets.extra", "model.json"), encoding="utf-8") as file:
        info = json.load(file)["rejection_sampling"]
    assert info["max_logit"] == pytest.approx(float(gan.rejection_max_logit))


def test_a_discriminator_that_rejects_almost_everything_stops_with_a_clear_error():
    # A logit of 1000 x keeps only samples within a few thousandths of the largest of the
    # calibration draws: far below one sample in a thousand.
    gan = _gan(_log_ratio_discriminator(quadratic=0.0, linear=1000.0, constant=0.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="D rejects almost every"):
        gan.generate(5)


def test_a_quantile_bound_keeps_its_share_where_the_maximum_keeps_almost_nothing():
    # The D of the test above: with l_max the 0.9-quantile of the calibration logits instead of
    # their maximum, every sample above it is kept (a tenth of them), and those below it at
    # exp(l - l_max) = exp(1000 (x - x_0.9)), nearly none.
    gan = _gan(_log_ratio_discriminator(quadratic=0.0, linear=1000.0, constant=0.0),
               rejection_quantile=0.9)
    samples = gan.generate(500).numpy().ravel()
    x_09 = 1.2816  # the 0.9-quantile of N(0, 1), G's samples
    assert float(gan.rejection_max_logit) == pytest.approx(1000 * x_09, rel=0.03)
    assert float(gan.rejection_acceptance_rate) == pytest.approx(0.1, abs=0.01)
    assert samples.min() > x_09 - 0.05  # what is kept is the tail above the bound
    technique, = gan.techniques
    assert technique.sampling_metadata(gan)["rejection_sampling"]["quantile"] == 0.9
    assert json.loads(json.dumps(gan.get_config()))["rejection_quantile"] == 0.9
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match=f"rejection_quantile.*received {bad}"):
            _gan(rejection_quantile=bad)


def test_the_quantile_is_the_nearest_rank_one():
    logits = np.random.default_rng(0).normal(size=999).astype("float32")
    for quantile in (1.0, 0.99, 0.5, 0.001):
        assert rejection_sampling.logit_quantile(logits, quantile).numpy() == np.quantile(
            logits, quantile, method="inverted_cdf")


@pytest.mark.parametrize("build, message", [
    (lambda: ConditionalDCGAN(latent_dim=8, filters=4, rejection_sampling=True),
     "a conditional D would need a bound"),
    (lambda: VanillaGAN(networks.mlp_generator(8, units=(16,)),
                        networks.mlp_discriminator(units=(16,)), packing=2,
                        rejection_sampling=True),
     "does not apply with packing: .*expected packing=1"),
    (lambda: VanillaGAN(networks.mlp_generator(8, units=(16,)),
                        networks.mlp_discriminator(units=(16,)), real_label=0.9,
                        rejection_sampling=True), "expected real_label=1.0"),
])
def test_rejection_sampling_is_refused_where_the_logit_is_not_a_density_ratio(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_platt_scaling_recovers_the_log_ratio_of_two_gaussians_of_one_variance():
    # real ~ N(mu_r, v), fake ~ N(mu_f, v):
    # log p_r / p_f = (mu_r - mu_f) / v s + (mu_f^2 - mu_r^2) / (2 v).
    rng = np.random.default_rng(1)
    for mu_real, mu_fake, std in ((2.0, 0.5, 0.5), (-1.0, 1.0, 1.0), (0.3, 0.2, 0.05)):
        scale, offset = rejection_sampling.platt_scaling(
            rng.normal(mu_real, std, 40_000), rng.normal(mu_fake, std, 60_000))
        variance = std**2
        assert scale == pytest.approx((mu_real - mu_fake) / variance, rel=0.03)
        assert offset == pytest.approx((mu_fake**2 - mu_real**2) / (2 * variance),
                                       rel=0.03, abs=0.05)


def test_platt_scaling_stays_finite_on_separable_scores_and_refuses_too_few():
    scale, offset = rejection_sampling.platt_scaling([1.0, 1.1, 1.2], [-1.0, -1.1, -1.2])
    assert np.isfinite([scale, offset]).all() and scale > 5  # steep, real above
    with pytest.raises(ValueError, match="at least 2 real and 2 generated.*received 1 and 3"):
        rejection_sampling.platt_scaling([1.0], [0.0, 1.0, 2.0])


def _critic_gan(**options):
    """A WGAN-GP whose "critic" scores x by 3 log(p_data / p_g) + 5: no log ratio uncalibrated."""
    critic = _log_ratio_discriminator(quadratic=3 * -1.5, linear=3 * 2.0,
                                      constant=3 * (-0.5 + np.log(2.0)) + 5.0)
    gan = WGANGP(_identity_generator(), critic, seed=3, rejection_sampling=True, **options)
    gan.compile()
    return gan


def _real(count, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(TARGET_MEAN, TARGET_STD, (count, 1)).astype("float32")


def test_a_critic_calibrated_on_real_samples_draws_from_the_data_distribution(tmp_path):
    gan = _critic_gan()
    with pytest.raises(ValueError, match=r"calibrates its critic's score on real samples.*"
                                         r"set_sampling_reference\(real_samples\)"):
        gan.generate(5)
    gan.set_sampling_reference(_real(5000))
    assert gan.sampling_reference.shape == (rejection_sampling.REFERENCE_SAMPLES, 1)
    samples = gan.generate(4000).numpy().ravel()
    # Platt's a s + b undoes the critic's scale and shift: a = 1/3, b = -5/3.
    assert float(gan.rejection_scale) == pytest.approx(1 / 3, rel=0.1)
    assert float(gan.rejection_offset) == pytest.approx(-5 / 3, rel=0.1)
    assert abs(samples.mean() - TARGET_MEAN) < 0.04 and abs(samples.std() - TARGET_STD) < 0.04
    # Uncalibrated, exp(s - s_max) of this critic would keep N(0.6, 0.32^2): N(0, 1) (p / q)^3.
    path = export.export_generator(gan, str(tmp_path / "export"), warmup=False,
                                   allow_untrained=True)
    served = tf.saved_model.load(path).signatures["generate"](
        num_samples=tf.constant(3000), seed=tf.constant(7, tf.int64))["samples"].numpy().ravel()
    assert abs(served.mean() - TARGET_MEAN) < 0.04 and abs(served.std() - TARGET_STD) < 0.04
    with open(os.path.join(path, "assets.extra", "model.json"), encoding="utf-8") as file:
        calibration = json.load(file)["rejection_sampling"]["calibration"]
    assert calibration["scale"] == pytest.approx(float(gan.rejection_scale))


def test_fit_keeps_the_first_real_samples_calibrates_and_the_file_keeps_the_calibration(tmp_path):
    real = _real(3000, seed=2)
    stream = tf.data.Dataset.from_tensor_slices(real).batch(100)
    gan = _critic_gan()
    gan.fit(stream, epochs=1, steps_per_epoch=2, verbose=0)
    # The first 2,048 rows of the data, read by one pass. fit() does not calibrate (a loop of
    # short fit() calls would pay for it each time); saving does, for the step fit() ended at.
    np.testing.assert_array_equal(gan.sampling_reference,
                                  real[:rejection_sampling.REFERENCE_SAMPLES])
    assert int(gan.rejection_calibrated_at) != gan.steps_trained == 2
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    assert int(gan.rejection_calibrated_at) == 2
    restored = keras.models.load_model(path)
    assert restored.sampling_reference is None
    for name in ("rejection_scale", "rejection_offset", "rejection_max_logit"):
        assert float(getattr(restored, name)) == float(getattr(gan, name)), name
    keras.utils.set_random_seed(4)
    drawn = restored.generate(50).numpy()  # needs no real samples: the calibration was saved
    keras.utils.set_random_seed(4)
    np.testing.assert_array_equal(drawn, gan.generate(50).numpy())
    with pytest.raises(ValueError, match=r"Expected real samples of shape \(n, 1\).*\(4, 2\)"):
        gan.set_sampling_reference(np.zeros((4, 2)))


def test_a_logistic_d_is_not_calibrated_and_fit_keeps_no_real_samples():
    gan = _gan()
    gan.fit(_real(64), batch_size=16, verbose=0)
    assert gan.sampling_reference is None and not hasattr(gan, "rejection_scale")


def test_a_trained_model_rebuilt_with_rejection_sampling_keeps_its_networks_and_steps(tmp_path):
    """bench/build_saved_models.py gives a checkpoint trained before its recipe sampled by
    rejection the technique without retraining: same networks, same steps, calibrated."""
    from conftest import load_bench_script

    small = dict(latent_dim=8, filters=4, embedding_units=8, generator_dense_units=None)
    trained = variants.build("ebgan", **small)
    trained.fit(np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype("float32"),
                batch_size=16, verbose=0)
    rebuilt = load_bench_script("build_saved_models").rebuilt(
        trained, "ebgan", "mnist", rejection_sampling=True, rejection_quantile=0.5, **small)
    z = np.random.default_rng(1).normal(size=(4, 8)).astype("float32")
    np.testing.assert_array_equal(rebuilt.sample(z), trained.sample(z))  # the averaged G
    np.testing.assert_array_equal(rebuilt.D(rebuilt.sample(z), training=False),
                                  trained.D(trained.sample(z), training=False))
    assert rebuilt.steps_trained == trained.steps_trained == 2
    rebuilt.set_sampling_reference(np.zeros((10, 28, 28, 1), "float32"))
    assert rebuilt.generate(3).shape == (3, 28, 28, 1)
    assert int(rebuilt.rejection_calibrated_at) == 2
