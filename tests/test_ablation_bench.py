"""The ablation benchmark's configuration language (bench/ablation.py): what a
``NAME:key=value`` configuration builds, without training."""

import pytest

from conftest import load_bench_script

ablation = load_bench_script("ablation")


def test_parse_config_reads_json_values_and_keeps_strings():
    name, options = ablation.parse_config("recipe:margin=0.3,g_optimizer=rmsprop,steps=7")
    assert name == "recipe"
    assert options == {"margin": 0.3, "g_optimizer": "rmsprop", "steps": 7}
    assert ablation.parse_config("paper") == ("paper", {})


def test_optimizer_keys_build_each_network_its_own_kind_and_rate():
    d_optimizer, g_optimizer = ablation.optimizers(
        {"optimizer": "rmsprop", "g_optimizer": "adam", "d_lr": 3e-4, "g_lr": 1e-3,
         "beta_1": 0.8, "beta_2": 0.9})
    assert type(d_optimizer).__name__ == "RMSprop"
    assert type(g_optimizer).__name__ == "Adam"
    assert float(d_optimizer.learning_rate) == pytest.approx(3e-4)
    assert float(g_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(g_optimizer.beta_1) == pytest.approx(0.8)
    assert float(g_optimizer.beta_2) == pytest.approx(0.9)


def test_decay_steps_decays_both_rates_to_one_percent():
    d_optimizer, g_optimizer = ablation.optimizers({"d_lr": 2e-4, "g_lr": 1e-3,
                                                    "decay_steps": 100})
    for optimizer, rate in ((d_optimizer, 2e-4), (g_optimizer, 1e-3)):
        schedule = optimizer._learning_rate  # the CosineDecay schedule itself
        assert float(schedule(0)) == pytest.approx(rate)
        assert float(schedule(50)) == pytest.approx(rate * (0.01 + 0.99 * 0.5))
        assert float(schedule(100)) == pytest.approx(rate * 0.01)


def test_unknown_optimizer_is_refused_naming_it():
    with pytest.raises(ValueError, match="'adam' or 'rmsprop', received 'sgd'"):
        ablation.optimizers({"g_optimizer": "sgd"})


def test_a_step_budget_trains_exactly_that_many_generator_steps(monkeypatch):
    import tensorflow_datasets as tfds

    quality = load_bench_script("quality")
    build = quality.variants.build  # the recipe, on networks small enough for a unit test
    monkeypatch.setattr(quality.variants, "build",
                        lambda name, dataset: build(name, dataset, latent_dim=8, filters=4))
    with tfds.testing.mock_data(num_examples=64):
        model, steps, _ = quality.train_for("dcgan", "mnist", minutes=10, seed=0, steps=100)
    assert steps == 100
    assert int(model.g_optimizer.iterations) == 100


def test_a_step_budget_off_the_hundreds_is_refused_before_training():
    quality = load_bench_script("quality")
    with pytest.raises(ValueError, match="multiple of 100, received 150"):
        quality.train_for("vanilla", "mnist", minutes=10, seed=0, steps=150)
