"""Data streams: the 1-D Gaussian and TFDS images (mocked: nothing is read or downloaded)."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from keras_gans import data


def test_gaussian_stream_has_the_target_moments_and_is_seeded():
    batches = np.concatenate(list(data.gaussian_1d(4.0, 0.5, batch_size=16, seed=3).take(500)))
    assert batches.shape == (8000, 1)
    assert batches.mean() == pytest.approx(4.0, abs=0.03)
    assert batches.std() == pytest.approx(0.5, abs=0.02)
    again = np.concatenate(list(data.gaussian_1d(4.0, 0.5, batch_size=16, seed=3).take(500)))
    np.testing.assert_array_equal(batches, again)
    other = next(iter(data.gaussian_1d(4.0, 0.5, batch_size=16, seed=4)))
    assert not np.allclose(batches[:16], other)


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_size=0), "batch_size to be a positive integer, received 0"),
    (dict(stddev=-1.0), "stddev > 0, received -1.0"),
])
def test_gaussian_stream_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.gaussian_1d(**kwargs)


@pytest.mark.parametrize("name", sorted(data.IMAGE_DATASETS))
def test_images_are_scaled_batched_and_labelled(name):
    with tfds.testing.mock_data(num_examples=20):
        images, labels = next(iter(data.load_images(name, batch_size=8, seed=0)))
        unlabelled = next(iter(data.load_images(name, batch_size=8, with_labels=False)))
    assert images.shape == (8, 28, 28, 1) and images.dtype == "float32"
    assert -1.0 <= float(np.min(images)) and float(np.max(images)) <= 1.0
    assert labels.shape == (8,) and labels.dtype == "int32"
    assert unlabelled.shape == (8, 28, 28, 1)


def test_scale_images_maps_pixel_range_to_tanh_range():
    np.testing.assert_allclose(data.scale_images(np.array([0, 127.5, 255])), [-1, 0, 1])


def test_missing_data_offline_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"not prepared in {tmp_path}.*TFDS_DATA_DIR.*download=True"):
        data.load_images("mnist", data_dir=str(tmp_path))
