"""One-sided label smoothing (Salimans et al. 2016, sec. 3.4)."""

from keras_gans.techniques import Option, Technique


class OneSidedLabelSmoothing(Technique):
    """D's target for real samples is ``alpha`` (e.g. 0.9) instead of 1; fakes keep 0.

    D's loss on a real sample becomes ``-alpha log D(x) - (1 - alpha) log(1 -
    D(x))`` (:func:`keras_gans.losses.discriminator_loss`), which keeps D from
    growing over-confident on data. One-sided: smoothing the fake targets too
    would reward G for staying where the data is not (the paper). Applies to
    variants trained with the logistic loss.
    """

    name = "label_smoothing"
    paper = "Salimans et al. 2016, sec. 3.4"
    summary = "D's target for real samples is alpha < 1"
    needs_logistic_loss = "its discriminator loss is not the logistic (cross-entropy) loss"
    options = (
        Option("real_label", 1.0, "D's target for real samples (0.9: one-sided label smoothing)",
               above=0.5, high=1.0),
    )

