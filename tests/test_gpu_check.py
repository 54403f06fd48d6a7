"""bench/gpu_check.py: on this GPU-less machine it says so, runs its CPU smoke mode, exits 0."""

import os
import re
import subprocess
import sys

import pytest
import tensorflow as tf

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.skipif(bool(tf.config.list_physical_devices("GPU")),
                    reason="a GPU is present: run python bench/gpu_check.py itself")
def test_without_a_gpu_the_check_says_so_and_smoke_tests_every_setting():
    result = subprocess.run([sys.executable, os.path.join(REPO, "bench", "gpu_check.py")],
                            capture_output=True, text=True, timeout=900,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "No GPU found" in result.stdout
    row = next(line for line in result.stdout.splitlines() if line.startswith("| dcgan |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    # default, xla, mixed_float16, mirrored2: each ran and gave a rate
    assert all(re.match(r"^\d+( \(\d+\.\d\dx\))?$", cell) for cell in cells[1:5]), cells
    assert float(cells[5]) < 1e-4, f"1 and 2 replicas trained different weights: {cells[5]}"
