"""The tutorials in ``tutorials/``: committed with the outputs of their code, and each runs in QUICK mode.

Every ``tutorials/*.ipynb`` is picked up automatically. The run test executes a notebook with
papermill in a fresh ``python3`` kernel, with ``QUICK = True`` injected after its ``parameters``
cell and ``tutorials/`` as the working directory (the notebooks read ``../saved_models``).
Notebooks that read real images (TFDS) get ``TFDS_DATA_DIR`` from the environment or, when unset,
``<repo>/../shared/tensorflow_datasets``; without either they are skipped, with the reason.
"""

import glob
import json
import os
import re
import time

import pytest
from conftest import load_bench_script, tfds_data_dir

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUTORIALS = os.path.join(REPO, "tutorials")
NOTEBOOKS = sorted(glob.glob(os.path.join(TUTORIALS, "*.ipynb")))
# Code that reads real image data through TFDS (directly, or the classifier metrics' test split).
NEEDS_IMAGE_DATA = ("load_images(", "ImageQualityMetrics(", "ImageEvaluator(")
TIMEOUT_SECONDS = 300  # per notebook in QUICK mode (they take well under a minute)


def _load(path):
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _code(notebook):
    return "\n".join(_source(cell) for cell in notebook["cells"] if cell["cell_type"] == "code")


def _ids(paths):
    return [os.path.basename(path) for path in paths]


def test_tutorials_exist():
    assert NOTEBOOKS, f"Expected notebooks in {TUTORIALS}, found none."


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_well_formed(path):
    """nbformat 4, python3 kernel, a markdown title, one `parameters` cell with QUICK = False."""
    notebook = _load(path)
    assert notebook["nbformat"] == 4, f"expected nbformat 4, found {notebook['nbformat']}"
    try:
        import nbformat
    except ImportError:
        pass
    else:
        nbformat.validate(nbformat.reads(json.dumps(notebook), as_version=4))
    assert notebook["metadata"].get("kernelspec", {}).get("name") == "python3"

    cells = notebook["cells"]
    assert cells[0]["cell_type"] == "markdown" and _source(cells[0]).lstrip().startswith("# "), (
        "the first cell must be a markdown title")
    parameters = [cell for cell in cells
                  if "parameters" in cell.get("metadata", {}).get("tags", [])]
    assert len(parameters) == 1, f"expected one cell tagged 'parameters', found {len(parameters)}"
    assert parameters[0]["cell_type"] == "code"
    assert re.search(r"^QUICK\s*=\s*False\b", _source(parameters[0]), re.MULTILINE), (
        "the parameters cell must define QUICK = False (the full mode is the committed default)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_committed_with_the_outputs_of_its_code(path):
    """Committed with the outputs of a FULL run of exactly its code cells, and no error.

    bench/build_tutorials.py stamps the hash of the code cells it ran; a code cell edited
    since then changes the hash, and this test names the command that brings them back in step.
    """
    builder, notebook = load_bench_script("build_tutorials"), _load(path)
    name = os.path.basename(path)
    stamp = notebook["metadata"].get("keras_gans", {})
    command = f"python bench/build_tutorials.py --only {name[:2]}"
    assert stamp.get("mode") == "full", (
        f"{name} carries no FULL-run stamp (found {stamp!r}); run: {command}")
    assert stamp.get("source_sha256") == builder.source_sha256(notebook), (
        f"{name}: its code cells changed after its outputs were made; run: {command}")
    assert builder.errors_in(notebook) == [], f"{name} was committed with errors"
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    unrun = [index for index, cell in enumerate(code_cells)
             if _source(cell).strip() and cell.get("execution_count") is None]
    assert not unrun, f"{name}: code cells {unrun} were not executed"
    assert any({"image/png", "image/gif"} & set(output.get("data", {}))
               for cell in code_cells for output in cell.get("outputs", [])), (
        f"{name} shows no picture")


def test_source_hash_changes_with_the_code_only():
    """The stamp follows code cells: an edited code cell changes it, markdown and outputs do not."""
    builder = load_bench_script("build_tutorials")
    notebook = {"cells": [{"cell_type": "markdown", "source": "# T"},
                          {"cell_type": "code", "source": ["x = 1\n", "x"], "outputs": []}]}
    before = builder.source_sha256(notebook)
    notebook["cells"][0]["source"] = "# Other title"
    notebook["cells"][1]["outputs"] = [{"output_type": "execute_result", "data": {}}]
    assert builder.source_sha256(notebook) == before
    notebook["cells"][1]["source"] = ["x = 2\n", "x"]
    assert builder.source_sha256(notebook) != before
    notebook["cells"][1]["outputs"] = [{"output_type": "error", "ename": "ValueError"}]
    assert builder.errors_in(notebook) == [(1, "ValueError")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_in_quick_mode(path, tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    pytest.importorskip("ipykernel")
    name = os.path.basename(path)
    data_dir = tfds_data_dir()
    if any(marker in _code(_load(path)) for marker in NEEDS_IMAGE_DATA):
        if data_dir is None or not os.path.isdir(os.path.join(data_dir, "mnist")):
            pytest.skip(
                f"{name} reads real MNIST through TFDS and none is prepared: set TFDS_DATA_DIR "
                f"(found {data_dir!r}) to a directory holding it, e.g. ../shared/tensorflow_datasets"
            )
    if data_dir is not None:
        monkeypatch.setenv("TFDS_DATA_DIR", os.path.abspath(data_dir))  # the kernel inherits it
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")

    start = time.monotonic()
    papermill.execute_notebook(
        path,
        str(tmp_path / name),
        parameters={"QUICK": True},
        cwd=TUTORIALS,
        kernel_name="python3",
        execution_timeout=TIMEOUT_SECONDS,  # per cell; the total is checked below
        progress_bar=False,
    )
    seconds = time.monotonic() - start
    print(f"{name}: {seconds:.1f} s in QUICK mode")
    assert seconds < TIMEOUT_SECONDS, (
        f"{name} took {seconds:.0f} s in QUICK mode; expected < {TIMEOUT_SECONDS} s")
