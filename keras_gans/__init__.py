"""keras-gans: the classic GANs as tested Keras 3 models.

>>> import keras_gans
>>> gan = keras_gans.Toy1DGAN(minibatch_discrimination=True)
>>> gan.compile()
"""

from keras_gans import data, layers, losses, networks
from keras_gans.models import (
    DCGAN, EBGAN, GAN, WGAN, WGANGP, BiGAN, ConditionalDCGAN, Toy1DGAN, UnrolledGAN, VanillaGAN,
)

__version__ = "0.1.0"

__all__ = [
    "GAN", "VanillaGAN", "Toy1DGAN", "DCGAN", "ConditionalDCGAN", "WGAN", "WGANGP",
    "UnrolledGAN", "BiGAN", "EBGAN",
    "data", "layers", "losses", "networks",
]
