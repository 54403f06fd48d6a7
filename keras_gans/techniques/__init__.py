"""Training techniques that compose with every GAN variant.

The remedies the GAN literature teaches — the "improved techniques" of
Salimans et al. (2016), instance noise, penalizing the discriminator,
averaging the generator — are each ONE module here: a :class:`Technique`
subclass that declares its options (name, default, valid range, help text,
Keras Tuner range) and implements the hooks it needs. The shared step
machinery of :class:`keras_gans.models.GAN` calls those hooks, so a variant's
``train_step`` keeps reading like its paper's algorithm box, and a new
technique needs no change to any variant, to the CLI (its flags are derived
from the declarations) or to the tuner (its searchable weights likewise).

Every technique is switched on by a keyword of the model's constructor::

    gan = DCGAN(feature_matching=1.0, generator_ema=0.999, instance_noise=0.1)

and is then part of ``get_config`` (and so of ``.keras`` files).

The hooks, in the order a training step meets them:

===========================  ===========================================================
``transform_networks``       replace the networks at construction (minibatch
                             discrimination, virtual batch norm)
``build``                    create state (averaged weights) before the model is built
``discriminator_input``      change what D sees (augmentation, instance noise); in ``GAN.D``
``discriminator_penalty``    a per-example term added to D's loss (R1); in
                             ``GAN.discriminator_step``
``generator_objective``      replace G's loss (feature matching); in ``GAN.generator_step``
``weight_penalty``           a term on a network's weights (historical averaging); in
                             ``GAN.minimize``
``after_update``             after each update of a network (generator EMA,
                             historical averages); in ``GAN.minimize``
``sampling_network``         the network that ``generate``, the callbacks and the
                             exports run in place of G (or ALI's E): the averaged one
``real_samples_needed``      real samples that ``fit()`` keeps from the start of its data
                             for ``prepare_sampling`` (calibrating a critic's score)
``prepare_sampling``         eager work before samples are drawn (rejection sampling's
                             bound on D's logit); in ``GAN.draw``, ``GAN.save`` and
                             before an export
``draw``                     how samples are drawn in place of ``G(z)`` (rejection
                             sampling); in ``GAN.draw``, which ``generate`` and the
                             exported ``generate`` signature call (with
                             ``sampling_variables`` and ``sampling_metadata`` for exports)
===========================  ===========================================================

Examples:

    >>> from keras_gans.models import DCGAN
    >>> gan = DCGAN(latent_dim=8, filters=4, generator_ema=0.99, real_label=0.9)
    >>> [type(t).__name__ for t in gan.techniques]
    ['OneSidedLabelSmoothing', 'GeneratorEMA']
    >>> DCGAN.from_config(gan.get_config()).real_label
    0.9
"""

import dataclasses
import math
import numbers
import warnings

_MISSING = object()


@dataclasses.dataclass(frozen=True)
class Option:
    """One constructor keyword of a technique: its type, default and valid range.

    The same declaration validates the value, documents it, becomes a CLI
    flag (``--feature-matching``) and, with ``search``, a Keras Tuner range.

    Attributes:
        name: the keyword (``"feature_matching"``).
        default: the value a model gets when the keyword is not given.
        help: one line for ``--help`` and the docs.
        kind: ``float``, ``int``, ``bool`` or ``str``.
        low, high: inclusive bounds (``None``: unbounded).
        above: a bound the value must EXCEED (exclusive lower bound).
        below: a bound the value must stay under (exclusive upper bound).
        allow_none: ``None`` is a valid value (it switches the technique off).
        choices: the valid values of a ``str`` option, or None.
        search: ``(low, high)`` of a log-scale Keras Tuner search, or None.
    """

    name: str
    default: object
    help: str
    kind: type = float
    low: float = None
    high: float = None
    above: float = None
    below: float = None
    allow_none: bool = False
    choices: tuple = None
    search: tuple = None

    @property
    def flag(self):
        """The CLI flag: ``--`` and the name with dashes."""
        return "--" + self.name.replace("_", "-")

    def check(self, value):
        """Returns ``value`` converted to the option's kind.

        Raises:
            ValueError: naming the option, the expected and the received value.
        """
        if value is None and self.allow_none:
            return None
        if self.kind is bool:
            if not isinstance(value, (bool, int)) or value not in (0, 1):
                raise ValueError(f"Expected {self.name} to be True or False, received {value!r}.")
            return bool(value)
        if self.kind is str:
            if not isinstance(value, str) or (self.choices and value not in self.choices):
                expected = f"in {self.choices}" if self.choices else "to be a string"
                raise ValueError(f"Expected {self.name} {expected}, received {value!r}.")
            return value
        integral = self.kind is int
        if isinstance(value, bool) or not isinstance(
                value, numbers.Integral if integral else numbers.Real) or not math.isfinite(value):
            raise ValueError(
                f"Expected {self.name} to be {'an integer' if integral else 'a finite number'}"
                f"{self._range()}, received {value!r}.")
        if ((self.low is not None and value < self.low)
                or (self.high is not None and value > self.high)
                or (self.above is not None and value <= self.above)
                or (self.below is not None and value >= self.below)):
            raise ValueError(f"Expected {self.name}{self._range()}, received {value!r}.")
        return self.kind(value)

    def _range(self):
        parts = []
        if self.low is not None:
            parts.append(f">= {self.low:g}")
        if self.above is not None:
            parts.append(f"> {self.above:g}")
        if self.high is not None:
            parts.append(f"<= {self.high:g}")
        if self.below is not None:
            parts.append(f"< {self.below:g}")
        text = " " + " and ".join(parts) if parts else ""
        return text + (" or None" if self.allow_none else "")


