"""The scheduler's handlers for the repair lifecycle, and the repair services the runtime holds.

`RepairServices` is what `build_runtime` makes once: the lifecycle rules, the staff desk, and the job
runner with every handler of the lifecycle's job kinds (`bot.repairs.lifecycle`): the customer's
notices, reminders and survey (bot/repairs/notices.py), and the promises checked when they fall due
(bot/repairs/promises.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.repairs.context import RepairContext
from bot.repairs.desk import RepairDesk
from bot.repairs.lifecycle import RepairLifecycle
from bot.repairs.notices import customer_handlers
from bot.repairs.promises import promise_handlers
from bot.repairs.survey import survey_handlers
from bot.scheduler import Handler, JobRunner


@dataclass
class RepairServices:
    """The repair lifecycle's parts, built once per runtime."""

    lifecycle: RepairLifecycle
    desk: RepairDesk
    runner: JobRunner
    context: RepairContext


def repair_handlers(context: RepairContext) -> dict[str, Handler]:
    """Every job kind of the lifecycle with its handler."""
    return {**customer_handlers(context), **promise_handlers(context), **survey_handlers(context)}


def build_repairs(context: RepairContext, *, wake: object | None = None, poll: float = 5.0) -> RepairServices:
    """The lifecycle, the staff desk (waking the runner after a change) and the job runner."""
    runner = JobRunner(
        context.database, repair_handlers(context), owner=context.database.instance, clock=context.clock,
        wake=wake,  # type: ignore[arg-type]
        poll=poll,
    )
    desk = RepairDesk(context.database, context.lifecycle, wake=runner.wake.set)
    return RepairServices(lifecycle=context.lifecycle, desk=desk, runner=runner, context=context)
