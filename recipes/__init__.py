"""Small, correct, copy-ready PyTorch recipes, one module per topic."""

__version__ = "0.1.0"
