"""The ``torch-recipes`` command: list, show and copy recipes, and check tutorials."""

from __future__ import annotations

import argparse
import inspect
import os
import sys
from pathlib import Path

from recipes.catalog import find_recipes, iter_recipes
from recipes.checker import cli as check_cli
from recipes.standalone import standalone_source

__all__ = ["main"]


def _list(args: argparse.Namespace) -> int:
    recipes = iter_recipes()
    width = max(len(recipe.qualname) for recipe in recipes)
    for recipe in recipes:
        print(f"{recipe.qualname:<{width}}  {recipe.summary}")
    return 0


def _show(args: argparse.Namespace) -> int:
    for recipe in find_recipes(args.name):
        print(f"# {recipe.qualname}")
        print(inspect.getsource(recipe.obj))
    return 0


def _copy(args: argparse.Namespace) -> int:
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
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
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
        "check", help="run tutorials' code and verify the outputs they claim"
    )
    check_cli.add_arguments(check)
    check.set_defaults(func=check_cli.run)
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
