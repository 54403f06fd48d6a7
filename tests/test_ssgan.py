"""The semi-supervised GAN of Salimans et al. (2016, sec. 5)."""

import keras
import numpy as np
import pytest
import tensorflow_datasets as tfds

from keras_gans import data, losses, networks
from keras_gans.layers import WeightNormDense
from keras_gans.models import SemiSupervisedGAN


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_the_k_plus_1_losses_against_their_formulas():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 4))
    labels = np.array([2, -1, 0, -1, 3, 1])
    z = np.exp(logits).sum(axis=1)  # D(x) = Z / (Z + 1): the fake class's logit is 0
    expected = np.where(labels >= 0, -np.log(_softmax(logits)[np.arange(6), np.maximum(labels, 0)]),
                        -np.log(z / (z + 1)))
    np.testing.assert_allclose(losses.semi_supervised_real_loss(logits, labels), expected, rtol=1e-5)
    np.testing.assert_allclose(losses.semi_supervised_fake_loss(logits), -np.log(1 / (z + 1)),
                               rtol=1e-5)


def test_the_discriminator_loss_is_supervised_plus_weighted_unsupervised():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(8, 4)), rng.normal(size=(8, 4))
    labels = np.array([-1, -1, -1, -1, 2, 0, 3, 1])
    real_z, fake_z = np.exp(real).sum(axis=1), np.exp(fake).sum(axis=1)
    supervised = -np.log(_softmax(real[4:])[np.arange(4), labels[4:]]).mean()
    unsupervised = -np.log(real_z[:4] / (real_z[:4] + 1)).mean() - np.log(1 / (fake_z + 1)).mean()
    for weight in (1.0, 0.5, 0.0):
        per_example = losses.semi_supervised_discriminator_loss(real, labels, fake, weight)
        np.testing.assert_allclose(np.mean(per_example), supervised + weight * unsupervised,
                                   rtol=1e-5)


def test_the_model_trains_d_on_its_unsupervised_weight():
    images, labels = _batch()
    d_losses = {}
    for weight in (0.0, 0.5, 1.0):  # the same seed: the same networks, noise and fakes
        keras.utils.set_random_seed(0)
        gan = _tiny(unsupervised_weight=weight, seed=0)
        gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0))
        d_losses[weight] = gan.fit(images, labels, batch_size=16, verbose=0).history["d_loss"][0]
    assert d_losses[1.0] > d_losses[0.0] + 0.1  # the unsupervised terms are in it
    np.testing.assert_allclose(d_losses[0.5], (d_losses[0.0] + d_losses[1.0]) / 2, rtol=1e-4)
    assert SemiSupervisedGAN.from_config(gan.get_config()).unsupervised_weight == 1.0
    with pytest.raises(ValueError, match="Expected unsupervised_weight >= 0, received -1"):
        _tiny(unsupervised_weight=-1)


def _tiny(**options):
    return SemiSupervisedGAN(num_classes=10, latent_dim=8, filters=4, **options)


def _batch():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    labels = np.concatenate([np.full(8, -1), rng.integers(0, 10, 8)]).astype("int32")
    return images, labels


def test_ssgan_trains_classifies_and_round_trips(tmp_path):
    gan = _tiny()
    gan.compile()
    images, labels = _batch()
    gan.fit(images, labels, batch_size=16, epochs=2, verbose=0)
    probabilities = gan.classify(images[:3]).numpy()
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert [t.name for t in gan.techniques] == ["feature_matching"]  # the paper's G
    gan.save(tmp_path / "ssgan.keras")
    restored = keras.models.load_model(tmp_path / "ssgan.keras")
    np.testing.assert_allclose(restored.classify(images[:3]), probabilities, atol=1e-6)
    restored.fit(images, labels, batch_size=16, verbose=0)
    assert restored.steps_trained == 3


def test_the_supervised_term_moves_the_classifier_toward_the_labels():
    gan = _tiny(feature_matching=0.0, feature_matching_only=False)
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    rng = np.random.default_rng(1)
    images = rng.uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    labels = np.concatenate([np.full(8, -1), np.arange(8) % 10]).astype("int32")
    before = gan.classify(images[8:]).numpy()[np.arange(8), labels[8:]].mean()
    gan.fit(images, labels, batch_size=16, epochs=30, verbose=0)
    after = gan.classify(images[8:]).numpy()[np.arange(8), labels[8:]].mean()
    assert after > max(0.25, 2 * before)  # from chance (0.1); without the supervised term it stays there


