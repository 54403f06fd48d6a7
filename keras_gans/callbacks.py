"""Keras callbacks for GAN training: sample quality, pictures, and surviving faults.

- :class:`Gaussian1DMetrics`, :class:`ModeCoverageMetrics`,
  :class:`ImageQualityMetrics`: quality in ``logs``.
- :class:`SampleGrid`, :class:`TrainingAnimation`: what the generator draws.
- :class:`TerminateOnNaN`, :class:`BackupAndRestore`: Keras' fault-tolerance
  callbacks made to work for GANs (which log no ``loss``, and have two
  optimizers and random-generator states to restore).
- :class:`TimeLimit`: a fixed wall-clock budget.
"""

import os
import shutil
import tempfile
import time

import keras
import numpy as np

from keras_gans import distribute, evaluation, plotting


def _not_finite(samples, names):
    """NaN for every metric when a diverged generator produced non-finite samples.

    Training then stops through ``TerminateOnNaN`` or Keras Tuner marks the
    trial failed, instead of the metric raising in the middle of ``fit()``.
    """
    if np.all(np.isfinite(np.asarray(samples))):
        return None
    return {name: float("nan") for name in names}


def _due(callback, epoch):
    """Whether ``callback`` acts at the end of ``epoch``: every N epochs and at the last."""
    last = bool(callback.params) and epoch + 1 == callback.params.get("epochs")
    return (epoch + 1) % callback.every_n_epochs == 0 or last


class Gaussian1DMetrics(keras.callbacks.Callback):
    """Writes the 1-D sample-quality metrics into ``logs`` at the end of epochs.

    Adds ``mean``, ``std``, ``sigma_ratio`` and ``w1`` (exact W1 to the
    target normal), so ``EarlyStopping``, ``ModelCheckpoint``, TensorBoard and
    Keras Tuner (``objective="w1"``) can use them.

    Args:
        mean, stddev: the target distribution N(mean, stddev²).
        num_samples: generated samples per evaluation.
        every_n_epochs: evaluate every N epochs (and always at the last one).

    Examples:

        >>> import keras_gans
        >>> gan = keras_gans.Toy1DGAN()
        >>> gan.compile()
        >>> history = gan.fit(keras_gans.data.gaussian_1d(seed=0), steps_per_epoch=2,
        ...                   callbacks=[Gaussian1DMetrics()], verbose=0)
        >>> "w1" in history.history
        True
    """

    def __init__(self, mean=4.0, stddev=0.5, num_samples=10_000, every_n_epochs=1):
        super().__init__()
        self.mean, self.stddev = mean, stddev
        self.num_samples = num_samples
        self.every_n_epochs = every_n_epochs

    def measure(self):
        """The metrics of the model's current generator, as ``logs`` entries."""
        samples = self.model.generate(self.num_samples)
        return _not_finite(samples, ("mean", "std", "sigma_ratio", "w1")) or \
            evaluation.gaussian_1d_metrics(samples, self.mean, self.stddev)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and _due(self, epoch):
            logs.update(self.measure())


class ModeCoverageMetrics(keras.callbacks.Callback):
    """Writes the mode coverage of a 2-D mixture into ``logs`` at the end of epochs.

    Adds ``high_quality`` (share of samples within 3 std of a mode),
    ``modes`` (modes captured) and ``reverse_kl`` (of the high-quality
    samples' histogram over the modes against the uniform one), measured on
    ``num_samples`` generated points (VEEGAN's and PacGAN's protocol: 2,500);
    see :func:`keras_gans.evaluation.mode_coverage`.

    Args:
        mixture: ``"ring"`` or ``"grid"`` (:data:`keras_gans.data.MIXTURES`).
        num_samples: generated samples per evaluation.
        every_n_epochs: evaluate every N epochs (and always at the last one).

    Examples:

        >>> from keras_gans import data, networks
        >>> from keras_gans.models import VanillaGAN
        >>> gan = VanillaGAN(networks.mixture_generator(units=8), networks.mixture_discriminator(units=8))
        >>> gan.compile()
        >>> history = gan.fit(data.gaussian_mixture_2d("ring", 16, seed=0), steps_per_epoch=2,
        ...                   callbacks=[ModeCoverageMetrics("ring")], verbose=0)
        >>> sorted(history.history)
        ['d_loss', 'g_loss', 'high_quality', 'modes', 'reverse_kl']
    """

    def __init__(self, mixture="ring", num_samples=2500, every_n_epochs=1):
        super().__init__()
        from keras_gans import data

        self.means, self.stddev = data.get_mixture(mixture)
        self.mixture = mixture
        self.num_samples = num_samples
        self.every_n_epochs = every_n_epochs

    def measure(self):
        """The metrics of the model's current generator, as ``logs`` entries."""
        samples = self.model.generate(self.num_samples)
        return _not_finite(samples, ("high_quality", "modes", "reverse_kl")) or \
            evaluation.mode_coverage(samples, self.means, self.stddev)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and _due(self, epoch):
            logs.update(self.measure())


