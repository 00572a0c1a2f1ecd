"""The operator's after-sales promises: `knowledge/policies.yaml` (optional; every key has a default).

The defaults follow the seeds: no SMS between 21:00 and 08:00, an engineer's call within 2 working
hours of an SMS or online request (Dell), a repair open more than 14 days goes to a supervisor with the
product's replacement offer (HP), a survey after every closed case (Dell), VIP customers marked and
moved up the agents' queue (Huawei), and an apology with compensation when a repair passes its deadline
(China Telecom). The file, every key optional::

    quiet_hours: {start: "21:00", end: "08:00"}   # no SMS in between (queued); false: none
    reminders:
      appointment_days_before: 1                  # the appointment reminder, days before, ...
      appointment_at: "18:00"                     # ... at this local time
      uncollected_after_days: 7                   # a repaired device not collected (ready) after N days
      uncollected_repeat: 2                       # at most this many reminders, N days apart (0: none)
      loaner_return_after_days: 3                 # a loaner not back N days after the repair closed
      warranty_days_ahead: 30                     # warranty expiry, days ahead
      send_at: "10:00"                            # day-based reminders go out at this local time
    callback: {working_hours: 2, channels: [sms, telegram, web], services: [store, onsite, courier]}
    repair_limit: {days: 14}
    vip:
      models: [x20pro]                            # model ids of products.yaml
      customers: ["+86 138 0013 8000", "telegram:123456789"]
      customers_file: vip_customers.txt           # one number or key a line, # comments
      phone_region: CN                            # how national numbers are read
      priority_boost: 1
      reserved_seats: 0                           # per slot of every centre ...
      reserved_by_centre: {bj-chaoyang: 1}        # ... or of these centres
    compensation: {zh-Hans: ..., zh-Hant: ..., en: ...}
    survey_after_close: true

Every problem is reported as file:line: message, like the other knowledge files (`KnowledgeErrors`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.knowledge.errors import KnowledgeError, KnowledgeErrors
from bot.knowledge.policies_parse import (
    Reader,
    customer_key,
    did_you_mean,
    phone_number,
)
from bot.knowledge.yamlfile import LINE_KEY, key_line, line_of, read_yaml

POLICIES_FILE = "policies.yaml"
LANGUAGES = ("zh-Hans", "zh-Hant", "en")
CHANNELS = ("sms", "telegram", "web", "console")
SERVICES = ("store", "onsite", "courier")
TOP_KEYS = ("quiet_hours", "reminders", "callback", "repair_limit", "vip", "compensation", "survey_after_close")
QUIET_KEYS = ("start", "end")
REMINDER_KEYS = (
    "appointment_days_before", "appointment_at", "uncollected_after_days", "uncollected_repeat",
    "loaner_return_after_days", "warranty_days_ahead", "send_at",
)
CALLBACK_KEYS = ("working_hours", "channels", "services")
REPAIR_KEYS = ("days",)
VIP_KEYS = (
    "models", "customers", "customers_file", "phone_region", "priority_boost", "reserved_seats", "reserved_by_centre",
)
DEFAULT_COMPENSATION: Mapping[str, str] = MappingProxyType({
    "zh-Hans": "很抱歉，您的维修已超过我们承诺的时限。主管已接手跟进，并会就补偿事宜与您联系。",
    "zh-Hant": "很抱歉，您的維修已超過我們承諾的時限。主管已接手跟進，並會就補償事宜與您聯繫。",
    "en": "We are sorry: your repair has taken longer than we promised. A supervisor is now following it "
    "and will contact you about compensation.",
})


def _localise(wall: dt.datetime) -> dt.datetime:
    """The first real moment at or after the wall-clock time `wall` (aware): itself, or the end of a DST gap."""
    zone = wall.tzinfo
    if zone is None or wall.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return wall
    # Nonexistent (clocks jumped over it): search the jump between its two readings, to the second.
    naive = wall.replace(tzinfo=None)
    low, high = sorted(wall.replace(fold=f).astimezone(dt.UTC) for f in (0, 1))
    while high - low > dt.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0).astimezone(zone)


@dataclass(frozen=True)
class QuietHours:
    """Local hours when no SMS goes out (messages wait until the end); start == end: none."""

    start: dt.time = dt.time(21, 0)
    end: dt.time = dt.time(8, 0)

    @property
    def enabled(self) -> bool:
        return self.start != self.end

    def contains(self, local: dt.datetime) -> bool:
        """Whether the wall-clock time of `local` is inside [start, end) (wrapping past midnight)."""
        if not self.enabled:
            return False
        now = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def ends_after(self, local: dt.datetime) -> dt.datetime:
        """The first moment at or after `local` outside quiet hours, in `local`'s tzinfo.

        Computed on wall time and localised again, so 08:00 stays 08:00 across a DST change (a wall time
        the clocks skip gives the moment they jump).
        """
        if not self.contains(local):
            return local
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += dt.timedelta(days=1)
        wall = dt.datetime.combine(day, self.end, tzinfo=local.tzinfo)
        moment = _localise(wall)
        if local.tzinfo is not None and moment.astimezone(dt.UTC) < local.astimezone(dt.UTC):
            moment = wall.replace(fold=1)  # `local` was in the second run of a repeated hour
        return moment


@dataclass(frozen=True)
class ReminderPolicy:
    appointment_days_before: int = 1  # the reminder of an appointment goes out this many days before it...
    appointment_at: dt.time = dt.time(18, 0)  # ...at this local time (skipped if the booking is made after that moment)
    uncollected_after_days: int = 7  # a repaired device not collected (status ready) after N days
    uncollected_repeat: int = 2  # reminded at most this many times, N days apart
    loaner_return_after_days: int = 3  # a loaner not returned N days after the repair was closed
    warranty_days_ahead: int = 30  # warranty expiry reminder this many days ahead
    send_at: dt.time = dt.time(10, 0)  # day-based reminders go out at this local time


@dataclass(frozen=True)
class CallbackPolicy:
    working_hours: float = 2.0  # an engineer calls within this many working hours (office hours of hours.yaml)
    channels: frozenset[str] = frozenset({"sms", "telegram", "web"})  # requests on these channels get the promise
    services: frozenset[str] = frozenset({"store", "onsite", "courier"})


@dataclass(frozen=True)
class RepairLimit:
    days: int = 14  # a repair open longer (from received) goes to a supervisor
    # the replacement offered is the product type's `replacement_promise` in products.yaml; nothing here


@dataclass(frozen=True)
class VipPolicy:
    models: frozenset[str] = frozenset()  # product model ids from products.yaml
    customers: frozenset[str] = frozenset()  # E.164 numbers, or "telegram:<chat id>" style keys
    priority_boost: int = 1  # added to a hand-off's priority
    reserved_seats: int = 0  # seats of each centre slot only VIP customers may take (default per centre)
    reserved_by_centre: Mapping[str, int] = field(default_factory=dict)  # centre id -> seats, overrides reserved_seats
    phone_region: str = "CN"  # how numbers without +country code are read

    def is_vip(
        self, *, model_id: str | None = None, phone: str | None = None, channel: str | None = None,
        customer_id: str | None = None,
    ) -> bool:
        """By product model, by phone number (any format), or by the channel's customer id."""
        if model_id and model_id in self.models:
            return True
        if not self.customers:
            return False
        if phone and phone_number(phone, self.phone_region) in self.customers:
            return True
        if channel and customer_id:
            key, _ = customer_key(f"{channel}:{customer_id}", self.phone_region, (channel,))
            return key in self.customers
        return False

    def reserved_for(self, centre_id: str) -> int:
        """Seats of each of the centre's slots kept for VIP customers."""
        return self.reserved_by_centre.get(centre_id, self.reserved_seats)