class Technique:
    """A training technique: options declared once, hooks into the shared step.

    Subclasses set :attr:`name`, :attr:`paper`, :attr:`summary` and
    :attr:`options` (the FIRST option switches the technique on: it is on
    when that option differs from its default), may restrict the variants
    they apply to with the ``needs_*`` attributes below (a reason each) or
    :meth:`unsupported`, and override the hooks they need.
    Every hook of this base class does nothing.

    The option values are attributes of the instance (``self.r1_gamma``).
    """

    name = ""
    paper = ""
    summary = ""
    options = ()
    #: Whether the technique needs D to see samples alone (``D(x)``, or
    #: ``D(x | y)``); models whose D judges (x, z) pairs (BiGAN) refuse it.
    needs_discriminator_of_samples = False
    #: Why the technique needs D trained with the logistic (cross-entropy) loss
    #: (a sentence), or None; the Wasserstein critics and EBGAN refuse it then.
    needs_logistic_loss = None
    #: Why the technique needs an unconditional model (a sentence), or None.
    needs_unconditional = None

    def __init__(self, **values):
        for option in self.options:
            setattr(self, option.name, values.get(option.name, option.default))

    @classmethod
    def is_enabled(cls, values):
        """Whether the switching option in ``values`` differs from its default."""
        switch = cls.options[0]
        return values.get(switch.name, switch.default) not in (switch.default, None, 0, False)

    @classmethod
    def unsupported(cls, model_class, generator, discriminator, values):
        """Why the technique cannot apply to this model (a sentence), or None."""
        return None

    # ------------------------------------------------------------------ hooks
    def transform_networks(self, generator, discriminator):
        """Returns ``(generator, discriminator)``, changed if the technique changes them."""
        return generator, discriminator

    def build(self, model):
        """Creates the technique's state on ``model`` (before it is built)."""

    def discriminator_input(self, model, samples):
        """What D sees instead of ``samples`` during training."""
        return samples

    def discriminator_penalty(self, model, real, labels):
        """A per-example ``(batch,)`` term added to D's loss, or None."""
        return None

    def generator_objective(self, model, fake, real, labels, adversarial_loss):
        """G's per-example loss on ``fake`` if the technique replaces it, else None."""
        return None

    def weight_penalty(self, model, network):
        """A scalar added to ``network``'s loss (once per update), or None."""
        return None

    def after_update(self, model, network):
        """Runs after every gradient step of ``network``."""

    def sampling_network(self, model, name):
        """The network to run in place of ``model.<name>`` (``"generator"``, or
        ALI / BiGAN's ``"encoder"``) at inference, or None."""
        return None

    def real_samples_needed(self, model):
        """How many real samples :meth:`prepare_sampling` calibrates on (``fit()`` keeps the
        first rows of its data as ``model.sampling_reference``); 0: none."""
        return 0

    def prepare_sampling(self, model):
        """Runs eagerly before samples are drawn (and before an export is traced)."""

    def draw(self, model, num_samples, seed):
        """``(samples, codes)`` drawn in place of ``G(z)`` for fresh ``z``, or None."""
        return None

    def sampling_variables(self, model):
        """Variables beyond the generator's that :meth:`draw` reads (for exports)."""
        return []

    def sampling_metadata(self, model):
        """Entries for an export's ``model.json`` on how :meth:`draw` samples."""
        return {}

    def get_config(self):
        """The option values, as constructor keywords of the model."""
        return {option.name: getattr(self, option.name) for option in self.options}


def _registry():
    from keras_gans.techniques import (
        diff_augment,
        feature_matching,
        generator_ema,
        historical_averaging,
        instance_noise,
        label_smoothing,
        minibatch_discrimination,
        packing,
        r1_penalty,
        rejection_sampling,
        virtual_batch_norm,
    )

    classes = (
        minibatch_discrimination.MinibatchDiscrimination,
        packing.Packing,
        virtual_batch_norm.VirtualBatchNorm,
        label_smoothing.OneSidedLabelSmoothing,
        diff_augment.DifferentiableAugmentation,
        instance_noise.InstanceNoise,
        r1_penalty.R1Penalty,
        feature_matching.FeatureMatching,
        historical_averaging.HistoricalAveraging,
        generator_ema.GeneratorEMA,
        rejection_sampling.DiscriminatorRejectionSampling,
    )
    return {cls.name: cls for cls in classes}


