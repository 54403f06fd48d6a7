"""Keras Tuner searches over a GAN's learning rates, judged by sample quality.

GAN losses do not rank models (they measure one network against the other,
which moves too), so the objective is a quality metric written into the
``fit()`` logs by a callback: ``w1`` (min) for the 1-D toy, ``val_fcd``
(min) or ``val_conditional_accuracy`` (max) for image variants.

Examples:

    >>> import keras_tuner
    >>> from keras_gans import data
    >>> hypermodel = GANHyperModel("toy1d")
    >>> tuner = make_tuner(hypermodel, "random", max_trials=1, directory=getfixture("tmp_path"))
    >>> tuner.search(data.gaussian_1d(batch_size=12, seed=0), epochs=1, steps_per_epoch=20, verbose=0)
    >>> sorted(tuner.get_best_hyperparameters()[0].values)
    ['d_learning_rate', 'g_learning_rate']
"""

import math

import keras
import keras_tuner

from keras_gans import callbacks as gan_callbacks
from keras_gans import techniques
from keras_gans.variants import VARIANTS

#: Objectives by short name: the log key a callback writes, and its direction.
OBJECTIVES = {
    "w1": keras_tuner.Objective("w1", direction="min"),
    "fcd": keras_tuner.Objective("val_fcd", direction="min"),
    "conditional_accuracy": keras_tuner.Objective("val_conditional_accuracy", direction="max"),
    "classifier_score": keras_tuner.Objective("val_classifier_score", direction="max"),
    "reverse_kl": keras_tuner.Objective("reverse_kl", direction="min"),
    "error": keras_tuner.Objective("val_error", direction="min"),
}
TUNERS = {
    "random": keras_tuner.RandomSearch,
    "bayesian": keras_tuner.BayesianOptimization,
    "hyperband": keras_tuner.Hyperband,
}


def default_objective(variant):
    """``w1`` for the 1-D toy, ``reverse_kl`` for the 2-D mixtures, ``conditional_accuracy``
    for conditional variants, else ``fcd``."""
    variant = _variant(variant)
    if variant.data == "gaussian_1d":
        return "w1"
    if variant.data == "mixture_2d":
        return "reverse_kl"
    if variant.data == "semi_supervised":
        return "error"
    return "conditional_accuracy" if variant.conditional else "fcd"


def with_learning_rate(optimizer, learning_rate, beta_1=None):
    """A new optimizer like ``optimizer`` with another learning rate (and β1).

    A learning-rate schedule keeps its shape: its initial learning rate is
    replaced.

    Examples:

        >>> adam = with_learning_rate(keras.optimizers.Adam(2e-4, beta_1=0.5), 1e-3)
        >>> round(initial_learning_rate(adam), 6), adam.get_config()["beta_1"]
        (0.001, 0.5)
    """
    config = optimizer.get_config()
    if isinstance(config["learning_rate"], dict):  # a serialized schedule
        config["learning_rate"]["config"]["initial_learning_rate"] = learning_rate
    else:
        config["learning_rate"] = learning_rate
    if beta_1 is not None:
        if "beta_1" not in config:
            raise ValueError(
                f"Expected an optimizer with beta_1 (Adam-like) to tune beta_1, received "
                f"{type(optimizer).__name__}."
            )
        config["beta_1"] = beta_1
    return type(optimizer).from_config(config)


def initial_learning_rate(optimizer):
    """The learning rate of ``optimizer`` at step 0 (a schedule's initial one)."""
    rate = optimizer.get_config()["learning_rate"]
    return rate["config"]["initial_learning_rate"] if isinstance(rate, dict) else float(rate)


def _variant(variant):
    if isinstance(variant, str):
        if variant not in VARIANTS:
            raise ValueError(f"Expected a variant in {sorted(VARIANTS)}, received {variant!r}.")
        return VARIANTS[variant]
    return variant


