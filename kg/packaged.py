"""The data folders shipped inside the medkg package: the graph schema, the named queries, the demo corpus.

They live at the repository's top level (``schemas/``, ``queries/``, ``data/demo/``), the one copy of
each file. ``pyproject.toml`` maps each folder to a resource package inside ``kg``
(``[tool.setuptools] package-dir``: ``kg._schemas``, ``kg._queries``, ``kg._demo``; the empty
``__init__.py`` in each lets an editable install find it too), so the same files are found through
:mod:`importlib.resources` in a checkout, an editable install and a wheel installed anywhere.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

SCHEMAS_PACKAGE = "kg._schemas"
QUERIES_PACKAGE = "kg._queries"
DEMO_PACKAGE = "kg._demo"


class PackagedDataError(RuntimeError):
    """A data folder that medkg ships is missing from the installation."""


def packaged_dir(package: str) -> Path:
    """The folder of the resource package ``package`` (one of the ``*_PACKAGE`` names).

    Raises:
        PackagedDataError: The package is not installed (an editable install made before the
            resource packages existed: reinstall), or is not a folder on disk (a zipped install).
    """
    try:
        root = files(package)
    except ModuleNotFoundError:
        raise PackagedDataError(
            f"medkg's data package {package} is not installed; reinstall medkg "
            "(`pip install -e .` in a checkout, or `pip install medkg`)"
        ) from None
    if not isinstance(root, Path):
        raise PackagedDataError(
            f"medkg's data package {package} is not a folder on disk ({root!r}): install medkg unzipped"
        )
    return root
