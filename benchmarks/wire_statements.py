"""Statements PostgreSQL received per message answered, from the server's own log, over a load-benchmark run.

    python benchmarks/wire_statements.py -- --instances 1 --telegram 0 --sms 30 --handoff-share 0

Counts what the server executed, BEGIN, COMMIT and ROLLBACK included (SQLAlchemy's statement events do
not see those: asyncpg sends them itself). For the run, the role the benchmark connects as gets
`log_statement = 'all'` (reset afterwards, also when the run fails); the server must log to a file this
process can read (`--log`, Debian's default path). Logging every statement slows the server: this
counts, it does not time. Prints the statements a message, the share that is transaction control, and
the most frequent statements.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import subprocess
import sys
from pathlib import Path

from loadkit.infra import POSTGRES_ADMIN

HERE = Path(__file__).resolve().parent
LOG = Path("/var/log/postgresql/postgresql-15-main.log")
# "<date> <time> <zone> [pid] user@database LOG:  statement: ..." or "... LOG:  execute <name>: ..."
LINE = re.compile(r"\S+ \S+ \S+ \[\d+\] \S+@(\S+) LOG:  (?:statement|execute [^:]*): (.*)")
CONTROL = {"BEGIN", "COMMIT", "ROLLBACK"}


def _psql(admin: str, sql: str) -> None:
    subprocess.run(["psql", admin, "-Atqc", sql], check=True)


def shape(statement: str) -> str:
    """A statement with its literals and parameter numbers blanked, so that runs of it count together."""
    statement = re.sub(r"\$\d+", "?", statement)
    statement = re.sub(r"'[^']*'", "'…'", statement)
    return re.sub(r"\b\d+\b", "N", statement).rstrip(";").strip()


def is_control(statement: str) -> bool:
    """BEGIN (with or without an isolation level), COMMIT, ROLLBACK (to a savepoint too)."""
    return (statement.split() or [""])[0] in CONTROL


def count(lines: list[str], database_prefix: str) -> collections.Counter[str]:
    counted: collections.Counter[str] = collections.Counter()
    for line in lines:
        match = LINE.match(line)
        if match and match.group(1).startswith(database_prefix):
            counted[shape(match.group(2))[:110]] += 1
    return counted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", type=Path, default=LOG, help=f"the server's log file (default {LOG})")
    parser.add_argument("--admin", default=POSTGRES_ADMIN, help="psql URL to set the role's logging")
    parser.add_argument("--role", default="postgres", help="the role the instances connect as")
    parser.add_argument("--top", type=int, default=20, help="how many statements to list")
    parser.add_argument("load_args", nargs="*", help="arguments for benchmarks/load.py (after --)")
    args = parser.parse_args(argv)
    start = args.log.stat().st_size
    _psql(args.admin, f"ALTER ROLE {args.role} SET log_statement = 'all'")
    try:
        run = subprocess.run([sys.executable, str(HERE / "load.py"), *args.load_args, "--json"],
                             check=True, capture_output=True, text=True)
    finally:
        _psql(args.admin, f"ALTER ROLE {args.role} RESET log_statement")
    result = json.loads(run.stdout)
    messages = sum(phase["answered"] for phase in result["phases"])
    with args.log.open(errors="replace") as log:
        log.seek(start)
        counted = count(log.readlines(), "supportbot_load_")
    total = sum(counted.values())
    control = sum(n for statement, n in counted.items() if is_control(statement))
    print(json.dumps({"messages": messages, "statements_per_message": round(total / messages, 2),
                      "transaction_control_per_message": round(control / messages, 2),
                      "lost": result["lost"], "duplicates": result["duplicates"]}))
    for statement, n in counted.most_common(args.top):
        print(f"{n / messages:6.2f}  {statement}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
