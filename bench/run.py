"""The benchmark harness: build data at a scale, time each operation as the median of fresh-database runs.

    python bench/run.py import-register --scale county --db both --repeat 3
    python bench/run.py import-register --scale prefecture --db postgresql --repeat 1
    python bench/run.py import-transactions --scale county --db both --repeat 3
    python bench/run.py member-accounts --scale county --db both --repeat 3
    python bench/run.py ledger --scale county --db both --repeat 3   # the books (bench/ledger.py)
    python bench/run.py all                      # every benchmark at county scale, both databases, 3 runs

Each run gets a fresh database cloned from a prepared template (migrated, regions of the scale, a superuser),
and runs in its own process, whose peak resident memory (VmHWM) is reported. The register import file of a
scale and seed is generated once and cached in bench/out/. Results: a table on stdout, JSON in bench/out/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# TONGZHOU_BENCH_OUT / TONGZHOU_BENCH_TAG let two benchmarks run side by side without sharing files or databases.
OUT = Path(os.environ.get("TONGZHOU_BENCH_OUT", str(ROOT / "bench" / "out")))
TAG = os.environ.get("TONGZHOU_BENCH_TAG", "")
DB_DIR = OUT / "db"
WORKER = ROOT / "bench" / "worker.py"
PG_URL = os.environ.get("TONGZHOU_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_HOST, PG_USER = "127.0.0.1", "postgres"
ORM_SAMPLE = 2000
# The import must accept a prefecture file (≈ 1.5 GB, 9 m rows): lift the upload limits for the bench only.
BENCH_ENV = {"TONGZHOU_IMPORT_MAX_BYTES": str(20 * 1024**3), "TONGZHOU_IMPORT_MAX_ROWS": "20000000"}


class BenchError(RuntimeError):
    pass


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def import_available() -> bool:
    return (ROOT / "tongzhou" / "households" / "register_import" / "__init__.py").exists() or (
        ROOT / "tongzhou" / "households" / "register_import.py"
    ).exists()


class Database:
    """A database the worker can be pointed at; `fresh()` gives an empty, prepared copy of the template."""

    def __init__(self, vendor: str, scale: str, seed: int, kind: str = "") -> None:
        self.vendor = vendor
        self.scale = scale
        self.seed = seed
        self.template = f"tz_bench_tpl{TAG}{kind}_{scale}"
        self.run_name = f"tz_bench_run{TAG}{kind}"

    def env(self, name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TONGZHOU_SQLITE_NAME")}
        env.update(BENCH_ENV)
        env["TONGZHOU_VAR_DIR"] = str(DB_DIR)
        env["TONGZHOU_SECRET_KEY"] = "bench-only-secret-key"
        if self.vendor == "postgresql":
            env["DATABASE_URL"] = f"{PG_URL}/{name}"
        else:
            env["TONGZHOU_SQLITE_NAME"] = f"{name}.sqlite3"
        return env

    def _sqlite_files(self, name: str) -> list[Path]:
        base = DB_DIR / f"{name}.sqlite3"
        return [base, Path(f"{base}-wal"), Path(f"{base}-shm")]

    def _drop(self, name: str) -> None:
        if self.vendor == "postgresql":
            _sh(["dropdb", "-h", PG_HOST, "-U", PG_USER, "--if-exists", "--force", name])
        else:
            for path in self._sqlite_files(name):
                path.unlink(missing_ok=True)

    def prepare_template(self, *worker_args: str) -> dict:
        DB_DIR.mkdir(parents=True, exist_ok=True)
        self._drop(self.template)
        if self.vendor == "postgresql":
            _sh(["createdb", "-h", PG_HOST, "-U", PG_USER, self.template])
        result = worker(
            *(worker_args or ("prepare",)), "--scale", self.scale, "--seed", str(self.seed),
            env=self.env(self.template),
        )  # fmt: skip
        if self.vendor == "sqlite":
            _sqlite_checkpoint(DB_DIR / f"{self.template}.sqlite3")
        return result

    def fresh(self) -> dict[str, str]:
        self._drop(self.run_name)
        if self.vendor == "postgresql":
            _sh(["createdb", "-h", PG_HOST, "-U", PG_USER, "-T", self.template, self.run_name])
        else:
            shutil.copyfile(DB_DIR / f"{self.template}.sqlite3", DB_DIR / f"{self.run_name}.sqlite3")
        return self.env(self.run_name)

    def cleanup(self) -> None:
        self._drop(self.run_name)
        self._drop(self.template)


def _shown(path: Path) -> str:
    """The path relative to the repository when it lies inside it (TONGZHOU_BENCH_OUT may point elsewhere)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _sqlite_checkpoint(path: Path) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def _sh(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise BenchError(f"{' '.join(cmd)} failed: {done.stderr.strip()}")


def worker(*args: str, env: dict[str, str] | None = None) -> dict:
    """Run bench/worker.py in a child process and return its result line."""
    done = subprocess.run(
        [sys.executable, str(WORKER), *args], capture_output=True, text=True, env=env, cwd=ROOT
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    raise BenchError(f"worker {args[0]} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


def register_csv(scale: str, seed: int) -> tuple[Path, int]:
    """The cached import file of a scale and seed; generated on first use."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"register-{scale}-seed{seed}.csv"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text())["rows"]
    log(f"generating {path.name} …")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(TONGZHOU_VAR_DIR=str(DB_DIR), TONGZHOU_SECRET_KEY="bench-only-secret-key")
    result = worker("csv", "--scale", scale, "--seed", str(seed), "--out", str(path), env=env)
    meta.write_text(json.dumps(result))
    log(f"  {result['rows']:,} rows in {result['seconds']:.1f}s")
    return path, result["rows"]


def measure(op: str, db: Database, csv_path: Path, repeat: int, total_rows: int) -> dict:
    """Median of `repeat` runs of one operation, each on a fresh database."""
    runs = []
    for i in range(repeat):
        env = db.fresh()
        args = [op, "--csv", str(csv_path)]
        if op == "orm":
            args += ["--sample", str(ORM_SAMPLE)]
        result = worker(*args, env=env)
        if "error" in result:
            log(f"  {db.vendor} {op}: refused: {result['error']}")
            name = {"import-tx": "import", "raw-tx": "raw", "orm-tx": "orm"}[op]
            return {"op": name, "db": db.vendor, "error": result["error"], "details": result.get("details")}
        log(
            f"  {db.vendor} {op} run {i + 1}/{repeat}: {result['seconds']:.1f}s, {result['peak_rss_mb']:.0f} MiB"
        )
        runs.append(result)
    seconds = statistics.median(r["seconds"] for r in runs)
    rows = runs[0].get("rows") or runs[0].get("persons") or total_rows
    entry = {
        "op": op,
        "db": db.vendor,
        "runs": [round(r["seconds"], 3) for r in runs],
        "median_s": round(seconds, 3),
        "rows": rows,
        "rows_per_s": round(rows / seconds, 1),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "result": runs[0],
    }
    if op == "orm":
        # A sample of ORM_SAMPLE persons, extrapolated linearly to the whole file.
        entry["sample_rows"] = rows
        entry["extrapolated_s"] = round(seconds * total_rows / rows, 1)
    return entry


def bench_import_register(scale: str, dbs: list[str], repeat: int, seed: int) -> dict:
    csv_path, total_rows = register_csv(scale, seed)
    available = import_available()
    if not available:
        log("import not available: tongzhou/households/register_import does not exist yet; raw and ORM only")
    report: dict = {
        "benchmark": "import-register",
        "scale": scale,
        "seed": seed,
        "repeat": repeat,
        "rows": total_rows,
        "csv_bytes": csv_path.stat().st_size,
        "import_available": available,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "results": [],
    }
    for vendor in dbs:
        db = Database(vendor, scale, seed)
        log(f"{vendor}: preparing template database …")
        db.prepare_template()
        try:
            ops = (["import"] if available else []) + ["raw", "orm"]
            for op in ops:
                report["results"].append(measure(op, db, csv_path, 1 if op == "orm" else repeat, total_rows))
        finally:
            db.cleanup()
    report["ratios"] = ratios(report["results"])
    return report


def ratios(results: list[dict]) -> dict:
    by = {(r["db"], r["op"]): r for r in results if "error" not in r}
    out = {}
    for vendor in {r["db"] for r in results}:
        imp, raw, orm = by.get((vendor, "import")), by.get((vendor, "raw")), by.get((vendor, "orm"))
        entry = {}
        if imp and raw:
            entry["import_vs_raw"] = round(imp["rows_per_s"] / raw["rows_per_s"], 3)
        if imp and orm:
            entry["import_vs_orm"] = round(imp["rows_per_s"] / orm["rows_per_s"], 1)
        if raw and orm:
            entry["raw_vs_orm"] = round(raw["rows_per_s"] / orm["rows_per_s"], 1)
        out[vendor] = entry
    return out


def print_table(report: dict) -> None:
    print(f"\nimport-register · scale {report['scale']} · {report['rows']:,} person rows · "
          f"median of {report['repeat']} · {report['machine']['cpus']} CPUs")  # fmt: skip
    if not report["import_available"]:
        print(
            "import not available (tongzhou.households.register_import not present): raw and ORM paths only"
        )
    header = f"{'db':<11} {'path':<22} {'median s':>10} {'rows/s':>12} {'peak MiB':>9}  runs"
    print(header)
    print("-" * len(header))
    names = {
        "import": "register_import",
        "raw": "raw bulk (COPY/execmany)",
        "orm": f"ORM save() ×{ORM_SAMPLE}",
    }
    for r in report["results"]:
        if "error" in r:
            print(f"{r['db']:<11} {names[r['op']]:<22} refused: {r['error']}")
            continue
        seconds = f"{r['median_s']:.1f}"
        if r["op"] == "orm":
            seconds = f"{r['median_s']:.1f}→{r['extrapolated_s']:.0f}"
        print(f"{r['db']:<11} {names[r['op']]:<22} {seconds:>10} {r['rows_per_s']:>12,.0f} {r['peak_rss_mb']:>9.0f}  "
              f"{r['runs']}")  # fmt: skip
    for vendor, entry in report["ratios"].items():
        parts = []
        if "import_vs_raw" in entry:
            ok = "meets" if entry["import_vs_raw"] >= 0.5 else "MISSES"
            parts.append(f"import/raw {entry['import_vs_raw']:.0%} ({ok} ≥ 50%)")
        if "import_vs_orm" in entry:
            ok = "meets" if entry["import_vs_orm"] >= 20 else "MISSES"
            parts.append(f"import/ORM {entry['import_vs_orm']:.0f}× ({ok} ≥ 20×)")
        if "raw_vs_orm" in entry:
            parts.append(f"raw/ORM {entry['raw_vs_orm']:.0f}×")
        print(f"{vendor}: " + "; ".join(parts))


def tx_dir(vendor: str, scale: str) -> Path:
    """Where the transaction import files of a prepared template lie (their member and cooperative ids are the
    template's, so one directory per database)."""
    return OUT / f"transactions-{scale}-{vendor}"


def _report(benchmark: str, scale: str, seed: int, repeat: int) -> dict:
    return {
        "benchmark": benchmark,
        "scale": scale,
        "seed": seed,
        "repeat": repeat,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "results": [],
    }


TX_NAMES = {"import-tx": "import", "raw-tx": "raw", "orm-tx": "orm"}


def measure_tx(
    ops: tuple[str, ...], db: Database, directory: Path, repeat: int, total_rows: int
) -> list[dict]:
    """Median of `repeat` runs of each transaction-import path, each run on a fresh copy of the template. The paths
    take turns (import, raw, import, raw, …), so that load from other work on a shared machine falls on each alike
    and "import ÷ raw" does not drift with it."""
    runs: dict[str, list[dict]] = {op: [] for op in ops}
    refused: dict[str, dict] = {}
    for i in range(repeat):
        for op in ops:
            if op in refused:
                continue
            args = [op, "--dir", str(directory)]
            if op == "orm-tx":
                args += ["--sample", str(ORM_SAMPLE)]
            result = worker(*args, env=db.fresh())
            if "error" in result:
                log(f"  {db.vendor} {op}: refused: {result['error']}")
                refused[op] = {"op": TX_NAMES[op], "db": db.vendor, "error": result["error"],
                               "details": result.get("details")}  # fmt: skip
                continue
            log(f"  {db.vendor} {op} run {i + 1}/{repeat}: {result['seconds']:.1f}s, "
                f"{result['peak_rss_mb']:.0f} MiB")  # fmt: skip
            runs[op].append(result)
    return [refused.get(op) or _tx_entry(op, db, runs[op], total_rows) for op in ops]


def _tx_entry(op: str, db: Database, runs: list[dict], total_rows: int) -> dict:
    seconds = statistics.median(r["seconds"] for r in runs)
    rows = runs[0]["rows"]
    entry = {
        "op": TX_NAMES[op],
        "db": db.vendor,
        "runs": [round(r["seconds"], 3) for r in runs],
        "median_s": round(seconds, 3),
        "rows": rows,
        "rows_per_s": round(rows / seconds, 1),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "result": runs[0],
    }
    if "books" in runs[0]:
        # What each run added to the books; every run starts from the same template, so they must agree.
        entry["books"] = runs[0]["books"]
        entry["books_same_every_run"] = all(r["books"] == runs[0]["books"] for r in runs)
    if op == "orm-tx":
        entry["sample_rows"] = rows
        entry["extrapolated_s"] = round(seconds * total_rows / rows, 1)
    return entry


def bench_coops(benchmarks: list[str], scale: str, dbs: list[str], repeat: int, seed: int) -> list[dict]:
    """import-transactions and member-accounts share one prepared template per database: the demo of the scale
    (register and cooperatives) with its transactions moved out into one import file per village cooperative."""
    reports = {b: _report(b, scale, seed, repeat) for b in benchmarks}
    for vendor in dbs:
        db = Database(vendor, scale, seed, kind="_coops")
        directory = tx_dir(vendor, scale)
        log(f"{vendor}: preparing the demo template with cooperatives (scale {scale}) …")
        prepared = db.prepare_template("prepare-coops", "--dir", str(directory))
        log(f"  {prepared['transactions']:,} transactions in {prepared['files']} files, "
            f"{prepared['members']:,} members, prepared in {prepared['seconds']:.0f}s")  # fmt: skip
        for report in reports.values():
            report["prepared"] = {**report.get("prepared", {}), vendor: prepared}
        try:
            if "import-transactions" in reports:
                results = reports["import-transactions"]["results"]
                total = prepared["transactions"]
                results += measure_tx(("import-tx", "raw-tx"), db, directory, repeat, total)
                results += measure_tx(("orm-tx",), db, directory, 1, total)
            if "member-accounts" in reports:
                env = db.fresh()
                result = worker("accounts", "--dir", str(directory), "--repeat", str(repeat), env=env)
                result["db"] = vendor
                log(f"  {vendor} member-accounts: selector {result['seconds']:.2f}s, SQL {result['sql_seconds']:.2f}s, "
                    f"{result['accounts']:,} accounts, totals agree: {result['totals_agree']}")  # fmt: skip
                reports["member-accounts"]["results"].append(result)
        finally:
            db.cleanup()
    if "import-transactions" in reports:
        report = reports["import-transactions"]
        report["ratios"] = ratios(report["results"])
        report["books_check"] = books_check(report["results"])
    return list(reports.values())


def books_check(results: list[dict]) -> dict:
    """Whether the raw path wrote the same books as the import (vouchers, lines, debit total, periods, accounts
    added) and the same household income lines (count and total), per database: "import ÷ raw" compares equal
    work only when it did."""
    by = {(r["db"], r["op"]): r for r in results if "error" not in r}
    out = {}
    for vendor in sorted({r["db"] for r in results}):
        imp, raw = by.get((vendor, "import")), by.get((vendor, "raw"))
        if not (imp and raw and "books" in imp and "books" in raw):
            out[vendor] = {"agree": None}
            continue
        agree = imp["books"] == raw["books"] and imp["books_same_every_run"] and raw["books_same_every_run"]
        out[vendor] = {"agree": agree, "import": imp["books"], "raw": raw["books"]}
    return out


def print_coops_table(report: dict) -> None:
    if report["benchmark"] == "member-accounts":
        print(f"\nmember-accounts · scale {report['scale']} · median of {report['repeat']}")
        for r in report["results"]:
            ratio = r["seconds"] / r["sql_seconds"]
            ok = "meets" if ratio <= 1.5 else "MISSES"
            print(f"{r['db']:<11} region_member_accounts {r['seconds']:.2f}s · one SQL aggregate {r['sql_seconds']:.2f}s · "
                  f"{ratio:.2f}× ({ok} ≤ 1.5×) · {r['accounts']:,} accounts, {r['rows']:,} rows, "
                  f"totals agree: {r['totals_agree']}")  # fmt: skip
        return
    print(f"\nimport-transactions · scale {report['scale']} · median of {report['repeat']}")
    names = {
        "import": "transactions_import",
        "raw": "raw bulk (COPY/execmany)",
        "orm": f"ORM save() ×{ORM_SAMPLE}",
    }
    for r in report["results"]:
        if "error" in r:
            print(f"{r['db']:<11} {names[r['op']]:<24} refused: {r['error']}")
            continue
        seconds = f"{r['median_s']:.1f}" + (f"→{r['extrapolated_s']:.0f}" if r["op"] == "orm" else "")
        print(f"{r['db']:<11} {names[r['op']]:<24} {seconds:>10} {r['rows_per_s']:>12,.0f} "
              f"{r['peak_rss_mb']:>9.0f}  {r['runs']}")  # fmt: skip
    for vendor, entry in report["ratios"].items():
        print(f"{vendor}: {entry}")
    for vendor, check in report.get("books_check", {}).items():
        if check["agree"] is None:
            print(f"{vendor}: books not compared (no import or no raw run)")
            continue
        imp, raw = check["import"], check["raw"]
        print(f"{vendor}: books written — import {imp['vouchers']:,} vouchers, {imp['voucher_lines']:,} lines, "
              f"{imp.get('income_lines', 0):,} income lines (¥{imp.get('income_fen', 0) / 100:,.2f}); "
              f"raw {raw['vouchers']:,} vouchers, {raw['voucher_lines']:,} lines, "
              f"{raw.get('income_lines', 0):,} income lines (¥{raw.get('income_fen', 0) / 100:,.2f}): "
              f"{'same work' if check['agree'] else 'MISMATCH (import ÷ raw compares unequal work)'}")  # fmt: skip


def save(report: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = OUT / f"{report['benchmark']}-{report['scale']}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (OUT / f"{report['benchmark']}-{report['scale']}-latest.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False)
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tongzhou benchmarks")
    parser.add_argument(
        "benchmark",
        choices=[
            "import-register",
            "import-transactions",
            "member-accounts",
            "coops",
            "ledger",
            "distribution",
            "all",
        ],
    )
    parser.add_argument("--scale", choices=["village", "township", "county", "prefecture"], default="county")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    started = time.perf_counter()
    coops = {
        "import-transactions": ["import-transactions"],
        "member-accounts": ["member-accounts"],
        "coops": ["import-transactions", "member-accounts"],
        "all": ["import-transactions", "member-accounts"],
    }.get(args.benchmark, [])
    try:
        if args.benchmark in ("import-register", "all"):
            report = bench_import_register(args.scale, dbs, args.repeat, args.seed)
            path = save(report)
            print_table(report)
            print(f"\nwritten {_shown(path)}")
        if args.benchmark == "ledger":  # the books (bench/ledger.py): not part of "all"
            from ledger import bench_ledger

            report = bench_ledger(
                args.scale, dbs, args.repeat, args.seed, Database=Database, out=OUT, log=log, report=_report
            )
            path = save(report)
            print(json.dumps(report["results"], indent=1, ensure_ascii=False)[:4000])
            print(f"\nwritten {_shown(path)}")
        if args.benchmark == "distribution":  # the benefit chain (bench/distribution.py): not part of "all"
            from distribution import bench_distribution

            report = bench_distribution(
                args.scale, dbs, args.repeat, args.seed, Database=Database, log=log, report=_report
            )
            path = save(report)
            print(json.dumps(report["results"], indent=1, ensure_ascii=False)[:4000])
            print(f"\nwritten {_shown(path)}")
        if coops:
            for report in bench_coops(coops, args.scale, dbs, args.repeat, args.seed):
                path = save(report)
                print_coops_table(report)
                print(f"\nwritten {_shown(path)}")
                if any(c["agree"] is False for c in report.get("books_check", {}).values()):
                    log("bench failed: the raw path did not write the books the import wrote")
                    return 1
    except BenchError as exc:
        log(f"bench failed: {exc}")
        return 1
    print(f"\nin {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
