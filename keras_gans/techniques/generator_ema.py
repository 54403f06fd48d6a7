"""An exponential moving average of the generator's weights (Yazici et al. 2019)."""

import keras
import tensorflow as tf

from keras_gans.techniques import Option, Technique


class GeneratorEMA(Technique):
    """Samples come from a moving average of G's weights, not from G itself.

    After every generator step, ``theta_avg <- beta_t theta_avg + (1 - beta_t)
    theta`` over all of G's weights (batch-norm statistics included), with
    ``beta_t = min(beta, (1 + t) / (10 + t))`` so the average does not start
    out dominated by the random initial weights (the warm-up of
    ``tf.train.ExponentialMovingAverage``). G keeps training on its own
    weights; :meth:`~keras_gans.models.GAN.generate`, the callbacks and the
    exports use the averaged copy (``model.averaged_generator``), which
    averages out the oscillation of the game (Yazici et al. 2019, "The
    unusual effectiveness of averaging in GAN training"; used by Karras et
    al. 2018). The copy is part of the model: saved, backed up and resumed.
    ALI / BiGAN's encoder, trained with G, is averaged alike
    (``model.averaged_encoder``, which :meth:`~keras_gans.models.BiGAN.encode` runs).
    """

    name = "generator_ema"
    paper = "Yazici et al. 2019; Karras et al. 2018"
    summary = "sample from an exponential moving average of G's weights"
    options = (
        Option("generator_ema", None, "momentum beta of the moving average of G's weights "
               "that samples are drawn from (e.g. 0.999; default: none)", above=0.0, below=1.0,
               allow_none=True),
    )

    def build(self, model):
        # Every network the generator's optimizer trains (ALI / BiGAN's encoder
        # too) is averaged, so that G(E(x)) pairs weights of the same moment.
        for name, network in model.generator_side_networks.items():
            averaged = keras.models.clone_model(network)
            averaged.trainable = False
            for copy, weight in zip(averaged.weights, network.weights):
                copy.assign(weight)
            setattr(model, f"averaged_{name}", averaged)

    def after_update(self, model, network):
        if network is not model.generator:
            return
        step = tf.cast(model.g_optimizer.iterations, tf.float32)
        decay = tf.minimum(self.generator_ema, (1.0 + step) / (10.0 + step))
        for name, live in model.generator_side_networks.items():
            for average, weight in zip(getattr(model, f"averaged_{name}").weights, live.weights):
                average.assign(decay * average + (1.0 - decay) * tf.cast(weight, average.dtype))

    def sampling_network(self, model, name):
        if name in model.generator_side_networks:
            return getattr(model, f"averaged_{name}")
        return None
