"""keras_gans.latent: interpolation, vector arithmetic, neighbours, reconstructions."""

import numpy as np
import pytest

from keras_gans import latent, networks
from keras_gans.models import BiGAN, DCGAN


def test_linear_interpolation_is_the_straight_path_with_both_ends():
    z0, z1 = np.array([0.0, 2.0]), np.array([4.0, -2.0])
    path = latent.interpolate(z0, z1, steps=5)
    np.testing.assert_allclose(path[0], z0)
    np.testing.assert_allclose(path[-1], z1)
    np.testing.assert_allclose(path[2], (z0 + z1) / 2)
    assert path.dtype == np.float32 and path.shape == (5, 2)


def test_slerp_keeps_the_norm_of_equal_norm_ends_where_the_line_does_not():
    rng = np.random.default_rng(0)
    z0, z1 = rng.normal(size=100), rng.normal(size=100)
    z1 *= np.linalg.norm(z0) / np.linalg.norm(z1)
    spherical = latent.interpolate(z0, z1, steps=9, method="spherical")
    straight = latent.interpolate(z0, z1, steps=9)
    np.testing.assert_allclose(np.linalg.norm(spherical, axis=1), np.linalg.norm(z0), rtol=1e-5)
    assert np.linalg.norm(straight[4]) < 0.8 * np.linalg.norm(z0)  # through the low-density centre
    np.testing.assert_allclose(spherical[[0, -1]], np.stack([z0, z1]), rtol=1e-5, atol=1e-6)
    # parallel ends: the straight path
    np.testing.assert_allclose(latent.interpolate(z0, 2 * z0, 3, "spherical")[1], 1.5 * z0, rtol=1e-5)


def test_vector_arithmetic_is_the_sum_and_difference_of_group_means():
    rng = np.random.default_rng(1)
    a, b, c = (rng.normal(size=(3, 4)) for _ in range(3))
    np.testing.assert_allclose(latent.vector_arithmetic([a, c], [b]),
                               a.mean(0) - b.mean(0) + c.mean(0), rtol=1e-6)
    np.testing.assert_allclose(latent.attribute_vector(a, b), a.mean(0) - b.mean(0), rtol=1e-6)


def test_nearest_neighbours_match_a_brute_force_search():
    rng = np.random.default_rng(2)
    reference = rng.normal(size=(50, 3, 3))
    samples = np.concatenate([reference[[7, 21]] + 1e-3, rng.normal(size=(5, 3, 3))])
    indices, distances = latent.nearest_neighbours(samples, reference, k=3, batch_size=4)
    brute = np.linalg.norm(samples.reshape(7, 1, -1) - reference.reshape(1, 50, -1), axis=-1)
    np.testing.assert_array_equal(indices, np.argsort(brute, axis=1)[:, :3])
    np.testing.assert_allclose(distances, np.sort(brute, axis=1)[:, :3], rtol=1e-4, atol=1e-4)
    assert indices[:2, 0].tolist() == [7, 21] and distances[0, 0] < 0.01  # the copies


@pytest.mark.parametrize("call, message", [
    (lambda: latent.interpolate([0, 0], [1, 1, 1]), "same width"),
    (lambda: latent.interpolate([0, 0], [1, 1], steps=1), "steps to be an integer >= 2"),
    (lambda: latent.interpolate([0, 0], [1, 1], method="cubic"), "method in"),
    (lambda: latent.nearest_neighbours(np.zeros((2, 4)), np.zeros((3, 5))), "same size per row"),
    (lambda: latent.nearest_neighbours(np.zeros((2, 4)), np.zeros((3, 4)), k=4), r"k in \[1, 3\]"),
    (lambda: latent.vector_arithmetic([]), "at least one plus group"),
    (lambda: latent.reconstruct(DCGAN(latent_dim=8, filters=4), np.zeros((1, 28, 28, 1))),
     "with an encoder .* received a DCGAN"),
])
def test_bad_latent_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_reconstructions_and_paths_between_real_samples_of_a_bigan():
    gan = BiGAN(networks.mixture_generator(units=8, depth=1), encoder=networks.encoder(units=8, depth=1))
    x = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
    assert latent.reconstruct(gan, x).shape == (2, 2)
    path = latent.interpolate_samples(gan, x[0], x[1], steps=4)
    np.testing.assert_allclose(path[[0, -1]], latent.reconstruct(gan, x), rtol=1e-5, atol=1e-6)


def test_guided_backpropagation_matches_the_hand_computed_guided_gradient():
    import keras

    from keras_gans import features

    rng = np.random.default_rng(3)
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4)(inputs)
    feature = keras.layers.Dense(2)(keras.layers.ReLU(name="relu")(hidden))
    network = keras.Model(inputs, keras.layers.ReLU(name="features")(feature))
    x = rng.normal(size=(5, 3)).astype("float32")
    (w1, b1), (w2, b2) = (layer.get_weights() for layer in network.layers if layer.weights)
    guided = features.guided_backpropagation(network, x, layer="features", channel=1)
    h = x @ w1 + b1
    f = (np.maximum(h, 0) @ w2 + b2)[:, 1]
    upstream = np.where(f > 0, 1.0, 0.0)[:, None] / 1.0  # d mean(feature 1) / d feature, guided
    g_relu = upstream * w2[:, 1][None, :]
    g_h = g_relu * (h > 0) * (g_relu > 0)
    np.testing.assert_allclose(guided, g_h @ w1.T, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"channel in \[0, 2\), received 5"):
        features.guided_backpropagation(network, x, layer="features", channel=5)


