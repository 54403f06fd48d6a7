"""Minibatch discrimination (Salimans et al. 2016, sec. 3.2) on any discriminator."""

from keras_gans import networks
from keras_gans.techniques import Option, Technique


class MinibatchDiscrimination(Technique):
    """Lets D compare each sample with the rest of its minibatch.

    A :class:`keras_gans.layers.MinibatchDiscrimination` layer is inserted
    between D's last hidden features and its logit
    (:func:`keras_gans.networks.with_minibatch_discrimination`): for features
    ``f(x_i)`` and a learned tensor ``T``, ``o(x_i)_b = sum_j exp(-||M_{i,b} -
    M_{j,b}||_1)`` with ``M_i = f(x_i) T``. A collapsed generator, whose samples
    are all alike, is then easy to tell from data. Needs batches of at least
    2 samples per replica (checked before training).
    """

    name = "minibatch_discrimination"
    paper = "Salimans et al. 2016, sec. 3.2"
    summary = "D sees how close each sample is to the others of its minibatch"
    needs_discriminator_of_samples = True
    options = (
        Option("minibatch_discrimination", False, "add a minibatch discrimination layer to D",
               kind=bool),
        Option("minibatch_kernels", 5, "kernels B of the minibatch layer (features added)",
               kind=int, low=1),
        Option("minibatch_kernel_dim", 3, "dimension C of each kernel", kind=int, low=1),
    )

    @classmethod
    def unsupported(cls, model_class, generator, discriminator, values):
        if discriminator is None:
            return None
        try:
            networks.logit_layer(discriminator)
        except ValueError as error:
            return str(error)
        return None

    def transform_networks(self, generator, discriminator):
        return generator, networks.with_minibatch_discrimination(
            discriminator, self.minibatch_kernels, self.minibatch_kernel_dim)
