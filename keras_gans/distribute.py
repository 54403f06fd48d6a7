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


#: Seconds a worker waits for the rest of its cluster before giving up (``cluster_timeout``).
CLUSTER_TIMEOUT = 300


def get_strategy(name="auto", cluster_timeout=CLUSTER_TIMEOUT):
    """Returns the ``tf.distribute.Strategy`` called ``name``.

    Args:
        name: ``"auto"`` (``MirroredStrategy`` over all GPUs when there is
            more than one, else the default strategy), ``"none"`` (the
            default strategy: one device), ``"mirrored"`` (all local GPUs,
            or the CPU) or ``"multi_worker"`` (``MultiWorkerMirroredStrategy``
            over the cluster described by the ``TF_CONFIG`` environment
            variable; every worker runs the same program).
        cluster_timeout: for ``"multi_worker"``, the seconds to wait for
            every worker of the cluster to start (e.g. one worker restarted
            alone waits for the others), before a ``TimeoutError``.
            TensorFlow's own default is an hour. Call it before any other
            TensorFlow op (TensorFlow's rule for this strategy).

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
    config = tf_config()
    cluster = config.get("cluster", {})
    if not cluster:
        raise ValueError(
            "Expected the TF_CONFIG environment variable to describe the cluster for "
            '"multi_worker", e.g. {"cluster": {"worker": ["host0:12345", "host1:12345"]}, '
            f'"task": {{"type": "worker", "index": 0}}}}; received {os.environ.get("TF_CONFIG")!r}.'
        )
    if not (isinstance(cluster_timeout, (int, float)) and cluster_timeout > 0):
        raise ValueError(f"Expected cluster_timeout > 0 seconds, received {cluster_timeout!r}.")
    _configure_coordination(cluster_timeout)
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    except tf.errors.DeadlineExceededError:
        raise TimeoutError(
            f"Expected every worker of the cluster {cluster} to start within "
            f"{cluster_timeout:g} s, but not all did (this is task {config.get('task')}). "
            "Start every worker, with the same command; after a lost worker, restart all of them."
        ) from None


def tf_config():
    """The ``TF_CONFIG`` environment variable, parsed (``{}`` when it is unset or empty)."""
    return json.loads(os.environ.get("TF_CONFIG") or "{}")


def _configure_coordination(cluster_timeout):
    """Sets up TensorFlow's coordination service as ``MultiWorkerMirroredStrategy`` would,
    with a timeout on the wait for the cluster.

    The strategy configures the service itself only when nothing has, with no
    way to pass the timeout; these are its settings (TF 2.21,
    ``collective_all_reduce_strategy.py``) plus ``cluster_register_timeout_in_ms``.
    Dead peers are then detected by the service's heartbeats (about 10 s):
    the survivors' collectives fail with ``UnavailableError``.
    """
    from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2
    from tensorflow.python.distribute import multi_worker_util
    from tensorflow.python.eager import context

    if context.context().coordination_service is not None:
        return  # configured already (an earlier strategy in this process)
    spec = tf.distribute.cluster_resolver.TFConfigClusterResolver().cluster_spec()
    context.context().configure_coordination_service(
        service_type="standalone",
        service_leader=multi_worker_util.coordination_leader(spec),
        coordinated_jobs=[coordination_config_pb2.CoordinatedJob(name=job, num_tasks=spec.num_tasks(job))
                          for job in ("chief", "worker") if job in spec.jobs],
        cluster_register_timeout_in_ms=int(cluster_timeout * 1000),
    )


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


def check_workers_agree(values, strategy=None, hint="Start every worker with the same program."):
    """Raises ``ValueError`` unless every worker holds the same ``values``.

    A collective: under a multi-worker strategy every worker must call it,
    with the same keys. Each worker gathers everyone's values, so all of them
    raise together (none is left waiting for the others). A no-op on one
    worker.

    Args:
        values: ``{name: int}``, e.g. the step a worker restored.
        strategy: the strategy (default: the current one).
        hint: how to make them agree, appended to the error.

    Examples:

        >>> check_workers_agree({"restored step": 300}, get_strategy("none"))
    """
    strategy = strategy or tf.distribute.get_strategy()
    if not is_multi_worker(strategy):
        return
    names = sorted(values)
    local = tf.constant([[int(values[name]) for name in names]], tf.int64)

    @tf.function  # eager collectives are slow, and warned about
    def gather():
        return strategy.run(lambda: tf.distribute.get_replica_context().all_gather(local, axis=0))

    gathered = strategy.experimental_local_results(gather())[0].numpy()
    # One row per replica; a worker's replicas hold the same row.
    held = {name: sorted(set(gathered[:, i].tolist())) for i, name in enumerate(names)}
    differing = [f"{name}: {seen}" for name, seen in held.items() if len(seen) > 1]
    if differing:
        raise ValueError(
            "Expected every worker to hold the same values, received different ones "
            f"({'; '.join(differing)}). {hint}"
        )
