"""Virtual batch normalization in the generator (Salimans et al. 2016, sec. 3.4)."""

import keras

from keras_gans import networks
from keras_gans.techniques import Option, Technique


class VirtualBatchNorm(Technique):
    """Replaces the generator's batch norm by virtual batch norm.

    Batch norm makes a generated sample depend on the other noise vectors
    of its minibatch. With VBN (:class:`keras_gans.layers.VirtualBatchNormalization`,
    applied by :func:`keras_gans.networks.with_virtual_batch_norm`) each
    sample is normalized with the statistics of a reference batch of noise
    fixed before training, combined with the sample itself, so a sample
    depends on its own ``z`` only: the same in training and inference, and on
    1 or N replicas. Every generator call also runs the reference batch
    (``reference_batch_size`` more rows), which is VBN's cost. Unconditional
    generators with batch normalization only.
    """

    name = "virtual_batch_norm"
    paper = "Salimans et al. 2016, sec. 3.4"
    summary = "G normalizes each sample with a fixed reference batch instead of its minibatch"
    needs_unconditional = ("its generator is conditional (a reference batch of labels is not "
                           "implemented)")
    options = (
        Option("virtual_batch_norm", False, "replace G's batch norm by virtual batch norm",
               kind=bool),
        Option("reference_batch_size", 64, "rows of VBN's fixed reference batch of noise",
               kind=int, low=2),
    )

    @classmethod
    def unsupported(cls, model_class, generator, discriminator, values):
        if generator is not None and not any(
                isinstance(layer, keras.layers.BatchNormalization)
                or type(layer).__name__ == "VirtualBatchNormalization"
                for layer in generator._flatten_layers()):
            return (f"its generator {generator.name!r} has no batch normalization to replace "
                    f"(layers: {[layer.name for layer in generator.layers]})")
        return None

    def transform_networks(self, generator, discriminator):
        return networks.with_virtual_batch_norm(generator, self.reference_batch_size), discriminator
