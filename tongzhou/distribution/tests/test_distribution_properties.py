"""Property tests over thousands of random cooperatives, collectives and chains: the parts add up to the whole to
the fen at every step, the 60% floor of Art. 44 holds, nobody gets a negative amount, and the result does not
depend on the order of members."""

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tongzhou.coops.domain.bylaws import REMAINDER_KEYS, BylawsTerms
from tongzhou.distribution.domain import (
    CascadeBody,
    CollectiveYear,
    CooperativeYear,
    IncomeRightShare,
    MemberAccount,
    SecondaryHousehold,
    allocate,
    cascade,
    distribute_collective,
    distribute_cooperative,
)

from .builders import assert_collective_sums, assert_cooperative_sums

FEN = st.just(0) | st.integers(0, 10**10)
QUANTITY = st.integers(0, 10**9).map(lambda thousandths: Decimal(thousandths).scaleb(-3))  # 3 decimals, exact


@st.composite
def bylaws(draw) -> BylawsTerms:
    patronage = draw(st.integers(6000, 10_000))
    reserve = draw(st.integers(0, 10_000))
    secondary = draw(st.integers(0, min(10_000 - patronage, 10_000 - reserve)))
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=3, max_size=3)))
    shares = [cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], 10_000 - cuts[2]]
    split = {k: v for k, v in zip(REMAINDER_KEYS, shares, strict=True) if v} or {"members": 10_000}
    return BylawsTerms(
        reserve_rate_bp=reserve,
        patronage_share_bp=patronage,
        secondary_distribution_bp=secondary,
        transaction_basis=draw(st.sampled_from(["amount", "quantity"])),
        remainder_split=split,
        secondary_distribution_target=draw(
            st.sampled_from(["registered_poor", "monitored", "public_welfare_jobs"])
        ),
    )


def scattered_key(prefix: str, index: int) -> str:
    """Distinct keys whose order is not the input order (7919 is prime to 1000)."""
    return f"{prefix}{index * 7919 % 1000:03d}"


MEMBER_ACCOUNTS = st.lists(st.tuples(FEN, FEN, FEN, FEN, QUANTITY), max_size=12).map(
    lambda rows: tuple(
        MemberAccount(scattered_key("M", i), capital, reserve, subsidy, amount, quantity)
        for i, (capital, reserve, subsidy, amount, quantity) in enumerate(rows)
    )
)
HOUSEHOLDS = st.lists(st.tuples(st.booleans(), st.booleans()), max_size=8).map(
    lambda rows: tuple(
        SecondaryHousehold(scattered_key("H", i), poor, monitored) for i, (poor, monitored) in enumerate(rows)
    )
)


@st.composite
def cooperative_years(draw) -> CooperativeYear:
    members = draw(MEMBER_ACCOUNTS)
    households = draw(HOUSEHOLDS)
    return CooperativeYear(
        surplus_fen=draw(st.one_of(FEN, st.integers(-(10**9), 10**12))),
        members=members,
        losses_to_make_up_fen=draw(FEN),
        subsidy_property_fen=draw(FEN),
        conversion_bp=draw(st.integers(0, 10_000)),
        secondary_households=households,
        reserve_quantified_by=draw(st.sampled_from(["transactions", "capital"])),
    )


@settings(max_examples=1200, deadline=None)
@given(year=cooperative_years(), terms=bylaws(), data=st.data())
def test_every_step_adds_up_the_60_percent_floor_holds_and_member_order_does_not_matter(year, terms, data):
    result = distribute_cooperative(year, terms, carry_loss=True)
    assert_cooperative_sums(result)
    s = result.steps
    assert (
        s.patronage_fen * 10_000
        >= terms.patronage_share_bp * s.distributable_fen
        >= 6000 * s.distributable_fen
    )
    assert (
        s.patronage_fen - 1
    ) * 10_000 < terms.patronage_share_bp * s.distributable_fen or s.patronage_fen == 0
    for m in year.members:
        weight = (
            m.transactions_quantity if terms.transaction_basis == "quantity" else m.transactions_amount_fen
        )
        if not weight:
            assert result.member(m.key).patronage_return_fen == 0
    members = data.draw(st.permutations(year.members))
    households = data.draw(st.permutations(year.secondary_households))
    permuted = replace(year, members=tuple(members), secondary_households=tuple(households))
    assert distribute_cooperative(permuted, terms, carry_loss=True) == result


