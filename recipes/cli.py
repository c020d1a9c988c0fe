"""The ``torch-recipes`` command: list, show and copy recipes, and check tutorials."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from recipes.catalog import find_recipes, iter_recipes

__all__ = ["main"]


class _LazyParser(argparse.ArgumentParser):
    """A command's parser whose arguments are added when that command is used.

    The checker's arguments live in :mod:`recipes.checker.cli`, whose imports (Jupyter's client,
    rich) take about a second; ``list`` and ``show`` should not pay for them.
    """

    def __init__(self, *args: Any, populate: Callable[[argparse.ArgumentParser], None] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._populate = populate

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self._populate is not None:
            populate, self._populate = self._populate, None
            populate(self)
        return super().parse_known_args(args, namespace)


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    from recipes.checker import cli as check_cli

    check_cli.add_arguments(parser)


def _check(args: argparse.Namespace) -> int:
    from recipes.checker import cli as check_cli

    return check_cli.run(args)


def _list(args: argparse.Namespace) -> int:
    recipes = iter_recipes()
    width = max(len(recipe.qualname) for recipe in recipes)
    for recipe in recipes:
        print(f"{recipe.qualname:<{width}}  {recipe.summary}")
    return 0


def _show(args: argparse.Namespace) -> int:
    for recipe in find_recipes(args.name):
        print(f"# {recipe.qualname}")
        print(recipe.source)
    return 0


def _copy(args: argparse.Namespace) -> int:
    # Its doctest and pdb imports are for copy alone.
    from recipes.standalone import standalone_source

    dest = Path(args.dest)
    if dest.is_dir():
        dest = dest / f"{args.name.replace('.', '_')}.py"
    if dest.exists() and not args.force:
        raise FileExistsError(f"{dest} already exists; pass --force to overwrite it")
    dest.write_text(standalone_source(find_recipes(args.name)), encoding="utf-8")
    print(f"wrote {dest}; run it with: python {dest}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torch-recipes",
        description="Small, correct, copy-ready PyTorch recipes, and a checker for tutorials.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_LazyParser)
    commands.add_parser("list", help="every recipe, one line each").set_defaults(func=_list)
    show = commands.add_parser("show", help="print a recipe's source (or a whole topic's)")
    show.add_argument("name", help="a recipe (pick_device, devices.pick_device) or a topic")
    show.set_defaults(func=_show)
    copy = commands.add_parser("copy", help="write recipes as a standalone .py file")
    copy.add_argument("name", help="a recipe or a topic (all its recipes)")
    copy.add_argument("dest", help="the file to write, or a folder")
    copy.add_argument("--force", action="store_true", help="overwrite an existing file")
    copy.set_defaults(func=_copy)
    check = commands.add_parser(
        "check", help="run tutorials' code and verify the outputs they claim",
        populate=_check_arguments,
    )
    check.set_defaults(func=_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        # The reader (`| head`) went away: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (LookupError, FileExistsError, OSError) as err:
        print(f"torch-recipes: error: {err}", file=sys.stderr)
        return 2