_TECHNIQUES = None


def techniques():
    """``{name: Technique subclass}`` of every technique, in the order they apply."""
    global _TECHNIQUES
    if _TECHNIQUES is None:
        _TECHNIQUES = _registry()
    return _TECHNIQUES


def all_options():
    """``{option name: (Technique subclass, Option)}`` of every declared option."""
    return {option.name: (cls, option) for cls in techniques().values() for option in cls.options}


def pop_options(kwargs):
    """Removes every technique keyword from ``kwargs``; returns them as a dict."""
    declared = all_options()
    return {name: kwargs.pop(name) for name in list(kwargs) if name in declared}


def drop_switched_off(recipe, explicit):
    """The options of ``recipe`` less those of the techniques that ``explicit`` switches off.

    The caller puts ``explicit`` over the result: ``train vanilla
    --no-rejection-sampling`` drops the recipe's ``rejection_shift`` with the
    technique, so the options in effect say what the model does.

    Examples:

        >>> drop_switched_off({"rejection_sampling": True, "rejection_shift": 1.0,
        ...                    "generator_ema": 0.999}, {"rejection_sampling": False})
        {'rejection_sampling': True, 'generator_ema': 0.999}
    """
    off = {option.name for cls in techniques().values()
           if cls.options[0].name in explicit and not cls.is_enabled(explicit)
           for option in cls.options[1:]}
    return {name: value for name, value in recipe.items() if name not in off}


def _unsupported(cls, model_class, generator, discriminator, values):
    """Why technique ``cls`` cannot apply to the model (a sentence), or None."""
    if cls.needs_discriminator_of_samples and getattr(model_class, "joint_discriminator", False):
        return "its discriminator judges (sample, code) pairs, and the technique needs D(x) alone"
    if cls.needs_logistic_loss and not getattr(model_class, "logistic_loss", False):
        return cls.needs_logistic_loss
    if cls.needs_unconditional and getattr(model_class, "conditional", False):
        return cls.needs_unconditional
    return cls.unsupported(model_class, generator, discriminator, values)


def applicable(model_class, generator=None, discriminator=None):
    """The technique classes that can apply to ``model_class`` (for CLI flags and the docs)."""
    return [cls for cls in techniques().values()
            if _unsupported(cls, model_class, generator, discriminator, {}) is None]


def applicable_options(model_class, searchable=False):
    """``[(Technique subclass, Option)]`` of the techniques that apply to ``model_class``;
    with ``searchable``, only the options with a Keras Tuner range."""
    return [(cls, option) for cls in applicable(model_class) for option in cls.options
            if option.search or not searchable]


def configure(model_class, generator, discriminator, values):
    """Validates ``values`` and returns ``(techniques, generator, discriminator)``.

    ``techniques`` are the enabled :class:`Technique` instances, in registry
    order; the networks are the ones they transformed.

    Options of a technique that is off are ignored, with a ``UserWarning``
    when its switching option was not given at all.

    Raises:
        ValueError: an invalid value, or a technique that does not apply to
            ``model_class``.
    """
    checked = {}
    for name, value in values.items():
        _, option = all_options()[name]
        checked[name] = option.check(value)
    enabled = []
    for cls in techniques().values():
        own = {o.name: checked[o.name] for o in cls.options if o.name in checked}
        if not cls.is_enabled(own):
            ignored = [f"{o.name}={own[o.name]!r}" for o in cls.options[1:]
                       if o.name in own and own[o.name] != o.default]
            switch = cls.options[0]
            # Only when the switch was left out (a forgotten flag): a loop that passes it
            # explicitly, on and off, with the same other options is deliberate.
            if ignored and switch.name not in own:
                warnings.warn(
                    f"{', '.join(ignored)} given without {switch.name}, so {cls.name} "
                    f"({cls.paper}) is off and ignores it; set {switch.name} to use it.",
                    UserWarning, stacklevel=4)
            continue
        reason = _unsupported(cls, model_class, generator, discriminator, own)
        if reason:
            raise ValueError(f"{cls.name} ({cls.paper}) does not apply to "
                             f"{model_class.__name__}: {reason}")
        technique = cls(**own)
        generator, discriminator = technique.transform_networks(generator, discriminator)
        enabled.append(technique)
    return tuple(enabled), generator, discriminator


def describe():
    """One Markdown table row per technique option (for the docs)."""
    rows = ["| technique | option | default | meaning |", "| --- | --- | --- | --- |"]
    for cls in techniques().values():
        for option in cls.options:
            rows.append(f"| {cls.name} ({cls.paper}) | `{option.name}` | {option.default!r} | "
                        f"{option.help} |")
    return "\n".join(rows)
