"""Old public names kept for one release after a rename, each warning where it is called.

Every model kind answers the same verbs (issue 28: ``load(path)``, ``save(path, dtype=)``,
``predict``/``predict_stream``, ``evaluate``); the names they replace stay callable until
:data:`REMOVED_IN`, so that a user's code keeps working and is told what to write instead.
"""

from __future__ import annotations

import functools
import importlib
import warnings
from collections.abc import Callable
from typing import Any

REMOVED_IN = "seqnlp 0.3"


def warn(old: str, new: str, stacklevel: int = 3) -> None:
    """Tell the caller (two frames up by default: past the alias) that ``old`` is now
    ``new``."""
    warnings.warn(
        f"{old} is deprecated and will be removed in {REMOVED_IN}; use {new}",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def alias(new: str, old: str) -> Callable[..., Any]:
    """A method named ``old`` that warns, then calls the method ``new`` of its object."""

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        warn(f"{type(self).__name__}.{old}", f"{type(self).__name__}.{new}")
        return getattr(self, new)(*args, **kwargs)

    method.__name__ = old
    method.__doc__ = f"Deprecated alias of :meth:`{new}` (removed in {REMOVED_IN})."
    return method


def renamed_keywords(**renames: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Accept each old keyword (``directory="path"``: ``directory=`` is now ``path=``) with
    a warning, passing its value on under the new name."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    warn(f"{func.__qualname__}({old}=...)", f"{new}=")
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper

    return decorate


def moved_names(package: str, homes: dict[str, str]) -> Callable[[str], Any]:
    """A package's ``__getattr__`` for the internals it no longer exports (issue 28: an
    ``__all__`` holds what users call): each still resolves, from the module that owns it
    (``homes``: name -> module), with a warning that says where to import it from."""

    def __getattr__(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        warn(f"{package}.{name}", f"{homes[name]}.{name}")
        return getattr(importlib.import_module(homes[name]), name)

    return __getattr__


def positional_changes(
    recipe_type: type, names: tuple[str, ...]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Accept the arguments a ``train`` function took by position before it took a recipe
    (``train(data, dev, config, train_config)``), with a warning, as changes of those
    recipe fields (``train(train=data, dev=dev...)``)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if args and not isinstance(args[0], recipe_type):
                if len(args) > len(names):
                    raise TypeError(
                        f"{func.__qualname__}() takes at most {len(names)} data "
                        f"arguments by position, got {len(args)}"
                    )
                given = names[: len(args)]
                warn(
                    f"{func.__qualname__}({', '.join(given)}) by position",
                    f"{func.__qualname__}({', '.join(f'{n}=...' for n in given)}) or a recipe",
                )
                kwargs.update(zip(given, args, strict=True))
                args = ()
            return func(*args, **kwargs)

        return wrapper

    return decorate
