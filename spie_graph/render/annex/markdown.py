"""Markdown escaping shared by the page, the detailed sheets and the diagnostic."""

from __future__ import annotations

import re

__all__ = ["md_escape"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~#])")


def md_escape(text: object) -> str:
    """Text that Markdown shows as written: markup characters escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
