"""mentormatch service: the FastAPI application around the matching library."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mentormatch")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
