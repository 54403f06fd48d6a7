"""Doctest set-up for the package's docstring examples."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
