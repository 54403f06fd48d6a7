"""The registry of GAN variants that the CLI (and tuner) can train by name.

Adding a variant is one model file plus one entry in ``VARIANTS``.
"""

import dataclasses

from keras_gans.models import Toy1DGAN
from keras_gans.models.vanilla import build_mnist


@dataclasses.dataclass(frozen=True)
class Option:
    """A variant-specific CLI option: ``argparse`` flags and keyword arguments.

    ``dest`` is the keyword the variant's ``build`` function receives.
    """

    flags: tuple
    dest: str
    kwargs: dict


@dataclasses.dataclass(frozen=True)
class Variant:
    """How to build, feed and train one GAN variant.

    Attributes:
        name: registry key (``python -m keras_gans train NAME``).
        summary: one line for ``--help``.
        build: ``build(**options) -> GAN`` (uncompiled); for image data it
            also receives ``image_shape``.
        data: ``"gaussian_1d"`` or ``"images"``.
        batch_size, steps, epochs, steps_per_execution: CLI defaults.
        options: variant-specific :class:`Option` s.
    """

    name: str
    summary: str
    build: object
    data: str
    batch_size: int
    steps: int
    epochs: int
    steps_per_execution: int
    options: tuple = ()


GENERATOR_LOSS = Option(
    ("--loss",),
    "generator_loss",
    dict(
        choices=("non_saturating", "minimax"),
        default="non_saturating",
        help="generator loss: -log D(G(z)) (non_saturating, default) or log(1 - D(G(z))) (minimax)",
    ),
)
DISCRIMINATOR_STEPS = Option(
    ("--discriminator-steps", "--k"),
    "discriminator_steps",
    dict(type=int, default=1, help="discriminator steps per generator step (Algorithm 1's k)"),
)

VARIANTS = {
    "toy1d": Variant(
        name="toy1d",
        summary="1-D Gaussian toy of seed 001 (no data set needed)",
        build=Toy1DGAN,
        data="gaussian_1d",
        batch_size=12,  # the seed code's; <= 16 with minibatch discrimination
        steps=5000,
        epochs=10,
        steps_per_execution=100,
        options=(
            Option(
                ("--minibatch-discrimination",),
                "minibatch_discrimination",
                dict(action="store_true", help="add a MinibatchDiscrimination layer to D"),
            ),
            Option(("--hidden-units",), "hidden_units", dict(type=int, default=4, help="h (seed: 4)")),
            GENERATOR_LOSS,
            DISCRIMINATOR_STEPS,
        ),
    ),
    "vanilla": Variant(
        name="vanilla",
        summary="Goodfellow et al. 2014 GAN with MLP networks (MNIST / Fashion-MNIST)",
        build=build_mnist,
        data="images",
        batch_size=64,
        steps=5000,
        epochs=10,
        steps_per_execution=10,
        options=(
            Option(("--latent-dim",), "latent_dim", dict(type=int, default=100, help="noise width")),
            GENERATOR_LOSS,
            DISCRIMINATOR_STEPS,
        ),
    ),
}


def get_variant(name):
    """Returns the registered :class:`Variant` called ``name``.

    Raises:
        ValueError: naming the registered variants.
    """
    try:
        return VARIANTS[name]
    except KeyError:
        raise ValueError(
            f"Unknown GAN variant: expected one of {sorted(VARIANTS)}, received {name!r}."
        ) from None
