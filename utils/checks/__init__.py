"""The checks of each section, one module per section, named by the section's key.

A section's key is its notebook's name without the number: ``NN_unstable_gradients.ipynb`` has
its checks in ``utils/checks/unstable_gradients.py`` (a module that defines ``section``) and
their tests in ``tests/checks/test_unstable_gradients.py``. Sections are found, not listed.
"""

import importlib
import pkgutil

from utils.exercises.core import Section


def section(key: str) -> Section:
    """The problems of section ``key``."""
    if key not in keys():
        raise ValueError(f"no section {key!r}; the sections are {', '.join(keys())}")
    return importlib.import_module(f"{__name__}.{key}").section


def keys() -> list[str]:
    """The keys of every section that has checks."""
    return sorted(module.name for module in pkgutil.iter_modules(__path__))


def all_sections() -> list[Section]:
    """Every section's problems, in course order."""
    return sorted((section(key) for key in keys()), key=lambda found: found.notebook)
