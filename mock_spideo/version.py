"""The installed version of spideo-sim, read from the package metadata, so that
pyproject.toml is the one place it is written."""

from importlib.metadata import version

__all__ = ["__version__"]

__version__ = version("spideo-sim")
