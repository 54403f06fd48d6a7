"""Benchmark: concurrent `generate` requests against one loaded export, through TF's C API.

Builds tests/c_client/serving_client.c (the C client of TF_LoadSessionFromSavedModel, the C++
loader TF Serving builds on) against the installed TensorFlow wheel, loads each export once, and
runs THREADS threads x REPEATS `generate` requests of the same seed on that one session: p50 /
p99 latency, requests/s, errors, and answers that differ from a single call's (there should be
none: the noise is drawn in the graph from the seed).

Usage:
    python bench/serving_load.py [--threads 8] [--repeats 50] [--num-samples 16] [--names dcgan_mnist ...]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(REPO, "tests", "c_client", "serving_client.c")
SAVED_MODELS = os.path.join(REPO, "saved_models")


def build_client(directory):
    """Compiles the C client into ``directory``; returns its path (``RuntimeError`` if it cannot)."""
    import tensorflow as tf

    compiler = shutil.which("gcc") or shutil.which("cc")
    if not compiler:
        raise RuntimeError("no C compiler (gcc or cc) on PATH: the C API client cannot be built")
    tf_dir = os.path.dirname(tf.__file__)
    for path in (os.path.join(tf_dir, "include", "tensorflow", "c", "c_api.h"),
                 os.path.join(tf_dir, "libtensorflow_cc.so.2")):
        if not os.path.exists(path):
            raise RuntimeError(f"the TensorFlow wheel lacks {path}: the client cannot be built")
    binary = os.path.join(directory, "serving_client")
    result = subprocess.run(
        [compiler, "-O2", "-Wall", "-o", binary, SOURCE, f"-I{os.path.join(tf_dir, 'include')}",
         f"-L{tf_dir}", "-l:libtensorflow_cc.so.2", "-l:libtensorflow_framework.so.2",
         "-lpthread", f"-Wl,-rpath,{tf_dir}"], capture_output=True, text=True, timeout=300)
    if result.returncode:
        raise RuntimeError(f"compiling {SOURCE} failed:\n{result.stderr[-3000:]}")
    return binary


def load_request(threads, repeats, info, num_samples, seed=0):
    """The client's ``load`` line for a ``generate`` of ``num_samples`` from ``seed``."""
    if info["conditional"]:
        labels = ",".join(str(i % info["num_classes"]) for i in range(num_samples))
        count = f"label=int32:{num_samples}:{labels}"
    else:
        count = f"num_samples=int32::{num_samples}"
    return f"load {threads} {repeats} generate {count} seed=int64::{seed}"


def measure(client, export, threads, repeats, num_samples):
    """``{threads, repeats, errors, mismatches, p50_ms, p99_ms, requests_per_s}`` of one export."""
    with open(os.path.join(export, "assets.extra", "model.json"), encoding="utf-8") as file:
        info = json.load(file)
    result = subprocess.run([client, export], input=load_request(threads, repeats, info,
                                                                 num_samples) + "\n",
                            capture_output=True, text=True, timeout=600,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    line = next(line for line in result.stdout.splitlines() if line.startswith(("LOAD ", "ERROR ")))
    if line.startswith("ERROR"):
        raise RuntimeError(line)
    fields = dict(part.split("=") for part in line.split()[2:])
    return {key: float(value) if "." in value else int(value) for key, value in fields.items()}


def main(argv=None):
    from keras_gans import export

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=50, help="requests per thread")
    parser.add_argument("--num-samples", type=int, default=16, help="samples per request")
    parser.add_argument("--names", nargs="+", default=None, help="saved_models/ entries (default all)")
    args = parser.parse_args(argv)
    names = args.names or sorted(name for name in os.listdir(SAVED_MODELS)
                                 if export.existing_versions(os.path.join(SAVED_MODELS, name)))
    print(f"$ python bench/serving_load.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    print(f"\n{args.threads} threads x {args.repeats} `generate` requests of {args.num_samples} "
          f"samples (one seed) on one session per export, {os.cpu_count()} CPU cores, "
          "TF C API client\n")
    print("| export | p50 ms | p99 ms | requests/s | errors | answers unlike a single call's |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as scratch:
        client = build_client(scratch)
        for name in names:
            path = export.latest_version(os.path.join(SAVED_MODELS, name))
            row = measure(client, path, args.threads, args.repeats, args.num_samples)
            print(f"| {name} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
                  f"{row['requests_per_s']:.0f} | {row['errors']} | {row['mismatches']} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
