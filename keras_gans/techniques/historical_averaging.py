"""Historical averaging (Salimans et al. 2016, sec. 3.3)."""

import tensorflow as tf

from keras_gans.techniques import Option, Technique


class HistoricalAveraging(Technique):
    """Pulls each network toward the average of its past weights.

    Each network's loss gains ``lambda ||theta - (1/t) sum_{i<t} theta_i||^2``,
    the average taken over every value its weights had, the initial ones
    included. The paper's motivation: gradient descent on the game can
    orbit an equilibrium; the penalty damps the orbit. The running averages
    are non-trainable weights of the model: saved in ``.keras`` files and in
    backups, so training resumes with them exactly. The count ``t`` is the
    network's optimizer's ``iterations``.
    """

    name = "historical_averaging"
    paper = "Salimans et al. 2016, sec. 3.3"
    summary = "lambda ||theta - mean of past theta||^2 added to each network's loss"
    options = (
        Option("historical_averaging", 0.0, "weight lambda of the historical-averaging penalty "
               "on both networks (0: off)", low=0.0, search=(1e-4, 1.0)),
    )

    def build(self, model):
        self.averages = {}
        for role in ("generator", "discriminator"):
            network = getattr(model, role)
            averages = []
            for index, weight in enumerate(network.trainable_weights):
                average = model.add_weight(
                    shape=weight.shape, initializer="zeros", trainable=False,
                    name=f"historical_average_{role}_{index}")
                average.assign(weight)  # theta_0 is the first of the past values
                averages.append(average)
            self.averages[role] = averages

    def _role(self, model, network):
        return "generator" if network is model.generator else "discriminator"

    def weight_penalty(self, model, network):
        pairs = zip(network.trainable_weights, self.averages[self._role(model, network)])
        return self.historical_averaging * tf.add_n(
            [tf.reduce_sum(tf.square(weight - average)) for weight, average in pairs])

    def after_update(self, model, network):
        role = self._role(model, network)
        optimizer = model.g_optimizer if role == "generator" else model.d_optimizer
        count = tf.cast(optimizer.iterations, tf.float32) + 1.0  # values averaged so far
        for weight, average in zip(network.trainable_weights, self.averages[role]):
            average.assign_add((weight - average) / count)
