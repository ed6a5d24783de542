"""Deny by default: which region codes a user may read or write. Every selector and write service asks here.

A scope on a region covers that region and every descendant (a prefix match on the code). A user with no
scope sees nothing; anonymous users see nothing; superusers see everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tongzhou.accounts.roles import FULL_IDENTIFIER_ROLES, WRITING_ROLES, Role
from tongzhou.core.errors import ScopeDenied


@dataclass(frozen=True)
class Access:
    read: tuple[str, ...]
    write: tuple[str, ...]
    full_identifiers: tuple[str, ...]
    everything: bool = False

    def can_read(self, code: str) -> bool:
        return self.everything or _covered(code, self.read)

    def can_write(self, code: str) -> bool:
        return self.everything or _covered(code, self.write)

    def sees_full_identifiers(self, code: str) -> bool:
        return self.everything or _covered(code, self.full_identifiers)

    def read_roots(self) -> tuple[str, ...]:
        """The topmost codes the user may read (none nested in another)."""
        return _minimal(self.read)


def _covered(code: str, prefixes: tuple[str, ...]) -> bool:
    return any(code.startswith(p) for p in prefixes)


def _minimal(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    ordered = sorted(set(prefixes), key=len)
    kept: list[str] = []
    for p in ordered:
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return tuple(sorted(kept))


NO_ACCESS = Access(read=(), write=(), full_identifiers=())


def access_for(user) -> Access:
    """The one answer to "what may this user read and write". Cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_tongzhou_access", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        access = Access(read=("",), write=("",), full_identifiers=("",), everything=True)
    else:
        read: list[str] = []
        write: list[str] = []
        full: list[str] = []
        for region_code, role in user.scopes.values_list("region_code", "role"):
            read.append(region_code)
            if role in WRITING_ROLES:
                write.append(region_code)
            if role in FULL_IDENTIFIER_ROLES:
                full.append(region_code)
        access = Access(
            read=_minimal(tuple(read)), write=_minimal(tuple(write)), full_identifiers=_minimal(tuple(full))
        )
    user._tongzhou_access = access
    return access


def forget_access(user) -> None:
    """Drop the cached answer after the user's scopes changed."""
    if hasattr(user, "_tongzhou_access"):
        del user._tongzhou_access


def _next_code(prefix: str) -> str | None:
    """The smallest digit string of the same length above `prefix` ("520509" → "520510"); None for all nines."""
    if not prefix.isdigit() or set(prefix) == {"9"}:
        return None
    return str(int(prefix) + 1).zfill(len(prefix))


def code_prefix_q(field: str, prefix: str) -> Q:
    """Rows whose code `field` starts with `prefix`, as a range so a plain b-tree index serves it on every
    database and collation (a LIKE would need a pattern index on PostgreSQL and none is used on SQLite)."""
    if not prefix:
        return Q()
    upper = _next_code(prefix)
    if upper is None:
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


def prefix_q(field: str, prefixes: tuple[str, ...]) -> Q:
    """A Q matching rows whose `field` starts with one of `prefixes`; matches nothing for no prefixes."""
    if not prefixes:
        return Q(pk__in=[])
    q = Q()
    for p in prefixes:
        q |= code_prefix_q(field, p)
    return q


def readable(qs: QuerySet, user, field: str = "village_code") -> QuerySet:
    access = access_for(user)
    if access.everything:
        return qs
    return qs.filter(prefix_q(field, access.read))


def writable(qs: QuerySet, user, field: str = "village_code") -> QuerySet:
    access = access_for(user)
    if access.everything:
        return qs
    return qs.filter(prefix_q(field, access.write))


def require_read(user, code: str) -> None:
    if not access_for(user).can_read(code):
        raise ScopeDenied(code)


def require_write(user, code: str) -> None:
    if not access_for(user).can_write(code):
        raise ScopeDenied(code, write=True)


__all__ = [
    "Access",
    "Role",
    "access_for",
    "forget_access",
    "code_prefix_q",
    "prefix_q",
    "readable",
    "require_read",
    "require_write",
    "writable",
]