@settings(max_examples=600, deadline=None)
@given(
    total=st.integers(0, 10**12),
    weights=st.dictionaries(
        st.text(min_size=1, max_size=4),
        st.one_of(st.integers(0, 10**9), QUANTITY, st.just(0)),
        max_size=30,
    ),
    data=st.data(),
)
def test_allocate_is_exact_within_a_fen_of_each_share_and_order_free(total, weights, data):
    split = allocate(total, weights)
    assert sum(split.parts.values()) + split.unallocated_fen == total
    weight_sum = sum(Fraction(w) for w in weights.values())
    if weight_sum:
        assert split.unallocated_fen == 0
        for key, weight in weights.items():
            exact = Fraction(total) * Fraction(weight) / weight_sum
            assert exact - 1 < split.parts[key] < exact + 1
    reordered = dict(data.draw(st.permutations(list(weights.items()))))
    assert allocate(total, reordered) == split


@settings(max_examples=200, deadline=None)
@given(
    income=st.one_of(FEN, st.integers(-(10**9), 10**12)),
    losses=FEN,
    shares=st.lists(
        st.tuples(st.integers(1, 999), st.one_of(st.integers(0, 100), QUANTITY)), unique_by=lambda t: t[0]
    ),
    rate=st.integers(0, 10_000),
)
def test_a_collective_adds_up_at_every_step(income, losses, shares, rate):
    year = CollectiveYear(
        income_fen=income,
        losses_to_make_up_fen=losses,
        shares=tuple(IncomeRightShare(f"H{k:03d}", w) for k, w in shares),
    )
    assert_collective_sums(distribute_collective(year, BylawsTerms(reserve_rate_bp=rate), carry_loss=True))


@st.composite
def chains(draw) -> list[CascadeBody]:
    """A county platform over 1–3 townships, each over 1–2 villages, each with a cooperative (households and the
    village collective as members) and a collective (households by income-right shares)."""
    bodies: list[CascadeBody] = []
    townships = [f"T{t}" for t in range(draw(st.integers(1, 3)))]
    own = st.one_of(st.integers(0, 10**9), st.integers(-(10**8), 10**9))
    bodies.append(
        CascadeBody(
            "C",
            CooperativeYear(
                surplus_fen=draw(own),
                members=tuple(
                    MemberAccount(t, capital_fen=draw(FEN), transactions_amount_fen=draw(FEN))
                    for t in townships
                ),
            ),
            draw(bylaws()),
        )
    )
    for t in townships:
        villages = [f"{t}V{v}" for v in range(draw(st.integers(1, 2)))]
        bodies.append(
            CascadeBody(
                t,
                CooperativeYear(
                    surplus_fen=draw(own),
                    members=tuple(
                        MemberAccount(v, capital_fen=draw(FEN), transactions_amount_fen=draw(FEN))
                        for v in villages
                    ),
                ),
                draw(bylaws()),
            )
        )
        for v in villages:
            households = [f"{v}H{h}" for h in range(draw(st.integers(1, 4)))]
            coop_members = tuple(
                MemberAccount(h, capital_fen=draw(FEN), transactions_amount_fen=draw(FEN)) for h in households
            ) + (MemberAccount(f"{v}C", capital_fen=draw(FEN)),)
            bodies.append(
                CascadeBody(
                    v,
                    CooperativeYear(
                        surplus_fen=draw(own),
                        members=coop_members,
                        collective_key=f"{v}C",
                        conversion_bp=draw(st.integers(0, 10_000)),
                        secondary_households=tuple(
                            SecondaryHousehold(h, registered_poor=draw(st.booleans())) for h in households
                        ),
                    ),
                    draw(bylaws()),
                )
            )
            bodies.append(
                CascadeBody(
                    f"{v}C",
                    CollectiveYear(
                        income_fen=draw(own),
                        shares=tuple(IncomeRightShare(h, draw(st.integers(0, 5))) for h in households),
                    ),
                    BylawsTerms(reserve_rate_bp=draw(st.integers(0, 10_000))),
                )
            )
    return draw(st.permutations(bodies))


@settings(max_examples=120, deadline=None)
@given(bodies=chains())
def test_the_cascade_loses_no_fen_between_levels_and_traces_every_household_fen(bodies):
    result = cascade(bodies)
    own_total = sum(b.own_surplus_fen for b in result.bodies.values())
    received = sum(h.total_fen for h in result.households.values())
    kept = sum(b.kept_fen for b in result.bodies.values())
    assert own_total == received + kept
    for household in result.households.values():
        assert sum(household.by_path.values()) == household.total_fen
        assert all(v > 0 for v in household.by_path.values())
        assert 0 <= household.converted_to_capital_fen <= household.total_fen
        for path, _kind in household.by_path:
            assert path[-1] in result.bodies
    assert cascade(list(reversed(bodies))) == result
