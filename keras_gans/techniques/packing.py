"""Packing: PacGAN (Lin et al. 2018)."""

from keras_gans import networks
from keras_gans.techniques import Option, Technique


class Packing(Technique):
    """D judges packs of ``m`` samples, all real or all generated, jointly.

    The discriminator's input becomes ``m`` samples concatenated
    (:func:`keras_gans.networks.with_packing`), so its loss is over packs:
    ``E[log D(x_1..x_m)] + E[log(1 - D(G(z_1)..G(z_m)))]``. Lin et al. (2018,
    sec. 3) show that packing penalizes mode collapse: a generator missing
    mass is ``m`` times easier to tell from data in a pack (the total
    variation between the packed distributions grows with the missing
    mass). The per-sample penalties (R1) of a packed D are of its gradient
    with respect to the whole pack. The batch must be a multiple of ``m``
    per replica (checked before training).
    """

    name = "packing"
    paper = "Lin et al. 2018 (PacGAN)"
    summary = "D judges m samples at once, concatenated"
    needs_discriminator_of_samples = True
    needs_logistic_loss = ("packing is defined for the logistic GAN loss; the critics' gradient "
                           "penalty is per sample")
    needs_unconditional = "a conditional D would need the packs' labels too"
    options = (
        Option("packing", 1, "samples m that D judges jointly (PacGAN; 1: off)", kind=int, low=1),
    )


    def transform_networks(self, generator, discriminator):
        return generator, networks.with_packing(discriminator, self.packing)
