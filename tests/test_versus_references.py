"""bench/versus_references.py's alternation: equal time for every set-up, and 'ours' stopped at
exactly its step budget when the budget is given in steps."""

import pytest
from conftest import load_bench_script

bench = load_bench_script("versus_references")


class FakeTrainer:
    """Set-ups that run ``rate`` steps a second and overrun each turn by ``overrun`` seconds."""

    def __init__(self, rates, overrun):
        self.rates, self.overrun, self.turns = rates, overrun, []

    def __call__(self, label, seconds, max_steps=None):
        steps = int(self.rates[label] * (seconds + self.overrun))
        if max_steps is not None:
            steps = min(steps, max_steps)
        used = steps / self.rates[label]
        self.turns.append((label, round(used, 6), steps))
        return used, steps


def test_a_step_budget_stops_ours_exactly_and_gives_the_others_its_time():
    trainer = FakeTrainer({"ours": 40.0, "tf-gan": 25.0}, overrun=0.4)
    spent, steps = bench.alternate(["ours", "tf-gan"], trainer, slice_seconds=2.0, ours_steps=250)
    assert steps["ours"] == 250
    # The last turn of 'ours' is cut short by the budget: 2.4 s, 2.4 s, then 0.45 s.
    assert [turn for turn in trainer.turns if turn[0] == "ours"] == [
        ("ours", 2.4, 96), ("ours", 2.4, 96), ("ours", 1.45, 58)]
    # Each catch-up overruns by 0.4 s at most, and the next one makes up for it.
    assert spent["ours"] == pytest.approx(6.25)
    assert abs(spent["tf-gan"] - spent["ours"]) <= 0.4 + 1e-9
    assert steps["tf-gan"] == pytest.approx(25.0 * spent["tf-gan"], abs=1)


def test_a_minute_budget_gives_every_set_up_the_same_time():
    trainer = FakeTrainer({"ours": 40.0, "tf-gan": 25.0, "keras-io": 60.0}, overrun=0.0)
    spent, steps = bench.alternate(["ours", "tf-gan", "keras-io"], trainer, slice_seconds=5.0,
                                   minutes=0.25)
    assert spent == pytest.approx({"ours": 15.0, "tf-gan": 15.0, "keras-io": 15.0})
    assert steps == {"ours": 600, "tf-gan": 375, "keras-io": 900}
    # Round robin: the set-ups take turns rather than running one after the other.
    assert [label for label, _, _ in trainer.turns[:3]] == ["ours", "tf-gan", "keras-io"]


@pytest.mark.parametrize("max_steps, expected", [
    (None, (10**6, 100)), (6700, (67, 100)), (250, (2, 100)), (50, (1, 50)), (100, (1, 100))])
def test_a_turn_never_runs_past_the_step_budget(max_steps, expected):
    assert bench.epochs_for(max_steps) == expected


def test_a_step_budget_off_the_hundreds_or_without_ours_is_refused():
    with pytest.raises(SystemExit):
        bench.main(["--ours-steps", "150"])
    with pytest.raises(SystemExit):
        bench.main(["--ours-steps", "200", "--setups", "tf-gan"])
