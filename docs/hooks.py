"""MkDocs loads hooks from a file; the logic lives in the package, next to the shared runner."""

from recipes.site.hooks import *  # noqa: F403
from recipes.site.hooks import __all__  # noqa: F401
