import importlib.util
from pathlib import Path

from tongzhou.demo.generate import iter_village_rows, write_register_csv

WORKER = Path(__file__).resolve().parents[3] / "bench" / "worker.py"


def _bench_worker():
    spec = importlib.util.spec_from_file_location("bench_worker", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bench_reads_the_register_file_back_into_exactly_the_generated_rows(tmp_path):
    path = tmp_path / "register.csv"
    write_register_csv(path, "village", 5)
    expected = [
        (household, members)
        for rows in iter_village_rows(5, "village")
        for household, members in zip(rows.households, rows.persons, strict=True)
    ]
    assert list(_bench_worker().iter_households(str(path))) == expected


def test_the_bench_orm_sample_stops_at_a_household_boundary_after_the_limit(tmp_path):
    path = tmp_path / "register.csv"
    write_register_csv(path, "village", 5)
    households = list(_bench_worker().iter_households(str(path), limit=100))
    persons = sum(len(members) for _, members in households)
    assert 100 <= persons < 100 + 12
