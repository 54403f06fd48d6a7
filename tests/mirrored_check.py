"""Run by tests/test_distribute.py in a fresh process with 2 logical CPU devices.

``python mirrored_check.py OUT.json`` trains every variant for a few steps
on one device and on ``MirroredStrategy`` over two logical CPUs, from the
same initial weights, global batches and (seeded) noise, and writes the
largest weight and log differences, plus what each replica's noise was.
"""

import json
import os
import sys

import keras
import numpy as np
import tensorflow as tf

from keras_gans import distribute
from keras_gans.models import VanillaGAN
from keras_gans.variants import VARIANTS

GLOBAL_BATCH, STEPS, IMAGE_SHAPE = 8, 3, (8, 8, 1)
SMALL_IMAGES = dict(latent_dim=8, filters=4, image_shape=IMAGE_SHAPE)
#: The critics take 2 steps, not their paper's 5: two real minibatches per generator step already
#: test that each replica gets its share of each, and every further step is another traced copy
#: of the critic update (with WGAN-GP's double backward pass), about 4 s each under the strategy.
SMALL_CRITICS = dict(SMALL_IMAGES, discriminator_steps=2)
#: lambda 1, not 10: at 10 these tiny critics' weights move by ~12 in six SGD steps, a chaotic
#: regime that amplified float32 rounding to 1e-3..2e-2 under the test suite's load (3e-6 alone)
#: and failed the comparison; at 1 they move by ~1 and the two runs agree to ~1e-7.
SMALL_GP_CRITICS = dict(SMALL_CRITICS, gradient_penalty_weight=1.0)
#: Techniques that must train the same weights on 1 and 2 replicas (R1: without batch norm).
TECHNIQUES = dict(feature_matching=1.0, generator_ema=0.9, historical_averaging=0.01,
                  instance_noise=0.1, real_label=0.9, diff_augment="translation,cutout")
SMALL_MIXTURE = dict(generator_units=8, generator_depth=1, discriminator_units=8,
                     discriminator_depth=1)
#: name -> (variant, options)
SMALL = {
    "toy1d": ("toy1d", dict(noise="normal")),
    "toy1d_stratified": ("toy1d", dict()),
    "toy1d_minibatch": ("toy1d", dict(minibatch_discrimination=True)),
    "vanilla_mlp_dropout": ("vanilla", dict(latent_dim=8, image_shape=IMAGE_SHAPE)),
    "dcgan": ("dcgan", SMALL_IMAGES),
    "dcgan_techniques": ("dcgan", dict(SMALL_IMAGES, discriminator_steps=2, **TECHNIQUES)),
    "dcgan_r1": ("dcgan", dict(SMALL_IMAGES, r1_gamma=1.0)),
    "vanilla_r1": ("vanilla", dict(latent_dim=8, image_shape=IMAGE_SHAPE, architecture="conv",
                                   r1_gamma=1.0)),
    "dcgan_virtual_batch_norm": ("dcgan", dict(SMALL_IMAGES, virtual_batch_norm=True,
                                               reference_batch_size=4)),
    "cdcgan_techniques": ("cdcgan", dict(SMALL_IMAGES, num_classes=3, discriminator_steps=2,
                                         **TECHNIQUES)),
    "wgan": ("wgan", dict(SMALL_CRITICS, clip_value=0.05)),
    "wgan_reuse_real_batch": ("wgan", dict(SMALL_CRITICS, clip_value=0.05, reuse_real_batch=True)),
    "wgan_gp_techniques": ("wgan_gp", dict(SMALL_GP_CRITICS, feature_matching=1.0, generator_ema=0.9,
                                           historical_averaging=0.01, instance_noise=0.1)),
    # 2-D mixtures: the look-ahead of the unrolled GAN uses GLOBAL-batch gradients; BiGAN's
    # encoder trains with G; PacGAN's packs are formed within each replica's share.
    "mixture_unrolled": ("mixture_unrolled", dict(SMALL_MIXTURE, unrolling_steps=2)),
    "mixture_bigan": ("mixture_bigan", SMALL_MIXTURE),
    "ali_images": ("ali", SMALL_IMAGES),
    "mixture_packing": ("mixture_gan", dict(SMALL_MIXTURE, packing=2)),
}
#: Enough real minibatches for STEPS steps of the largest k here (2).
MINIBATCHES = 2 * STEPS


