"""The registry of GAN variants that the CLI (and tuner) can train by name.

Adding a variant is one model file plus one entry in ``VARIANTS``. Each entry
has a :class:`Recipe`: the configuration (training techniques, optimizers,
batch size) that ``python -m keras_gans train NAME`` uses by default because
it gave the best samples in ``bench/ablation.py``; ``--paper`` (or
``build(name, paper=True)``) uses the paper's settings instead, which are
the model classes' own defaults. The training techniques' CLI flags are not
listed here: they are derived from their declarations in
:mod:`keras_gans.techniques`.

Examples:

    >>> gan = build("toy1d")
    >>> gan.d_optimizer is not None
    True
"""

import argparse
import dataclasses

from keras_gans import networks, techniques
from keras_gans.data import IMAGE_DATASETS, MIXTURES
from keras_gans.models import (
    DCGAN, EBGAN, WGAN, WGANGP, BiGAN, ConditionalDCGAN, SemiSupervisedGAN, Toy1DGAN, UnrolledGAN,
)
from keras_gans.models.ssgan import ARCHITECTURES as SSGAN_ARCHITECTURES
from keras_gans.models.vanilla import ARCHITECTURES, VanillaGAN, build_mnist


@dataclasses.dataclass(frozen=True)
class Option:
    """A variant-specific CLI option: ``argparse`` flags and keyword arguments.

    ``dest`` is the keyword the variant's ``build`` function receives.
    """

    flags: tuple
    dest: str
    kwargs: dict


def _optimizer_pair(build_one, d_learning_rate, g_learning_rate, cosine_decay, final_fraction,
                    description):
    """A factory ``make(steps)`` of ``(build_one(D's rate), build_one(G's rate))``.

    With ``cosine_decay``, both rates follow a cosine from their value down to
    ``final_fraction`` of it over the run's ``steps`` optimizer steps
    (``keras.optimizers.schedules.CosineDecay``), then stay there.
    """
    def make(steps=None):
        import keras

        if cosine_decay and not steps:
            raise ValueError(f"Expected the run's number of steps for the learning-rate decay, "
                             f"received {steps!r}.")

        def rate(value):
            if not cosine_decay:
                return value
            return keras.optimizers.schedules.CosineDecay(value, steps, alpha=final_fraction)

        return build_one(rate(d_learning_rate)), build_one(rate(g_learning_rate))

    make.description = description
    if cosine_decay:
        make.description += f" cosine-decayed to {final_fraction:g}x over the run (--steps)"
    return make


def adam(d_learning_rate=2e-4, g_learning_rate=2e-4, beta_1=0.5, beta_2=0.999,
         cosine_decay=False, final_fraction=0.01):
    """A factory ``make(steps)`` of ``(d_optimizer, g_optimizer)``: two Adam optimizers.

    With ``cosine_decay``, both learning rates follow a cosine from their
    value down to ``final_fraction`` of it over the run's ``steps`` optimizer
    steps (``keras.optimizers.schedules.CosineDecay``), then stay there; the
    CLI passes ``--steps``, :meth:`Variant.make_optimizers` the variant's default.

    Examples:

        >>> d_optimizer, g_optimizer = adam(2e-4, 1e-3)()
        >>> round(float(g_optimizer.learning_rate), 6)
        0.001
    """
    def build_one(rate):
        import keras

        return keras.optimizers.Adam(rate, beta_1=beta_1, beta_2=beta_2)

    return _optimizer_pair(build_one, d_learning_rate, g_learning_rate, cosine_decay,
                           final_fraction, f"Adam(D {d_learning_rate:g}, G {g_learning_rate:g}, "
                           f"beta_1 {beta_1:g}, beta_2 {beta_2:g})")


def rmsprop(d_learning_rate=5e-5, g_learning_rate=5e-5, cosine_decay=False, final_fraction=0.01):
    """As :func:`adam`, with RMSProp (WGAN's optimizer; Arjovsky et al. 2017, sec. 3).

    Examples:

        >>> d_optimizer, g_optimizer = rmsprop(2e-4, 2e-4)()
        >>> type(d_optimizer).__name__
        'RMSprop'
    """
    def build_one(rate):
        import keras

        return keras.optimizers.RMSprop(rate)

    return _optimizer_pair(build_one, d_learning_rate, g_learning_rate, cosine_decay,
                           final_fraction, f"RMSProp(D {d_learning_rate:g}, G {g_learning_rate:g})")


