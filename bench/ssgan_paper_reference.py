"""Salimans et al.'s own MNIST semi-supervised GAN, outside the package: the yardstick for ``ssgan``.

The network and training loop of the paper's MNIST experiment (Salimans et al.
2016, sec. 5; their released Theano code), written in TensorFlow so that the
package's :class:`~keras_gans.models.SemiSupervisedGAN` can be compared with
the setting that produced Table 1:

- D: an MLP 1000-500-250-250-250-10 of weight-normalized dense layers
  (Salimans & Kingma 2016) with ReLU; Gaussian noise of std 0.3 on the input
  and 0.5 after every hidden layer while training; the hidden layers' scales
  are set by data-dependent initialization (on 500 train digits, noise on, as
  the paper's code does) and then frozen; the output layer's scale trains.
- G: uniform noise of width 100, Dense 500 - Dense 500 with batch norm (no
  scale) and softplus, a weight-normalized Dense 784 with a sigmoid.
- D minimizes ``L_supervised + L_unsupervised`` (sec. 5, with the paper's 1/2
  on each unsupervised term); G minimizes feature matching on D's last hidden
  layer; Adam(lr, beta_1 0.5) for both, batch 100, data in [0, 1].
- Test error on the 2,000 test digits, with D's live weights and with their
  moving average (``--average``).

Options beyond the paper: ``--r1`` adds Mescheder et al.'s R1 penalty on the
real logit ``log sum_k exp l_k(x)`` of the unlabelled batch.

    python bench/ssgan_paper_reference.py --steps 2000 --lr 1e-3 --seed 0

prints one JSON row per evaluation and appends them to ``--out``.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gans import data, evaluation, losses  # noqa: E402
from keras_gans.layers import WeightNormDense  # noqa: E402

BATCH, LATENT_DIM, INPUT_NOISE, HIDDEN_NOISE = 100, 100, 0.3, 0.5


class PaperNetworks:
    """D and G of the paper's MNIST experiment; ``discriminate`` returns (logits, features)."""

    def __init__(self, init_batch):
        self.d_layers = [WeightNormDense(units, trainable_scale=False, kernel_stddev=0.1)
                         for units in (1000, 500, 250, 250, 250)]
        self.d_layers.append(WeightNormDense(10, kernel_stddev=0.1))
        self.g_body = keras.Sequential([keras.Input((LATENT_DIM,))] + [
            layer for _ in range(2) for layer in (
                keras.layers.Dense(500, use_bias=False),
                keras.layers.BatchNormalization(scale=False), keras.layers.Activation("softplus"))])
        self.g_output = WeightNormDense(784)
        self.generate(tf.zeros((2, LATENT_DIM)))
        self.discriminate(init_batch, training=True, initialize=True)

    def discriminate(self, x, training, initialize=False):
        h = x + tf.random.normal(tf.shape(x), stddev=INPUT_NOISE) if training else x
        def dense(layer, inputs):
            return layer.initialize(inputs) if initialize else layer(inputs)

        for layer in self.d_layers[:-1]:
            h = features = tf.nn.relu(dense(layer, h))
            if training:
                h = h + tf.random.normal(tf.shape(h), stddev=HIDDEN_NOISE)
        return dense(self.d_layers[-1], h), features

    def generate(self, z):
        return tf.sigmoid(self.g_output(self.g_body(z, training=True)))

    @property
    def d_weights(self):
        return [w for layer in self.d_layers for w in layer.trainable_weights]

    @property
    def g_weights(self):
        return self.g_body.trainable_weights + self.g_output.trainable_weights


