"""GAN variants: one ``keras.Model`` subclass each, sharing :class:`GAN`."""

from keras_gans.models.base import GAN
from keras_gans.models.bigan import BiGAN
from keras_gans.models.dcgan import DCGAN, ConditionalDCGAN
from keras_gans.models.ebgan import EBGAN
from keras_gans.models.ssgan import SemiSupervisedGAN
from keras_gans.models.toy1d import Toy1DGAN
from keras_gans.models.unrolled import UnrolledGAN
from keras_gans.models.vanilla import VanillaGAN
from keras_gans.models.wgan import WGAN, WGANGP

__all__ = ["GAN", "VanillaGAN", "Toy1DGAN", "DCGAN", "ConditionalDCGAN", "WGAN", "WGANGP", "UnrolledGAN",
           "BiGAN", "EBGAN", "SemiSupervisedGAN"]
