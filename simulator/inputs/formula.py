"""Derived-fact formulas: a whitelisted arithmetic parser, evaluation and interval arithmetic."""

import ast
import math
import operator
import re
from collections.abc import Callable, Mapping

__all__ = [
    "ID_RE",
    "MAX_FORMULA_LENGTH",
    "Interval",
    "evaluate_formula",
    "evaluate_interval",
    "formula_inputs",
]

ID_RE: re.Pattern[str] = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$")
"""A dotted lowercase fact id, e.g. ``el_salvador.reserve_btc``."""

MAX_FORMULA_LENGTH = 500
"""Longest formula accepted, in characters."""

Interval = tuple[float, float]

_BINOPS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _dotted_name(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _parse_formula(formula: str) -> ast.expr:
    """Parse and whitelist a formula; return the expression node."""
    if not isinstance(formula, str):
        raise ValueError(f"formula must be a string, got {type(formula).__name__}")
    if not formula.strip():
        raise ValueError("formula is empty")
    if len(formula) > MAX_FORMULA_LENGTH:
        raise ValueError(f"formula longer than {MAX_FORMULA_LENGTH} characters")
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except (SyntaxError, RecursionError, MemoryError) as exc:
        raise ValueError(f"cannot parse formula {formula!r}: {exc}") from None

    def check(node: ast.expr) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            check(node.left)
            check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            check(node.operand)
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            if not math.isfinite(float(node.value)):  # type: ignore[arg-type]
                raise ValueError(f"non-finite number in formula {formula!r}")
        elif isinstance(node, ast.Name | ast.Attribute):
            name = _dotted_name(node)
            if name is None or not ID_RE.match(name):
                raise ValueError(f"formula {formula!r}: {ast.unparse(node)!r} is not a fact id")
        else:
            what = type(getattr(node, "op", node)).__name__
            raise ValueError(
                f"formula {formula!r}: {what} is not allowed "
                "(only numbers, fact ids, + - * /, parentheses and unary minus)"
            )

    check(tree.body)
    return tree.body


def formula_inputs(formula: str) -> tuple[str, ...]:
    """Return the fact ids a formula refers to, in order of first appearance.

    Parameters
    ----------
    formula : str
        Arithmetic expression over dotted fact ids.

    Returns
    -------
    tuple of str
        Unique ids.

    Raises
    ------
    ValueError
        If the formula is not a safe arithmetic expression.
    """
    body = _parse_formula(formula)
    names: list[str] = []

    def walk(node: ast.expr) -> None:
        if isinstance(node, ast.BinOp):
            walk(node.left)
            walk(node.right)
        elif isinstance(node, ast.UnaryOp):
            walk(node.operand)
        elif isinstance(node, ast.Name | ast.Attribute):
            names.append(str(_dotted_name(node)))

    walk(body)
    return tuple(dict.fromkeys(names))


def evaluate_formula(formula: str, values: Mapping[str, float]) -> float:
    """Evaluate an arithmetic formula over fact ids, safely.

    The formula is parsed with :mod:`ast` and only numbers, dotted fact ids,
    ``+ - * /``, parentheses and unary minus/plus are accepted; nothing is
    passed to :func:`eval`.

    Parameters
    ----------
    formula : str
        E.g. ``"el_salvador.reserve_value_usd / el_salvador.reserve_btc"``.
    values : mapping of str to float
        Value of every id the formula uses.

    Returns
    -------
    float
        The result.

    Raises
    ------
    ValueError
        On anything but the allowed syntax, an id missing from ``values``, a
        non-numeric value, division by zero or a non-finite result.

    Examples
    --------
    >>> evaluate_formula("a.x / (b - 1)", {"a.x": 6.0, "b": 4.0})
    2.0
    """
    body = _parse_formula(formula)

    def ev(node: ast.expr) -> float:
        if isinstance(node, ast.BinOp):
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Div) and right == 0:
                raise ValueError(f"division by zero in formula {formula!r}")
            return _BINOPS[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp):
            x = ev(node.operand)
            return -x if isinstance(node.op, ast.USub) else x
        if isinstance(node, ast.Constant):
            return float(node.value)  # type: ignore[arg-type]  # checked by _parse_formula
        name = str(_dotted_name(node))
        if name not in values:
            raise ValueError(f"formula {formula!r}: no value for {name!r}")
        x = values[name]
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise ValueError(f"formula {formula!r}: {name!r} is not a number ({x!r})")
        return float(x)

    result = ev(body)
    if not math.isfinite(result):
        raise ValueError(f"formula {formula!r} gives a non-finite result")
    return result


def evaluate_interval(formula: str, bounds: Mapping[str, Interval]) -> Interval | None:
    """Evaluate a formula by interval arithmetic.

    Each input ranges over ``[low, high]``; the result encloses every value the
    formula can take: ``[a, b] + [c, d] = [a + c, b + d]``,
    ``[a, b] - [c, d] = [a - d, b - c]``, products take the min and max of the
    four corner products, and ``x / [c, d] = x * [1/d, 1/c]`` when ``0`` is not
    in ``[c, d]``. An id used twice is treated as two independent inputs, so
    the result may be wider than the exact range (never narrower).

    Parameters
    ----------
    formula : str
        Arithmetic expression over dotted fact ids.
    bounds : mapping of str to (float, float)
        ``(low, high)`` of every id the formula uses.

    Returns
    -------
    (float, float) or None
        The enclosing interval, or ``None`` when a divisor's interval contains
        zero (the result is unbounded).

    Raises
    ------
    ValueError
        On unsafe syntax or an id missing from ``bounds``.
    """
    body = _parse_formula(formula)

    def ev(node: ast.expr) -> Interval | None:
        if isinstance(node, ast.BinOp):
            left, right = ev(node.left), ev(node.right)
            if left is None or right is None:
                return None
            (a, b), (c, d) = left, right
            if isinstance(node.op, ast.Add):
                return (a + c, b + d)
            if isinstance(node.op, ast.Sub):
                return (a - d, b - c)
            if isinstance(node.op, ast.Div):
                if c <= 0 <= d:
                    return None
                c, d = 1 / d, 1 / c
            corners = (a * c, a * d, b * c, b * d)
            return (min(corners), max(corners))
        if isinstance(node, ast.UnaryOp):
            inner = ev(node.operand)
            if inner is None or isinstance(node.op, ast.UAdd):
                return inner
            return (-inner[1], -inner[0])
        if isinstance(node, ast.Constant):
            return (float(node.value), float(node.value))  # type: ignore[arg-type]
        name = str(_dotted_name(node))
        if name not in bounds:
            raise ValueError(f"formula {formula!r}: no interval for {name!r}")
        lo, hi = bounds[name]
        return (float(lo), float(hi))

    return ev(body)
