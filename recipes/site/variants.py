"""Variants of the site configuration for tests and benchmarks (another docs folder, one language)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["write_config_variant"]

ROOT = Path(__file__).resolve().parents[2]


def write_config_variant(
    dest: Path,
    *,
    docs_dir: Path | None = None,
    nav: list[Any] | None = None,
    languages: tuple[str, ...] | None = None,
    api_reference: bool = True,
) -> Path:
    """Write a copy of ``mkdocs.yml`` to ``dest`` with the given overrides; return its path.

    ``api_reference=False`` drops mkdocstrings, and with it the generated API reference pages.
    """
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(docs_dir or ROOT / "docs")
    config["hooks"] = [str(ROOT / hook) for hook in config["hooks"]]
    if nav is not None:
        config["nav"] = nav
    if not api_reference:
        config["plugins"] = [
            p for p in config["plugins"] if not (isinstance(p, dict) and "mkdocstrings" in p)
        ]
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "i18n" in plugin:
            for language in plugin["i18n"]["languages"]:
                if languages is not None:
                    language["build"] = language["locale"] in languages
                if nav is not None:
                    language.pop("nav_translations", None)
    dest.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dest