@pytest.mark.parametrize("labels, message", [
    (None, "needs labels"),
    (np.full(16, 10, "int32"), r"in \[0, 10\) or -1 \(unlabelled\), received int32 labels in \[10, 10\]"),
    (np.full(16, -2, "int32"), r"received int32 labels in \[-2, -2\]"),
])
def test_bad_labels_are_refused_before_training(labels, message):
    gan = _tiny()
    gan.compile()
    with pytest.raises(ValueError, match=message):
        gan.fit(_batch()[0], labels, batch_size=16, verbose=0)
    assert gan.steps_trained == 0


def test_the_semi_supervised_stream_is_half_labelled_from_a_fixed_labelled_set():
    with tfds.testing.mock_data(num_examples=300):
        stream, labelled = data.semi_supervised_images("mnist", labels_per_class=2, batch_size=8,
                                                       num_train=300, seed=0)
        batches = list(stream.take(6))
    assert len(labelled) == 20
    for images, labels in batches:
        assert images.shape == (16, 28, 28, 1)
        assert np.all(labels[:8] == -1) and np.all(labels[8:] >= 0)


def test_the_classifier_exports_with_a_classify_signature(tmp_path, serve):
    gan = _tiny()
    gan.compile()
    images, labels = _batch()
    gan.fit(images, labels, batch_size=16, verbose=0)
    path = gan.export_generator(str(tmp_path / "ssgan_mnist"), {"dataset": "mnist"})
    report, arrays = serve(path, [{"signature": "classify", "inputs": {"images": images[:4].tolist()}}])
    assert "classify" in report["signatures"]
    np.testing.assert_allclose(arrays["0/probabilities"], gan.classify(images[:4]), atol=1e-5)