@dataclass(frozen=True)
class Policies:
    quiet_hours: QuietHours = QuietHours()
    reminders: ReminderPolicy = ReminderPolicy()
    callback: CallbackPolicy = CallbackPolicy()
    repair_limit: RepairLimit = RepairLimit()
    vip: VipPolicy = VipPolicy()
    compensation: Mapping[str, str] = field(default_factory=lambda: DEFAULT_COMPENSATION)  # when repair_limit passes
    survey_after_close: bool = True
    source: str | None = None  # the file it was read from, None for defaults

    def summary(self) -> str:
        """One line for `kb check`."""
        quiet = self.quiet_hours
        vip = self.vip
        reserved = [f"{vip.reserved_seats} a slot everywhere"] if vip.reserved_seats else []
        reserved += [f"{seats} at {centre}" for centre, seats in sorted(vip.reserved_by_centre.items()) if seats]
        return (
            f"{f'from {Path(self.source).name}' if self.source else 'defaults (add policies.yaml to change them)'}: "
            f"quiet hours {f'{quiet.start:%H:%M}-{quiet.end:%H:%M}' if quiet.enabled else 'none'}, "
            f"call-back within {self.callback.working_hours:g} working hours, "
            f"repairs over {self.repair_limit.days} days to a supervisor, "
            f"VIP: {_count(len(vip.models), 'model')} and {_count(len(vip.customers), 'customer')}"
            + (f" (reserved seats: {', '.join(reserved)})" if reserved else "")
            + f", survey {'on' if self.survey_after_close else 'off'}"
        )


