"""Cooperatives at three levels, their versioned bylaws, members, share classes, the share ledger and member
transactions. One module per family of tables; everything is importable from `tongzhou.coops.models`."""

from .cooperatives import Bylaws, Cooperative, Industry, LegalForm, Level
from .members import Member, MemberKind, MemberStatus
from .shares import EntryType, ShareClass, ShareClassKind, ShareEntry
from .transactions import MemberTransaction, TransactionKind

__all__ = [
    "Bylaws",
    "Cooperative",
    "EntryType",
    "Industry",
    "LegalForm",
    "Level",
    "Member",
    "MemberKind",
    "MemberStatus",
    "MemberTransaction",
    "ShareClass",
    "ShareClassKind",
    "ShareEntry",
    "TransactionKind",
]
