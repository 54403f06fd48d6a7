"""Matplotlib figures of what a GAN generates.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state), so they
work the same in scripts, tests, and Jupyter, where a returned figure renders
inline.
"""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(figsize=(6, 4)):
    """A ``Figure`` with an Agg canvas (renders without a display)."""
    figure = Figure(figsize=figsize)
    FigureCanvasAgg(figure)
    return figure


def _density(samples, edges):
    """Histogram density over ALL samples (out-of-range ones count in the total)."""
    counts = np.histogram(samples, bins=edges)[0]
    return counts / (len(samples) * np.diff(edges))


def toy1d_snapshot(model, mean=4.0, stddev=0.5, num_points=10_000, num_bins=100, batch_size=8,
                   boundary_points=1000):
    """What the plot of Glover's AYLIEN tutorial shows, as arrays: D's decision boundary and both densities.

    The discriminator is evaluated in batches of ``batch_size`` consecutive
    points, as in Glover's code: with minibatch discrimination its output depends
    on the rest of the batch.

    Args:
        num_points: real and generated samples in each histogram.
        boundary_points: points at which D is evaluated (kept small: each
            batch of ``batch_size`` is one call of D).

    Returns:
        dict with ``x`` (evaluation grid), ``decision_boundary`` (D(x) in
        [0, 1]), ``bins`` (histogram bin centres), ``real_density`` and
        ``generated_density``.
    """
    sample_range = getattr(model, "noise_range", 8.0)
    count = max(batch_size, boundary_points - boundary_points % batch_size)
    x = np.linspace(-sample_range, sample_range, count, dtype="float32")
    # Called batch by batch rather than with predict(): under a multi-worker
    # strategy predict() is a collective step the other workers must join.
    logits = np.concatenate([
        np.asarray(model.D(x[start : start + batch_size, None], training=False))
        for start in range(0, count, batch_size)
    ])
    edges = np.linspace(-sample_range, sample_range, num_bins)
    real = np.random.default_rng(0).normal(mean, stddev, num_points)
    generated = np.asarray(model.generate(num_points)).ravel()
    return {
        "x": x,
        "decision_boundary": 1.0 / (1.0 + np.exp(-logits.ravel())),
        "bins": 0.5 * (edges[1:] + edges[:-1]),
        "real_density": _density(real, edges),
        "generated_density": _density(generated, edges),
    }


def _toy1d_axes(axes):
    lines = {
        key: axes.plot([], [], label=label)[0]
        for key, label in (
            ("decision_boundary", "decision boundary D(x)"),
            ("real_density", "real data"),
            ("generated_density", "generated data"),
        )
    }
    axes.set_xlim(-6, 8)
    axes.set_ylim(0, 1.4)
    axes.set_xlabel("Data values")
    axes.set_ylabel("Probability density")
    axes.legend(loc="upper left")
    return lines


def _draw_snapshot(lines, snapshot):
    lines["decision_boundary"].set_data(snapshot["x"], snapshot["decision_boundary"])
    for key in ("real_density", "generated_density"):
        lines[key].set_data(snapshot["bins"], snapshot[key])


def plot_toy1d(model, mean=4.0, stddev=0.5, path=None, title="1-D GAN", batch_size=8):
    """Real vs generated densities with the discriminator's decision boundary.

    Args:
        model: a trained :class:`~keras_gans.models.Toy1DGAN`.
        mean, stddev: the target distribution.
        path: if given, the figure is also saved there (PNG, SVG...).

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    figure = new_figure()
    axes = figure.add_subplot()
    _draw_snapshot(_toy1d_axes(axes), toy1d_snapshot(model, mean, stddev, batch_size=batch_size))
    axes.set_title(title)
    if path:
        figure.savefig(path, dpi=100, bbox_inches="tight")
    return figure


def plot_samples(samples, rows=None, row_labels=None, mixture="ring", title=None):
    """The picture of any generator's samples, chosen by their shape.

    Images ``(n, H, W, C)``: :func:`image_grid`; 2-D points: :func:`plot_mixture_samples` over
    ``mixture``'s modes; 1-D values: :func:`plot_samples_1d`. What ``python -m keras_gans
    sample`` writes and the README's gallery shows.

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    samples = np.asarray(samples)
    if samples.ndim == 4:
        return image_grid(samples, rows=rows, row_labels=row_labels, title=title)
    if samples.ndim == 2 and samples.shape[1] == 2:
        return plot_mixture_samples(samples, mixture, title=title or "2-D GAN")
    if samples.ndim == 2 and samples.shape[1] == 1:
        return plot_samples_1d(samples, title=title or "1-D GAN")
    raise ValueError(f"Expected images (n, H, W, C), 2-D points (n, 2) or 1-D values (n, 1), "
                     f"received an array of shape {samples.shape}.")