#: TF-GAN's MNIST tutorial rates, Adam(D 2e-4, G 1e-3, beta_1 0.5), cosine-decayed over the run:
#: the optimizers of the image recipes (DCGAN, the convolutional vanilla GAN, EBGAN).
TF_GAN_RATES = adam(d_learning_rate=2e-4, g_learning_rate=1e-3, beta_1=0.5, cosine_decay=True)


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A variant's default training configuration, where it differs from the paper's.

    Attributes:
        options: build and technique options (e.g. ``{"generator_ema": 0.999}``).
        optimizers: a zero-argument factory of ``(d_optimizer, g_optimizer)``
            (e.g. :func:`adam`), or None for the model's (the paper's) defaults.
        batch_size: minibatch size ``m``, or None for the variant's.
        evidence: where it was measured (a benchmark command and its figures).
    """

    options: dict = dataclasses.field(default_factory=dict)
    optimizers: object = None
    batch_size: int = None
    evidence: str = ""

    def make_optimizers(self, steps=None):
        """New ``(d_optimizer, g_optimizer)``; ``(None, None)`` means the model's defaults.

        ``steps``: the length of the run, for learning rates that decay over it.
        """
        return self.optimizers(steps) if self.optimizers else (None, None)

    def describe(self):
        """One line: the options and the optimizers."""
        parts = [f"{key}={value!r}" for key, value in self.options.items()]
        if self.optimizers:
            parts.append(self.optimizers.description)
        if self.batch_size:
            parts.append(f"batch {self.batch_size}")
        return ", ".join(parts) or "the paper's settings"


@dataclasses.dataclass(frozen=True)
class Variant:
    """How to build, feed and train one GAN variant.

    Attributes:
        name: registry key (``python -m keras_gans train NAME``).
        summary: one line for ``--help``.
        build: ``build(**options) -> GAN`` (uncompiled); for image data it
            also receives ``image_shape``.
        data: ``"gaussian_1d"``, ``"mixture_2d"`` (the ring and grid of
            :data:`keras_gans.data.MIXTURES`) or ``"images"``.
        batch_size, steps, epochs, steps_per_execution: CLI defaults.
        options: variant-specific :class:`Option` s (the techniques' are derived).
        conditional: whether ``build`` takes ``num_classes`` and ``fit`` labels.
        recipe: the default configuration (:class:`Recipe`).
        model_class: the class ``build`` returns (what techniques apply to).
        paper: the paper's settings where the model class's defaults are not
            them (a :class:`Recipe`; e.g. PacGAN's optimizer for the 2-D GANs).
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
    recipe: Recipe = Recipe()
    model_class: type = None
    paper: Recipe = Recipe()

    @property
    def reference(self):
        """The paper (or tutorial) the variant implements, as its readers cite it."""
        return REFERENCES[self.name]

    def settings(self, paper=False):
        """The :class:`Recipe` to train with: the default one, or with ``paper`` the paper's."""
        return self.paper if paper else self.recipe

    def make_optimizers(self, paper=False, steps=None):
        """New optimizers of the recipe (or the paper's settings) for a run of
        ``steps`` (default: the variant's ``steps``, the CLI's default ``--steps``)."""
        return self.settings(paper).make_optimizers(steps or self.steps)

    @property
    def datasets(self):
        """The data sets ``--dataset`` chooses from (none for the 1-D toy)."""
        return {"images": IMAGE_DATASETS, "semi_supervised": IMAGE_DATASETS,
                "mixture_2d": MIXTURES}.get(self.data, {})

    def data_options(self, dataset):
        """The ``build`` arguments that ``dataset`` fixes: image shape, number of classes."""
        if self.data not in ("images", "semi_supervised"):
            return {}
        spec = IMAGE_DATASETS[dataset]
        options = {"image_shape": spec["shape"]}
        if self.conditional or self.data == "semi_supervised":
            options["num_classes"] = len(spec["labels"])
        return options


GENERATOR_LOSS = Option(
    ("--loss",),
    "generator_loss",
    dict(choices=("non_saturating", "minimax"),
         help="generator loss: -log D(G(z)) (non_saturating, default) or log(1 - D(G(z))) (minimax)"),
)
DISCRIMINATOR_STEPS = Option(
    ("--discriminator-steps", "--k"),
    "discriminator_steps",
    dict(type=int, help="discriminator steps per generator step (Algorithm 1's k; default 1)"),
)
CRITIC_STEPS = Option(
    ("--discriminator-steps", "--n-critic"),
    "discriminator_steps",
    dict(type=int, help="critic steps per generator step (n_critic; the paper's 5)"),
)
LATENT_DIM = Option(("--latent-dim",), "latent_dim", dict(type=int, help="noise width (default 100)"))
FILTERS = Option(("--filters",), "filters",
                 dict(type=int, help="filters of the first conv layer (default 64)"))
GENERATOR_DENSE_UNITS = Option(
    ("--generator-dense-units",), "generator_dense_units",
    dict(type=int, help="a fully connected hidden layer of this width in G (InfoGAN's MNIST "
         "generator with 1024; default: none, the paper's)"))
DISCRIMINATOR_DENSE_UNITS = Option(
    ("--discriminator-dense-units",), "discriminator_dense_units",
    dict(type=int, help="a fully connected hidden layer of this width in D (InfoGAN's MNIST "
         "discriminator with 1024; default: none, the paper's)"))
GRADIENT_PENALTY_WEIGHT = Option(("--gradient-penalty-weight",), "gradient_penalty_weight",
                                 dict(type=float, help="lambda (default 10)"))
CYCLE_WEIGHT = Option(
    ("--cycle-weight",), "cycle_weight",
    dict(type=float, help="lambda of ALICE's cycle-consistency (Li et al. 2017): G and E also "
         "minimize lambda * mean (x - G(E(x)))^2 (default 0: ALI / BiGAN's game alone)"))
PENALTY_INTERVAL = Option(
    ("--penalty-interval",), "penalty_interval",
    dict(type=int, help="compute the gradient penalty on one critic step in N, weighted by N "
         "(lazy regularization, Karras et al. 2020; default 1, the paper's: every step)"))
REUSE_REAL_BATCH = Option(
    ("--reuse-real-batch",), "reuse_real_batch",
    dict(action="store_true", default=None,
         help="give the k discriminator steps the same real minibatch (keras-io's convention) "
         "instead of a new one each (the papers')"))


def build_mixture_gan(model_class, latent_dim=2, generator_units=400, generator_depth=4,
                      discriminator_units=200, discriminator_depth=3, **options):
    """A GAN of ``model_class`` with the networks of the 2-D mixture experiments.

    The defaults are PacGAN's (Lin et al. 2018) and VEEGAN's networks:
    :func:`~keras_gans.networks.mixture_generator` (4 x 400 ReLU units with
    batch norm) and :func:`~keras_gans.networks.mixture_discriminator`
    (3 maxout layers of 200 units, 5 pieces); for :class:`BiGAN`, the
    encoder and the pair discriminator of the same sizes.
    """
    generator = networks.mixture_generator(latent_dim, units=generator_units,
                                           depth=generator_depth)
    if model_class is BiGAN:
        return BiGAN(generator,
                     networks.joint_discriminator(latent_dim=latent_dim, units=discriminator_units,
                                                  depth=discriminator_depth),
                     networks.encoder(latent_dim=latent_dim, units=generator_units,
                                      depth=generator_depth), **options)
    discriminator = networks.mixture_discriminator(units=discriminator_units,
                                                   depth=discriminator_depth)
    return model_class(generator, discriminator, **options)


def build_image_bigan(image_shape=(28, 28, 1), latent_dim=100, filters=64, **options):
    """ALI / BiGAN for images: DCGAN's generator, a convolutional encoder and
    the convolutional pair discriminator (:func:`~keras_gans.networks.encoder`,
    :func:`~keras_gans.networks.joint_discriminator`), ``filters`` wide."""
    return BiGAN(sample_shape=image_shape, latent_dim=latent_dim, filters=filters, **options)


MIXTURE_OPTIONS = (
    Option(("--latent-dim",), "latent_dim", dict(type=int, help="noise width (PacGAN: 2)")),
    Option(("--generator-units",), "generator_units",
           dict(type=int, help="units of each hidden layer of G (PacGAN: 400)")),
    Option(("--generator-depth",), "generator_depth",
           dict(type=int, help="hidden layers of G (PacGAN: 4)")),
    Option(("--discriminator-units",), "discriminator_units",
           dict(type=int, help="units of each maxout layer of D (PacGAN: 200)")),
    Option(("--discriminator-depth",), "discriminator_depth",
           dict(type=int, help="maxout layers of D (PacGAN: 3)")),
)


#: PacGAN's training setting for the 2-D mixtures (Lin et al. 2018, after VEEGAN).
PACGAN_SETTING = Recipe(optimizers=adam(1e-4, 1e-4, beta_1=0.8), batch_size=100,
                        evidence="PacGAN's code: Adam(1e-4, beta_1 0.8), batch 100, "
                        "400 epochs of 100,000 samples")


#: The default setting of the 2-D GANs (bench/mode_collapse.py): PacGAN's networks narrowed to
#: fit a CPU budget, Adam at 1e-3 cosine-decayed to 1e-5 over the default 10,000 steps (the
#: decay sharpens the modes: the high-quality share), and sampling from G's moving average.
MIXTURE_STEPS = 10_000
MIXTURE_RECIPE = Recipe(
    options={"generator_units": 128, "generator_depth": 3, "discriminator_units": 128,
             "discriminator_depth": 2, "generator_ema": 0.999},
    optimizers=adam(1e-3, 1e-3, beta_1=0.5, cosine_decay=True),
    batch_size=100,
    evidence="bench/mode_collapse.py; one seed, grid, 10,000 steps: the plain GAN 59 % high "
    "quality with the decay and EMA vs 19 % at a constant 1e-3, and 5 % at PacGAN's 1e-4")


def _mixture_variant(name, summary, model_class, options=(), recipe=None):
    def build(**kwargs):
        return build_mixture_gan(model_class, **kwargs)

    build.__doc__ = f"A {model_class.__name__} for the 2-D mixtures (see build_mixture_gan)."
    return Variant(name=name, summary=summary, build=build, data="mixture_2d", batch_size=100,
                   steps=MIXTURE_STEPS, epochs=10, steps_per_execution=100,
                   options=MIXTURE_OPTIONS + tuple(options), recipe=recipe or MIXTURE_RECIPE,
                   model_class=model_class, paper=PACGAN_SETTING)


def _image_variant(name, summary, build, options, steps, model_class, conditional=False,
                   recipe=Recipe()):
    return Variant(name=name, summary=summary, build=build, data="images", batch_size=64,
                   steps=steps, epochs=10, steps_per_execution=10, options=options,
                   conditional=conditional, recipe=recipe, model_class=model_class)


_ALI = ("Dumoulin et al. 2017, Adversarially Learned Inference; Donahue et al. 2017, "
        "Adversarial Feature Learning")
#: variant name -> the paper (or tutorial) it implements, for ``list`` and the docs.
REFERENCES = {
    "toy1d": "John Glover, An introduction to Generative Adversarial Networks (with code in "
             "TensorFlow), AYLIEN 2016",
    "vanilla": "Goodfellow et al. 2014, Generative Adversarial Nets",
    "dcgan": "Radford et al. 2015, Unsupervised Representation Learning with Deep Convolutional "
             "Generative Adversarial Networks",
    "cdcgan": "Mirza & Osindero 2014, Conditional Generative Adversarial Nets",
    "wgan": "Arjovsky et al. 2017, Wasserstein GAN",
    "wgan_gp": "Gulrajani et al. 2017, Improved Training of Wasserstein GANs",
    "ebgan": "Zhao et al. 2017, Energy-based Generative Adversarial Network",
    "ali": _ALI,
    "ssgan": "Salimans et al. 2016, Improved Techniques for Training GANs, sec. 5",
    "mixture_gan": "Lin et al. 2018, PacGAN: The power of two samples in generative adversarial "
                   "networks (the 2-D benchmark)",
    "mixture_unrolled": "Metz et al. 2017, Unrolled Generative Adversarial Networks",
    "mixture_bigan": _ALI,
    "mixture_wgan_gp": "Gulrajani et al. 2017, Improved Training of Wasserstein GANs",
}

VARIANTS = {
    "toy1d": Variant(
        name="toy1d",
        summary="1-D Gaussian toy (Glover, AYLIEN 2016; no data set needed)",
        build=Toy1DGAN,
        model_class=Toy1DGAN,
        data="gaussian_1d",
        batch_size=12,  # the tutorial's; <= 16 with minibatch discrimination
        steps=30000,
        epochs=10,
        steps_per_execution=100,
        recipe=Recipe(
            options={"noise": "normal", "decay_steps": 3000, "generator_ema": 0.999},
            evidence="python bench/toy1d.py: with --minibatch-discrimination, sigma ratio >= "
            "0.85 and W1 <= 0.05 on 4 of 5 seeds in 30,000 steps (the tutorial's stratified "
            "noise and fast decay: 0 of 5)"),
        options=(
            Option(("--hidden-units",), "hidden_units", dict(type=int, help="h (tutorial: 4)")),
            Option(("--noise",), "noise",
                   dict(choices=Toy1DGAN.NOISES,
                        help="generator input: the tutorial's stratified grid (default) or iid "
                        "N(0, 1)")),
            Option(("--decay-steps",), "decay_steps",
                   dict(type=int, help="steps between x0.95 learning-rate decays (tutorial: 150)")),
            GENERATOR_LOSS,
            DISCRIMINATOR_STEPS,
            REUSE_REAL_BATCH,
        ),
    ),
    "vanilla": _image_variant(
        "vanilla",
        "Goodfellow et al. 2014 GAN, MLP or convolutional networks",
        build_mnist,
        (
            LATENT_DIM,
            Option(("--architecture",), "architecture",
                   dict(choices=sorted(ARCHITECTURES),
                        help="mlp (Goodfellow et al.'s; --paper's) or conv (Su Wang's conv D / "
                        "deconv G; the recipe's)")),
            GENERATOR_DENSE_UNITS,
            GENERATOR_LOSS,
            DISCRIMINATOR_STEPS,
            REUSE_REAL_BATCH,
        ),
        steps=8000, model_class=VanillaGAN,
        recipe=Recipe(
            options={"architecture": "conv", "generator_ema": 0.999, "rejection_sampling": True,
                     "rejection_shift": 1.0},
            optimizers=TF_GAN_RATES,
            evidence="bench/build_saved_models.py --names vanilla_mnist --steps 8000 (seed 0): "
            "0.93x real (FCD 3.3, smallest class 7.4 %) with Su Wang's convolutional networks, "
            "EMA, Adam(D 2e-4, G 1e-3, beta 0.5) decayed over 8,000 steps and discriminator "
            "rejection sampling at gamma 1 (4.3 % of G's samples kept); the same generator "
            "without rejection 0.87x (FCD 4.8), with gamma 0 0.92x (FCD 4.2); with the decay "
            "over 4,500 steps 0.82x (FCD 5.7) without rejection; the paper's MLP 0.78x (FCD "
            "12.4), the MLP with EMA and a decay 0.75x (FCD 20.4)"),
    ),
    "dcgan": _image_variant(
        "dcgan", "DCGAN (Radford et al. 2015)", DCGAN,
        (LATENT_DIM, FILTERS, GENERATOR_DENSE_UNITS, DISCRIMINATOR_DENSE_UNITS,
         GENERATOR_LOSS, DISCRIMINATOR_STEPS, REUSE_REAL_BATCH), steps=6500,
        model_class=DCGAN,
        recipe=Recipe(
            options={"generator_ema": 0.999, "generator_dense_units": 256,
                     "discriminator_dense_units": 1024},
            optimizers=TF_GAN_RATES,
            evidence="bench/ablation.py --variants dcgan --minutes 5 (1 seed): classifier score "
            "0.81x real (FCD 8.1) with InfoGAN's dense layers (G 256, D 1024), EMA and G's "
            "learning rate 1e-3 (TF-GAN's); 0.80x with 1024 in both; a collapse with D's alone "
            "(bench/results/ablation.md); bench/build_saved_models.py --names dcgan_mnist "
            "--minutes 10 (about 6,500 steps): 0.908x (FCD 2.8) with the decay over 6,500 steps, "
            "0.895x over 5,000, 0.86x over 3,000"),
    ),
    "cdcgan": _image_variant(
        "cdcgan", "conditional DCGAN (Mirza & Osindero 2014)", ConditionalDCGAN,
        (LATENT_DIM, FILTERS, GENERATOR_DENSE_UNITS, DISCRIMINATOR_DENSE_UNITS,
         GENERATOR_LOSS, DISCRIMINATOR_STEPS, REUSE_REAL_BATCH), steps=3000,
        conditional=True, model_class=ConditionalDCGAN,
    ),
    "wgan": _image_variant(
        "wgan", "WGAN with weight clipping (Arjovsky et al. 2017)", WGAN,
        (LATENT_DIM, FILTERS, GENERATOR_DENSE_UNITS, DISCRIMINATOR_DENSE_UNITS,
         CRITIC_STEPS, REUSE_REAL_BATCH,
         Option(("--critic-normalization",), "normalization",
                dict(choices=("batch", "layer", "none"),
                     help="normalization in the critic: batch (the paper's DCGAN critic), layer "
                     "or none (the recipe's)")),
         Option(("--clip-value",), "clip_value",
                dict(type=float, help="critic weights are clipped to [-c, c] (default 0.01)"))),
        steps=2000, model_class=WGAN,
        recipe=Recipe(options={"generator_ema": 0.999, "normalization": "none"},
                      optimizers=rmsprop(2e-4, 2e-4),
                      evidence="bench/build_saved_models.py --names wgan_mnist --steps 5500 "
                      "(seed 0): 0.60x real (FCD 40.7) with a critic without normalization, "
                      "against 0.54x (FCD 53, 5,550 steps) with the paper's batch-norm critic, "
                      "both with EMA and RMSProp 2e-4 (4x the paper's; 0.42x, FCD 84 at 5e-5); "
                      "the paper's n_critic 5 and c 0.01; bench/results/ablation_wgan_critic.md"),
    ),
    "wgan_gp": _image_variant(
        "wgan_gp", "WGAN-GP (Gulrajani et al. 2017)", WGANGP,
        (LATENT_DIM, FILTERS, GENERATOR_DENSE_UNITS, DISCRIMINATOR_DENSE_UNITS,
         CRITIC_STEPS, REUSE_REAL_BATCH,
         GRADIENT_PENALTY_WEIGHT, PENALTY_INTERVAL),
        steps=6500, model_class=WGANGP,
        recipe=Recipe(
            options={"generator_ema": 0.999, "generator_dense_units": 256,
                     "discriminator_dense_units": 1024, "discriminator_steps": 1,
                     "penalty_interval": 4, "rejection_sampling": True,
                     "rejection_quantile": 0.99},
            optimizers=adam(d_learning_rate=2e-4, g_learning_rate=1e-3, beta_1=0.5, beta_2=0.9,
                            cosine_decay=True),
            evidence="bench/ablation.py --variants wgan_gp --minutes 5 (1 seed): classifier "
            "score 0.64x real with one critic step per generator step, InfoGAN's dense layers, "
            "EMA and Adam(D 2e-4, G 1e-3, beta 0.5 / 0.9); 0.28x with the paper's n_critic 5 "
            "(160 generator steps in the budget); bench/results/ablation.md; "
            "bench/build_saved_models.py --names wgan_gp_mnist --minutes 10: 0.79x (FCD 9.4, "
            "3,960 steps) with the decay over 3,000 steps and the penalty every step; 0.81x "
            "(FCD 7.4, 6,620 steps) with the lazy penalty every 4th step; 0.85x (FCD 4.8, "
            "6,730 steps) with it and the decay over 6,500; bench/rejection_sampling.py --model "
            "runs/quality/wgan_gp_mnist.keras --variant wgan_gp --shifts 0 1 --quantiles 0.99 0.9 "
            "0.8 (that recipe, --steps 6700: 0.854x, FCD 4.85): samples kept by rejection on the "
            "Platt-calibrated critic 0.90-0.94x, 0.925x (FCD 5.3, 15 % kept) at gamma 0, q 0.99"),
    ),
    "ebgan": _image_variant(
        "ebgan", "energy-based GAN (Zhao et al. 2017; Su Wang, sec. 5)", EBGAN,
        (LATENT_DIM, FILTERS, GENERATOR_DENSE_UNITS, DISCRIMINATOR_STEPS, REUSE_REAL_BATCH,
         Option(("--margin",), "margin",
                dict(type=float, help="m of D's hinge max(0, m - D(G(z))) (default 1; the "
                     "energy is the per-pixel squared reconstruction error)")),
         Option(("--pulling-away-weight",), "pulling_away_weight",
                dict(type=float, help="lambda_PT of the pulling-away term (default 0.1; 0: off)")),
         Option(("--embedding-units",), "embedding_units",
                dict(type=int, help="width of the autoencoder's code (default 64)"))),
        steps=8800, model_class=EBGAN,
        # The margin: m = 1 (the model's default) let D push every fake above m at once, and
        # G stalled there on grey noise (classifier score 0.10x real after 10 minutes);
        # 0.1 and 0.3 train D as a plain autoencoder of the data until G's samples come close.
        # InfoGAN's hidden layer in G, as in the DCGAN recipe: 0.69x -> 0.80x, FCD 23.6 -> 9.4;
        # the decay over all 8,800 steps (the quiet machine's 10 minutes), not the first 6,000:
        # 0.83x, FCD 5.9. Samples by rejection on the Platt-calibrated energy, the bound its
        # 0.9-quantile (a quarter of G's samples kept): 0.86x, FCD 5.5.
        recipe=Recipe(options={"generator_ema": 0.999, "margin": 0.3,
                               "generator_dense_units": 256, "rejection_sampling": True,
                               "rejection_quantile": 0.9},
                      optimizers=TF_GAN_RATES,
                      evidence="bench/ablation.py --variants ebgan --configs recipe:margin=0.1 "
                      "recipe:margin=0.3 recipe:margin=1 --minutes 5 (1 seed): score / real "
                      "0.40, 0.43 and 0.11 (bench/results/ebgan.md); bench/build_saved_models.py "
                      "--names ebgan_mnist --minutes 10: 0.69x (FCD 23.6, 8,810 steps) with "
                      "Adam(D 2e-4, G 1e-3) decayed over 6,000 steps, against 0.56x (FCD 47.7) "
                      "at Adam 2e-4 without a decay; with G's dense layer of 256 "
                      "(bench/build_saved_models.py --names ebgan_mnist --steps 8800): 0.80x, "
                      "FCD 9.4 with the decay over 6,000 steps, 0.83x, FCD 5.9 over all 8,800; "
                      "bench/rejection_sampling.py --model runs/quality/ebgan_mnist.keras "
                      "--variant ebgan --shifts 0 1 --quantiles 0.99 0.9 0.8: that generator's "
                      "samples kept by rejection on the calibrated energy 0.85-0.87x, 0.86x (FCD "
                      "5.5, 26 % kept) at gamma 0 and q 0.9"),
    ),
    "ali": _image_variant(
        "ali", "ALI / BiGAN (Dumoulin et al. 2017; Donahue et al. 2017): G and an encoder E",
        build_image_bigan, (LATENT_DIM, FILTERS, DISCRIMINATOR_STEPS, REUSE_REAL_BATCH, CYCLE_WEIGHT),
        steps=3000, model_class=BiGAN,
        # ALICE's cycle term (Li et al. 2017): without it G(E(x)) kept the label of 18 % of
        # test digits; with lambda = 10, 96 % after 3,000 steps, and the samples improved.
        recipe=Recipe(options={"generator_ema": 0.999, "cycle_weight": 10.0},
                      evidence="bench/quality.py --variants ali --minutes 10 without the cycle "
                      "term: 0.46x real, 18% of test digits keep their label through G(E(x)) "
                      "(bench/results/ali.md); with cycle_weight=10, after 500 / 1,000 / 1,500 "
                      "steps: 0.45x / 0.50x / 0.57x real, 34 % / 37 % / 67 % keep their label; "
                      "bench/build_saved_models.py --names ali_mnist --steps 3000 (the encoder "
                      "averaged with G): 0.64x real, FCD 28.7, 95.8 % (bench/results/ali_cycle.md)")),
    "ssgan": Variant(
        name="ssgan", summary="semi-supervised GAN (Salimans et al. 2016, sec. 5): a K+1-way D",
        build=SemiSupervisedGAN, model_class=SemiSupervisedGAN, data="semi_supervised",
        batch_size=64, steps=4000, epochs=10, steps_per_execution=10,
        options=(LATENT_DIM, FILTERS, DISCRIMINATOR_DENSE_UNITS, DISCRIMINATOR_STEPS,
                 Option(("--architecture",), "architecture",
                        dict(choices=SSGAN_ARCHITECTURES,
                             help="mlp (the paper's MNIST networks: weight-normalized MLP D with "
                             "Gaussian noise; the default and --paper's) or conv (DCGAN "
                             "networks, D with layer norm)")),
                 Option(("--unsupervised-weight",), "unsupervised_weight",
                        dict(type=float, help="w of D's loss L_supervised + w L_unsupervised "
                             "(default 1, the paper's equation; 0.5 in its released code)"))),
        recipe=Recipe(
            # R1 keeps D from overpowering G once G's output sigmoid saturates (about
            # 3,000 steps without it), so the error keeps falling to 4,000 steps and beyond.
            options={"architecture": "mlp", "r1_gamma": 1.0},
            optimizers=adam(1e-3, 1e-3, beta_1=0.5), batch_size=100,
            evidence="bench/semi_supervised.py --labels 100 --steps 4000: 7.07 +- 0.75 % test error "
            "over 5 seeds against 24.3 +- 3.2 % for the same network on the 100 labelled digits "
            "alone; before R1, --steps 2000: 12.0 +- 1.5 % test "
            "error over 5 seeds against 22.5 +- 2.8 % for the same network on the 100 labelled "
            "digits alone; "
            "the DCGAN networks (architecture conv) 22.9 % after 500 steps and 21.3 % after "
            "1,000, no better than their baseline; a prototype of these networks at the paper's "
            "3e-3: D won at once and the error stayed near 22 % (docs/benchmarks/ebgan-ali-"
            "ssgan.md)"),
        paper=Recipe(
            options={"architecture": "mlp"},
            optimizers=adam(3e-3, 3e-3, beta_1=0.5), batch_size=100,
            evidence="Salimans et al.'s code: Adam(3e-3, beta_1 0.5), 100 labelled and 100 "
            "unlabelled digits per step")),
    "mixture_gan": _mixture_variant(
        "mixture_gan", "GAN on a 2-D mixture, ring or grid (PacGAN's networks and settings)",
        VanillaGAN, (GENERATOR_LOSS, DISCRIMINATOR_STEPS, REUSE_REAL_BATCH)),
    "mixture_unrolled": _mixture_variant(
        "mixture_unrolled", "unrolled GAN (Metz et al. 2017) on a 2-D mixture", UnrolledGAN,
        (GENERATOR_LOSS, DISCRIMINATOR_STEPS, REUSE_REAL_BATCH,
         Option(("--unrolling-steps",), "unrolling_steps",
                dict(type=int, help="K: D steps G looks ahead (default 5)")),
         Option(("--second-order",), "second_order",
                dict(action=argparse.BooleanOptionalAction, default=None,
                     help="differentiate through the K updates (the paper's); "
                     "--no-second-order treats the unrolled D as a constant (cheaper; the "
                     "recipe's)"))),
        recipe=dataclasses.replace(MIXTURE_RECIPE, options={**MIXTURE_RECIPE.options,
                                                            "second_order": False})),
    "mixture_bigan": _mixture_variant(
        "mixture_bigan", "ALI / BiGAN (Dumoulin et al. 2017; Donahue et al. 2017) on a 2-D mixture",
        BiGAN, (DISCRIMINATOR_STEPS, REUSE_REAL_BATCH, CYCLE_WEIGHT)),
    "mixture_wgan_gp": _mixture_variant(
        "mixture_wgan_gp", "WGAN-GP (Gulrajani et al. 2017) on a 2-D mixture", WGANGP,
        (CRITIC_STEPS, REUSE_REAL_BATCH, GRADIENT_PENALTY_WEIGHT),
        # Gulrajani et al.'s own toy setting (their gan_toy.py): lambda 0.1 ("smaller lambda
        # seems to help for toy tasks"), Adam(1e-4, 0.5, 0.9), n_critic 5; with the recipe's
        # Adam(1e-3, 0.5) and lambda 10 the critic failed (0 of 8 ring modes, 1 seed).
        recipe=dataclasses.replace(
            MIXTURE_RECIPE, options={**MIXTURE_RECIPE.options, "gradient_penalty_weight": 0.1},
            optimizers=adam(1e-4, 1e-4, beta_1=0.5, beta_2=0.9,
                            cosine_decay=True))),
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
        WGAN: "wgan", WGANGP: "wgan_gp", UnrolledGAN: "mixture_unrolled", BiGAN: "ali",
        EBGAN: "ebgan", SemiSupervisedGAN: "ssgan",
    }
    mixtures = {VanillaGAN: "mixture_gan", WGANGP: "mixture_wgan_gp", BiGAN: "mixture_bigan"}
    if len(model.generator.outputs[0].shape) == 2 and type(model) in mixtures:
        return mixtures[type(model)]
    return classes.get(type(model), type(model).__name__)


def build(name, dataset="mnist", paper=False, compile=True, **options):
    """Builds (and compiles) variant ``name`` in its recipe, or the paper's settings.

    The Python face of ``python -m keras_gans train NAME [--paper]``. Call it
    inside ``strategy.scope()`` to train under a ``tf.distribute`` strategy.

    Args:
        name: a key of :data:`VARIANTS`.
        dataset: the image data set (fixes the image shape and classes);
            ignored by the 1-D toy.
        paper: the paper's settings (the model class's defaults) instead of
            the recipe.
        compile: also ``compile()`` it with the recipe's optimizers and the
            variant's ``steps_per_execution``.
        **options: build and technique options, over the recipe's.

    Returns:
        The model; its recipe's batch size is ``batch_size_of(name, paper)``.
    """
    variant = get_variant(name)
    recipe = variant.settings(paper)
    model = variant.build(**{**techniques.drop_switched_off(recipe.options, options),
                             **variant.data_options(dataset), **options})
    if compile:
        model.compile(*variant.make_optimizers(paper),
                      steps_per_execution=variant.steps_per_execution)
    return model


def batch_size_of(name, paper=False):
    """The minibatch size ``m`` that variant ``name`` trains with (recipe or paper)."""
    variant = get_variant(name)
    return variant.settings(paper).batch_size or variant.batch_size