class DoublyScaledGAN(VanillaGAN):
    """A negative control: averages the loss over the REPLICA batch (the bug
    the base class avoids), so on 2 replicas its gradients are twice too big."""

    def minimize(self, network, optimizer, per_example_loss):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(per_example_loss())
        variables = network.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss


def build(name, seed=7):
    """A small model of variant ``name``, under the current strategy scope."""
    if name == "doubly_scaled":
        return DoublyScaledGAN(*_mlp(), seed=seed)
    variant, options = SMALL[name]
    return VARIANTS[variant].build(seed=seed, **options)


def _mlp():
    from keras_gans import networks

    return (networks.mlp_generator(8, IMAGE_SHAPE, units=(16,)),
            networks.mlp_discriminator(IMAGE_SHAPE, units=(16,), dropout=0))


def dataset(name):
    """The same global batches for both runs (no shuffling)."""
    rng = np.random.default_rng(0)
    count = GLOBAL_BATCH * MINIBATCHES
    if name.startswith("toy1d"):
        samples = rng.normal(4, 0.5, (count, 1)).astype("float32")
    elif name.startswith("mixture"):
        samples = rng.normal(0, 1, (count, 2)).astype("float32")
    else:
        samples = rng.uniform(-1, 1, (count, *IMAGE_SHAPE)).astype("float32")
    if name.startswith("cdcgan"):
        return tf.data.Dataset.from_tensor_slices(
            (samples, rng.integers(0, 3, count).astype("int32"))).batch(GLOBAL_BATCH)
    return tf.data.Dataset.from_tensor_slices(samples).batch(GLOBAL_BATCH)


def train(strategy, name, initial_weights):
    with strategy.scope():
        model = build(name)
        # SGD: its update is proportional to the gradient, so a loss scaled
        # wrongly by the replica count shows in the weights (Adam would hide it).
        model.compile(keras.optimizers.SGD(0.05), keras.optimizers.SGD(0.05))
    if initial_weights is not None:
        model.set_weights(initial_weights)
    history = model.fit(dataset(name), epochs=1, steps_per_epoch=STEPS, verbose=0)
    return model, {key: float(values[-1]) for key, values in history.history.items()}


def compare(name, one, two):
    initial = _initial_weights(name)
    single, single_logs = train(one, name, initial)
    mirrored, mirrored_logs = train(two, name, initial)
    synchronized = [layer.synchronized for network in (mirrored.generator, mirrored.discriminator)
                    for layer in network._flatten_layers()
                    if isinstance(layer, keras.layers.BatchNormalization)]
    return {
        "weights_max_abs_diff": max(float(np.max(np.abs(a - b))) for a, b in
                                    zip(single.get_weights(), mirrored.get_weights())),
        "weights_max_abs_change": max(float(np.max(np.abs(a - b))) for a, b in
                                      zip(single.get_weights(), initial)),
        "logs_single": single_logs,
        "logs_mirrored": mirrored_logs,
        "replicas": two.num_replicas_in_sync,
        "synchronized_batch_norm": synchronized,
    }


def _initial_weights(name):
    keras.utils.set_random_seed(0)
    return build(name).get_weights()


class NoiseProbe(VanillaGAN):
    """Its "train step" returns the step's noise and ε instead of training."""

    def train_step(self, data):
        batch_size = self.batch_size_of(data)
        return {"z": self.sample_noise(batch_size), "epsilon": self.sample_uniform(batch_size)}


def noise(two, seed):
    """Each replica's draws under ``two``, and one device's draw of the global batch."""
    with two.scope():
        probe = NoiseProbe(*_mlp(), seed=seed)
        probe.compile()
    batches = two.experimental_distribute_dataset(dataset("vanilla"))

    @tf.function
    def step(batch):
        return two.run(probe.train_step, args=(batch,))

    per_replica = step(next(iter(batches)))
    result = {key: [value.numpy().tolist() for value in two.experimental_local_results(values)]
              for key, values in per_replica.items()}
    with tf.distribute.get_strategy().scope():
        single = NoiseProbe(*_mlp(), seed=seed)
        single.compile()
    global_draw = single.train_step(next(iter(dataset("vanilla"))))
    result["single"] = {key: value.numpy().tolist() for key, value in global_draw.items()}
    return result