def test_an_mlp_discriminators_features_are_its_first_units_whose_maps_are_their_templates():
    from keras_gans import features

    network = networks.weight_norm_discriminator(units=(6, 4), num_logits=3)
    x = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    networks.initialize_from_data(network, x)
    assert features.default_feature_layer(network) == network.layers[4].name  # the first ReLU
    dense = network.layers[3]
    v, g, b = (w.numpy() for w in (dense.kernel, dense.scale, dense.bias))
    weights = v * g / np.sqrt(1e-6 + (v ** 2).sum(axis=0))
    # Unit j of the first layer: relu(w_j . (x + 1) / 2 + b_j), so where it is active its
    # guided gradient is w_j / 2 (the rescaling to [0, 1]), elsewhere 0.
    for unit in range(6):
        active = (((x.reshape(8, -1) + 1) / 2) @ weights[:, unit] + b[unit]) > 0
        guided = features.guided_backpropagation(network, x, channel=unit).reshape(8, -1)
        expected = np.where(active[:, None], weights[:, unit][None, :] / 2, 0.0)
        np.testing.assert_allclose(guided, expected, rtol=1e-4, atol=1e-6)


def test_the_feature_plot_has_an_image_and_a_map_per_feature():
    from keras_gans import plotting

    figure = plotting.plot_discriminator_features(networks.dcgan_discriminator(filters=4),
                                                  np.zeros((2, 28, 28, 1), "float32"), channels=(0, 3))
    assert len(figure.axes) == 2 * 3
    assert [axes.get_title() for axes in figure.axes[:3]] == ["image", "feature 0", "feature 3"]


def test_the_neighbour_plot_shows_each_sample_beside_its_nearest_training_images(tmp_path):
    from keras_gans import plotting

    rng = np.random.default_rng(0)
    reference = rng.uniform(-1, 1, (6, 28, 28, 1)).astype("float32")
    samples = reference[[4, 1]] + 0.01  # near copies of reference images 4 and 1
    figure = plotting.plot_nearest_neighbours(samples, reference, k=2, path=tmp_path / "n.png")
    assert len(figure.axes) == 2 * 3 and (tmp_path / "n.png").exists()
    # Each row's first neighbour is the image it copies, at the distance of the 0.01 shift.
    np.testing.assert_allclose(figure.axes[1].images[0].get_array(),
                               (reference[4, ..., 0] + 1) / 2, atol=1e-6)
    assert figure.axes[1].get_title() == f"{0.01 * 28:.1f}"
    np.testing.assert_allclose(figure.axes[4].images[0].get_array(),
                               (reference[1, ..., 0] + 1) / 2, atol=1e-6)


def test_the_reconstruction_plot_puts_each_image_above_g_of_e_of_it():
    from keras_gans import plotting

    gan = BiGAN(networks.dcgan_generator(8, filters=4),
                networks.joint_discriminator((28, 28, 1), 8, filters=4),
                networks.encoder((28, 28, 1), 8, filters=4))
    images = np.random.default_rng(1).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    figure = plotting.plot_reconstructions(gan, images)
    assert len(figure.axes) == 2 * 3
    np.testing.assert_allclose(figure.axes[4].images[0].get_array(),
                               (latent.reconstruct(gan, images)[1, ..., 0] + 1) / 2, atol=1e-5)


def test_an_interpolation_strip_runs_from_the_start_sample_to_the_end_sample():
    from keras_gans import plotting

    gan = DCGAN(latent_dim=8, filters=4)
    rng = np.random.default_rng(2)
    starts, ends = rng.normal(size=(2, 8)), rng.normal(size=(2, 8))
    figure = plotting.plot_interpolations(gan, starts, ends, steps=5, method="linear")
    assert len(figure.axes) == 2 * 5
    ends_of_row_2 = gan.sample(np.stack([starts[1], ends[1]]).astype("float32")).numpy()
    for axes, expected in zip((figure.axes[5], figure.axes[9]), ends_of_row_2):
        np.testing.assert_allclose(axes.images[0].get_array(), (expected[..., 0] + 1) / 2,
                                   atol=1e-5)
    with pytest.raises(ValueError, match=r"pairs, latent_dim.*\(2, 8\) and \(8,\)"):
        plotting.plot_interpolations(gan, starts, ends[0])


def test_the_ali_variant_trains_on_images_and_round_trips_with_its_encoder(tmp_path):
    import keras

    from keras_gans import variants

    gan = variants.build("ali", "mnist", latent_dim=8, filters=4)
    assert variants.name_of(gan) == "ali" and gan.get_config()["generator_ema"] == 0.999
    images = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    before = gan.encoder.get_weights()
    gan.fit(images, batch_size=8, epochs=1, verbose=0)
    # The encoder trains with G (the generator's optimizer): its weights moved.
    assert any(not np.allclose(a, b) for a, b in zip(before, gan.encoder.get_weights()))
    gan.save(tmp_path / "ali.keras")
    loaded = keras.models.load_model(tmp_path / "ali.keras")
    np.testing.assert_allclose(loaded.encode(images[:4]), gan.encode(images[:4]), atol=1e-5)
    np.testing.assert_allclose(latent.reconstruct(loaded, images[:4]),
                               latent.reconstruct(gan, images[:4]), atol=1e-5)
