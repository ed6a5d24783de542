"""Time beancount 3 loading a ledger file and realizing every account's balance. Prints one JSON line.

    python bench/beancount_balances.py FILE      # under a Python with beancount (bench/requirements.txt)

Output: {"seconds": load + realization, "load_seconds", "accounts", "balances": {account: fen}}.
"""

from __future__ import annotations

import json
import sys
import time


def main(path: str) -> None:
    from beancount import loader
    from beancount.core import realization

    started = time.perf_counter()
    entries, errors, _options = loader.load_file(path)
    loaded = time.perf_counter()
    real = realization.realize(entries)
    balances = {}
    for account in realization.iter_children(real):
        if not account.txn_postings:
            continue
        position = account.balance.get_currency_units("CNY")
        balances[account.account] = int(round(position.number * 100))
    done = time.perf_counter()
    out = {
        "seconds": done - started,
        "load_seconds": loaded - started,
        "accounts": len(balances),
        "errors": len(errors),
        "first_errors": [str(getattr(e, "message", e))[:300] for e in errors[:3]],
        "balances": balances,
    }
    sys.stdout.write("BENCH-RESULT " + json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
