"""One measured operation in its own process, so its peak memory is its own. Prints one JSON line.

    python bench/worker.py prepare --scale county --seed 2026      # migrate, regions, the bench superuser
    python bench/worker.py csv --scale county --seed 2026 --out F  # the register import file
    python bench/worker.py import --csv F                          # register_import (the code under test)
    python bench/worker.py raw --csv F                             # COPY / executemany of the same rows
    python bench/worker.py orm --csv F --sample 2000               # one save() per row, on a sample

The database comes from the environment (DATABASE_URL, or TONGZHOU_VAR_DIR + TONGZHOU_SQLITE_NAME).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Iterator

BENCH_USER = "bench"
BENCH_PASSWORD = "bench-Tongzhou-2026"


def peak_rss_mb() -> float:
    """The high-water mark of this process's resident memory (VmHWM), in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongzhou.settings")
    import django

    django.setup()


def prepare(scale: str, seed: int) -> dict:
    from django.core.management import call_command
    from django.db import transaction

    from tongzhou.accounts.services import user_create
    from tongzhou.demo.generate import plan, region_rows
    from tongzhou.regions.services import regions_bulk_upsert

    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        regions = regions_bulk_upsert(region_rows(plan(scale, seed)))
    user_create(username=BENCH_USER, password=BENCH_PASSWORD, is_superuser=True)
    return {"regions": regions}


def write_csv(scale: str, seed: int, out: str) -> dict:
    from tongzhou.demo.generate import write_register_csv

    started = time.perf_counter()
    tmp = out + ".part"
    rows = write_register_csv(tmp, scale, seed)
    os.replace(tmp, out)
    return {"rows": rows, "seconds": time.perf_counter() - started}


def _reverse_labels() -> dict[str, dict[str, str]]:
    from django.utils import translation

    from tongzhou.households.models import Disability, Health, LabourCapacity, Relation

    # The file format uses the Chinese labels, whatever language is active.
    with translation.override("zh-hans"):
        return {
            name: {str(m.label): m.value for m in choices}
            for name, choices in (
                ("relation", Relation),
                ("labour", LabourCapacity),
                ("disability", Disability),
                ("health", Health),
            )
        }


def iter_households(path: str, limit: int | None = None) -> Iterator[tuple[tuple, list[tuple]]]:
    """The import file read back as (household, persons) tuples in the bulk writer's order, unvalidated."""
    labels = _reverse_labels()
    relation, labour, disability, health = (
        labels["relation"],
        labels["labour"],
        labels["disability"],
        labels["health"],
    )
    sexes = {"男": "M", "女": "F"}
    persons_seen = 0
    household: tuple | None = None
    members: list[tuple] = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for row in reader:
            (village, group, number, address, phone, registered, exited, land, notes, name, id_number, birth, sex,
             rel, ethnicity, lab, migrant, destination, dis, hea) = row  # fmt: skip
            if rel == "户主":
                if household is not None:
                    yield household, members
                    if limit is not None and persons_seen >= limit:
                        return
                household = (
                    village,
                    village[:6],
                    village + group if group else "",
                    number,
                    name,
                    address,
                    phone,
                    int(registered) if registered else None,
                    int(exited) if exited else None,
                    land or "0",
                    notes,
                )
                members = []
            members.append(
                (
                    name,
                    id_number,
                    id_number[-4:],
                    birth,
                    sexes[sex],
                    relation[rel],
                    ethnicity,
                    labour[lab],
                    migrant == "是",
                    destination,
                    disability[dis],
                    health[hea],
                )
            )
            persons_seen += 1
        if household is not None:
            yield household, members


def run_raw(path: str) -> dict:
    """The baseline: read the file and write it with the demo's bulk writer, in one transaction, no checks."""
    from django.db import transaction

    from tongzhou.demo.bulk import RegisterBulkWriter, sqlite_tuned

    started = time.perf_counter()
    with sqlite_tuned(), transaction.atomic():
        writer = RegisterBulkWriter()
        batch_h: list[tuple] = []
        batch_p: list[list[tuple]] = []
        count = 0
        for household, members in iter_households(path):
            batch_h.append(household)
            batch_p.append(members)
            count += len(members)
            if count >= 20_000:
                writer.write(batch_h, batch_p)
                batch_h, batch_p, count = [], [], 0
        if batch_h:
            writer.write(batch_h, batch_p)
        writer.finish()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": writer.persons, "households": writer.households}


def run_orm(path: str, sample: int) -> dict:
    """The naive path: one Household.save() and one Person.save() per row, each in its own transaction."""
    from tongzhou.households.models import Household, Person

    started = time.perf_counter()
    households = persons = 0
    for household, members in iter_households(path, limit=sample):
        h = Household(**dict(zip(_household_fields(), household, strict=True)))
        h.save()
        households += 1
        for p in members:
            Person(household=h, village_code=h.village_code, county_code=h.county_code,
                   **dict(zip(_person_fields(), p, strict=True))).save()  # fmt: skip
            persons += 1
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": persons, "households": households}


def _household_fields() -> tuple[str, ...]:
    from tongzhou.demo.generate import HOUSEHOLD_FIELDS

    return HOUSEHOLD_FIELDS


def _person_fields() -> tuple[str, ...]:
    from tongzhou.demo.generate import PERSON_FIELDS

    return PERSON_FIELDS


def run_import(path: str) -> dict:
    """The code under test: the register import, as the bench superuser."""
    from django.contrib.auth import get_user_model

    from tongzhou.core.errors import TongzhouError
    from tongzhou.households.register_import import register_import

    user = get_user_model().objects.get(username=BENCH_USER)
    started = time.perf_counter()
    try:
        result = register_import(user=user, path=path, via="bench")
    except TongzhouError as exc:
        return {"error": f"{exc.code}: {exc.message_en}", "details": str(exc.details)[:2000],
                "seconds": time.perf_counter() - started}  # fmt: skip
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": getattr(result, "rows", None),
        "households": getattr(result, "households_created", None),
        "persons": getattr(result, "persons_created", None),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("op", choices=["prepare", "csv", "import", "raw", "orm"])
    parser.add_argument("--scale", default="county")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--csv")
    parser.add_argument("--out")
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args(argv)
    setup_django()
    if args.op == "prepare":
        result = prepare(args.scale, args.seed)
    elif args.op == "csv":
        result = write_csv(args.scale, args.seed, args.out)
    elif args.op == "import":
        result = run_import(args.csv)
    elif args.op == "raw":
        result = run_raw(args.csv)
    else:
        result = run_orm(args.csv, args.sample)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
