"""``python -m utils``: fetch, verify and cache Fashion-MNIST ahead of time."""

import sys

from utils.data import main

sys.exit(main())