def run(seed, steps, labels_per_class, lr, r1, average, every):
    """Trains the paper's networks; yields a result row every ``every`` steps."""
    keras.utils.set_random_seed(seed)
    images, labels = data.load_arrays("mnist", "train")
    images = (images.reshape(-1, 784).astype("float32") + 1) / 2  # the paper's [0, 1]
    test_images, test_labels = data.load_arrays("mnist", "test")
    labelled, unlabelled = data.split_labelled(labels, labels_per_class, 10, seed)
    nets = PaperNetworks(tf.constant(images[:500]))
    d_weights, g_weights = nets.d_weights, nets.g_weights
    averaged = [tf.Variable(w) for w in d_weights]
    d_optimizer = keras.optimizers.Adam(lr, beta_1=0.5)
    g_optimizer = keras.optimizers.Adam(lr, beta_1=0.5)
    unknown = tf.fill([BATCH], -1)

    def logits(x):
        return nets.discriminate(x, True)[0]

    @tf.function
    def step(x_labelled, y_labelled, x_unlabelled, x_for_g):
        z = tf.random.uniform((BATCH, LATENT_DIM))
        with tf.GradientTape() as tape:
            # The paper's L_unsupervised halves each of its two terms.
            unsupervised = 0.5 * (
                tf.reduce_mean(losses.semi_supervised_real_loss(logits(x_unlabelled), unknown))
                + tf.reduce_mean(losses.semi_supervised_fake_loss(logits(nets.generate(z)))))
            supervised = tf.reduce_mean(losses.semi_supervised_real_loss(
                logits(x_labelled), y_labelled))
            d_loss = supervised + unsupervised
            if r1:
                d_loss += r1 / 2 * tf.reduce_mean(losses.r1_penalty(
                    lambda x: tf.reduce_logsumexp(logits(x), axis=1), x_unlabelled))
        d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_weights), d_weights))
        for mean, w in zip(averaged, d_weights):
            mean.assign(average * mean + (1 - average) * w)
        with tf.GradientTape() as tape:
            real_features = nets.discriminate(x_for_g, True)[1]
            fake_features = nets.discriminate(nets.generate(
                tf.random.uniform((BATCH, LATENT_DIM))), True)[1]
            # The paper's code averages the squared differences over the 250 features.
            g_loss = losses.feature_matching_loss(real_features, fake_features) / 250
        g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_weights), g_weights))
        return supervised, unsupervised, g_loss

    def test_error():
        return evaluation.classification_error(
            lambda x: nets.discriminate(tf.reshape((x + 1) / 2, (-1, 784)), False)[0],
            test_images, test_labels)

    def test_error_averaged():
        live = [w.numpy() for w in d_weights]
        for w, mean in zip(d_weights, averaged):
            w.assign(mean)
        error = test_error()
        for w, value in zip(d_weights, live):
            w.assign(value)
        return error

    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for n in range(1, steps + 1):
        lab, unl = rng.choice(labelled, BATCH), rng.choice(unlabelled, BATCH)
        supervised, unsupervised, g_loss = step(
            images[lab], labels[lab], images[unl], images[rng.choice(len(images), BATCH)])
        if n % every == 0:
            yield {"seed": seed, "step": n, "labels_per_class": labels_per_class, "lr": lr,
                   "r1": r1, "test_error": test_error(),
                   "test_error_averaged": test_error_averaged(),
                   "supervised_loss": float(supervised), "unsupervised_loss": float(unsupervised),
                   "g_loss": float(g_loss), "seconds": round(time.perf_counter() - start, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--labels-per-class", type=int, default=10)
    parser.add_argument("--lr", type=float, default=3e-3, help="the paper's 3e-3 by default")
    parser.add_argument("--r1", type=float, default=0.0, help="R1 weight gamma (0: off)")
    parser.add_argument("--average", type=float, default=0.999,
                        help="decay of D's weight average used for the averaged test error")
    parser.add_argument("--every", type=int, default=250, help="evaluate every N steps")
    parser.add_argument("--out", default="bench/results/ssgan_paper_reference.jsonl")
    args = parser.parse_args(argv)
    print("$ python " + " ".join(sys.argv), flush=True)
    for row in run(args.seed, args.steps, args.labels_per_class, args.lr, args.r1,
                   args.average, args.every):
        print(json.dumps(row), flush=True)
        if args.out:
            with open(args.out, "a") as f:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
