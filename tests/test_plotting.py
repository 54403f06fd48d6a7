"""Plots and callbacks: what the user sees and what lands in logs."""

import keras
import numpy as np
from PIL import Image

from keras_gans import callbacks, data, plotting
from keras_gans.models import Toy1DGAN


def test_toy1d_plot_shows_boundary_and_both_densities(tmp_path):
    gan = Toy1DGAN(minibatch_discrimination=True)
    figure = plotting.plot_toy1d(gan, path=tmp_path / "plot.png")
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    assert set(lines) == {"decision boundary D(x)", "real data", "generated data"}
    boundary = lines["decision boundary D(x)"].get_ydata()
    assert np.all((0 <= boundary) & (boundary <= 1))
    # The real density integrates to ~1 over the plotted range and peaks near 4.
    x, real = lines["real data"].get_data()
    assert abs(np.sum(real) * (x[1] - x[0]) - 1) < 0.02
    assert abs(x[np.argmax(real)] - 4) < 0.5
    assert Image.open(tmp_path / "plot.png").size[0] > 100


def test_gaussian_metrics_callback_writes_logs():
    gan = Toy1DGAN()
    gan.compile()
    history = gan.fit(data.gaussian_1d(seed=0), epochs=2, steps_per_epoch=3, verbose=0,
                      callbacks=[callbacks.Gaussian1DMetrics(every_n_epochs=2)])
    # every_n_epochs=2: epoch 1 has no metrics; Keras logs only what exists.
    assert len(history.history["w1"]) == 1
    samples = gan.generate(10_000).numpy()
    assert history.history["w1"][-1] > 0
    assert abs(history.history["mean"][-1] - samples.mean()) < 0.05 * (1 + abs(samples.mean()))


def test_training_animation_records_every_n_steps(tmp_path):
    gan = Toy1DGAN()
    gan.compile(steps_per_execution=5)
    animation = callbacks.TrainingAnimation(tmp_path / "train.gif", every_n_steps=10)
    gan.fit(data.gaussian_1d(seed=0), steps_per_epoch=30, verbose=0, callbacks=[animation])
    assert animation.steps == [0, 10, 20, 30]
    with Image.open(tmp_path / "train.gif") as gif:
        assert gif.n_frames == 4


def test_image_grid_labels_rows(tmp_path):
    images = np.linspace(-1, 1, 6 * 28 * 28).reshape(6, 28, 28, 1)
    figure = plotting.image_grid(images, rows=2, row_labels=["zero", "one"], path=tmp_path / "g.png")
    assert len(figure.axes) == 6
    assert [figure.axes[i].get_ylabel() for i in (0, 3)] == ["zero", "one"]
    assert (tmp_path / "g.png").exists()
    keras.backend.clear_session()
