"""What the new-booking draft and the ticket desk's draft share: the engine's `Draft` over a stored dict."""

from __future__ import annotations

from typing import Any


class StoredDraft:
    """Answers under "data" and the refusals in a row under "fails" of the dict kept in the conversation
    state (`ctx.state["booking"]`), read and written in place so the turn stores them."""

    def __init__(self, bk: dict[str, Any]) -> None:
        self.bk = bk

    @property
    def data(self) -> dict[str, Any]:
        return self.bk.setdefault("data", {})  # type: ignore[no-any-return]

    @property
    def fails(self) -> int:
        return int(self.bk.get("fails", 0))

    @fails.setter
    def fails(self, value: int) -> None:
        self.bk["fails"] = value

    def has(self, field_id: str) -> bool:
        return field_id in self.data

    def changing(self) -> str | None:
        return None  # "change ..." clears answers instead: the first-unanswered rule asks them again
