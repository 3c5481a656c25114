"""Config fields that state their range, choices and help once.

A config dataclass declares a field as ``hidden: int = setting(150, low=1, help="Units per
direction.")``. The dataclass checks its values against that (:func:`check`, from its
``__post_init__``: one message per mistake, ``hidden must be at least 1, got 0``), and the
command line builds its options from the same fields (``seqnlp.cli.common.config_options``:
the range and choices as click types, the help, the recipe's value as the default), so a
rule or a help text is written in one place. Torch-free, like the configs.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any

from seqnlp.errors import SeqnlpError


@dataclasses.dataclass(frozen=True)
class Spec:
    """What a field accepts and how the command line offers it.

    Args:
        help: the option's ``--help`` text.
        low, high: the range of a number; ``low_open``/``high_open`` leave an end out.
        choices: the strings a field takes.
        flag: the option's name when it is not the field's (``--lower`` for ``lowercase``).
        negative: a bool's flag that turns it off (``--unidirectional``); without one a bool
            is a plain flag.
        show_default: show the default in ``--help`` (off where the help says it).
        metavar: the option's value placeholder in ``--help``.
    """

    help: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] | None = None
    flag: str | None = None
    negative: str | None = None
    show_default: bool = True
    metavar: str | None = None

    def problem(self, value: Any, integer: bool) -> str | None:
        """What is wrong with ``value`` (``"must be at least 1"``), or None."""
        if self.choices is not None:
            return None if value in self.choices else f"must be one of {self.choices}"
        if self.low is None and self.high is None:
            return None
        if integer and (not isinstance(value, numbers.Integral) or isinstance(value, bool)):
            return "must be an integer"
        low_ok = self.low is None or (value > self.low if self.low_open else value >= self.low)
        high_ok = self.high is None or (value < self.high if self.high_open else value <= self.high)
        return None if low_ok and high_ok else self.describe()

    def describe(self) -> str:
        """The range in words: ``cannot be negative``, ``must be in [0, 1)``..."""
        if self.high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"must be in {left}{self.low:g}, {self.high:g}{right}"
        if self.low == 0:
            return "must be positive" if self.low_open else "cannot be negative"
        return f"must be above {self.low:g}" if self.low_open else f"must be at least {self.low:g}"


def setting(default: Any, **spec: Any) -> Any:
    """A dataclass field with ``default`` and a :class:`Spec` (its keyword arguments)."""
    return dataclasses.field(default=default, metadata={"spec": Spec(**spec)})


def spec_of(field: dataclasses.Field) -> Spec | None:
    """The :class:`Spec` of a field declared with :func:`setting`, else None."""
    return field.metadata.get("spec")


def is_integer(field: dataclasses.Field) -> bool:
    """An int field: its default is an int (not a bool), or it is ``int | None``."""
    default = field.default
    if default is None:
        return "int" in str(field.type)
    return isinstance(default, int) and not isinstance(default, bool)


def check(config: Any) -> None:
    """Check every :func:`setting` field of the dataclass instance ``config``.

    Raises:
        SeqnlpError: the first field at fault, named with its rule and value.
    """
    for field in dataclasses.fields(config):
        spec = spec_of(field)
        value = getattr(config, field.name)
        if spec is None or (value is None and field.default is None):
            continue
        problem = spec.problem(value, is_integer(field))
        if problem is not None:
            raise SeqnlpError(f"{field.name} {problem}, got {value!r}")
