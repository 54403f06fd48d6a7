"""Several workers (MultiWorkerMirroredStrategy, local TF_CONFIG processes): identical weights,
only the chief writes, and a lost worker costs at most one epoch: kill -9, restart, same weights."""

import json
import os
import signal
import sys
import time

import pytest

import cluster
from conftest import backed_up_epoch

# 30 epochs of 10 steps: a backup every 10 steps, time to kill a worker mid-way.
TOY_RUN = [sys.executable, "-m", "keras_gans", "train", "toy1d", "--strategy", "multi_worker",
           "--steps", "300", "--epochs", "30", "--seed", "11", "--minibatch-discrimination",
           "--noise", "stratified", "--verbose", "0"]


def _summary(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


def _kill_when_backed_up(processes, victim, directory, epoch):
    """kill -9 worker ``victim`` once the backup of ``epoch`` exists; returns the others' results."""
    deadline = time.monotonic() + 300
    while (backed_up_epoch(directory) < epoch and processes[victim].poll() is None
           and time.monotonic() < deadline):
        time.sleep(0.005)
    processes[victim].send_signal(signal.SIGKILL)
    killed = cluster.finish({victim: processes.pop(victim)})[victim]
    assert killed[0] == -signal.SIGKILL, killed[2][-3000:]
    return cluster.finish(processes, timeout=120)  # the survivors must not hang


def _assert_lost_a_worker(results, directory):
    for returncode, _, stderr in results.values():
        assert returncode != 0
        assert "error: the cluster lost a worker" in stderr, stderr[-3000:]
        assert f"the last backup ({directory}" in stderr and "is intact" in stderr


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """Both workers' summaries and the shared --output of a run that nothing interrupts."""
    root = tmp_path_factory.mktemp("uninterrupted")
    scratch = {index: root / f"tmp{index}" for index in range(2)}
    for directory in scratch.values():
        directory.mkdir()
    output, export_dir = root / "run", root / "export"
    results = cluster.finish(cluster.Cluster().start(
        [*TOY_RUN, "--output", str(output), "--export-dir", str(export_dir)],
        env={index: {"TMPDIR": str(directory)} for index, directory in scratch.items()}))
    for returncode, _, stderr in results.values():
        assert returncode == 0, stderr[-3000:]
    return {"summaries": [_summary(results[index][1]) for index in range(2)], "output": output,
            "export_dir": export_dir, "scratch": scratch}


def test_workers_train_identical_weights_and_only_the_chief_writes(uninterrupted):
    chief, other = uninterrupted["summaries"]
    assert chief["distribution"] == {"task": 0, "chief": True, "replicas": 2}
    assert other["distribution"] == {"task": 1, "chief": False, "replicas": 2}
    assert chief["steps"] == other["steps"] == 300
    assert chief["weights_sha256"] == other["weights_sha256"]
    assert chief["metrics"] == pytest.approx(other["metrics"])
    # The chief wrote one run directory and one export version, and removed its backups at
    # the end; the other worker's scratch copies of each backup are gone too.
    assert sorted(os.listdir(uninterrupted["output"])) == [
        "distribution.png", "metrics.json", "model.keras", "run.json"]
    assert sorted(os.listdir(uninterrupted["export_dir"])) == ["1"]
    assert chief["export"].endswith(os.path.join("export", "1"))
    assert os.listdir(uninterrupted["scratch"][1]) == []


def test_killed_workers_resume_to_the_weights_of_an_uninterrupted_run(uninterrupted, tmp_path):
    run_dir = tmp_path / "run"
    command = [*TOY_RUN, "--output", str(run_dir)]
    workers = cluster.Cluster()  # the same ports throughout: restarts rejoin the same cluster

    # 1. kill -9 the non-chief: the chief notices (heartbeats) and stops with a clear error.
    survivors = _kill_when_backed_up(workers.start(command), 1, run_dir, epoch=5)
    _assert_lost_a_worker(survivors, run_dir)
    first_backup = backed_up_epoch(run_dir)
    assert 5 <= first_backup < 30 and not (run_dir / "model.keras").exists()

    # 2. Restarts that would train apart are refused by every worker, and change nothing.
    refused = cluster.finish(workers.start([*command[:-2], "--seed", "12", *command[-2:]]))
    for returncode, _, stderr in refused.values():
        assert returncode != 0 and "other training arguments (seed: 11 -> 12)" in stderr, stderr[-3000:]
    apart = cluster.finish({**workers.start(command, indices=[0]),
                            **workers.start([*command[:-1], str(tmp_path / "elsewhere")],
                                            indices=[1])})
    for returncode, _, stderr in apart.values():
        assert returncode != 0 and "Expected every worker to restore the chief's newest backup" in stderr, \
            stderr[-3000:]
    assert backed_up_epoch(run_dir) == first_backup and not (tmp_path / "elsewhere").exists()

    # 3. The same commands resume from the backup; this time kill -9 the chief.
    processes = workers.start(command)
    survivors = _kill_when_backed_up(processes, 0, run_dir, epoch=first_backup + 5)
    _assert_lost_a_worker(survivors, run_dir)
    assert "Resumed from step" in survivors[1][1]
    second_backup = backed_up_epoch(run_dir)
    assert first_backup + 5 <= second_backup < 30

    # 4. And again: both resume from the chief's newest backup and end where the
    # uninterrupted run ended, bit for bit.
    results = cluster.finish(workers.start(command))
    summaries = []
    for index in range(2):
        returncode, stdout, stderr = results[index]
        assert returncode == 0, stderr[-3000:]
        assert f"Resumed from step {second_backup * 10} (epoch {second_backup})" in stdout
        summaries.append(_summary(stdout))
    whole = uninterrupted["summaries"][0]
    for summary in summaries:
        assert summary["steps"] == whole["steps"] == 300
        assert summary["weights_sha256"] == whole["weights_sha256"]
    assert (run_dir / "model.keras").is_file() and not (run_dir / "backup").exists()


def test_a_worker_started_alone_stops_with_a_clear_error_after_the_cluster_timeout(tmp_path):
    started = time.monotonic()
    results = cluster.finish(cluster.Cluster().start(
        [*TOY_RUN, "--output", str(tmp_path / "run"), "--cluster-timeout", "5"], indices=[1]),
        timeout=120)
    returncode, _, stderr = results[1]
    assert returncode != 0
    assert "error: Expected every worker of the cluster" in stderr and "within 5 s" in stderr, \
        stderr[-3000:]
    assert time.monotonic() - started < 90
    assert not (tmp_path / "run").exists()  # a non-chief writes nothing


@pytest.mark.parametrize("task", (0, 1))
def test_multi_worker_without_a_shared_output_is_refused_before_the_cluster_forms(task, monkeypatch):
    """In this process, with TF_CONFIG naming two workers: the refusal comes from the arguments
    alone, before any strategy exists (forming the cluster would wait for the other worker)."""
    from keras_gans import cli, distribute

    def no_strategy(*args, **kwargs):
        raise AssertionError("the strategy was created before --output was checked")

    monkeypatch.setattr(distribute, "get_strategy", no_strategy)
    workers = [f"localhost:{port}" for port in cluster.free_ports(2)]
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": workers},
                                                "task": {"type": "worker", "index": task}}))
    with pytest.raises(SystemExit, match="--strategy multi_worker needs --output"):
        cli.main(TOY_RUN[3:])  # the arguments after "python -m keras_gans"


def test_a_cluster_of_one_worker_needs_no_shared_output(monkeypatch):
    """One worker is not a multi-worker run (nothing to share): no --output asked for."""
    import argparse

    from keras_gans import cli

    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["localhost:1"]},
                                                "task": {"type": "worker", "index": 0}}))
    assert cli._check_multi_worker_output(argparse.Namespace(strategy="multi_worker",
                                                             output=None)) is None
