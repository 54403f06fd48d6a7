"""The registry of GAN variants that the CLI (and tuner) can train by name.

Adding a variant is one model file plus one entry in ``VARIANTS``.
"""

import dataclasses

from keras_gans.data import IMAGE_DATASETS
from keras_gans.models import DCGAN, WGAN, WGANGP, ConditionalDCGAN, Toy1DGAN
from keras_gans.models.vanilla import ARCHITECTURES, VanillaGAN, build_mnist


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
        conditional: whether ``build`` takes ``num_classes`` and ``fit`` labels.
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
    conditional: bool = False

    def data_options(self, dataset):
        """The ``build`` arguments that ``dataset`` fixes: image shape, number of classes."""
        if self.data != "images":
            return {}
        spec = IMAGE_DATASETS[dataset]
        options = {"image_shape": spec["shape"]}
        if self.conditional:
            options["num_classes"] = len(spec["labels"])
        return options


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
CRITIC_STEPS = Option(
    ("--discriminator-steps", "--n-critic"),
    "discriminator_steps",
    dict(type=int, default=5, help="critic steps per generator step (n_critic, default 5)"),
)
REAL_LABEL = Option(
    ("--real-label",),
    "real_label",
    dict(type=float, default=1.0,
         help="D's target for real samples; 0.9 = one-sided label smoothing (default 1.0)"),
)
LATENT_DIM = Option(("--latent-dim",), "latent_dim", dict(type=int, default=100, help="noise width"))
FILTERS = Option(("--filters",), "filters",
                 dict(type=int, default=64, help="filters of the first conv layer (default 64)"))


def _image_variant(name, summary, build, options, steps, conditional=False):
    return Variant(name=name, summary=summary, build=build, data="images", batch_size=64,
                   steps=steps, epochs=10, steps_per_execution=10, options=options,
                   conditional=conditional)


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
            Option(("--noise",), "noise",
                   dict(choices=Toy1DGAN.NOISES, default="stratified",
                        help="generator input: the seed's stratified grid (default) or iid N(0, 1)")),
            Option(("--decay-steps",), "decay_steps",
                   dict(type=int, default=150,
                        help="steps between x0.95 learning-rate decays (seed: 150)")),
            Option(("--generator-ema",), "generator_ema",
                   dict(type=float, default=None,
                        help="momentum of a moving average of G's weights used at the end "
                        "(e.g. 0.999; default: none)")),
            GENERATOR_LOSS,
            DISCRIMINATOR_STEPS,
        ),
    ),
    "vanilla": _image_variant(
        "vanilla",
        "Goodfellow et al. 2014 GAN, MLP or seed 000's conv networks",
        build_mnist,
        (
            LATENT_DIM,
            Option(("--architecture",), "architecture",
                   dict(choices=sorted(ARCHITECTURES), default="mlp",
                        help="mlp (default) or conv: seed 000's conv D / deconv G")),
            GENERATOR_LOSS,
            REAL_LABEL,
            DISCRIMINATOR_STEPS,
        ),
        steps=5000,
    ),
    "dcgan": _image_variant(
        "dcgan", "DCGAN (Radford et al. 2015)", DCGAN,
        (LATENT_DIM, FILTERS, GENERATOR_LOSS, REAL_LABEL, DISCRIMINATOR_STEPS), steps=3000,
    ),
    "cdcgan": _image_variant(
        "cdcgan", "conditional DCGAN (Mirza & Osindero 2014, seed 003)", ConditionalDCGAN,
        (LATENT_DIM, FILTERS, GENERATOR_LOSS, REAL_LABEL, DISCRIMINATOR_STEPS), steps=3000, conditional=True,
    ),
    "wgan": _image_variant(
        "wgan", "WGAN with weight clipping (Arjovsky et al. 2017)", WGAN,
        (LATENT_DIM, FILTERS, CRITIC_STEPS,
         Option(("--clip-value",), "clip_value",
                dict(type=float, default=0.01, help="critic weights are clipped to [-c, c]"))),
        steps=2000,
    ),
    "wgan_gp": _image_variant(
        "wgan_gp", "WGAN-GP (Gulrajani et al. 2017)", WGANGP,
        (LATENT_DIM, FILTERS, CRITIC_STEPS,
         Option(("--gradient-penalty-weight",), "gradient_penalty_weight",
                dict(type=float, default=10.0, help="lambda (default 10)"))),
        steps=2000,
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


def name_of(model):
    """The registered variant name of ``model`` (e.g. ``"cdcgan"``), or its class name."""
    classes = {
        Toy1DGAN: "toy1d", VanillaGAN: "vanilla", DCGAN: "dcgan", ConditionalDCGAN: "cdcgan",
        WGAN: "wgan", WGANGP: "wgan_gp",
    }
    return classes.get(type(model), type(model).__name__)
