"""A request's JSON body, or None: every bad body is the caller's error (400), never ours (500)."""

from __future__ import annotations

from typing import Any

from flask import request


def request_json() -> Any:
    """The parsed body, or None when it is missing, not JSON, or nested past Python's stack."""
    try:
        return request.get_json(silent=True)
    except RecursionError:  # json.loads of "[[[[…": not a ValueError, so `silent` lets it through
        return None
