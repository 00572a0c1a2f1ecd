"""benchmarks/wire_statements.py counts what PostgreSQL logged: the README's statements a message come
from it, so the server's log lines must be read right (simple and extended protocol, other databases
left out, literals blanked so that runs of one statement count together)."""

from __future__ import annotations

import sys

from tests.support import ROOT, benchmark_module

sys.path.insert(0, str(ROOT / "benchmarks"))  # the script imports `loadkit`, as it does when run
wire = benchmark_module("wire_statements")

LOG = """\
2026-12-01 10:39:14.909 UTC [14383] postgres@supportbot_load_1_one LOG:  statement: BEGIN;
2026-12-01 10:39:14.909 UTC [14383] postgres@supportbot_load_1_one LOG:  execute __asyncpg_stmt_f5__: UPDATE sms_outbox SET status=$1::VARCHAR WHERE sms_outbox.id = $2::INTEGER
2026-12-01 10:39:14.909 UTC [14383] postgres@supportbot_load_1_one DETAIL:  parameters: $1 = 'sent', $2 = '61'
2026-12-01 10:39:14.910 UTC [14383] postgres@supportbot_load_1_one LOG:  statement: COMMIT;
2026-12-01 10:39:14.911 UTC [14390] postgres@supportbot_load_1_many LOG:  execute __asyncpg_stmt_1d7__: UPDATE sms_outbox SET status=$1::VARCHAR WHERE sms_outbox.id = $2::INTEGER
2026-12-01 10:39:14.912 UTC [14391] postgres@supportbot_load_1_many LOG:  statement: BEGIN ISOLATION LEVEL READ COMMITTED;
2026-12-01 10:39:14.912 UTC [14391] postgres@supportbot_load_1_many LOG:  execute <unnamed>: SELECT 'x' WHERE 12 = 12
2026-12-01 10:39:14.913 UTC [14392] postgres@test LOG:  statement: BEGIN;
2026-12-01 10:39:14.913 UTC [14392] postgres@supportbot_load_1_one LOG:  duration: 0.1 ms
"""


def test_statements_of_the_benchmarks_databases_are_counted_by_shape() -> None:
    counted = wire.count(LOG.splitlines(), "supportbot_load_")
    assert counted == {
        "BEGIN": 1,
        "UPDATE sms_outbox SET status=?::VARCHAR WHERE sms_outbox.id = ?::INTEGER": 2,  # two connections' names, one shape
        "COMMIT": 1,
        "BEGIN ISOLATION LEVEL READ COMMITTED": 1,
        "SELECT '…' WHERE N = N": 1,
    }
    assert sum(n for statement, n in counted.items() if wire.is_control(statement)) == 3
