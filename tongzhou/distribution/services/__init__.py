"""Every write of distribution runs: compute a draft, publish it, record the assembly's approval, post it to the
books, pay it (household income lines included), reverse it. Scoped to the body's region, validated, audited,
one transaction each."""

from .batch import runs_compute_batch, runs_pay_batch, runs_post_batch
from .cascade import cascade_compute
from .compute import run_compute, surplus_in_books_now
from .lifecycle import run_approve, run_post, run_publish, run_reverse
from .payments import run_pay

__all__ = [
    "cascade_compute",
    "run_approve",
    "run_compute",
    "run_pay",
    "run_post",
    "run_publish",
    "run_reverse",
    "runs_compute_batch",
    "runs_pay_batch",
    "runs_post_batch",
    "surplus_in_books_now",
]
