"""Keras Tuner searches: quality objectives, failed trials, best models that export."""

import json
import math

import keras
import keras_tuner
import numpy as np
import pytest
import tensorflow_datasets as tfds

from keras_gans import data, tuning
from keras_gans.cli import main as cli_main


def _toy_search(tmp_path, tuner="random", trials=3, **hypermodel_options):
    hypermodel = tuning.GANHyperModel("toy1d", seed=0, **hypermodel_options)
    search = tuning.make_tuner(hypermodel, tuner, max_trials=trials, directory=tmp_path,
                               seed=0, max_epochs=2)
    search.search(data.gaussian_1d(batch_size=12, seed=0), epochs=2, steps_per_epoch=50,
                  verbose=0)
    return search


def test_a_tiny_search_records_every_trial_and_ranks_by_quality(tmp_path):
    search = _toy_search(tmp_path, "bayesian")
    trials = tuning.trial_table(search)
    assert len(trials) == 3
    assert all(trial["status"] == "COMPLETED" for trial in trials)
    scores = [trial["score"] for trial in trials]
    assert all(math.isfinite(score) and score >= 0 for score in scores)  # W1 values
    assert len({trial["d_learning_rate"] for trial in trials}) == 3  # distinct samples
    best = search.oracle.get_best_trials(1)[0]
    assert best.score == min(scores)  # w1 is minimized
    assert search.oracle.objective.name == "w1"
    low, high = (1e-5, 1e-2)
    for trial in trials:
        assert low <= trial["d_learning_rate"] <= high and low <= trial["g_learning_rate"] <= high


def test_the_trial_score_is_the_quality_of_the_model_it_saved(tmp_path):
    search = _toy_search(tmp_path, trials=2)
    best_trial = search.oracle.get_best_trials(1)[0]
    model = search.get_best_models(1)[0]
    # The tuner kept the weights of the best epoch: re-measure them.
    metrics = keras_gans_metrics(model)
    assert metrics["w1"] == pytest.approx(best_trial.score, abs=0.03)


def keras_gans_metrics(model):
    from keras_gans import evaluation

    return evaluation.gaussian_1d_metrics(model.generate(20_000), 4.0, 0.5)


def test_the_best_model_exports_with_the_serving_contract(tmp_path, serve):
    search = _toy_search(tmp_path, trials=2)
    model = search.get_best_models(1)[0]
    path = model.export_generator(tmp_path / "export")
    report, arrays = serve(path, [{"signature": "generate", "inputs": {"num_samples": 4, "seed": 1}}])
    assert report["signatures"]["generate"]["method_name"] == "tensorflow/serving/predict"
    assert arrays["0/samples"].shape == (4, 1)


def test_a_diverging_trial_is_recorded_as_failed_and_the_search_goes_on(tmp_path):
    hypermodel = tuning.GANHyperModel("toy1d", seed=0)
    hp = keras_tuner.HyperParameters()
    # The first grid point is a learning rate that blows the weights up.
    hp.Choice("d_learning_rate", [1e38, 5e-3], ordered=False)
    hp.Fixed("g_learning_rate", 5e-3)
    search = keras_tuner.GridSearch(hypermodel, objective=tuning.OBJECTIVES["w1"], max_trials=2,
                                    hyperparameters=hp, tune_new_entries=False,
                                    directory=tmp_path, project_name="grid")
    search.search(data.gaussian_1d(batch_size=12, seed=0), epochs=1, steps_per_epoch=50,
                  verbose=0)
    trials = {trial["d_learning_rate"]: trial for trial in tuning.trial_table(search)}
    assert trials[1e38]["status"] == "FAILED"
    assert trials[5e-3]["status"] == "COMPLETED" and math.isfinite(trials[5e-3]["score"])
    assert search.get_best_hyperparameters()[0]["d_learning_rate"] == 5e-3


def test_build_uses_the_variants_own_optimizers_at_the_sampled_rates():
    hypermodel = tuning.GANHyperModel("wgan_gp", {"latent_dim": 8, "filters": 4},
                                      tune_beta_1=True, tune_discriminator_steps=True)
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    # Defaults of the search are the paper's: Adam(1e-4, beta_1=0, beta_2=0.9), n_critic 5.
    assert hp.values == {"d_learning_rate": pytest.approx(1e-4),
                         "g_learning_rate": pytest.approx(1e-4), "beta_1": 0.0,
                         "discriminator_steps": 5}
    assert isinstance(model.d_optimizer, keras.optimizers.Adam)
    assert model.d_optimizer.get_config()["beta_2"] == pytest.approx(0.9)
    assert model.discriminator_steps == 5


