"""Writing files so that a crash never leaves a half-written one, and nothing is overwritten.

Every file the package writes for a user (``.keras`` models, ``metrics.json``,
run records) is first written to a temporary file in the same directory and
then moved into place in one step (``os.replace``, or ``os.link`` where an
existing file must not be replaced). A failure or ``kill -9`` mid-write
leaves the previous file, if any, complete and loadable, and at worst a
hidden ``.NAME.*.tmp`` file beside it.

Examples:

    >>> import json, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "metrics.json")
    >>> write_json(path, {"w1": 0.03})
    >>> json.load(open(path))
    {'w1': 0.03}
    >>> write_json(path, {"w1": 0.5}, overwrite=False)
    Traceback (most recent call last):
    ...
    FileExistsError: Expected a new file, received the existing .../metrics.json: nothing was overwritten.
"""

import contextlib
import json
import os
import tempfile


@contextlib.contextmanager
def atomic_path(path, overwrite=True):
    """Yields a temporary path beside ``path``; on success moves it onto ``path``.

    Write the file to the yielded path. When the block ends normally the file
    appears at ``path`` in one atomic step; when it raises, ``path`` is
    untouched and the temporary file is removed.

    Args:
        path: the final file path. Its extension is kept on the temporary
            file (Keras chooses the format by extension).
        overwrite: replace an existing ``path``. If False an existing file
            raises ``FileExistsError``, also when it appears while writing.
    """
    path = os.fspath(path)
    if not overwrite:
        _refuse_existing(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    name = os.path.basename(path)
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{name}.", suffix=".tmp" + "".join(_extensions(name)), dir=directory)
    os.close(descriptor)
    os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's 0600 would make the result private
    try:
        yield temporary
        if overwrite:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # atomic, and fails if `path` exists
            except FileExistsError:
                _refuse_existing(path)
                raise
            os.remove(temporary)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


def _extensions(name):
    """``"model.weights.h5"`` -> ``[".weights", ".h5"]``: what Keras reads formats from."""
    parts = name.split(".")[1:]
    return [f".{part}" for part in parts[-2:]] if parts else []


def _umask():
    """The process's umask (what ``open`` applies to new files)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _refuse_existing(path):
    if os.path.exists(path):
        raise FileExistsError(
            f"Expected a new file, received the existing {path}: nothing was overwritten."
        )


def write_json(path, content, overwrite=True):
    """Writes ``content`` as indented JSON to ``path`` atomically."""
    with atomic_path(path, overwrite=overwrite) as temporary:
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(content, file, indent=2)


def save_model(model, path, overwrite=True):
    """``model.save(path)`` written atomically; ``overwrite=False`` never replaces a file.

    Works for any ``keras.Model`` (the package's GANs already save
    atomically through :meth:`keras_gans.models.GAN.save`).
    """
    import keras

    with atomic_path(path, overwrite=overwrite) as temporary:
        keras.Model.save(model, temporary, overwrite=True)  # Keras' own writer, in place


#: What ``python -m keras_gans train`` writes beside its ``model.keras``.
RUN_SUMMARY = "metrics.json"


def read_run_summary(model_path):
    """The ``metrics.json`` that ``train`` wrote beside ``model_path``, or ``{}`` if there is none."""
    path = os.path.join(os.path.dirname(os.fspath(model_path)), RUN_SUMMARY)
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as file:
        return json.load(file)

