"""The files here are tutorials for the checker corpus, not tests: pytest must not import them."""

collect_ignore_glob = ["*.py"]
