"""MinibatchDiscrimination against a NumPy implementation of Salimans et al.'s formula."""

import keras
import numpy as np
import pytest

from keras_gans.layers import MinibatchDiscrimination


def numpy_minibatch_features(x, kernel, num_kernels, kernel_dim):
    """o(x_i)_b = Σ_j exp(-||M_i,b - M_j,b||_1), M = reshape(x T), output = [x, o]."""
    m = (x @ kernel).reshape(len(x), num_kernels, kernel_dim)
    out = np.zeros((len(x), num_kernels))
    for i in range(len(x)):
        for j in range(len(x)):
            out[i] += np.exp(-np.abs(m[i] - m[j]).sum(axis=-1))
    return np.concatenate([x, out], axis=1)


def test_matches_numpy_formula():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 6)).astype("float32")
    layer = MinibatchDiscrimination(num_kernels=4, kernel_dim=3,
                                    kernel_initializer=keras.initializers.RandomNormal(stddev=0.5))
    output = layer(x).numpy()
    expected = numpy_minibatch_features(x, layer.kernel.numpy(), 4, 3)
    assert output.shape == (7, 10)
    np.testing.assert_allclose(output, expected, rtol=1e-5, atol=1e-6)


def test_features_see_the_batch():
    layer = MinibatchDiscrimination(kernel_initializer="ones")
    collapsed = layer(np.ones((8, 2), "float32")).numpy()[:, 2:]
    spread = layer(np.linspace(-4, 4, 16, dtype="float32").reshape(8, 2)).numpy()[:, 2:]
    # Identical samples: every pair at distance 0, so each feature is the batch size.
    np.testing.assert_allclose(collapsed, 8.0)
    assert spread.max() < 2.0


def test_serialization_round_trip(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, MinibatchDiscrimination(num_kernels=2, kernel_dim=5)(inputs))
    path = tmp_path / "mbd.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(model(x), restored(x), rtol=1e-6)
    config = restored.layers[-1].get_config()
    assert (config["num_kernels"], config["kernel_dim"]) == (2, 5)


@pytest.mark.parametrize("kwargs", [dict(num_kernels=0), dict(kernel_dim=-1), dict(num_kernels=2.5)])
def test_rejects_bad_sizes(kwargs):
    with pytest.raises(ValueError, match="expected .* positive integer, received"):
        MinibatchDiscrimination(**kwargs)


def test_rejects_non_flat_inputs():
    with pytest.raises(ValueError, match=r"shape \(batch, features\).*received \(None, 4, 4\)"):
        MinibatchDiscrimination().build((None, 4, 4))