def plot_samples_1d(samples, mean=4.0, stddev=0.5, path=None, title="1-D GAN", num_bins=100):
    """The density of given 1-D ``samples`` over the target N(mean, stddev²) (no discriminator).

    What ``python -m keras_gans sample`` draws for the 1-D toy, from a ``.keras`` file or an
    export alike; :func:`plot_toy1d` also shows D's decision boundary.

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    samples = np.asarray(samples, dtype="float64").ravel()
    edges = np.linspace(-8.0, 8.0, num_bins)
    centres = 0.5 * (edges[1:] + edges[:-1])
    figure = new_figure()
    axes = figure.add_subplot()
    target = np.exp(-0.5 * ((centres - mean) / stddev) ** 2) / (stddev * np.sqrt(2 * np.pi))
    axes.plot(centres, target, label=f"target N({mean:g}, {stddev:g}²)")
    axes.plot(centres, _density(samples, edges), label=f"generated ({len(samples):,} samples)")
    axes.set_xlim(-6, 8)
    axes.set_xlabel("Data values")
    axes.set_ylabel("Probability density")
    axes.legend(loc="upper left")
    axes.set_title(title)
    if path:
        figure.savefig(path, dpi=100, bbox_inches="tight")
    return figure


def animate_toy1d(snapshots, steps, path=None, fps=10):
    """A ``FuncAnimation`` of :func:`toy1d_snapshot` frames (the animation of Glover's AYLIEN tutorial).

    Args:
        snapshots: list of snapshot dicts.
        steps: the training step of each snapshot (shown in the title).
        path: if given, saved as a GIF with matplotlib's ``PillowWriter``.
        fps: frames per second of the GIF.

    Returns:
        The ``matplotlib.animation.FuncAnimation`` (in Jupyter, show it with
        ``IPython.display.HTML(animation.to_jshtml())``).
    """
    from matplotlib import animation

    if not snapshots:
        raise ValueError("Expected at least one snapshot to animate, received none.")
    figure = new_figure()
    axes = figure.add_subplot()
    lines = _toy1d_axes(axes)

    def draw(frame):
        _draw_snapshot(lines, snapshots[frame])
        axes.set_title(f"1-D GAN, step {steps[frame]}")
        return list(lines.values())

    movie = animation.FuncAnimation(figure, draw, frames=len(snapshots), blit=False)
    if path:
        movie.save(path, writer=animation.PillowWriter(fps=fps))
    return movie


def _mixture_axes(axes, mixture):
    """Axes showing ``mixture``'s modes as circles of the high-quality radius (3 std)."""
    from matplotlib.patches import Circle

    from keras_gans import data

    means, stddev = data.get_mixture(mixture)
    means = np.asarray(means)
    for mean in means:
        axes.add_patch(Circle(mean, 3 * stddev, fill=False, color="tab:red", linewidth=0.8))
    reach = np.abs(means).max() * 1.5
    axes.set_xlim(-reach, reach)
    axes.set_ylim(-reach, reach)
    axes.set_aspect("equal")
    axes.set_xlabel("$x_1$")
    axes.set_ylabel("$x_2$")
    return axes.scatter([], [], s=2, alpha=0.3, color="black", label="generated")


def _coverage_title(samples, mixture, prefix):
    from keras_gans import data, evaluation

    means, stddev = data.get_mixture(mixture)
    metrics = evaluation.mode_coverage(samples, means, stddev)
    return (f"{prefix}: {metrics['modes']}/{len(means)} modes, "
            f"{100 * metrics['high_quality']:.0f}% high quality")


def plot_mixture(model, mixture="ring", path=None, title="2-D GAN", num_samples=2500):
    """Generated 2-D samples over the mixture's modes (circles: 3 std, the high-quality radius).

    The title gives the modes captured and the share of high-quality samples
    (:func:`keras_gans.evaluation.mode_coverage`).

    Args:
        model: a trained GAN whose generator outputs 2-D points.
        mixture: ``"ring"`` or ``"grid"``.
        path: if given, the figure is also saved there.
        num_samples: points drawn (2,500, as VEEGAN and PacGAN).

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    return plot_mixture_samples(np.asarray(model.generate(num_samples)), mixture, path, title)


def plot_mixture_samples(samples, mixture="ring", path=None, title="2-D GAN"):
    """:func:`plot_mixture` of given ``(n, 2)`` samples (e.g. drawn from an export)."""
    samples = np.asarray(samples)
    figure = new_figure((5, 5))
    axes = figure.add_subplot()
    _mixture_axes(axes, mixture).set_offsets(samples)
    axes.set_title(_coverage_title(samples, mixture, title))
    if path:
        figure.savefig(path, dpi=100, bbox_inches="tight")
    return figure


def animate_mixture(snapshots, steps, mixture="ring", path=None, fps=5):
    """A ``FuncAnimation`` of generated 2-D samples over training (mode hopping shows).

    Args:
        snapshots: ``(n, 2)`` arrays of generated points, one per frame.
        steps: the training step of each snapshot (shown in the title).
        mixture: the mixture whose modes are drawn.
        path: if given, saved as a GIF with matplotlib's ``PillowWriter``.
        fps: frames per second of the GIF.
    """
    from matplotlib import animation

    if not snapshots:
        raise ValueError("Expected at least one snapshot to animate, received none.")
    figure = new_figure((5, 5))
    axes = figure.add_subplot()
    points = _mixture_axes(axes, mixture)

    def draw(frame):
        points.set_offsets(snapshots[frame])
        axes.set_title(_coverage_title(snapshots[frame], mixture, f"step {steps[frame]}"))
        return [points]

    movie = animation.FuncAnimation(figure, draw, frames=len(snapshots), blit=False)
    if path:
        movie.save(path, writer=animation.PillowWriter(fps=fps))
    return movie


def plot_mixture_training(snapshots, steps, mixture="ring", path=None, columns=4):
    """Generated samples at several points of training, side by side (one row of panels).

    Args:
        snapshots, steps, mixture: as :func:`animate_mixture`.
        path: if given, the figure is also saved there.
        columns: panels, taken evenly from the snapshots (the last included).
    """
    if not snapshots:
        raise ValueError("Expected at least one snapshot to plot, received none.")
    picks = sorted({round(i * (len(snapshots) - 1) / max(1, columns - 1))
                    for i in range(min(columns, len(snapshots)))})
    figure = new_figure((3 * len(picks), 3.2))
    for position, index in enumerate(picks):
        axes = figure.add_subplot(1, len(picks), position + 1)
        _mixture_axes(axes, mixture).set_offsets(snapshots[index])
        axes.set_title(_coverage_title(snapshots[index], mixture, f"step {steps[index]}"),
                       fontsize=8)
    figure.tight_layout()
    if path:
        figure.savefig(path, dpi=100, bbox_inches="tight")
    return figure


def image_grid(images, rows=None, path=None, row_labels=None, title=None):
    """Shows a batch of images in [-1, 1] as a grid.

    Args:
        images: array ``(n, H, W, C)`` with values in [-1, 1].
        rows: number of rows (default: about square).
        path: if given, the figure is also saved there.
        row_labels: optional text for each row (e.g. class names).

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    images = np.asarray(images)
    count = images.shape[0]
    rows = rows or int(np.floor(np.sqrt(count)))
    columns = int(np.ceil(count / rows))
    figure = new_figure((columns * 0.8, rows * 0.8))
    for index in range(rows * columns):
        axes = figure.add_subplot(rows, columns, index + 1)
        axes.set_xticks([])
        axes.set_yticks([])
        if index < count:
            picture = (images[index] + 1.0) / 2.0
            axes.imshow(picture.squeeze(-1) if picture.shape[-1] == 1 else picture, cmap="gray", vmin=0, vmax=1)
        if row_labels is not None and index % columns == 0:
            axes.set_ylabel(row_labels[index // columns], rotation=0, ha="right", va="center")
    if title:
        figure.suptitle(title)
    if path:
        figure.savefig(path, dpi=100, bbox_inches="tight")
    return figure


def plot_nearest_neighbours(samples, reference, k=3, path=None):
    """Each generated sample beside its ``k`` nearest ``reference`` images.

    The memorisation check of :func:`keras_gans.latent.nearest_neighbours`
    (Euclidean distance in pixel space), one row per sample: the sample, then
    its neighbours, nearest first, each titled with its distance. Near copies
    of training images show as neighbours at a small distance.

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    from keras_gans import latent

    samples, reference = np.asarray(samples), np.asarray(reference)
    indices, distances = latent.nearest_neighbours(samples, reference, k)
    rows = np.concatenate([np.concatenate([samples[i : i + 1], reference[indices[i]]])
                           for i in range(len(samples))])
    figure = image_grid(rows, rows=len(samples), path=None,
                        title=f"generated | {k} nearest training images")
    for row in range(len(samples)):
        for column in range(k):
            figure.axes[row * (k + 1) + column + 1].set_title(
                f"{distances[row, column]:.1f}", fontsize=6, pad=1)
    if path:
        figure.savefig(path, dpi=100, bbox_inches="tight")
    return figure


def plot_reconstructions(model, images, path=None):
    """Real images (top row) above their reconstructions ``G(E(x))`` (bottom row).

    For ALI / BiGAN (:func:`keras_gans.latent.reconstruct`): how much of each
    image the encoder's code keeps (Dumoulin et al. 2017, fig. 3; Donahue et
    al. 2017, fig. 2).

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    from keras_gans import latent

    images = np.asarray(images, dtype="float32")
    both = np.concatenate([images, latent.reconstruct(model, images)])
    return image_grid(both, rows=2, path=path, row_labels=["x", "G(E(x))"])


def plot_interpolations(model, starts, ends, steps=10, method="spherical", labels=None,
                        path=None):
    """One strip of samples per ``(start, end)`` pair of noise vectors, along the path between.

    A conditional model takes one label per strip in ``labels``. ``method`` is ``"linear"`` or ``"spherical"``
    (:func:`keras_gans.latent.interpolate`); smooth strips, with no sudden
    jumps, are the sign of a generator that has not memorised (Radford et
    al. 2015, sec. 6.1).

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    from keras_gans import latent

    starts, ends = np.asarray(starts), np.asarray(ends)
    if starts.shape != ends.shape or starts.ndim != 2:
        raise ValueError(f"Expected starts and ends of one shape (pairs, latent_dim), received "
                         f"{starts.shape} and {ends.shape}.")
    noise = np.concatenate([latent.interpolate(start, end, steps, method)
                            for start, end in zip(starts, ends)])
    if labels is not None:
        labels = np.repeat(np.asarray(labels, dtype="int32"), steps)
    return image_grid(model.sample(noise, labels).numpy(), rows=len(starts), path=path,
                      title=f"{method} interpolation")


def plot_discriminator_features(discriminator, images, channels=(0, 1, 2, 3), layer=None,
                                path=None):
    """Each image beside the guided-backpropagation maps of some of D's features.

    One row per image: the image, then for each feature in ``channels`` the
    positive part of its guided gradient, normalized per map (Radford et
    al. 2015, fig. 5; :func:`keras_gans.features.guided_backpropagation`).

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    from keras_gans import features

    images = np.asarray(images, dtype="float32")
    maps = [features.guided_backpropagation(discriminator, images, layer, channel)
            for channel in channels]
    figure = new_figure((0.9 * (1 + len(channels)), 0.9 * len(images)))
    for row, image in enumerate(images):
        panels = [(image + 1.0) / 2.0] + [np.maximum(m[row], 0) / (m[row].max() + 1e-12)
                                          for m in maps]
        for column, panel in enumerate(panels):
            axes = figure.add_subplot(len(images), len(panels), row * len(panels) + column + 1)
            axes.imshow(panel.mean(axis=-1), cmap="gray" if column == 0 else "inferno",
                        vmin=0, vmax=1)
            axes.set_xticks([])
            axes.set_yticks([])
            if row == 0:
                axes.set_title("image" if column == 0 else f"feature {channels[column - 1]}",
                               fontsize=7)
    if path:
        figure.savefig(path, dpi=100, bbox_inches="tight")
    return figure


def plot_tuning_trials(trials, objective="score", path=None, defaults=None):
    """The trials of a learning-rate search: D's vs G's learning rate, coloured by score.

    Args:
        trials: rows of :func:`keras_gans.tuning.trial_table` (``d_learning_rate``,
            ``g_learning_rate``, ``score``, ``status``).
        objective: name of the score, for the colour bar.
        path: if given, the figure is also saved there.
        defaults: optional ``(d_learning_rate, g_learning_rate)`` marked with a star.

    Returns:
        The ``matplotlib.figure.Figure``. Failed trials are crosses.
    """
    figure = new_figure((6, 4.5))
    axes = figure.add_subplot()
    scored = [t for t in trials if t.get("score") is not None and np.isfinite(t["score"])]
    failed = [t for t in trials if t not in scored]
    if scored:
        points = axes.scatter([t["d_learning_rate"] for t in scored],
                              [t["g_learning_rate"] for t in scored],
                              c=[t["score"] for t in scored], cmap="viridis", s=60)
        figure.colorbar(points, ax=axes, label=objective)
    if failed:
        axes.scatter([t["d_learning_rate"] for t in failed], [t["g_learning_rate"] for t in failed],
                     marker="x", color="red", s=60, label="failed")
    if defaults is not None:
        axes.scatter([defaults[0]], [defaults[1]], marker="*", color="black", s=150,
                     label="variant default")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("discriminator learning rate")
    axes.set_ylabel("generator learning rate")
    axes.set_title(f"{len(trials)} trials")
    if failed or defaults is not None:
        axes.legend(loc="best")
    if path:
        figure.savefig(path, dpi=100, bbox_inches="tight")
    return figure