class TrainingAnimation(keras.callbacks.Callback):
    """Records a plot every N generator steps; writes a GIF at the end.

    For the 1-D toy, the plot of Glover's AYLIEN tutorial (densities and D's
    decision boundary); with ``mixture``, the generated 2-D points over the
    mixture's modes, where a collapsing generator is seen hopping between
    modes. Frames are taken when ``fit()`` hands control back to Python,
    i.e. every ``steps_per_execution`` steps: choose ``every_n_steps`` as a
    multiple of it.

    Args:
        path: where to write the GIF (matplotlib ``PillowWriter``); None keeps
            the frames only (see :attr:`snapshots` and :meth:`animation`).
        every_n_steps: generator steps between frames.
        mean, stddev: the 1-D target distribution.
        fps: frames per second of the GIF.
        mixture: ``"ring"`` or ``"grid"`` for a 2-D GAN, else None.
    """

    def __init__(self, path=None, every_n_steps=100, mean=4.0, stddev=0.5, fps=10, mixture=None):
        super().__init__()
        if not isinstance(every_n_steps, int) or every_n_steps < 1:
            raise ValueError(f"Expected every_n_steps >= 1, received {every_n_steps!r}.")
        self.path = path
        self.every_n_steps = every_n_steps
        self.mean, self.stddev, self.fps = mean, stddev, fps
        self.mixture = mixture
        self.snapshots, self.steps = [], []

    def _snapshot(self):
        if self.mixture:
            return np.asarray(self.model.generate(2500))
        return plotting.toy1d_snapshot(self.model, self.mean, self.stddev)

    def _record(self):
        step = self.model.steps_trained
        if not self.steps or step // self.every_n_steps > self.steps[-1] // self.every_n_steps:
            self.snapshots.append(self._snapshot())
            self.steps.append(step)

    def on_train_begin(self, logs=None):
        self._record()

    def on_train_batch_end(self, batch, logs=None):
        self._record()

    def on_train_end(self, logs=None):
        if self.path:
            self.animation()

    def animation(self):
        """The recorded frames as a ``FuncAnimation`` (saved to ``path`` if set)."""
        if self.mixture:
            return plotting.animate_mixture(self.snapshots, self.steps, self.mixture, self.path,
                                            self.fps)
        return plotting.animate_toy1d(self.snapshots, self.steps, self.path, self.fps)


class ImageQualityMetrics(keras.callbacks.Callback):
    """Writes classifier-based sample quality into ``logs`` every N epochs.

    Adds ``val_fcd`` (Fréchet classifier distance to the test split, lower is
    better), ``val_classifier_score`` (higher is better) and, for conditional
    models, ``val_conditional_accuracy``, for ALI / BiGAN
    ``val_reconstruction_accuracy`` (the share of test digits whose ``G(E(x))``
    keeps its label), so ``ModelCheckpoint``, ``EarlyStopping``, TensorBoard
    and Keras Tuner can use them. The
    real-data reference values are in :attr:`reference` (computed once).

    Args:
        evaluator: an :class:`~keras_gans.evaluation.ImageEvaluator` or a data
            set name (the package's classifier for it is loaded).
        num_samples: generated images per evaluation.
        every_n_epochs: evaluate every N epochs (and always at the last one).
        with_reference: compute the real-data reference values at train start.
    """

    def __init__(self, evaluator="mnist", num_samples=2000, every_n_epochs=1, with_reference=False):
        super().__init__()
        if isinstance(evaluator, str):
            evaluator = evaluation.ImageEvaluator(evaluator)
        self.evaluator = evaluator
        self.num_samples = num_samples
        self.every_n_epochs = every_n_epochs
        self.with_reference = with_reference
        self.reference = None

    def on_train_begin(self, logs=None):
        if self.with_reference and self.reference is None:
            self.reference = self.evaluator.reference(self.num_samples)

    def measure(self):
        """The metrics of the model's current generator, as ``val_*`` ``logs`` entries."""
        images, labels = evaluation.generate_for_evaluation(self.model, self.num_samples)
        names = ["fcd", "classifier_score"] + (["conditional_accuracy"] if labels is not None else [])
        metrics = _not_finite(images, names) or self.evaluator.evaluate(images, labels)
        if hasattr(self.model, "encode"):  # ALI / BiGAN: how well E inverts G
            metrics["reconstruction_accuracy"] = self.evaluator.reconstruction_accuracy(
                self.model, self.num_samples)
        return {f"val_{name}": value for name, value in metrics.items()}

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and _due(self, epoch):
            logs.update(self.measure())


