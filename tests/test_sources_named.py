"""User-facing texts cite their sources by author and title, never as private "seed" files.

The package follows five GAN tutorials (Su Wang's *Gentle Introduction*, John Glover's AYLIEN
tutorial, Hwann-Tzong Chen's NTHU slides, Debashish Reang's *Tutorial Paper*, Aman Chadha's
*Primers*) that its developers received as numbered files ("seed 000" ... "seed 004"). Users do
not have those files, so "seed 001", "the seed's networks" or "the seed code" tells them nothing:
docs, docstrings, CLI help, notebooks and benchmark reports must name the author and title, or
better the original paper (Goodfellow et al. 2014, Radford et al. 2015, Salimans et al. 2016,
Arjovsky et al. 2017, Gulrajani et al. 2017, Mirza & Osindero 2014, ...).

Random seeds are not affected: ``seed=0``, ``--seed 3``, "seed 0, 30000 steps", "5 seeds",
"folded into the seed" are fine; only the zero-padded file numbers and the phrases below are
flagged.
"""

import glob
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The user-facing files (relative to the repository root). tests/ is not scanned: this file
# has to spell the phrases out.
USER_FACING = ("README.md", "docs/**/*.md", "keras_gans/**/*.py", "tutorials/*.ipynb",
               "bench/**/*.py", "bench/results/*.md", "saved_models/**/model.json", "setup.py")

_APOSTROPHE = "['\u2019]"
PRIVATE_REFERENCE = re.compile(
    r"|".join([
        # "seed 000", "Seed-001", "seed_002", "seeds 000 and 002", "seed 004's": the file numbers
        # (three digits, zero-padded; "--seed 007" is a command-line random seed).
        r"(?<![\w-])seeds?\s*[-_]?\s*0\d\d(?!\d)",
        # the files themselves: "seeds/001_...", "000_f6e2ca32e9870ab1.txt"
        r"\bseeds/0",
        r"\b00\d_[0-9a-f]{16}\b",
        # "the seed code", "the seed's code", "the seed's networks", "the seed tutorial(s)"
        r"\bseed" + _APOSTROPHE + r"?s?\s+code\b",
        r"\bthe\s+seed" + _APOSTROPHE + r"s\b",
        r"\bseeds?\s+(?:tutorials?|papers?|documents?)\b",
        # the seed as an author: "the seed describes / notes / observes / advises ...",
        # "the seeds all fix ...", "as in the seed"
        r"\bthe\s+seeds?\s+(?:all\s+)?(?:describes?|notes?|observes?|advises?|recommends?|"
        r"suggests?|explains?|teach(?:es)?|presents?|lists?|mentions?|fix(?:es)?)\b",
        r"\bas\s+in\s+the\s+seed\b",
        # a citation whose locator was deleted with the file number: "(Su Wang's tutorial, )"
        r"\b(?:tutorial|slides|paper|primer)" + _APOSTROPHE + r"?s?,\s*\)",
    ]),
    re.IGNORECASE,
)


def private_references(text):
    """The matches of ``PRIVATE_REFERENCE`` in ``text``, as ``(line number, matched text)``."""
    return [(text.count("\n", 0, match.start()) + 1, match.group(0))
            for match in PRIVATE_REFERENCE.finditer(text)]


def _notebook_text(raw):
    """A notebook's JSON with each line's strings decoded, one output line per file line.

    Escapes (``\\"``, ``\\u2014``, ``\\n``) are decoded so the patterns see the prose as
    written; a decoded newline becomes a space, so line numbers stay the file's.
    """
    lines = []
    for line in raw.split("\n"):
        entry = re.fullmatch(r'\s*(?:"[^"]*":\s*)?"(.*)",?\s*', line)
        if entry:
            try:
                line = json.loads('"' + entry.group(1) + '"')
            except ValueError:
                pass
        lines.append(line.replace("\n", " "))
    return "\n".join(lines)


def scan(path, display=None):
    """``["file:line: matched text", ...]`` for one file."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".ipynb"):
        text = _notebook_text(text)
    display = display or path
    return [f"{display}:{line}: {found!r}" for line, found in private_references(text)]


def user_facing_files():
    paths = set()
    for pattern in USER_FACING:
        paths.update(glob.glob(os.path.join(ROOT, pattern), recursive=True))
    return sorted(path for path in paths if os.path.isfile(path))


FOUND = [
    "the toy of seed 001", "Seed 000, eq. 3", "as presented in seeds 000 and 002", "seed-004's primer",
    "seed_003", "seed000", "see shared/seeds/001_6895e8baf8ef18b7.txt", "000_f6e2ca32e9870ab1.txt",
    "One ε for the whole batch (the seed code's bug)", "the seed's networks", "The Seed\u2019s exact settings",
    "the seed tutorials", "The seed observes the generator", "the failure the seed describes",
    "The seeds all fix their learning rates", "points, as in the seed: with", "(Su Wang's tutorial, )",
    "(Chen's lecture slides, ) and", "the seed\n    code",
]
NOT_FOUND = [
    "seed=0", "seed = 0", "--seed 3", "--seed 007", "python -m keras_gans train toy1d --seed 0",
    "seed 0, 30000 steps", "seed 0", "seeds 0-4", "seeds 0–4", "on 4 of 5 seeds", "over seeds",
    "on fresh seeds", "folded into the seed, so worker processes seeded alike differ too",
    "the same seed always gives the same samples", "seed 42", "seed 1234", "seeds=[1, 2, 3]",
    "keras.utils.set_random_seed(0)", "a per-batch seed of", "``seed`` int64 ``[]``",
    "| minibatch discrimination | seed | mean |", "within seed noise", "the 3-seed ablation",
    "Glover's AYLIEN tutorial", "(Su Wang's tutorial, eq. 11)", "f(a, )", "seed 0100",
]


def test_matcher_flags_private_references_not_random_seeds():
    assert [text for text in FOUND if not private_references(text)] == []
    assert [(text, private_references(text)) for text in NOT_FOUND if private_references(text)] == []


def test_scan_names_file_and_line(tmp_path):
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": [
        "# Title\n", "The seed\u2019s toy, \"quoted\"\n"]}]}, indent=1, ensure_ascii=True))
    module = tmp_path / "module.py"
    module.write_text('"""Docstring."""\n\nSEED = 0  # seed 0, 30000 steps\n# as in seed 001\n')
    assert scan(str(notebook), "nb.ipynb") == ["nb.ipynb:7: 'The seed’s'"]
    assert scan(str(module), "module.py") == ["module.py:4: 'seed 001'"]


def test_user_facing_texts_name_their_sources():
    files = user_facing_files()
    assert any(path.endswith(".ipynb") for path in files) and any(path.endswith(".py") for path in files)
    offending = [entry for path in files for entry in scan(path, os.path.relpath(path, ROOT))]
    assert not offending, (
        "Private source references in user-facing files (users do not have the seed files: cite the "
        "author and title, e.g. Glover's AYLIEN tutorial, or the original paper):\n  "
        + "\n  ".join(offending))