def test_ssgan_trains_from_the_cli_with_its_test_error(tmp_path, capsys):
    import json

    from keras_gans import cli

    with tfds.testing.mock_data(num_examples=300):
        assert cli.main(["train", "ssgan", "--labels-per-class", "2", "--steps", "4", "--epochs", "2",
                         "--batch-size", "8", "--latent-dim", "8", "--seed", "0",
                         "--steps-per-execution", "2", "--output", str(tmp_path / "run"),
                         "--export-dir", str(tmp_path / "export"), "--verbose", "0"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["variant"] == "ssgan" and summary["steps"] == 4
    assert 0.0 <= summary["metrics"]["val_error"] <= 1.0
    with open(tmp_path / "export" / "1" / "assets.extra" / "model.json", encoding="utf-8") as file:
        info = json.load(file)
    assert info["signatures"]["classify"] == ["images"] and len(info["label_names"]) == 10


def test_the_weight_norm_layer_against_numpy_and_its_data_dependent_init():
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, (64, 5)).astype("float32")
    layer = WeightNormDense(4, trainable_scale=False)
    layer(x)
    v = layer.kernel.numpy()
    g, b = rng.uniform(0.5, 1.5, 4).astype("float32"), rng.normal(size=4).astype("float32")
    layer.scale.assign(g)
    layer.bias.assign(b)
    expected = x @ (v * g / np.sqrt(1e-6 + (v ** 2).sum(axis=0))) + b  # y = x (g v / ||v||) + b
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-5)
    # Data-dependent initialization (Salimans & Kingma 2016, sec. 3): the batch's outputs get
    # zero mean and unit variance, and the layer keeps the scale and bias that give them.
    returned = layer.initialize(x).numpy()
    after = layer(x).numpy()
    np.testing.assert_allclose(after, returned, atol=1e-5)
    np.testing.assert_allclose(after.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(after.std(axis=0), 1.0, rtol=1e-4)
    # Once: a second call (a resumed or loaded layer) keeps the scale and bias it has.
    scale = layer.scale.numpy()
    layer.initialize(x[:8] * 10)
    np.testing.assert_array_equal(layer.scale.numpy(), scale)
    # The paper freezes the hidden layers' scales after the initialization; the output's trains.
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    output_layer = WeightNormDense(4)
    output_layer(x)
    assert [w.name for w in output_layer.trainable_weights] == ["kernel", "scale", "bias"]


def test_initialize_from_data_standardizes_every_weight_norm_layer_in_order():
    network = networks.weight_norm_discriminator(units=(16, 8), num_logits=3, input_noise=0.0,
                                                 hidden_noise=0.0)
    x = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    assert networks.initialize_from_data(network, x) == 3
    outputs, h = [], x
    for layer in network.layers:
        h = layer(h)
        if isinstance(layer, WeightNormDense):
            outputs.append(h.numpy())
    for output in outputs:  # each on what reaches it AFTER the layers before were initialized
        np.testing.assert_allclose(output.mean(axis=0), 0.0, atol=1e-4)
        np.testing.assert_allclose(output.std(axis=0), 1.0, rtol=1e-3)
    assert networks.initialize_from_data(network, x * 0.5) == 0
    assert networks.default_feature_layer(network) == "features"  # the ReLU, not its noise


def test_the_paper_networks_are_initialized_by_fit_and_round_trip(tmp_path):
    gan = SemiSupervisedGAN(architecture="mlp", latent_dim=8)
    gan.compile()
    images, labels = _batch()
    weight_norm = [layer for layer in gan.discriminator.layers
                   if isinstance(layer, WeightNormDense)]
    assert len(weight_norm) == 6 and not any(layer.initialized.numpy() for layer in weight_norm)
    gan.fit(images, labels, batch_size=16, epochs=2, verbose=0)  # feature matching on a Sequential D
    assert all(layer.initialized.numpy() == 1 for layer in weight_norm)
    probabilities = gan.classify(images[:3]).numpy()
    gan.save(tmp_path / "ssgan.keras")
    restored = keras.models.load_model(tmp_path / "ssgan.keras")
    assert restored.architecture == "mlp"
    np.testing.assert_allclose(restored.classify(images[:3]), probabilities, atol=1e-6)
    weights = restored.discriminator.get_weights()
    restored.initialize_from_data(images * 0.1)  # what fit() does first: a no-op now
    for before, after in zip(weights, restored.discriminator.get_weights()):
        np.testing.assert_array_equal(after, before)
    restored.fit(images, labels, batch_size=16, verbose=0)
    assert restored.steps_trained == 3


def test_the_initialization_reaches_a_discriminator_rebuilt_by_a_technique():
    # Minibatch discrimination rebuilds D around its layers (a functional model, not the
    # Sequential one): fit() must still initialize every weight-normalized layer in it.
    gan = SemiSupervisedGAN(architecture="mlp", latent_dim=8, minibatch_discrimination=True)
    gan.compile()
    assert not isinstance(gan.discriminator, keras.Sequential)
    images, labels = _batch()
    gan.fit(images, labels, batch_size=16, verbose=0)
    flags = [float(layer.initialized.numpy()) for layer in gan.discriminator.layers
             if isinstance(layer, WeightNormDense)]
    assert flags == [1.0] * 6


def test_an_unknown_architecture_is_refused():
    with pytest.raises(ValueError, match=r"architecture to be one of \('conv', 'mlp'\), "
                                         r"received 'resnet'"):
        SemiSupervisedGAN(architecture="resnet")


def test_the_conv_networks_sizes_are_refused_with_the_papers_mlp():
    from keras_gans import cli

    with pytest.raises(ValueError, match=r"no filters or discriminator_dense_units with "
                                         r"architecture='mlp'.*received \{'filters': 32, "
                                         r"'discriminator_dense_units': 128\}"):
        SemiSupervisedGAN(architecture="mlp", filters=32, discriminator_dense_units=128)
    assert SemiSupervisedGAN(architecture="conv", latent_dim=8, filters=4).discriminator \
        .get_layer(index=1).filters == 4
    with pytest.raises(SystemExit, match="no filters with architecture='mlp'"):
        cli.main(["train", "ssgan", "--filters", "32", "--steps", "1"])  # the recipe is the MLP


def test_a_split_asking_more_labels_than_a_class_has_names_the_class_and_its_count():
    with pytest.raises(ValueError, match="at least 3 examples of each of the 2 classes, "
                                         "received 2 of class 1"):
        data.split_labelled([0, 0, 0, 1, 1], 3, num_classes=2)


def test_the_benchmark_table_never_averages_rows_of_two_recipes():
    from conftest import load_bench_script

    bench = load_bench_script("semi_supervised")
    row = {"labels": 100, "steps": 4000, "seconds": 1.0, "baseline_seconds": 1.0}
    rows = [{**row, "seed": 0, "error": 0.10, "baseline_error": 0.20},  # written before rows named theirs
            {**row, "seed": 1, "error": 0.12, "baseline_error": 0.22},
            {**row, "seed": 0, "error": 0.05, "baseline_error": 0.20, "recipe": bench.recipe()}]
    lines = bench.table(rows).splitlines()[2:]
    assert len(lines) == 2
    by_recipe = {line.split(" | ")[0].lstrip("| "): line for line in lines}
    assert "| 2 | 4000 | 11.00 ± 1.41 % |" in by_recipe[bench.EARLIER_RECIPE]
    assert "| 1 | 4000 | 5.00 ± 0.00 % | 20.00 ± 0.00 % | 4.0x |" in by_recipe[bench.recipe()]
    assert "r1_gamma=1.0" in bench.recipe()  # the recipe R1 entered; the earlier one had none
    assert "r1_gamma" not in bench.EARLIER_RECIPE