DEFAULT_POLICIES = Policies()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def load_policies(directory: Path | str, *, model_ids: Collection[str] = (), centre_ids: Collection[str] = ()) -> Policies:
    """Read policies.yaml from a knowledge directory; the defaults when there is none.

    `model_ids` / `centre_ids` (from products.yaml / service_centers.yaml) check the VIP models and
    centres when given. Raises KnowledgeErrors listing every problem.
    """
    path = Path(directory) / POLICIES_FILE
    if not path.exists():
        return DEFAULT_POLICIES
    document, errors = read_yaml(path)
    if errors:
        raise KnowledgeErrors(errors)
    policies, errors = parse_policies(path, document, model_ids=model_ids, centre_ids=centre_ids)
    if errors or policies is None:
        raise KnowledgeErrors(errors)
    return policies


def parse_policies(
    path: Path | str, document: Any, *, model_ids: Collection[str] = (), centre_ids: Collection[str] = ()
) -> tuple[Policies | None, list[KnowledgeError]]:
    """Validate a parsed policies.yaml (None: an empty file, all defaults); every problem with its line."""
    path = Path(path)
    read = Reader(path)
    if document is None:
        return Policies(source=str(path)), []
    if not isinstance(document, dict):
        read.problem(None, f"must be a mapping with some of {', '.join(TOP_KEYS)}")
        return None, read.errors
    read.known_keys(document, TOP_KEYS, "policies.yaml has")
    policies = Policies(
        quiet_hours=_quiet_hours(read, document),
        reminders=_reminders(read, read.section(document, "reminders", REMINDER_KEYS) or {}),
        callback=_callback(read, read.section(document, "callback", CALLBACK_KEYS) or {}),
        repair_limit=RepairLimit(
            days=read.integer(read.section(document, "repair_limit", REPAIR_KEYS) or {}, "days", 14, "repair_limit", maximum=365)
        ),
        vip=_vip(read, path.parent, document, model_ids, centre_ids),
        compensation=_compensation(read, document),
        survey_after_close=read.boolean(document, "survey_after_close", True, ""),
        source=str(path),
    )
    if read.errors:  # in the order of the file, then those of the customers file
        return None, sorted(read.errors, key=lambda e: (e.file != path, e.line or 0))
    return policies, []


def _quiet_hours(read: Reader, document: dict[str, Any]) -> QuietHours:
    raw = document.get("quiet_hours")
    if raw is None:
        return QuietHours()
    if raw is False or raw == "off":
        return QuietHours(dt.time(0, 0), dt.time(0, 0))
    if not isinstance(raw, dict):
        read.problem(key_line(document, "quiet_hours"), 'quiet_hours must be {start: "21:00", end: "08:00"}, or false for none')
        return QuietHours()
    read.known_keys(raw, QUIET_KEYS, "quiet_hours has")
    default = QuietHours()
    return QuietHours(read.time(raw, "start", default.start, "quiet_hours"), read.time(raw, "end", default.end, "quiet_hours"))


def _reminders(read: Reader, raw: dict[str, Any]) -> ReminderPolicy:
    d, where = ReminderPolicy(), "reminders"
    return ReminderPolicy(
        appointment_days_before=read.integer(raw, "appointment_days_before", d.appointment_days_before, where, maximum=30),
        appointment_at=read.time(raw, "appointment_at", d.appointment_at, where),
        uncollected_after_days=read.integer(raw, "uncollected_after_days", d.uncollected_after_days, where),
        uncollected_repeat=read.integer(raw, "uncollected_repeat", d.uncollected_repeat, where, minimum=0, maximum=10),
        loaner_return_after_days=read.integer(raw, "loaner_return_after_days", d.loaner_return_after_days, where),
        warranty_days_ahead=read.integer(raw, "warranty_days_ahead", d.warranty_days_ahead, where),
        send_at=read.time(raw, "send_at", d.send_at, where),
    )