class GANHyperModel(keras_tuner.HyperModel):
    """Searches the learning rates of D and G (log scale) of one variant.

    ``build(hp)`` builds the variant and compiles it with its own optimizers
    (the paper's) at the sampled learning rates (pass nothing like
    ``optimizer=`` to the tuner). ``fit`` adds the callback that writes the
    objective into the logs, stops on NaN, and marks a diverged trial as
    failed (``keras_tuner.errors.FailedTrialError``) so the search goes on.

    Args:
        variant: a name in :data:`keras_gans.variants.VARIANTS` (or a ``Variant``).
        options: keyword arguments of the variant's ``build`` (e.g.
            ``{"minibatch_discrimination": True}``); image variants also get
            the data set's image shape and classes.
        learning_rates: ``(low, high)`` range of both learning rates.
        tune_beta_1: also search Adam's β1 in [0, 0.9].
        tune_discriminator_steps: also search k / n_critic in [1, 2 x default].
        tune_techniques: technique options with a ``search`` range to search
            too (log scale), e.g. ``("feature_matching", "r1_gamma")``.
        optimizers: factory of the ``(d_optimizer, g_optimizer)`` whose
            learning rates are searched (e.g. a recipe's); None: the model's.
        dataset: image data set the quality is measured against.
        eval_samples: generated images per quality evaluation.
        seed: the models' noise seed (see :class:`keras_gans.models.GAN`).
        steps_per_execution: passed to ``compile``.
    """

    def __init__(self, variant, options=None, learning_rates=(1e-5, 1e-2), tune_beta_1=False,
                 tune_discriminator_steps=False, dataset="mnist", eval_samples=1000, seed=None,
                 steps_per_execution=1, tune_techniques=(), optimizers=None, **kwargs):
        self.variant = _variant(variant)
        super().__init__(name=kwargs.pop("name", self.variant.name), **kwargs)
        low, high = learning_rates
        if not 0 < low < high:
            raise ValueError(
                f"Expected learning_rates (low, high) with 0 < low < high, received {learning_rates!r}."
            )
        self.options = {**(options or {}), **self.variant.data_options(dataset)}
        self.learning_rates = (float(low), float(high))
        self.tune_beta_1 = tune_beta_1
        self.tune_discriminator_steps = tune_discriminator_steps
        self.dataset = dataset
        self.eval_samples = eval_samples
        self.seed = seed
        self.steps_per_execution = steps_per_execution
        self.optimizers = optimizers
        searchable = {option.name: option for _, option in
                      techniques.applicable_options(self.variant.model_class, searchable=True)}
        for name in tune_techniques:
            if name not in searchable:
                raise ValueError(f"Expected technique options with a search range for "
                                 f"{self.variant.name}, one of {sorted(searchable)}; received "
                                 f"{name!r}.")
        self.tune_techniques = tuple(searchable[name] for name in tune_techniques)
        self._evaluator = None
        # The variant's own model tells the defaults the search starts from.
        self.defaults = self.variant.build(**self.options)
        if tune_beta_1:  # fail here, not in every trial
            for optimizer in self.base_optimizers():
                with_learning_rate(optimizer, initial_learning_rate(optimizer), beta_1=0.5)

    def base_optimizers(self):
        """New ``(d_optimizer, g_optimizer)`` whose learning rates are searched."""
        return self.optimizers() if self.optimizers else self.defaults.default_optimizers()

    def build(self, hp):
        """Builds and compiles the variant at ``hp``'s learning rates (and technique weights)."""
        d_default, g_default = self.base_optimizers()
        low, high = self.learning_rates

        def rate(name, default):
            return hp.Float(name, low, high, sampling="log",
                            default=min(max(initial_learning_rate(default), low), high))

        d_rate, g_rate = rate("d_learning_rate", d_default), rate("g_learning_rate", g_default)
        beta_1 = None
        if self.tune_beta_1:
            beta_1 = hp.Float("beta_1", 0.0, 0.9, default=d_default.get_config().get("beta_1", 0.5))
        options = dict(self.options)
        if self.tune_discriminator_steps:
            default_k = self.defaults.discriminator_steps
            options["discriminator_steps"] = hp.Int("discriminator_steps", 1, 2 * default_k,
                                                    default=default_k)
        for option in self.tune_techniques:
            low, high = option.search
            options[option.name] = hp.Float(option.name, low, high, sampling="log")
        model = self.variant.build(seed=self.seed, **options)
        model.compile(with_learning_rate(d_default, d_rate, beta_1),
                      with_learning_rate(g_default, g_rate, beta_1),
                      steps_per_execution=self.steps_per_execution)
        return model

    def quality_callback(self):
        """The callback that writes the objective's metric into the logs."""
        if self.variant.data == "gaussian_1d":
            return gan_callbacks.Gaussian1DMetrics()
        if self.variant.data == "mixture_2d":
            return gan_callbacks.ModeCoverageMetrics(self.dataset)
        if self.variant.data == "semi_supervised":
            return gan_callbacks.ClassificationError(self.dataset)
        if self._evaluator is None:  # loaded once, shared by every trial
            from keras_gans.evaluation import ImageEvaluator

            self._evaluator = ImageEvaluator(self.dataset)
        return gan_callbacks.ImageQualityMetrics(self._evaluator, num_samples=self.eval_samples)

    def fit(self, hp, model, *args, callbacks=None, **kwargs):
        """``model.fit`` with the quality callback first (the tuner reads its logs).

        Raises:
            keras_tuner.errors.FailedTrialError: the losses became NaN or
                infinite; the tuner records the trial as failed and goes on.
        """
        callbacks = [self.quality_callback(), gan_callbacks.TerminateOnNaN(),
                     *(callbacks or [])]
        history = model.fit(*args, callbacks=callbacks, **kwargs)
        for name, values in history.history.items():
            if values and not math.isfinite(values[-1]):
                raise keras_tuner.errors.FailedTrialError(
                    f"Training diverged: {name} = {values[-1]} after {len(values)} epoch(s) "
                    f"with {hp.values}."
                )
        if model.stop_training and not history.history:
            raise keras_tuner.errors.FailedTrialError(f"Training stopped on NaN with {hp.values}.")
        return history


