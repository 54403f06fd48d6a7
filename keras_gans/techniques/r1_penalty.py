"""The R1 gradient penalty on real data (Mescheder et al. 2018; Roth et al. 2017)."""

from keras_gans.techniques import Option, Technique


class R1Penalty(Technique):
    """Penalizes D's gradient on real data: ``+ gamma/2 ||grad_x D(x)||^2``.

    The "penalizing the discriminator" remedy (Roth et al. 2017), in the
    form of Mescheder et al. (2018, eq. 9), which proves that it makes the
    game converge locally. Added per example to D's loss in every
    discriminator step; for conditional models the gradient is of ``D(x | y)``.
    """

    name = "r1_penalty"
    paper = "Mescheder et al. 2018, eq. 9"
    summary = "gamma/2 E||grad_x D(x)||^2 on real data added to D's loss"
    needs_discriminator_of_samples = True
    options = (
        Option("r1_gamma", 0.0, "weight gamma of the R1 penalty on D's gradient at real data "
               "(0: off)", low=0.0, search=(0.01, 100.0)),
    )

    def discriminator_penalty(self, model, real, labels):
        from keras_gans import losses

        return 0.5 * self.r1_gamma * losses.r1_penalty(lambda x: model.D(x, labels), real)
