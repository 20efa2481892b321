"""JSON from people (an uploaded file, an admin text box) with its nesting bounded.

``json.loads`` recurses once per nesting level: a 200,000-deep ``[[[...]]]`` raises
``RecursionError``, which no caller expects (a traceback, a 500). Here it is a
``ValueError`` like any other invalid JSON, and so is a document nested deeper than
the caller allows. Pure: no Django, no database.
"""

from __future__ import annotations

import json
from typing import Any


class JsonTooDeep(ValueError):
    """The document nests lists and objects deeper than allowed."""


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (0 for a scalar), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def json_loads_bounded(text: str | bytes, *, max_depth: int) -> Any:
    """``json.loads(text)``; raises :class:`JsonTooDeep` beyond ``max_depth`` levels and
    ``json.JSONDecodeError`` (a ``ValueError``) for invalid JSON."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonTooDeep(f"nested deeper than {max_depth} levels") from None
    if json_depth(value) > max_depth:
        raise JsonTooDeep(f"nested deeper than {max_depth} levels")
    return value
