"""What rendering a letter template may cost: size, steps and time.

A template is admin-written code run on every preview and issue. The sandbox keeps
it away from Python internals; these limits keep it from building huge values or
running for ever. While a letter renders (:func:`metered`), every value the template
builds or prints, counted through its lists and dictionaries, is at most
:data:`MAX_LENGTH` characters, and so is the whole letter; a number has at most
:data:`MAX_NUMBER_BITS` bits; a loop goes round at most :data:`MAX_LOOP` times; and
the whole render takes at most :data:`MAX_STEPS` steps (loop turns, calls, filters,
operators, printed pieces) and :data:`MAX_SECONDS` seconds, checked at every step.
Operations whose result can be far longer than their inputs (``*``, ``**``, ``%``,
padding, joining, replacing) are refused before they build it, and of the methods of
strings, numbers and containers only those that cannot grow a value may be called.
"""

import operator
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from jinja2 import pass_context
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import SecurityError
from jinja2.utils import _PassArg
from markupsafe import escape

MAX_LENGTH = 200_000
MAX_REPEAT = 10_000
MAX_LOOP = 1_000
MAX_STEPS = 20_000
MAX_SECONDS = 2.0
MAX_EXPONENT = 100
MAX_NUMBER_BITS = 10_000

#: The only methods of strings, numbers and containers a template may call: none can build
#: a result much larger than its inputs (``translate``, ``to_bytes``, ``ljust`` and the like
#: can, in one C call no deadline interrupts). Padding and joining have checked filters instead.
SAFE_METHODS = frozenset({
    "capitalize", "casefold", "count", "endswith", "find", "get", "index", "isalnum", "isalpha", "isdecimal",
    "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "items", "keys", "lower", "lstrip",
    "partition", "removeprefix", "removesuffix", "rfind", "rindex", "rpartition", "rsplit", "rstrip", "split",
    "splitlines", "startswith", "strip", "swapcase", "title", "upper", "values",
})
BUILT_IN_VALUES = (str, bytes, int, float, list, tuple, dict, set, frozenset)
BINARY_OPERATORS = {"*": operator.mul, "**": operator.pow, "+": operator.add, "%": operator.mod}
PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


class _Budget:
    """What one render has spent so far."""

    def __init__(self):
        self.deadline = time.monotonic() + MAX_SECONDS
        self.steps = 0
        self.printed = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise SecurityError(f"the template takes more than {MAX_STEPS:,} steps to render")
        if time.monotonic() > self.deadline:
            raise SecurityError(f"the template takes more than {MAX_SECONDS:g} seconds to render")

    def print(self, length: int) -> None:
        self.printed += length
        if self.printed > MAX_LENGTH:
            raise SecurityError(f"the letter would be longer than {MAX_LENGTH:,} characters")


_BUDGET: ContextVar[_Budget | None] = ContextVar("letter_budget", default=None)


@contextmanager
def metered():
    """Render a letter template inside a fresh budget."""
    token = _BUDGET.set(_Budget())
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _budget() -> _Budget:
    budget = _BUDGET.get()
    if budget is None:
        raise SecurityError("a letter template renders only through render_letter_body")
    return budget


def _size(value, limit: int = MAX_LENGTH) -> int:
    """Characters and items in a value, counted through lists and dictionaries (stops past limit)."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = value
    else:
        return 0
    total = len(items)
    for item in items:
        if total > limit:
            break
        total += _size(item, limit - total)
    return total


def refuse_longer(length: int) -> None:
    if length > MAX_LENGTH:
        raise SecurityError(f"this would build a value longer than {MAX_LENGTH:,} characters")


def checked(value):
    """The value, if it is within the size and number limits."""
    if isinstance(value, int) and value.bit_length() > MAX_NUMBER_BITS:
        raise SecurityError("this number is too large")
    refuse_longer(_size(value))
    return value


def _listed(value):
    """An iterator read into a list (within the limits); anything else as it is."""
    if not isinstance(value, Iterator):
        return checked(value)
    items, total = [], 0
    for item in value:
        total += 1 + _size(checked(item))
        refuse_longer(total)
        items.append(item)
    return items


def _number(value) -> int:
    return value if isinstance(value, int) else 0


def _check_printf(template) -> None:
    """Refuse %-formatting whose widths would pad past the limit."""
    if not isinstance(template, str):
        return
    for match in PRINTF_FIELD.finditer(template):
        for width in match.groups():
            if width == "*":
                raise SecurityError("a letter template cannot take a width from the values ('*')")
            if width:
                refuse_longer(int(width))


def _check_multiply(left, right) -> None:
    for count, other in ((left, right), (right, left)):
        if isinstance(count, int) and isinstance(other, (str, list, tuple)) and count * _size(other) > MAX_REPEAT:
            raise SecurityError("the result of this multiplication is too long")
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_NUMBER_BITS:
        raise SecurityError("this number is too large")


def _check_power(left, right) -> None:
    if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
        raise SecurityError("this power is too large")
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() * right > MAX_NUMBER_BITS:
        raise SecurityError("this power is too large")


def binary_operation(operator_name: str, left, right):
    """``*``, ``**``, ``+`` and ``%`` within the limits."""
    _budget().step()
    checked(left)
    checked(right)
    if operator_name == "*":
        _check_multiply(left, right)
    elif operator_name == "**":
        _check_power(left, right)
    elif operator_name == "+":
        refuse_longer(_size(left) + _size(right))
    elif operator_name == "%":
        _check_printf(left)
    return checked(BINARY_OPERATORS[operator_name](left, right))


def check_call(function, args, kwargs) -> None:
    """Before a call from a template: a step, its inputs in limits, and of built-in values' methods only the safe ones."""
    _budget().step()
    function = getattr(function, "__wrapped__", function)  # the sandbox wraps str.format
    owner = getattr(function, "__self__", None)
    if isinstance(owner, BUILT_IN_VALUES) and getattr(function, "__name__", "") not in SAFE_METHODS:
        raise SecurityError(f"'{function.__name__}' cannot be called in a letter template")
    for value in (*args, *kwargs.values()):
        checked(value)