def test_with_learning_rate_keeps_a_schedule_shape():
    toy = tuning.GANHyperModel("toy1d").defaults
    sgd = tuning.with_learning_rate(toy.default_optimizers()[0], 0.02)
    schedule = sgd.learning_rate if callable(sgd.learning_rate) else sgd._learning_rate
    assert float(schedule(0)) == pytest.approx(0.02)
    assert float(schedule(150)) == pytest.approx(0.02 * 0.95)
    with pytest.raises(ValueError, match="beta_1"):
        tuning.with_learning_rate(keras.optimizers.SGD(0.1), 0.1, beta_1=0.5)


@pytest.mark.parametrize("kwargs, message", [
    (dict(variant="toy1d", tuner="grid"), "Expected tuner in"),
    (dict(variant="toy1d", objective="fcd"), "Expected objective 'w1'"),
    (dict(variant="dcgan", objective="conditional_accuracy"), "Expected a conditional variant"),
    (dict(variant="toy1d", tuner="hyperband"), "Expected max_epochs"),
])
def test_bad_search_settings_are_refused_before_any_trial(kwargs, message, tmp_path):
    variant = kwargs.pop("variant")
    options = {"latent_dim": 8, "filters": 4} if variant == "dcgan" else {}
    hypermodel = tuning.GANHyperModel(variant, options)
    with pytest.raises(ValueError, match=message):
        tuning.make_tuner(hypermodel, directory=tmp_path, **{"tuner": "random", **kwargs})
    with pytest.raises(ValueError, match="0 < low < high"):
        tuning.GANHyperModel("toy1d", learning_rates=(1e-2, 1e-5))
    with pytest.raises(ValueError, match="beta_1.*received SGD"):
        tuning.GANHyperModel("toy1d", tune_beta_1=True)


def test_cli_tune_toy_writes_trials_plot_and_export(tmp_path, capsys):
    cli_main(["tune", "toy1d", "--tuner", "random", "--trials", "2", "--steps", "40",
              "--epochs", "2", "--seed", "0", "--directory", str(tmp_path / "tuning"),
              "--export-dir", str(tmp_path / "export")])
    printed = capsys.readouterr().out
    summary = json.loads(printed.strip().splitlines()[-1])
    assert "Trial 2 Complete" in printed  # Keras Tuner's progress, on by default
    assert summary["objective"] == "w1" and len(summary["trials"]) == 2
    assert summary["best_score"] == min(trial["score"] for trial in summary["trials"])
    assert summary["default_learning_rates"] == {"d_learning_rate": 0.005, "g_learning_rate": 0.005}
    project = tmp_path / "tuning" / "toy1d"
    assert (project / "trials.png").stat().st_size > 0
    assert json.loads((project / "trials.json").read_text()) == summary["trials"]
    assert summary["export"].endswith("1")
    # The same command again resumes the finished search instead of overwriting it.
    cli_main(["tune", "toy1d", "--tuner", "random", "--trials", "2", "--steps", "40",
              "--epochs", "2", "--seed", "0", "--directory", str(tmp_path / "tuning")])
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again["trials"] == summary["trials"]


def test_cli_tune_image_variant_on_mock_data(tmp_path, capsys):
    with tfds.testing.mock_data(num_examples=32):
        cli_main(["tune", "cdcgan", "--tuner", "random", "--trials", "1", "--steps", "2",
                  "--epochs", "1", "--batch-size", "8", "--latent-dim", "8", "--filters", "4",
                  "--eval-samples", "20", "--directory", str(tmp_path)])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["objective"] == "val_conditional_accuracy"
    assert 0.0 <= summary["best_score"] <= 1.0


def test_cli_tune_mixture_variant_by_reverse_kl(tmp_path, capsys):
    cli_main(["tune", "mixture_gan", "--dataset", "grid", "--tuner", "random", "--trials", "1",
              "--steps", "20", "--epochs", "1", "--batch-size", "20", "--generator-units", "8",
              "--generator-depth", "1", "--discriminator-units", "8", "--discriminator-depth", "1",
              "--seed", "0", "--directory", str(tmp_path)])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["objective"] == "reverse_kl"
    assert summary["default_learning_rates"] == {"d_learning_rate": pytest.approx(1e-3),
                                                 "g_learning_rate": pytest.approx(1e-3)}


def test_plot_of_trials_marks_failed_ones():
    from keras_gans import plotting

    figure = plotting.plot_tuning_trials(
        [{"d_learning_rate": 1e-3, "g_learning_rate": 1e-4, "score": 0.1, "status": "COMPLETED"},
         {"d_learning_rate": 1e38, "g_learning_rate": 1e-4, "score": None, "status": "FAILED"}],
        "w1", defaults=(5e-3, 5e-3))
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert labels == ["failed", "variant default"]
    assert np.isclose(figure.axes[0].collections[0].get_array(), [0.1]).all()
