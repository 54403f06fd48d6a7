"""Choosing a ``tf.distribute`` strategy, and who writes files under it.

Every variant trains under any of these strategies with the usual Keras
pattern, no code change::

    strategy = keras_gans.distribute.get_strategy("mirrored")
    with strategy.scope():
        gan = DCGAN()
        gan.compile()
    gan.fit(dataset)  # dataset batches are GLOBAL batches

What makes the variants correct under a strategy lives in
:class:`keras_gans.models.GAN`: losses averaged over the global batch,
noise that differs between replicas, synchronized batch norm, and the
Keras 3 multi-worker workarounds.
"""

import json
import os

import tensorflow as tf

STRATEGIES = ("auto", "none", "mirrored", "multi_worker")


def get_strategy(name="auto"):
    """Returns the ``tf.distribute.Strategy`` called ``name``.

    Args:
        name: ``"auto"`` (``MirroredStrategy`` over all GPUs when there is
            more than one, else the default strategy), ``"none"`` (the
            default strategy: one device), ``"mirrored"`` (all local GPUs,
            or the CPU) or ``"multi_worker"`` (``MultiWorkerMirroredStrategy``
            over the cluster described by the ``TF_CONFIG`` environment
            variable; every worker runs the same program).

    Examples:

        >>> get_strategy("none").num_replicas_in_sync
        1
    """
    if name not in STRATEGIES:
        raise ValueError(f"Expected a strategy in {STRATEGIES}, received {name!r}.")
    if name == "auto":
        name = "mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "none"
    if name == "none":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    cluster = json.loads(os.environ.get("TF_CONFIG") or "{}").get("cluster", {})
    if not cluster:
        raise ValueError(
            "Expected the TF_CONFIG environment variable to describe the cluster for "
            '"multi_worker", e.g. {"cluster": {"worker": ["host0:12345", "host1:12345"]}, '
            f'"task": {{"type": "worker", "index": 0}}}}; received {os.environ.get("TF_CONFIG")!r}.'
        )
    return tf.distribute.MultiWorkerMirroredStrategy()


def is_chief(strategy=None):
    """Whether this process writes files (checkpoints, exports, plots).

    True except on the non-chief workers of a multi-worker strategy, which
    train in lockstep with the chief and write nothing.
    """
    strategy = strategy or tf.distribute.get_strategy()
    return bool(strategy.extended.should_checkpoint)


def is_multi_worker(strategy=None):
    """Whether ``strategy`` spans several worker processes (Keras' own test)."""
    strategy = strategy or tf.distribute.get_strategy()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and bool(
        strategy.extended._in_multi_worker_mode()  # noqa: SLF001 -- as keras/src/backend/tensorflow/trainer.py
    )


def worker_description(strategy=None):
    """``{"task": index, "chief": bool, "replicas": n}`` for run summaries."""
    strategy = strategy or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    return {
        "task": getattr(resolver, "task_id", None) or 0,
        "chief": is_chief(strategy),
        "replicas": int(strategy.num_replicas_in_sync),
    }
