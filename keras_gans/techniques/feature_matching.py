"""Feature matching (Salimans et al. 2016, sec. 3.1)."""

import keras
import tensorflow as tf

from keras_gans import losses, networks
from keras_gans.techniques import Option, Technique


class FeatureMatching(Technique):
    """G matches the mean of D's intermediate features on data.

    G's loss gains ``lambda ||E_x f(x) - E_z f(G(z))||^2`` where ``f`` is the
    output of one discriminator layer (default: the last hidden features, the
    input of the logit). The paper trains G on this term ALONE
    (``feature_matching_only=True``); by default it is added to G's
    adversarial loss. One D pass on the fakes gives both their features and
    their logits, and one on the real minibatch gives the real features.
    Under a ``tf.distribute`` strategy the two means are of the GLOBAL batch
    (all-reduced), so the loss is the same on 1 or N replicas.
    """

    name = "feature_matching"
    paper = "Salimans et al. 2016, sec. 3.1"
    summary = "G matches the mean of D's intermediate features on real data"
    needs_discriminator_of_samples = True
    options = (
        Option("feature_matching", 0.0, "weight lambda of the feature-matching term in G's loss "
               "(0: off)", low=0.0, search=(0.1, 10.0)),
        Option("feature_layer", None, "D layer whose output is matched (default: the last "
               "hidden features)", kind=str, allow_none=True),
        Option("feature_matching_only", False, "train G on feature matching alone, as the paper "
               "(drops G's adversarial loss)", kind=bool),
    )

    @classmethod
    def unsupported(cls, model_class, generator, discriminator, values):
        layer = values.get("feature_layer")
        if discriminator is None:
            return None
        if layer is None:
            try:
                networks.default_feature_layer(discriminator)
            except ValueError as error:
                return str(error)
            return None
        names = [candidate.name for candidate in discriminator.layers]
        if layer not in names:
            return (f"expected feature_layer to name a layer of the discriminator, one of "
                    f"{names}; received {layer!r}")
        return None

    def transform_networks(self, generator, discriminator):
        layer = self.feature_layer or networks.default_feature_layer(discriminator)
        # Shares D's layers: one call gives the features and the logits (`outputs`, not
        # `output`: a Sequential D has only the former).
        self.features_and_logits = keras.Model(
            networks.inputs_of(discriminator),
            [discriminator.get_layer(layer).output, *discriminator.outputs],
            name="discriminator_features")
        return generator, discriminator

    def generator_objective(self, model, fake, real, labels, adversarial_loss):
        real_features, _ = model.D(real, labels, network=self.features_and_logits)
        fake_features, fake_logits = model.D(fake, labels, network=self.features_and_logits)
        matching = losses.feature_matching_loss(real_features, fake_features, mean=_global_mean)
        matching = self.feature_matching * matching * tf.ones([tf.shape(fake_logits)[0]])
        if self.feature_matching_only:
            return matching
        return adversarial_loss(fake_logits) + matching


def _global_mean(features):
    """Mean over the GLOBAL batch (all replicas) of ``(batch, ...)`` features.

    ``all_reduce`` is differentiable (its gradient is the all-reduce of the
    upstream gradients), so gradients flow to every replica's samples.
    """
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return tf.reduce_mean(features, axis=0)
    total = context.all_reduce("sum", tf.reduce_sum(features, axis=0))
    count = context.all_reduce("sum", tf.cast(tf.shape(features)[0], features.dtype))
    return total / count
