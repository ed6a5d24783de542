"""The cascade's path tracing, prepared once per body, gives exactly what splitting every payment with `allocate`
gives (the first implementation, kept here as the reference): the same parts to the fen, the same tie-break."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from tongzhou.distribution.domain import (
    CollectiveYear,
    CooperativeYear,
    allocate,
    cascade,
    distribute_collective,
    distribute_cooperative,
)
from tongzhou.distribution.domain.cascade import (
    COLLECTIVE_SHARE,
    INCOME_RIGHT,
    PATRONAGE_RETURN,
    REMAINDER_SHARE,
    SECONDARY,
    _Origins,
    _own,
    _run_order,
)

from .test_distribution_properties import chains


def reference_by_path(bodies) -> tuple[dict, dict]:
    """Households' {(path, kind): fen} and bodies' income from above, one `allocate` per payment."""
    by_key = {b.key: b for b in bodies}
    composition = {k: {(k,): _own(b.year)} for k, b in by_key.items()}
    income = dict.fromkeys(by_key, 0)
    receipts: dict[str, dict] = {}
    for key in _run_order(by_key):
        body = by_key[key]
        weights = {path: max(amount, 0) for path, amount in composition[key].items()}

        def pay(to, amount, kind, weights=weights):
            if to not in by_key:
                receipts.setdefault(to, {})
            if amount == 0:
                return
            parts = allocate(amount, weights).parts
            if to in by_key:
                income[to] += amount
                for path, part in parts.items():
                    if part:
                        into = composition[to]
                        into[path + (to,)] = into.get(path + (to,), 0) + part
            else:
                lines = receipts[to]
                for path, part in parts.items():
                    if part:
                        lines[(path, kind)] = lines.get((path, kind), 0) + part

        year = body.year
        if isinstance(year, CooperativeYear):
            result = distribute_cooperative(
                replace(year, surplus_fen=year.surplus_fen + income[key]), body.terms, carry_loss=True
            )
            for sheet in result.members:
                pay(sheet.key, sheet.patronage_return_fen, PATRONAGE_RETURN)
                pay(sheet.key, sheet.remainder_share_fen, REMAINDER_SHARE)
            if year.collective_key is not None:
                pay(year.collective_key, result.steps.remainder_to_collective_fen, COLLECTIVE_SHARE)
        else:
            result = distribute_collective(
                replace(year, income_fen=year.income_fen + income[key]), body.terms, carry_loss=True
            )
            for share in result.members:
                pay(share.key, share.income_right_fen, INCOME_RIGHT)
        for household, amount in result.secondary.paid.items():
            pay(household, amount, SECONDARY)
    return receipts, income


@settings(max_examples=150, deadline=None)
@given(bodies=chains())
def test_the_traced_paths_equal_one_allocate_per_payment(bodies):
    result = cascade(bodies)
    receipts, income = reference_by_path(bodies)
    assert {k: h.by_path for k, h in result.households.items()} == receipts
    assert list(result.households) == sorted(receipts)
    for household in result.households.values():
        assert list(household.by_path) == sorted(household.by_path)
    assert {k: b.income_from_above_fen for k, b in result.bodies.items()} == income


@settings(max_examples=400, deadline=None)
@given(
    composition=st.dictionaries(
        st.tuples(st.sampled_from("CTVW"), st.sampled_from(["", "T", "V", "TV"])),
        st.integers(-50, 50) | st.integers(-(10**9), 10**12),
        max_size=6,
    ),
    amounts=st.lists(st.integers(0, 200) | st.integers(0, 10**12), min_size=1, max_size=8),
)
def test_a_prepared_split_equals_allocate_to_the_fen_ties_included(composition, amounts):
    """Small weights and amounts make many equal remainders: the ties go to the smaller path, as in `allocate`."""
    origins = _Origins(composition)
    weights = {path: max(amount, 0) for path, amount in composition.items()}
    for amount in amounts + amounts:  # the second time from the remembered splits
        expected = {path: part for path, part in allocate(amount, weights).parts.items() if part}
        assert {
            path: part for path, part in zip(origins.paths, origins.split(amount), strict=True) if part
        } == expected


def test_equal_remainders_go_to_the_smaller_path():
    """Equal weights: of 2 fen over three origins (one fen left short of each), the two smallest paths get one;
    over four origins likewise; 1 fen goes to the smallest path; an origin below zero gets nothing."""
    origins = _Origins({("V",): 5, ("C", "T", "V"): 5, ("T", "V"): 5, ("W",): -3})
    assert origins.paths == (("C", "T", "V"), ("T", "V"), ("V",))
    assert (origins.split(2), origins.split(1), origins.split(0), origins.split(16)) == (
        (1, 1, 0),
        (1, 0, 0),
        (0, 0, 0),
        (6, 5, 5),
    )
    four = _Origins({("A",): 1, ("B",): 1, ("C",): 1, ("D",): 1})
    assert (four.split(2), four.split(3), four.split(7)) == ((1, 1, 0, 0), (1, 1, 1, 0), (2, 2, 2, 1))


def test_a_collective_year_reaches_the_reference_too():
    """A collective paying equal shares: the split of one amount is remembered, the figures stay the reference's.

    A's ¥1,000.01: the 60% return finds no transactions and stays (600.01); 400.00 reaches B by capital. B's
    ¥403.33 (own 3.33 : from A 400.00) over 7 equal shares: 57.62 to H0–H5, 57.61 to H6; 57.62 × 3.33 / 403.33 =
    0.4757 and × 400 / 403.33 = 57.1442, so 0.47 + 57.14 and the fen left to the larger remainder (B's own).
    """
    from tongzhou.distribution.domain import CascadeBody, IncomeRightShare, MemberAccount

    from .builders import terms

    top = CascadeBody(
        "A",
        CooperativeYear(surplus_fen=1_000_01, members=(MemberAccount("B", capital_fen=1),)),
        terms(reserve_rate_bp=0),
    )
    collective = CascadeBody(
        "B",
        CollectiveYear(income_fen=333, shares=tuple(IncomeRightShare(f"H{i}", 1) for i in range(7))),
        terms(reserve_rate_bp=0),
    )
    result = cascade([collective, top])
    receipts, _ = reference_by_path([collective, top])
    assert {k: h.by_path for k, h in result.households.items()} == receipts
    assert result.bodies["A"].kept_fen == 600_01
    assert result.households["H0"].by_path == {(("A", "B"), INCOME_RIGHT): 57_14, (("B",), INCOME_RIGHT): 48}
    assert result.households["H6"].by_path == {(("A", "B"), INCOME_RIGHT): 57_13, (("B",), INCOME_RIGHT): 48}
    assert sum(h.total_fen for h in result.households.values()) == 400_00 + 333


def test_every_small_mix_of_up_to_four_origins_splits_as_allocate():
    """Exhaustively, weights 0–3 over up to four origins and amounts 0–12: every tie the small numbers make."""
    from itertools import product

    paths = [("A",), ("B", "A"), ("C",), ("C", "D")]
    checked = 0
    for count in range(1, 5):
        for weights in product(range(4), repeat=count):
            mix = dict(zip(paths[:count], weights, strict=True))
            origins = _Origins(mix)
            for amount in range(13):
                expected = {path: part for path, part in allocate(amount, mix).parts.items() if part}
                got = {
                    path: part
                    for path, part in zip(origins.paths, origins.split(amount), strict=True)
                    if part
                }
                assert got == expected, (mix, amount)
                checked += 1
    assert checked == (4 + 16 + 64 + 256) * 13
