"""Keras callbacks that measure and show what a GAN generates."""

import keras

from keras_gans import evaluation, plotting


class Gaussian1DMetrics(keras.callbacks.Callback):
    """Writes the 1-D sample-quality metrics into ``logs`` at the end of epochs.

    Adds ``mean``, ``std``, ``sigma_ratio`` and ``w1`` (exact W1 to the
    target normal), so ``EarlyStopping``, ``ModelCheckpoint``, TensorBoard and
    Keras Tuner (``objective="w1"``) can use them.

    Args:
        mean, stddev: the target distribution N(mean, stddev²).
        num_samples: generated samples per evaluation.
        every_n_epochs: evaluate every N epochs (and always at the last one).

    Example:

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

    def on_epoch_end(self, epoch, logs=None):
        last = self.params and epoch + 1 == self.params.get("epochs")
        if logs is None or not ((epoch + 1) % self.every_n_epochs == 0 or last):
            return
        samples = self.model.generate(self.num_samples)
        logs.update(evaluation.gaussian_1d_metrics(samples, self.mean, self.stddev))


class TrainingAnimation(keras.callbacks.Callback):
    """Records the seed 001 plot every N generator steps; writes a GIF at the end.

    Frames are taken when ``fit()`` hands control back to Python, i.e. every
    ``steps_per_execution`` steps: choose ``every_n_steps`` as a multiple of it.

    Args:
        path: where to write the GIF (matplotlib ``PillowWriter``); None keeps
            the frames only (see :attr:`snapshots` and :meth:`animation`).
        every_n_steps: generator steps between frames.
        mean, stddev: the target distribution.
        fps: frames per second of the GIF.
    """

    def __init__(self, path=None, every_n_steps=100, mean=4.0, stddev=0.5, fps=10):
        super().__init__()
        if not isinstance(every_n_steps, int) or every_n_steps < 1:
            raise ValueError(f"Expected every_n_steps >= 1, received {every_n_steps!r}.")
        self.path = path
        self.every_n_steps = every_n_steps
        self.mean, self.stddev, self.fps = mean, stddev, fps
        self.snapshots, self.steps = [], []

    def _record(self):
        step = int(self.model.g_optimizer.iterations)
        if not self.steps or step // self.every_n_steps > self.steps[-1] // self.every_n_steps:
            self.snapshots.append(plotting.toy1d_snapshot(self.model, self.mean, self.stddev))
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
        return plotting.animate_toy1d(self.snapshots, self.steps, self.path, self.fps)
