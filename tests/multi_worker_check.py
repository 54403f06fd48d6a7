"""One worker of tests/test_distribute.py's multi-worker noise test.

``TF_CONFIG=... python multi_worker_check.py OUT.json`` seeds Keras
identically in every worker (as a user would), then records the noise this
worker's replica draws in one train step, unseeded and with a model seed.
"""

import json
import os
import sys

import tensorflow as tf

strategy = tf.distribute.MultiWorkerMirroredStrategy()  # before any other op

import keras  # noqa: E402

from mirrored_check import NoiseProbe, _mlp  # noqa: E402


def draw(seed):
    keras.utils.set_random_seed(0)  # the same in every worker
    with strategy.scope():
        probe = NoiseProbe(*_mlp(), seed=seed)
        probe.compile()
    batches = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices(tf.zeros((8, 8, 8, 1))).batch(8))

    @tf.function
    def step(batch):
        return strategy.run(probe.train_step, args=(batch,))

    noise = step(next(iter(batches)))["z"]
    return strategy.experimental_local_results(noise)[0].numpy().tolist()


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with open(sys.argv[1], "w", encoding="utf-8") as file:
        json.dump({"unseeded": draw(None), "seeded": draw(3)}, file)