# Filters


def _text_length(value) -> int:
    return len(str(value))


def _center(value, width=80, *_, **__):
    refuse_longer(max(_text_length(value), _number(width)))


def _indent(value, width=4, *_, **__):
    step = len(width) if isinstance(width, str) else _number(width)
    refuse_longer(_text_length(value) + (str(value).count("\n") + 1) * step)


def _wordwrap(value, width=79, break_long_words=True, wrapstring=None, *_, **__):
    refuse_longer(_text_length(value) * (1 + len(str(wrapstring or "\n"))))


def _format(value, *_, **__):
    _check_printf(str(value))


def _join(value, d="", *_, **__):
    items = len(value) if hasattr(value, "__len__") else 0
    refuse_longer(_size(value) + len(str(d)) * max(items - 1, 0))


def _replace(value, old, new, count=None, *_, **__):
    text, old = str(value), str(old)
    times = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    refuse_longer(len(text) + times * len(str(new)))


def _batch(value, linecount=1, *_, **__):
    refuse_longer(_number(linecount))


def _slice(value, slices=1, *_, **__):
    refuse_longer(_number(slices))


#: Checks run before the filters whose result can be far longer than their inputs.
FILTER_CHECKS = {
    "center": _center, "indent": _indent, "wordwrap": _wordwrap, "format": _format, "join": _join,
    "replace": _replace, "batch": _batch, "slice": _slice,
}


def metered_filter(name: str, function):
    """A filter that takes a step, reads iterators within the limits, runs the
    filter's own check, then refuses a result over the limits.

    The result takes the context, so Jinja never folds it at compile time: every
    filter runs inside the budget.
    """
    pass_arg = _PassArg.from_obj(function)
    check = FILTER_CHECKS.get(name)

    @pass_context
    def metered(context, value, *args, **kwargs):
        _budget().step()
        value = _listed(value)
        args = [_listed(arg) for arg in args]
        kwargs = {key: _listed(arg) for key, arg in kwargs.items()}
        if check is not None:
            check(value, *args, **kwargs)
        passed = {
            _PassArg.context: (context,), _PassArg.eval_context: (context.eval_ctx,),
            _PassArg.environment: (context.environment,),
        }.get(pass_arg, ())
        return checked(function(*passed, value, *args, **kwargs))

    metered.__name__ = name
    return metered


@pass_context
def loop_items(context, iterable):
    """A ``for`` loop's items: at most :data:`MAX_LOOP` of them, a step each."""
    for count, item in enumerate(iterable, 1):
        if count > MAX_LOOP:
            raise SecurityError(f"a loop in a letter template can go round at most {MAX_LOOP:,} times")
        _budget().step()
        yield item


@pass_context
def concatenated(context, parts):
    """``a ~ b``: within the limits."""
    _budget().step()
    refuse_longer(sum(_size(checked(part)) for part in parts))
    return markup_join(parts) if context.eval_ctx.autoescape else str_join(parts)


@pass_context
def printed(context, value):
    """A piece of the letter as it is printed, counted against the letter's length."""
    budget = _budget()
    budget.step()
    text = escape(checked(value)) if context.eval_ctx.autoescape else str(checked(value))
    budget.print(len(text))
    return text
