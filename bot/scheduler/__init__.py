"""The durable scheduler: jobs stored in the database (bot/storage/jobs.py), run by whichever instance
is up (`JobRunner`), on the bot's one clock. What each kind of job does is its feature's business
(bot/repairs/services.py for the repair lifecycle)."""

from bot.scheduler.runner import Defer, Done, Fail, Handler, JobRunner, Outcome, Skip

__all__ = ["Defer", "Done", "Fail", "Handler", "JobRunner", "Outcome", "Skip"]
