"""Optional dependencies, imported only where they are used, with one message saying which extra installs them."""
from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

__all__ = ["need", "optional", "progress_bar"]


def need(module: str, extra: str, what: str, name: str | None = None) -> ModuleType:
    """Import an optional dependency, or raise ImportError saying which extra installs it.

    ``need("matplotlib.figure", "plot", "edgesched.online.plot_series")`` fails with
    ``"edgesched.online.plot_series needs matplotlib: pip install 'edgesched[plot]'"``; ``name`` is the
    package's name in that message (default: the module's top-level name).
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = name or module.split(".")[0]
        raise ImportError(f"{what} needs {package}: pip install 'edgesched[{extra}]' ({exc})") from exc


def optional(module: str) -> ModuleType | None:
    """The module if it can be imported, else None (for features that fall back without it)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def progress_bar(total: int, initial: int, progress: bool | None, *, unit: str = "task",
                 what: str = "the progress bar") -> Any:
    """A tqdm progress bar on stderr, or None.

    ``progress=None``: a bar only when stderr is a terminal and tqdm is installed; ``True``: a bar (ImportError
    naming the extra when tqdm is missing); ``False``: none.
    """
    enabled = sys.stderr.isatty() if progress is None else bool(progress)
    if not enabled:
        return None
    if progress is None and optional("tqdm") is None:
        return None
    tqdm = need("tqdm", "sweep", what)
    return tqdm.tqdm(total=total, initial=initial, unit=unit, file=sys.stderr, dynamic_ncols=True)
