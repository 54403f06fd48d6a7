"""Local multi-worker clusters for the tests: one process per ``TF_CONFIG`` worker."""

import json
import os
import socket
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def free_ports(count):
    """``count`` TCP ports free on localhost now."""
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("localhost", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


class Cluster:
    """``count`` local workers; ``start`` launches some of them with one command.

    Ports are fixed for the cluster's life, so a restarted worker joins the
    same cluster, as on real machines. ``env`` maps a worker index to extra
    environment variables.
    """

    def __init__(self, count=2):
        self.spec = {"worker": [f"localhost:{port}" for port in free_ports(count)]}
        self.count = count

    def start(self, command, indices=None, env=None):
        """Starts ``command`` (``{index}`` formatted) as the workers ``indices`` (default all)."""
        processes = {}
        for index in range(self.count) if indices is None else indices:
            tf_config = json.dumps({"cluster": self.spec, "task": {"type": "worker", "index": index}})
            processes[index] = subprocess.Popen(
                [arg.format(index=index) for arg in command], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, cwd=HERE,
                env={**ENV, "TF_CONFIG": tf_config, **(env or {}).get(index, {})})
        return processes


def finish(processes, timeout=300):
    """``{index: (returncode, stdout, stderr)}`` once every process has ended (killed after ``timeout``)."""
    results, deadline = {}, time.monotonic() + timeout
    try:
        for index, process in processes.items():
            stdout, stderr = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
            results[index] = (process.returncode, stdout, stderr)
    finally:
        for process in processes.values():
            process.kill()
    return results


def run(command, count=2, timeout=300):
    """Runs ``command`` on a new cluster of ``count`` workers; returns their stdouts (all must succeed)."""
    results = finish(Cluster(count).start(command), timeout)
    for returncode, _, stderr in results.values():
        assert returncode == 0, stderr[-3000:]
    return [results[index][1] for index in sorted(results)]
