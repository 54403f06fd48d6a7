"""Networks derived from another network's inputs are called like that network.

Built on ``other.inputs`` (a list) a functional model expects a list even for one input, and
Keras warns at every call with a tensor: the quick start printed that warning at its end.
"""

import warnings

import numpy as np
import pytest

from keras_gans import networks
from keras_gans.models import EBGAN, DCGAN

MISMATCH = "The structure of `inputs` doesn't match"


def _calls_without_mismatch_warning(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    assert not [w for w in caught if MISMATCH in str(w.message)], [str(w.message) for w in caught]
    return result


def test_inputs_of_is_the_one_input_or_the_list():
    single = networks.mlp_discriminator(units=(8,))
    assert networks.inputs_of(single) is single.inputs[0]
    conditional = networks.dcgan_discriminator(filters=4, num_classes=3)
    assert networks.inputs_of(conditional) == conditional.inputs


def test_minibatch_discrimination_keeps_the_discriminators_call():
    discriminator = networks.with_minibatch_discrimination(networks.toy_discriminator())
    logits = _calls_without_mismatch_warning(
        lambda: discriminator(np.zeros((12, 1), "float32"), training=False))
    assert logits.shape == (12, 1)


@pytest.mark.parametrize("model", ["feature_matching", "ebgan"])
def test_models_sharing_the_discriminators_layers_take_a_tensor(model):
    images = np.zeros((4, 8, 8, 1), "float32")
    if model == "feature_matching":
        gan = DCGAN(latent_dim=4, filters=4, image_shape=(8, 8, 1), feature_matching=1.0)
        extractor = next(t for t in gan.techniques if t.name == "feature_matching").features_and_logits
    else:
        extractor = EBGAN(latent_dim=4, filters=4, image_shape=(8, 8, 1)).energy_and_codes
    outputs = _calls_without_mismatch_warning(lambda: extractor(images, training=False))
    assert len(outputs) == 2

