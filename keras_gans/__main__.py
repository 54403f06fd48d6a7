"""``python -m keras_gans``: see :mod:`keras_gans.cli`."""

import sys

from keras_gans.cli import main

sys.exit(main())