class ClassificationError(keras.callbacks.Callback):
    """Writes the test error of a model's classifier into ``logs`` (``val_error``).

    For the semi-supervised GAN (its ``classify``): the share of the
    ``split`` images whose most probable class is not their label.

    Args:
        dataset: the TFDS image data set.
        split: the images it is measured on (the 2,000 test digits of the
            semi-supervised benchmark by default).
        every_n_epochs: evaluate every N epochs (and always at the last one).
        data_dir: TFDS data directory (default ``$TFDS_DATA_DIR``).
    """

    def __init__(self, dataset="mnist", split="test[:2000]", every_n_epochs=1, data_dir=None):
        super().__init__()
        self.dataset, self.split, self.data_dir = dataset, split, data_dir
        self.every_n_epochs = every_n_epochs
        self._data = None

    def measure(self):
        """``{"val_error": ...}`` of the model's current classifier."""
        from keras_gans import data

        if self._data is None:  # read once
            self._data = data.load_arrays(self.dataset, self.split, self.data_dir)
        return {"val_error": evaluation.classification_error(self.model.classify, *self._data)}

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and _due(self, epoch):
            logs.update(self.measure())


class SampleGrid(keras.callbacks.Callback):
    """Saves a grid of generated images every N epochs, and logs it to TensorBoard.

    The noise (and, for conditional models, one row per class) is fixed at the
    start, so successive grids show how the same samples evolve.

    Args:
        directory: where ``samples_epoch_NNN.png`` files go (None: no files).
        log_dir: TensorBoard log directory (None: no TensorBoard image).
        num_samples: images per grid (conditional: per class and row).
        every_n_epochs: save every N epochs (and always at the last one).
        label_names: row titles for conditional models.
    """

    def __init__(self, directory=None, log_dir=None, num_samples=64, every_n_epochs=1,
                 label_names=None):
        super().__init__()
        self.directory, self.log_dir = directory, log_dir
        self.num_samples, self.every_n_epochs = num_samples, every_n_epochs
        self.label_names = label_names
        self.paths = []

    def on_train_begin(self, logs=None):
        import numpy as np
        import tensorflow as tf

        if getattr(self.model, "conditional", False):
            per_row = max(1, self.num_samples // self.model.num_classes)
            self._labels = tf.constant(np.repeat(np.arange(self.model.num_classes), per_row))
            self._rows = self.model.num_classes
        else:
            self._labels, self._rows = None, None
        count = len(self._labels) if self._labels is not None else self.num_samples
        self._z = self.model.sample_noise(count)
        if self.directory:
            os.makedirs(self.directory, exist_ok=True)

    def figure(self):
        """The current grid as a matplotlib figure."""
        images = self.model.sample(self._z, self._labels)
        names = self.label_names if self._labels is not None else None
        return plotting.image_grid(images.numpy(), rows=self._rows, row_labels=names)

    def on_epoch_end(self, epoch, logs=None):
        if not _due(self, epoch):
            return
        figure = self.figure()
        if self.directory:
            path = os.path.join(self.directory, f"samples_epoch_{epoch + 1:03d}.png")
            figure.savefig(path, dpi=100, bbox_inches="tight")
            self.paths.append(path)
        if self.log_dir:
            import io

            import tensorflow as tf

            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
            image = tf.image.decode_png(buffer.getvalue(), channels=4)[None]
            with tf.summary.create_file_writer(os.path.join(self.log_dir, "samples")).as_default():
                tf.summary.image("generated samples", image, step=epoch + 1)


class TimeLimit(keras.callbacks.Callback):
    """Stops ``fit()`` once a wall-clock budget is spent (a fixed-CPU-budget run).

    Checked after every execution of ``train_step`` (every
    ``steps_per_execution`` steps); the step reached is in :attr:`steps`.

    Args:
        seconds: the training budget, > 0.

    Examples:

        >>> import numpy as np
        >>> from keras_gans.models import Toy1DGAN
        >>> gan = Toy1DGAN()
        >>> gan.compile()
        >>> limit = TimeLimit(seconds=1e-9)
        >>> _ = gan.fit(np.full((64, 1), 4.0, "float32"), batch_size=8, callbacks=[limit], verbose=0)
        >>> limit.steps
        1
    """

    def __init__(self, seconds):
        super().__init__()
        if not (isinstance(seconds, (int, float)) and seconds > 0):
            raise ValueError(f"Expected a time budget in seconds > 0, received {seconds!r}.")
        self.seconds = float(seconds)
        self.steps = 0

    def on_train_begin(self, logs=None):
        self._start = time.monotonic()
        self.steps = self._steps_before_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._steps_before_epoch = self.steps

    def on_train_batch_end(self, batch, logs=None):
        # ``batch`` is the index of the execution's last step in this epoch.
        self.steps = self._steps_before_epoch + batch + 1
        if time.monotonic() - self._start >= self.seconds:
            self.model.stop_training = True


def _non_finite_values(logs):
    """``{name: value}`` of the non-finite scalars in ``logs`` (values may be arrays)."""
    bad = {}
    for name, value in (logs or {}).items():
        value = np.asarray(value, dtype="float64").ravel()
        if value.size and not np.all(np.isfinite(value)):
            bad[name] = float(value[~np.isfinite(value)][0])
    return bad


class TerminateOnNaN(keras.callbacks.TerminateOnNaN):
    """Stops ``fit()`` as soon as any logged loss is NaN or infinite.

    Keras' ``TerminateOnNaN`` watches only ``logs["loss"]``, which a GAN
    never logs (it reports ``d_loss``, ``g_loss``, ...), so it never fires
    here. This one checks every value that ``train_step`` reports, after
    every execution of it, and says which value went bad by which step.
    Together with :class:`BackupAndRestore` the last good backup is kept.

    Args:
        raise_error: raise ``RuntimeError`` instead of stopping gracefully.

    Attributes:
        stopped_step: the generator step by which a value went bad, or None.
        non_finite: ``{name: value}`` of the values that went bad.

    Examples:

        >>> import numpy as np
        >>> from keras_gans.models import Toy1DGAN
        >>> gan = Toy1DGAN()
        >>> gan.compile(keras.optimizers.SGD(1e38), keras.optimizers.SGD(1e38))
        >>> stop = TerminateOnNaN()
        >>> _ = gan.fit(np.full((64, 1), 4.0, "float32"), batch_size=8, epochs=50,
        ...             callbacks=[stop], verbose=0)  # doctest: +ELLIPSIS
        Step ...: non-finite ... training stopped.
        >>> stop.stopped_step is not None
        True
    """

    def __init__(self, raise_error=False):
        super().__init__(raise_error=raise_error)
        self.stopped_step = None
        self.non_finite = {}

    def on_train_begin(self, logs=None):
        self.stopped_step, self.non_finite = None, {}

    def on_batch_end(self, batch, logs=None):
        bad = _non_finite_values(logs)
        if not bad:
            return
        step = getattr(self.model, "steps_trained", batch + 1)
        values = ", ".join(f"{name}={value}" for name, value in bad.items())
        message = f"Step {step}: non-finite {values} (epoch means); training stopped."
        if self.raise_error:
            raise RuntimeError(message)
        print(message, flush=True)
        self.stopped_step, self.non_finite = step, bad
        self.model.stop_training = True


class BackupAndRestore(keras.callbacks.Callback):
    """Backs a GAN up at every epoch end, so an interrupted ``fit()`` resumes exactly.

    Keras' ``BackupAndRestore``, made right for GANs:

    - **Everything is saved**: both networks (batch-norm statistics
      included), both optimizers' state and the layers' random-generator
      states (``Dropout``'s, which Keras' weights file leaves out), with a
      ``tf.train.Checkpoint`` of the model.
    - **Atomic**: ``tf.train.CheckpointManager`` writes the new backup's
      files, then switches its ``checkpoint`` index file in one rename, and
      keeps the last ``max_to_keep``; a crash or ``kill -9`` mid-write leaves
      the previous backup loadable. (Keras' callback rewrites one file in
      place.)
    - **Only good states**: an epoch whose logs or weights hold a NaN or
      infinity is not backed up, and the backups are kept when training
      stops that way (Keras' would back up the diverged weights and then
      delete the directory).
    - **Exact resume**: :meth:`keras_gans.models.GAN.fit` restores the
      newest backup before reading any data, starts at its epoch and skips
      the data batches the interrupted run consumed. With a ``seed`` on the
      model and a seeded ``tf.data`` stream with ``steps_per_epoch`` (what
      the CLI uses), the resumed run ends with the same weights as one that
      was never interrupted. It prints ``Resumed from step N``.

    - **Several workers** (``MultiWorkerMirroredStrategy``, as TensorFlow's
      multi-worker tutorial does it): every worker takes part in each
      backup, since saving distributed variables is collective, but only the
      chief writes to ``backup_dir``; the others write to a scratch
      directory of their own and delete it at once. Every worker restores
      the chief's newest backup, so ``backup_dir`` must be on a file system
      all workers see; workers that restored different positions (another
      directory, a backup written in between) stop with a ``ValueError``
      rather than train apart.

    Backups are taken at epoch ends (as Keras' default): choose
    ``steps_per_epoch`` for how much work an interruption may cost.

    Args:
        backup_dir: directory of the backups; created when first needed.
        max_to_keep: how many of the newest backups to keep (>= 1).
        delete_checkpoint: delete the backups when ``fit()`` completes
            normally (Keras' default). Set False to keep them.

    Examples:

        >>> import tempfile
        >>> from keras_gans import data
        >>> from keras_gans.models import Toy1DGAN
        >>> backup_dir = tempfile.mkdtemp()
        >>> def run():
        ...     gan = Toy1DGAN(seed=0)
        ...     gan.compile()
        ...     gan.fit(data.gaussian_1d(seed=0), epochs=3, steps_per_epoch=20, verbose=0,
        ...             callbacks=[BackupAndRestore(backup_dir, delete_checkpoint=False)])
        ...     return gan
        >>> _ = run()
        >>> _ = run()  # nothing left to do: all 3 epochs are backed up
        Resumed from step 60 (epoch 3) of the backup in ...
    """

    def __init__(self, backup_dir, max_to_keep=2, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError(f"Expected a backup directory, received {backup_dir!r}.")
        if not (isinstance(max_to_keep, int) and max_to_keep >= 1):
            raise ValueError(f"Expected max_to_keep >= 1, received {max_to_keep!r}.")
        self.backup_dir = os.fspath(backup_dir)
        self.max_to_keep = max_to_keep
        self.delete_checkpoint = delete_checkpoint
        self.skipped_non_finite = False
        self._manager = None
        self._restored = False

    def set_model(self, model):
        if model is not getattr(self, "_model", None):
            self._manager, self._restored = None, False
        super().set_model(model)

    def _checkpoint_manager(self):
        """The ``CheckpointManager`` of the model's state and the run's position."""
        if self._manager is None:
            import tensorflow as tf

            self._position = {"epoch": tf.Variable(0, dtype=tf.int64, trainable=False),
                              "batches": tf.Variable(0, dtype=tf.int64, trainable=False)}
            checkpoint = tf.train.Checkpoint(
                model=self.model,  # networks and optimizers
                # Every variable by position, also those a checkpoint of the model does not
                # reach: random-generator states, techniques' state (historical averages).
                model_variables=[v.value for v in self.model.variables],
                **self._position,
            )
            self._manager = tf.train.CheckpointManager(checkpoint, self.backup_dir,
                                                       max_to_keep=self.max_to_keep)
        return self._manager

    @property
    def _writes(self):
        """Whether this process writes the backups: all but a multi-worker run's non-chiefs."""
        return distribute.is_chief(self.model.distribute_strategy)

    def _save(self, number):
        """Backs up as number ``number``; a non-chief worker writes to scratch and deletes it."""
        manager = self._checkpoint_manager()
        if self._writes:
            manager.save(checkpoint_number=number)
            return
        scratch = tempfile.mkdtemp(prefix="keras_gans-backup-")
        try:
            manager.checkpoint.write(os.path.join(scratch, f"ckpt-{number}"))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    @property
    def latest(self):
        """Path prefix of the newest backup, or None."""
        import tensorflow as tf

        return tf.train.latest_checkpoint(self.backup_dir)

    def restore(self):
        """Loads the newest backup into the model, if there is one.

        Returns:
            ``(epoch, batches)``: the epochs completed and the real data
            minibatches consumed by the interrupted run; ``(0, 0)`` without a backup.

        Raises:
            ValueError: the backup was written by a different model.
        """
        self._restored = True
        manager = self._checkpoint_manager()
        latest = self.latest
        if latest is None:  # a new run (also when this callback served an earlier fit())
            for position in self._position.values():
                position.assign(0)
            self._check_workers_restored(0, 0)
            return 0, 0
        try:
            self._check_shapes(latest)  # before any variable is assigned
            manager.checkpoint.restore(latest).assert_existing_objects_matched()
        except (AssertionError, ValueError) as error:
            raise ValueError(
                f"Expected the backup in {self.backup_dir} to hold this model's state, received "
                f"one that does not match it ({str(error).splitlines()[0]}). Use another "
                "backup directory for a different model."
            ) from None
        epoch, batches = (int(self._position[key].numpy()) for key in ("epoch", "batches"))
        step = getattr(self.model, "steps_trained", "?")
        self._check_workers_restored(epoch, batches)
        print(
            f"Resumed from step {step} (epoch {epoch}) of the backup in {self.backup_dir}.",
            flush=True)
        return epoch, batches

    def _check_workers_restored(self, epoch, batches):
        """On several workers: raises ``ValueError`` unless all restored the same position."""
        distribute.check_workers_agree(
            {"epoch restored": epoch, "real batches consumed": batches},
            self.model.distribute_strategy,
            hint=f"Expected every worker to restore the chief's newest backup from {self.backup_dir}: "
                 "give every worker the same backup directory, on a file system they all see.")

    def _check_shapes(self, latest):
        """Raises ``ValueError`` if the backup lacks a variable of one of this model's shapes.

        Run before restoring, so a backup of another architecture is refused
        before any variable is assigned.
        """
        import collections

        import tensorflow as tf

        saved = collections.Counter(
            tuple(shape) for key, shape in
            tf.train.load_checkpoint(latest).get_variable_to_shape_map().items()
            if key.endswith(".ATTRIBUTES/VARIABLE_VALUE"))
        missing = collections.Counter(tuple(w.shape) for w in self.model.weights) - saved
        if missing:
            raise ValueError(f"it has no weights of shapes {sorted(missing)}")

    def on_train_begin(self, logs=None):
        self.skipped_non_finite = False
        if not self._restored:  # fit() of a model other than keras_gans' GAN
            epoch, _ = self.restore()
            self.model._initial_epoch = epoch or None  # Keras' BackupAndRestore does the same

    def on_epoch_begin(self, epoch, logs=None):
        self._batches_in_epoch = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches_in_epoch = batch + 1  # `batch`: index of the execution's last step

    def on_epoch_end(self, epoch, logs=None):
        self._checkpoint_manager()  # creates the position variables
        # Real minibatches: a GAN's training step takes k of them (GAN.real_batches).
        per_step = getattr(self.model, "real_batches_per_step", 1)
        self._position["batches"].assign_add(self._batches_in_epoch * per_step)
        bad = _non_finite_values(logs) or _non_finite_values(
            {weight.path: weight for weight in self.model.weights})
        if bad:
            self.skipped_non_finite = True
            print(
                f"Epoch {epoch + 1}: not backed up (non-finite {', '.join(sorted(bad))}); the "
                f"last good backup is kept: {self.latest}.", flush=True)
            return
        self._position["epoch"].assign(epoch + 1)
        self._save(epoch + 1)

    def on_train_end(self, logs=None):
        self._restored = False  # the next fit() restores again
        if self.delete_checkpoint and not self.skipped_non_finite and self._writes:
            shutil.rmtree(self.backup_dir, ignore_errors=True)
