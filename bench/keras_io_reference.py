"""The keras-io way of writing these GANs: the throughput baseline of bench/throughput.py.

Plain ``keras.Model`` subclasses in the style of the keras-io examples
("DCGAN to generate face images", "Conditional GAN", "WGAN-GP"), written
here so that our ``fit()`` can be timed against them around the SAME
networks: one ``train_step`` each, ``compile(d_optimizer, g_optimizer,
loss_fn)``, real and fake images concatenated into one discriminator batch
(keras-io's trick, label noise included), ``tf.reduce_mean`` losses, the
Keras default ``steps_per_execution=1``. Not part of the package.

Both networks are called with ``training=True``, as keras-io's WGAN-GP
example does. keras-io's DCGAN and conditional GAN examples call them without
it, and Keras 3 then runs dropout and batch norm in INFERENCE mode inside
``train_step`` (no model call sets the training context there): less work,
and a different algorithm (batch norm on never-updated moving statistics).
``KerasIOGAN(..., training=None)`` reproduces that to measure the difference.
"""

import keras
import tensorflow as tf


class KerasIOGAN(keras.Model):
    """keras-io's DCGAN ``train_step`` (also used for the MLP vanilla GAN)."""

    def __init__(self, discriminator, generator, latent_dim, conditional=False, training=True):
        super().__init__()
        self.discriminator, self.generator = discriminator, generator
        self.latent_dim, self.conditional = latent_dim, conditional
        self.training_mode = training
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def compile(self, d_optimizer, g_optimizer, loss_fn, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

    def G(self, z, labels):
        return self.generator([z, labels] if self.conditional else z, training=self.training_mode)

    def D(self, x, labels):
        return self.discriminator([x, labels] if self.conditional else x,
                                  training=self.training_mode)

    def train_step(self, data):
        real_images, labels = data if isinstance(data, tuple) else (data, None)
        batch_size = tf.shape(real_images)[0]
        z = tf.random.normal(shape=(batch_size, self.latent_dim))
        generated_images = self.G(z, labels)
        combined_images = tf.concat([generated_images, real_images], axis=0)
        combined_labels = None if labels is None else tf.concat([labels, labels], axis=0)
        targets = tf.concat([tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0)
        targets += 0.05 * tf.random.uniform(tf.shape(targets))  # keras-io's label noise
        with tf.GradientTape() as tape:
            predictions = self.D(combined_images, combined_labels)
            d_loss = self.loss_fn(targets, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

        z = tf.random.normal(shape=(batch_size, self.latent_dim))
        misleading_targets = tf.zeros((batch_size, 1))
        with tf.GradientTape() as tape:
            predictions = self.D(self.G(z, labels), labels)
            g_loss = self.loss_fn(misleading_targets, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


class KerasIOWGAN(keras.Model):
    """keras-io's WGAN-GP ``train_step``; with ``clip_value`` the weight-clipping WGAN."""

    def __init__(self, discriminator, generator, latent_dim, discriminator_extra_steps=5,
                 gp_weight=10.0, clip_value=None):
        super().__init__()
        self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim
        self.d_steps, self.gp_weight, self.clip_value = discriminator_extra_steps, gp_weight, clip_value

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def gradient_penalty(self, batch_size, real_images, fake_images):
        alpha = tf.random.uniform([batch_size, 1, 1, 1], 0.0, 1.0)
        interpolated = real_images + alpha * (fake_images - real_images)
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(interpolated)
            pred = self.discriminator(interpolated, training=True)
        grads = gp_tape.gradient(pred, [interpolated])[0]
        norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
        return tf.reduce_mean((norm - 1.0) ** 2)

    def train_step(self, real_images):
        if isinstance(real_images, tuple):  # (images, labels) streams, as keras-io's example does
            real_images = real_images[0]
        batch_size = tf.shape(real_images)[0]
        for _ in range(self.d_steps):
            z = tf.random.normal(shape=(batch_size, self.latent_dim))
            with tf.GradientTape() as tape:
                fake_images = self.generator(z, training=True)
                fake_logits = self.discriminator(fake_images, training=True)
                real_logits = self.discriminator(real_images, training=True)
                d_loss = tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
                if self.clip_value is None:
                    d_loss += self.gp_weight * self.gradient_penalty(batch_size, real_images, fake_images)
            grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
            if self.clip_value is not None:
                for w in self.discriminator.trainable_variables:
                    w.assign(tf.clip_by_value(w, -self.clip_value, self.clip_value))
        z = tf.random.normal(shape=(batch_size, self.latent_dim))
        with tf.GradientTape() as tape:
            g_loss = -tf.reduce_mean(self.discriminator(self.generator(z, training=True), training=True))
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return {"d_loss": d_loss, "g_loss": g_loss}


def reference_for(variant_name, gan, steps_per_execution=1, training=True):
    """The keras-io-style model around ``gan``'s networks, compiled with the same optimizers.

    ``steps_per_execution`` is keras-io's (Keras' default, 1) unless given;
    ``training=None`` calls the networks of the non-Wasserstein models as
    keras-io's DCGAN example does (see the module docstring).
    """
    d_opt, g_opt = gan.default_optimizers()
    if variant_name in ("wgan", "wgan_gp"):
        model = KerasIOWGAN(gan.discriminator, gan.generator, gan.latent_dim,
                            gan.discriminator_steps, getattr(gan, "gradient_penalty_weight", 10.0),
                            clip_value=gan.clip_value if variant_name == "wgan" else None)
        model.compile(d_opt, g_opt, steps_per_execution=steps_per_execution)
    else:
        model = KerasIOGAN(gan.discriminator, gan.generator, gan.latent_dim, gan.conditional,
                           training)
        model.compile(d_opt, g_opt, keras.losses.BinaryCrossentropy(from_logits=True),
                      steps_per_execution=steps_per_execution)
    return model
