"""Counted phrases for operators: the command line (`check`, `queue`, `doctor`) and the webhook's refusals.

The CLI speaks English to operators; its lines are here for their plural forms, and in all three
languages like every other entry so a localised CLI needs no new texts. Namespace "cli.".
"""

from __future__ import annotations

from bot.i18n.entries import Table, plural

NAMESPACE = "cli"

TEXTS: Table = {
    "check.warnings": {
        "zh-Hans": "；{count} 条警告",
        "zh-Hant": "；{count} 則警告",
        "en": plural("count", one="; {count} warning", other="; {count} warnings"),
    },
    "queue.title": {
        "zh-Hans": "{count} 个转人工，最紧急的在前；时间为 {zone} 时区",
        "zh-Hant": "{count} 個轉真人，最緊急的在前；時間為 {zone} 時區",
        "en": plural(
            "count",
            one="{count} escalation, most urgent first; times in {zone}",
            other="{count} escalations, most urgent first; times in {zone}",
        ),
    },
    "knowledge.problems": {
        "zh-Hans": "错误：知识库有 {count} 个问题：",
        "zh-Hant": "錯誤：知識庫有 {count} 個問題：",
        "en": plural(
            "count",
            one="error: the knowledge base has {count} problem:",
            other="error: the knowledge base has {count} problems:",
        ),
    },
    "doctor.examples": {
        "zh-Hans": "{count} 个例句",
        "zh-Hant": "{count} 個例句",
        "en": plural("count", one="{count} example", other="{count} examples"),
    },
    "webhook.problems": {
        "zh-Hans": "{count} 个问题，第一个在 {where}：{message}",
        "zh-Hant": "{count} 個問題，第一個在 {where}：{message}",
        "en": plural(
            "count",
            one="{count} problem, at {where}: {message}",
            other="{count} problems, first at {where}: {message}",
        ),
    },
}