def make_tuner(hypermodel, tuner="bayesian", objective=None, max_trials=10, directory="tuning",
               project_name=None, seed=None, max_epochs=None, **kwargs):
    """A Keras Tuner tuner for ``hypermodel`` with a quality objective.

    Args:
        hypermodel: a :class:`GANHyperModel`.
        tuner: ``"random"``, ``"bayesian"`` or ``"hyperband"``.
        objective: a key of :data:`OBJECTIVES`, or None for the variant's
            :func:`default_objective`.
        max_trials: trials to run (Random / Bayesian).
        directory, project_name: where trials are stored. An existing project
            is resumed, never overwritten.
        max_epochs: Hyperband's largest epoch budget (required for it).
        **kwargs: passed to the tuner (e.g. ``max_consecutive_failed_trials``).
    """
    if tuner not in TUNERS:
        raise ValueError(f"Expected tuner in {sorted(TUNERS)}, received {tuner!r}.")
    objective = objective or default_objective(hypermodel.variant)
    if objective not in OBJECTIVES:
        raise ValueError(f"Expected objective in {sorted(OBJECTIVES)}, received {objective!r}.")
    if hypermodel.variant.data == "gaussian_1d" and objective != "w1":
        raise ValueError(f"Expected objective 'w1' for the 1-D toy, received {objective!r}.")
    if objective == "conditional_accuracy" and not hypermodel.variant.conditional:
        raise ValueError(
            f"Expected a conditional variant for objective 'conditional_accuracy', received "
            f"{hypermodel.variant.name!r}."
        )
    options = dict(objective=OBJECTIVES[objective], directory=str(directory),
                   project_name=project_name or hypermodel.variant.name, seed=seed,
                   overwrite=False, **kwargs)
    if tuner == "hyperband":
        if not max_epochs:
            raise ValueError(f"Expected max_epochs >= 1 for Hyperband, received {max_epochs!r}.")
        return keras_tuner.Hyperband(hypermodel, max_epochs=max_epochs, **options)
    return TUNERS[tuner](hypermodel, max_trials=max_trials, **options)


def trial_table(tuner):
    """Every trial as ``{"trial", "status", "score", **hyperparameters}``, in run order."""
    rows = []
    for trial_id, trial in sorted(tuner.oracle.trials.items()):
        rows.append({"trial": trial_id, "status": trial.status, "score": trial.score,
                     **trial.hyperparameters.values})
    return rows
