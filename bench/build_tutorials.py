"""Runs the tutorials in FULL mode and commits their outputs in place, stamped with a source hash.

Each ``tutorials/*.ipynb`` is executed top to bottom with papermill in a fresh ``python3`` kernel,
in its committed (FULL) setting and with ``tutorials/`` as the working directory. A notebook is
written back only when every cell ran without an error; its metadata then records
``keras_gans.source_sha256`` - the hash of its code cells (see :func:`source_sha256`) - so that
tests/test_tutorials.py can tell that the committed outputs came from the committed code. Edit a
code cell and the test fails until this command is run again.

Usage:
    TFDS_DATA_DIR=../shared/tensorflow_datasets python bench/build_tutorials.py [--only 01 08 ...]
"""

import argparse
import datetime
import glob
import hashlib
import json
import os
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUTORIALS = os.path.join(REPO, "tutorials")


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def source_sha256(notebook):
    """SHA-256 of a notebook's code cells, in order (outputs, metadata and markdown excluded)."""
    code = [_source(cell) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    return hashlib.sha256(json.dumps(code).encode("utf-8")).hexdigest()


def errors_in(notebook):
    """``[(cell index, error name)]`` for every error output of an executed notebook."""
    return [(index, output.get("ename", "error"))
            for index, cell in enumerate(notebook["cells"]) if cell["cell_type"] == "code"
            for output in cell.get("outputs", []) if output.get("output_type") == "error"]


def build(path):
    """Executes one notebook in FULL mode; writes it back with outputs and hash; returns seconds."""
    import papermill

    start = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        executed_path = os.path.join(scratch, os.path.basename(path))
        papermill.execute_notebook(path, executed_path, cwd=TUTORIALS, kernel_name="python3",
                                   progress_bar=True)
        with open(executed_path, encoding="utf-8") as file:
            executed = json.load(file)
    errors = errors_in(executed)
    if errors:  # papermill raises on errors already; this guards against a changed default
        raise RuntimeError(f"{path}: cells with errors {errors}; the committed notebook is unchanged")
    with open(path, encoding="utf-8") as file:
        committed = json.load(file)
    if source_sha256(executed) != source_sha256(committed):
        raise RuntimeError(f"{path}: code cells changed while it ran; run it again")
    seconds = time.monotonic() - start
    executed["metadata"]["keras_gans"] = {
        "source_sha256": source_sha256(executed),
        "mode": "full",
        "executed": datetime.date.today().isoformat(),
        "seconds": round(seconds),
        "command": "python bench/build_tutorials.py --only " + os.path.basename(path)[:2],
    }
    with open(path, "w", encoding="utf-8") as file:
        json.dump(executed, file, indent=1, ensure_ascii=False)
        file.write("\n")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", default=None, metavar="PREFIX",
                        help="notebook name prefixes, e.g. 01 08 (default: every tutorial)")
    args = parser.parse_args(argv)
    paths = sorted(glob.glob(os.path.join(TUTORIALS, "*.ipynb")))
    if args.only:
        chosen = [path for path in paths if os.path.basename(path).startswith(tuple(args.only))]
        unknown = [prefix for prefix in args.only
                   if not any(os.path.basename(path).startswith(prefix) for path in paths)]
        if unknown:
            parser.error(f"--only: no tutorial starts with {unknown}; expected prefixes of "
                         f"{[os.path.basename(path) for path in paths]}")
        paths = chosen
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for number, path in enumerate(paths, 1):
        print(f"[{number}/{len(paths)}] {os.path.basename(path)} (FULL mode)", flush=True)
        seconds = build(path)
        print(f"[{number}/{len(paths)}] {os.path.basename(path)}: {seconds / 60:.1f} min, written",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
