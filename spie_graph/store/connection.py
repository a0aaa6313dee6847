"""How to reach a Neo4j server: address, user, password (never printed), database.

The command line fills a :class:`Neo4jConnection` from ``--neo4j-uri``,
``--neo4j-user``, ``--neo4j-password``, ``--neo4j-database`` or the
``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``
variables (:mod:`spie_graph.cli.options`).

Without a password, the local server's is used, read from its password file
(:mod:`spie_graph.store.server`), and only for an address on this machine
(``127.0.0.1``, ``localhost``, ``::1``): the local secret is never sent
elsewhere. A password written in the address (``bolt://neo4j:secret@host``) is
taken out of it and never shown: :func:`redact` hides it in every message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

__all__ = ["DEFAULT_URI", "LOCAL_HOSTS", "STORES", "Neo4jConnection", "is_local", "redact",
           "split_credentials"]

STORES = ("embedded", "neo4j")
DEFAULT_URI = "bolt://127.0.0.1:7687"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

# scheme://user:password@ — the user info of a URI, wherever it appears in a text.
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<userinfo>[^/@\s]*@)", re.IGNORECASE)


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with the user info of every URI and each of ``secrets`` replaced by ``***``.

    >>> redact("impossible de joindre bolt://neo4j:secret@host:7687")
    'impossible de joindre bolt://***@host:7687'
    """
    text = _USERINFO.sub(lambda m: m.group("scheme") + "***@", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def split_credentials(uri: str) -> tuple[str, str | None, str | None]:
    """The URI without its user info, and the user and password it held (or None)."""
    match = _USERINFO.match(uri.strip())
    if match is None:
        return uri.strip(), None, None
    user, sep, password = match.group("userinfo")[:-1].partition(":")
    bare = match.group("scheme") + uri.strip()[match.end():]
    return bare, unquote(user) or None, unquote(password) if sep else None


def is_local(uri: str) -> bool:
    """Whether a Bolt URI names this machine (the local server's password may go there)."""
    try:
        host = urlsplit(uri).hostname
    except ValueError:
        return False
    return host in LOCAL_HOSTS


@dataclass(frozen=True)
class Neo4jConnection:
    """Where and how to reach a Neo4j server. ``repr`` hides the password.

    ``password`` None means: the local server's password (read from its file
    when the store connects, for a local address only).
    """

    uri: str = DEFAULT_URI
    user: str = "neo4j"
    password: str | None = field(default=None, repr=False)
    database: str = "neo4j"

    def __post_init__(self) -> None:
        bare, user, password = split_credentials(self.uri)
        if bare != self.uri:
            object.__setattr__(self, "uri", bare)
            if user and self.user == "neo4j":
                object.__setattr__(self, "user", user)
            if password and self.password is None:
                object.__setattr__(self, "password", password)
