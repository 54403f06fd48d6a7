"""GAN variants: one ``keras.Model`` subclass each, sharing :class:`GAN`."""

from keras_gans.models.base import GAN
from keras_gans.models.toy1d import Toy1DGAN
from keras_gans.models.vanilla import VanillaGAN

__all__ = ["GAN", "Toy1DGAN", "VanillaGAN"]