def _callback(read: Reader, raw: dict[str, Any]) -> CallbackPolicy:
    d, where = CallbackPolicy(), "callback"
    return CallbackPolicy(
        working_hours=read.number(raw, "working_hours", d.working_hours, where, maximum=240),
        channels=read.names(raw, "channels", d.channels, CHANNELS, where),
        services=read.names(raw, "services", d.services, SERVICES, where),
    )


def _vip(read: Reader, base: Path, document: dict[str, Any], model_ids: Collection[str], centre_ids: Collection[str]) -> VipPolicy:
    raw = read.section(document, "vip", VIP_KEYS) or {}
    d, where = VipPolicy(), "vip"
    region = raw.get("phone_region", d.phone_region)
    if not isinstance(region, str) or not _known_region(region):
        read.problem(key_line(raw, "phone_region"), f"vip.phone_region must be a country code such as CN or HK (got {region!r})")
        region = d.phone_region
    models = set(read.strings(raw, "models", where) or ())
    for model in sorted(models - set(model_ids) if model_ids else ()):
        read.problem(key_line(raw, "models"), f"vip.models: {model!r} is not a model of products.yaml{did_you_mean(model, model_ids)}")
    customers: set[str] = set()
    for entry in read.strings(raw, "customers", where) or ():
        key, why = customer_key(entry, region, CHANNELS)
        if key is None:
            read.problem(key_line(raw, "customers"), f"vip.customers: {why}")
        else:
            customers.add(key)
    if "customers_file" in raw:
        customers |= read.customers_file(base, raw["customers_file"], key_line(raw, "customers_file"), region, CHANNELS)
    reserved = read.integer(raw, "reserved_seats", d.reserved_seats, where, minimum=0, maximum=100)
    by_centre: dict[str, int] = {}
    centres = raw.get("reserved_by_centre", {})
    line = key_line(raw, "reserved_by_centre")
    if not isinstance(centres, dict):
        read.problem(line, f"vip.reserved_by_centre must map centre ids to seats, such as {{bj-chaoyang: 1}} (got {centres!r})")
        centres = {}
    for centre, seats in centres.items():
        if centre == LINE_KEY:
            continue
        at = key_line(centres, centre) or line
        if centre_ids and centre not in centre_ids:
            read.problem(at, f"vip.reserved_by_centre: {centre!r} is not a centre of service_centers.yaml{did_you_mean(centre, centre_ids)}")
        elif not isinstance(seats, int) or isinstance(seats, bool) or not 0 <= seats <= 100:
            read.problem(at, f"vip.reserved_by_centre.{centre} must be a whole number of seats from 0 to 100 (got {seats!r})")
        else:
            by_centre[str(centre)] = seats
    return VipPolicy(
        models=frozenset(models),
        customers=frozenset(customers),
        priority_boost=read.integer(raw, "priority_boost", d.priority_boost, where, minimum=0, maximum=10),
        reserved_seats=reserved,
        reserved_by_centre=MappingProxyType(by_centre),
        phone_region=region,
    )


def _known_region(region: str) -> bool:
    import phonenumbers

    return region in phonenumbers.SUPPORTED_REGIONS


def _compensation(read: Reader, document: dict[str, Any]) -> Mapping[str, str]:
    raw = document.get("compensation")
    if raw is None:
        return DEFAULT_COMPENSATION
    line = key_line(document, "compensation")
    if not isinstance(raw, dict):
        read.problem(line, "compensation must give the text in zh-Hans, zh-Hant and en")
        return DEFAULT_COMPENSATION
    read.known_keys(raw, LANGUAGES, "compensation has")
    missing = [lang for lang in LANGUAGES if lang not in raw]
    if missing:
        read.problem(line_of(raw) or line, f"compensation has no text in {', '.join(missing)} (give all of zh-Hans, zh-Hant, en)")
    texts = {}
    for lang in LANGUAGES:
        value = raw.get(lang)
        if lang in raw and (not isinstance(value, str) or not value.strip()):
            read.problem(key_line(raw, lang), f"compensation.{lang} must be a text (got {value!r})")
        elif isinstance(value, str):
            texts[lang] = value.strip()
    return MappingProxyType(texts)
