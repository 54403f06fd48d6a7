"""Discriminator rejection sampling: its acceptance rule, what it samples, export, refusals."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import export, networks
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
    (lambda: WGANGP(latent_dim=8, filters=4, rejection_sampling=True),
     "does not apply to WGANGP: rejection sampling reads D's logit as log p_data / p_g"),
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