def save_and_export(two):
    """A model trained on 2 replicas saves to .keras and exports for TF Serving."""
    import tempfile

    with two.scope():
        model = VARIANTS["cdcgan"].build(seed=7, num_classes=3, **SMALL_IMAGES)
        model.compile()
    model.fit(dataset("cdcgan"), epochs=1, steps_per_epoch=2, verbose=0)
    directory = tempfile.mkdtemp()
    model.save(os.path.join(directory, "model.keras"))
    restored = keras.models.load_model(os.path.join(directory, "model.keras"))
    path = model.export_generator(os.path.join(directory, "export"))
    z, labels = tf.random.normal((3, 8)), tf.constant([0, 1, 2])
    served = tf.saved_model.load(path).signatures["serving_default"](z=z, label=labels)
    expected = model.G(z, labels, training=False).numpy()
    return {
        "keras_max_abs_diff": float(np.max(np.abs(restored.G(z, labels, training=False).numpy()
                                                  - expected))),
        "export_max_abs_diff": float(np.max(np.abs(served["samples"].numpy() - expected))),
        "restored_steps": restored.steps_trained,
    }


def several_steps_per_execution(two):
    """fit() with steps_per_execution=10 on 2 replicas (keras-team/keras#19246)."""
    with two.scope():
        model = build("toy1d")
        model.compile(steps_per_execution=10)
    model.fit(dataset("toy1d").repeat(), epochs=1, steps_per_epoch=20, verbose=0)
    return {"steps": model.steps_trained,
            "steps_per_execution": int(model.steps_per_execution)}


def xla_on_cpu_replicas(two):
    """fit() with jit_compile=True on 2 CPU replicas: the error it raises, before any step."""
    with two.scope():
        model = build("toy1d")
        model.compile(jit_compile=True)
    try:
        model.fit(dataset("toy1d"), epochs=1, steps_per_epoch=1, verbose=0)
    except ValueError as error:
        return {"error": str(error), "steps": model.steps_trained}
    return {"error": None, "steps": model.steps_trained}


def weight_norm_initialization(two):
    """The semi-supervised GAN's paper networks under the strategy: fit() initializes D's
    weight-normalized layers from the first batch, in cross-replica context. Returns, per D
    variable, the largest difference between the replicas' copies, and the layers' flags."""
    from keras_gans.models import SemiSupervisedGAN

    with two.scope():
        model = SemiSupervisedGAN(architecture="mlp", latent_dim=8, image_shape=IMAGE_SHAPE,
                                  num_classes=3)
        model.compile()
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (16, *IMAGE_SHAPE)).astype("float32")
    labels = np.concatenate([np.full(8, -1), rng.integers(0, 3, 8)]).astype("int32")
    model.fit(images, labels, batch_size=16, epochs=1, verbose=0)
    report = {"replica_max_abs_diff": {}, "initialized": []}
    for variable in model.discriminator.weights:
        copies = [copy.numpy() for copy in variable.value.values]  # one per replica
        report["replica_max_abs_diff"][variable.path] = max(
            float(np.max(np.abs(copy - copies[0]))) for copy in copies[1:])
        if variable.name == "initialized":
            report["initialized"].append(float(copies[0]))
    return report


def main(out_path):
    # Before any op: split the CPU into two logical devices.
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    one = distribute.get_strategy("none")
    two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    # Before determinism: with op determinism on, Keras turns jit_compile=True off by itself.
    xla = xla_on_cpu_replicas(two)
    # Deterministic kernels: otherwise a thread pool under load may sum in another order, and
    # the most chaotic setting here (WGAN-GP with four techniques, weights moving by ~11 in three
    # SGD steps) amplifies that rounding past the tolerance (seen once in about ten runs).
    tf.config.experimental.enable_op_determinism()
    names = sys.argv[2].split(",") if len(sys.argv) > 2 else list(SMALL) + ["doubly_scaled"]
    report = {"compare": {name: compare(name, one, two) for name in names},
              "noise": {"seeded": noise(two, 3), "unseeded": noise(two, None)},
              "steps_per_execution": several_steps_per_execution(two),
              "xla": xla,
              "save_and_export": save_and_export(two),
              "weight_norm_initialization": weight_norm_initialization(two)}
    with open(out_path, "w", encoding="utf-8") as file:
        json.dump(report, file)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main(sys.argv[1])
