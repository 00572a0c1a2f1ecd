"""The operator's policies file, knowledge/policies.yaml: defaults, the demo file, errors with their
lines, quiet hours across midnight and DST changes, VIP rules, and `supportbot kb check`."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.knowledge import KnowledgeErrors
from bot.knowledge.catalog import load_catalog
from bot.knowledge.policies import (
    DEFAULT_COMPENSATION,
    CallbackPolicy,
    Policies,
    QuietHours,
    ReminderPolicy,
    RepairLimit,
    VipPolicy,
    load_policies,
    parse_policies,
)
from bot.knowledge.yamlfile import read_yaml
from tests.conftest import ROOT, SMALL_FAQ

DEMO = ROOT / "knowledge"
LA = ZoneInfo("America/Los_Angeles")
SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def write(directory: Path, text: str, **files: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "policies.yaml").write_text(text, encoding="utf-8")
    for name, content in files.items():
        (directory / name.replace("_txt", ".txt")).write_text(content, encoding="utf-8")
    return directory


def problems(directory: Path, **ids: list[str]) -> list[str]:
    with pytest.raises(KnowledgeErrors) as caught:
        load_policies(directory, **ids)
    return [str(e) for e in caught.value.errors]


def demo_ids() -> dict[str, list[str]]:
    catalog = load_catalog(DEMO)
    assert catalog is not None
    return {
        "model_ids": [m.id for t in catalog.types for m in t.models],
        "centre_ids": [c.id for c in catalog.centres],
    }


# -- defaults and the demo file ---------------------------------------------------------------------


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    policies = load_policies(tmp_path)
    assert policies == Policies() and policies.source is None
    assert policies.quiet_hours == QuietHours(dt.time(21, 0), dt.time(8, 0))
    assert policies.reminders == ReminderPolicy(1, dt.time(18, 0), 7, 2, 3, 30, dt.time(10, 0))
    assert policies.callback.working_hours == 2.0 and policies.callback.channels == {"sms", "telegram", "web"}
    assert policies.repair_limit.days == 14
    assert policies.vip.models == frozenset() and policies.vip.reserved_for("bj-chaoyang") == 0
    assert set(policies.compensation) == {"zh-Hans", "zh-Hant", "en"} and policies.survey_after_close


def test_an_empty_file_also_means_the_defaults(tmp_path: Path) -> None:
    policies = load_policies(write(tmp_path, "# nothing changed\n"))
    assert policies.source == str(tmp_path / "policies.yaml")
    assert policies.repair_limit == RepairLimit() and policies.compensation == DEFAULT_COMPENSATION


def test_the_demo_file_loads_with_the_values_it_shows() -> None:
    policies = load_policies(DEMO, **demo_ids())
    assert policies.source == str(DEMO / "policies.yaml")
    assert policies.quiet_hours == QuietHours()
    assert policies.reminders == ReminderPolicy()
    assert policies.callback == CallbackPolicy()
    assert policies.repair_limit == RepairLimit(14)
    assert policies.vip.models == {"book16pro"}
    # one number inline, one number and one Telegram chat in vip_customers.txt
    assert policies.vip.customers == {"+8613900000000", "+8613700000000", "telegram:900000001"}
    assert policies.vip.priority_boost == 1 and policies.vip.reserved_for("bj-chaoyang") == 0
    assert dict(policies.compensation) == dict(DEFAULT_COMPENSATION)
    assert policies.survey_after_close is True


def test_every_value_can_be_changed(tmp_path: Path) -> None:
    directory = write(tmp_path, """\
quiet_hours: {start: "22:30", end: "07:15"}
reminders:
  appointment_days_before: 2
  appointment_at: "17:00"
  uncollected_after_days: 5
  uncollected_repeat: 0
  loaner_return_after_days: 4
  warranty_days_ahead: 60
  send_at: "09:30"
callback: {working_hours: 1.5, channels: [sms], services: [onsite, courier]}
repair_limit: {days: 10}
vip: {models: [x20pro], priority_boost: 2, reserved_seats: 1, reserved_by_centre: {sh-xuhui: 2, bj-haidian: 0}}
compensation: {zh-Hans: 减免维修费, zh-Hant: 減免維修費, en: We waive the repair fee.}
survey_after_close: false
""")
    policies = load_policies(directory, **demo_ids())
    assert policies.quiet_hours == QuietHours(dt.time(22, 30), dt.time(7, 15))
    assert policies.reminders == ReminderPolicy(2, dt.time(17, 0), 5, 0, 4, 60, dt.time(9, 30))
    assert policies.callback == CallbackPolicy(1.5, frozenset({"sms"}), frozenset({"onsite", "courier"}))
    assert policies.repair_limit.days == 10
    assert policies.vip.priority_boost == 2
    assert policies.compensation["en"] == "We waive the repair fee."
    assert policies.survey_after_close is False


def test_quiet_hours_can_be_turned_off(tmp_path: Path) -> None:
    quiet = load_policies(write(tmp_path, "quiet_hours: false\n")).quiet_hours
    assert not quiet.enabled
    assert not quiet.contains(dt.datetime(2026, 5, 1, 23, 0, tzinfo=SHANGHAI))


# -- errors: file, line, what is wrong --------------------------------------------------------------


def test_unknown_keys_are_reported_with_their_line_and_a_suggestion(tmp_path: Path) -> None:
    directory = write(tmp_path, """\
quiet_hours: {start: "21:00", end: "08:00"}
reminder:
  send_at: "10:00"
callback:
  working_hour: 2
""")
    found = problems(directory)
    path = tmp_path / "policies.yaml"
    assert f"{path}:2: policies.yaml has unknown key 'reminder' (did you mean reminders?)" in found[0]
    assert any(f"{path}:5: callback has unknown key 'working_hour' (did you mean working_hours?)" in p for p in found)


def test_wrong_values_name_file_line_and_problem(tmp_path: Path) -> None:
    directory = write(tmp_path, """\
quiet_hours:
  start: 21:00
  end: "8 am"
reminders:
  uncollected_after_days: 0
  warranty_days_ahead: -5
  loaner_return_after_days: three
  appointment_at: "25:00"
callback:
  working_hours: 0
  channels: [sms, telegramm]
  services: [store, shop]
repair_limit: {days: 14.5}
survey_after_close: "yes"
""")
    found = "\n".join(problems(directory))
    path = tmp_path / "policies.yaml"
    for expected in (
        f'{path}:2: quiet_hours.start: write the time in quotes, such as "21:00"',
        f"{path}:3: quiet_hours.end: '8 am' is not a time",
        f"{path}:5: reminders.uncollected_after_days must be from 1 to 366 (got 0)",
        f"{path}:6: reminders.warranty_days_ahead must be from 1 to 366 (got -5)",
        f"{path}:7: reminders.loaner_return_after_days must be a whole number",
        f"{path}:8: reminders.appointment_at: '25:00' is not a time",
        f"{path}:10: callback.working_hours must be a number above 0",
        f"{path}:11: callback.channels: unknown 'telegramm' (did you mean telegram?)",
        f"{path}:12: callback.services: unknown 'shop'",
        f"{path}:13: repair_limit.days must be a whole number",
        f"{path}:14: survey_after_close must be true or false",
    ):
        assert expected in found, found


def test_compensation_needs_all_three_languages(tmp_path: Path) -> None:
    directory = write(tmp_path, """\
survey_after_close: true
compensation:
  zh-Hans: 我们会联系您商量补偿。
  en: ""
  fr: Nous vous contacterons.
""")
    found = "\n".join(problems(directory))
    path = tmp_path / "policies.yaml"
    assert f"{path}:3: compensation has no text in zh-Hant" in found
    assert f"{path}:4: compensation.en must be a text" in found
    assert f"{path}:5: compensation has unknown key 'fr'" in found


def test_vip_models_centres_and_seats_are_checked_against_the_catalog(tmp_path: Path) -> None:
    directory = write(tmp_path, """\
vip:
  models: [x20pro, x20pr0, nokia3310]
  reserved_seats: -1
  reserved_by_centre:
    bj-chaoyang: 1
    bj-chaoyan: 1
    sh-xuhui: two
  priority_boost: 1.5
""")
    found = "\n".join(problems(directory, **demo_ids()))
    path = tmp_path / "policies.yaml"
    assert f"{path}:2: vip.models: 'nokia3310' is not a model of products.yaml" in found
    assert f"{path}:2: vip.models: 'x20pr0' is not a model of products.yaml (did you mean x20pro?)" in found
    assert f"{path}:3: vip.reserved_seats must be from 0 to 100 (got -1)" in found
    assert f"{path}:6: vip.reserved_by_centre: 'bj-chaoyan' is not a centre of service_centers.yaml (did you mean bj-chaoyang?)" in found
    assert f"{path}:7: vip.reserved_by_centre.sh-xuhui must be a whole number of seats" in found
    assert f"{path}:8: vip.priority_boost must be a whole number" in found
    # without the catalog's ids only the shapes are checked
    assert not any("products.yaml" in p or "service_centers" in p for p in problems(directory))


def test_invalid_vip_customers_are_reported_with_their_line(tmp_path: Path) -> None:
    directory = write(
        tmp_path,
        'vip:\n  customers: ["+86 138 0013 8000", "12345"]\n  customers_file: vip_customers.txt\n',
        vip_customers_txt="# VIPs\n13800138001\n\nnot a number   # oops\ntelegram:abc\nwechat:wx123\n",
    )
    found = problems(directory)
    listed = tmp_path / "vip_customers.txt"
    assert f"{tmp_path / 'policies.yaml'}:2: vip.customers: '12345' is not a phone number" in found[0]
    assert any(p.startswith(f"{listed}:4: 'not a number' is not a phone number") for p in found)
    assert any(p.startswith(f"{listed}:5: telegram:abc is not a Telegram chat id") for p in found)
    assert any(p.startswith(f"{listed}:6: unknown channel 'wechat'") for p in found)
    assert not any(f"{listed}:2" in p for p in found)


def test_a_missing_customers_file_is_reported(tmp_path: Path) -> None:
    directory = write(tmp_path, "vip:\n  customers_file: vips.txt\n")
    assert problems(directory) == [f"{tmp_path / 'policies.yaml'}:2: vip.customers_file: {tmp_path / 'vips.txt'} does not exist"]


def test_invalid_yaml_and_a_wrong_shape(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "quiet_hours: {start: \n  - x\n")) [0].startswith(f"{tmp_path / 'policies.yaml'}:")
    assert "must be a mapping" in problems(write(tmp_path, "- a list\n"))[0]
    document, _ = read_yaml(write(tmp_path, "vip: [a]\nrepair_limit: 14\n") / "policies.yaml")
    policies, errors = parse_policies(tmp_path / "policies.yaml", document)
    assert policies is None
    assert [e.line for e in errors] == [1, 2] and "vip must be a mapping" in errors[0].message


# -- quiet hours --------------------------------------------------------------------------------------


def test_quiet_hours_contain_the_night_across_midnight() -> None:
    quiet = QuietHours()

    def at(h: int, m: int = 0) -> dt.datetime:
        return dt.datetime(2026, 5, 1, h, m, tzinfo=SHANGHAI)

    assert [quiet.contains(at(h, m)) for h, m in ((20, 59), (21, 0), (23, 59), (0, 0), (7, 59), (8, 0), (12, 0))] == [
        False, True, True, True, True, False, False,
    ]
    lunch = QuietHours(dt.time(12, 0), dt.time(14, 0))  # a window that does not wrap
    assert lunch.contains(at(12)) and lunch.contains(at(13, 59)) and not lunch.contains(at(14)) and not lunch.contains(at(11))
    assert not QuietHours(dt.time(8), dt.time(8)).contains(at(8))


def test_quiet_hours_end_the_next_morning_in_shanghai() -> None:
    quiet = QuietHours()
    evening = dt.datetime(2026, 5, 1, 23, 30, tzinfo=SHANGHAI)
    assert quiet.ends_after(evening) == dt.datetime(2026, 5, 2, 8, 0, tzinfo=SHANGHAI)
    assert quiet.ends_after(evening).tzinfo is SHANGHAI
    early = dt.datetime(2026, 5, 2, 6, 0, tzinfo=SHANGHAI)
    assert quiet.ends_after(early) == dt.datetime(2026, 5, 2, 8, 0, tzinfo=SHANGHAI)
    day = dt.datetime(2026, 5, 2, 8, 0, tzinfo=SHANGHAI)
    assert quiet.ends_after(day) is day
    assert quiet.ends_after(dt.datetime(2026, 5, 2, 21, 0, tzinfo=SHANGHAI)) == dt.datetime(2026, 5, 3, 8, 0, tzinfo=SHANGHAI)


def test_quiet_hours_end_at_eight_on_the_wall_clock_across_dst_changes() -> None:
    quiet = QuietHours()
    # Spring forward (2026-03-08 02:00 PST -> 03:00 PDT): the night is an hour shorter, 08:00 is PDT.
    spring = quiet.ends_after(dt.datetime(2026, 3, 7, 22, 0, tzinfo=LA))
    assert (spring.hour, spring.minute, spring.utcoffset()) == (8, 0, dt.timedelta(hours=-7))
    assert spring.astimezone(UTC) == dt.datetime(2026, 3, 8, 15, 0, tzinfo=UTC)
    # Fall back (2026-11-01 02:00 PDT -> 01:00 PST): 08:00 is PST.
    autumn = quiet.ends_after(dt.datetime(2026, 10, 31, 22, 0, tzinfo=LA))
    assert autumn.astimezone(UTC) == dt.datetime(2026, 11, 1, 16, 0, tzinfo=UTC)
    # During the repeated hour, in its second run (PST): still ends at 08:00 PST, after it.
    repeated = dt.datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=LA)
    assert quiet.ends_after(repeated).astimezone(UTC) == dt.datetime(2026, 11, 1, 16, 0, tzinfo=UTC)
    # An end the clocks skip (02:30 on 2026-03-08): the moment they jump, 03:00 PDT.
    skipped = QuietHours(dt.time(22, 0), dt.time(2, 30)).ends_after(dt.datetime(2026, 3, 7, 23, 0, tzinfo=LA))
    assert skipped.astimezone(UTC) == dt.datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
    assert skipped.tzinfo is LA and (skipped.hour, skipped.minute) == (3, 0)


# -- VIP ----------------------------------------------------------------------------------------------


def test_vip_by_model_by_number_in_any_format_and_by_telegram_chat(tmp_path: Path) -> None:
    directory = write(
        tmp_path,
        'vip:\n  models: [x20pro]\n  customers: ["+86 138 0013 8000", "sms:139-0013-9000"]\n  customers_file: vip_customers.txt\n',
        vip_customers_txt="telegram:424242  # a Telegram customer\n+852 9123 4567\n",
    )
    vip = load_policies(directory, **demo_ids()).vip
    assert vip.is_vip(model_id="x20pro", phone=None, channel=None, customer_id=None)
    assert not vip.is_vip(model_id="x20", phone=None, channel=None, customer_id=None)
    for number in ("+8613800138000", "13800138000", "138 0013 8000", "+86-138-0013-8000", "0086 138 0013 8000"):
        assert vip.is_vip(model_id=None, phone=number, channel=None, customer_id=None), number
    assert vip.is_vip(model_id=None, phone=None, channel="sms", customer_id="+8613900139000")
    assert vip.is_vip(model_id="x20", phone=None, channel="telegram", customer_id="424242")
    assert not vip.is_vip(model_id=None, phone=None, channel="telegram", customer_id="424243")
    assert not vip.is_vip(model_id=None, phone="13800138001", channel="sms", customer_id="+8613800138001")
    # a national number is read in phone_region (CN): a Hong Kong number needs its country code
    assert vip.is_vip(model_id=None, phone="+852 9123 4567", channel=None, customer_id=None)
    assert not vip.is_vip(model_id=None, phone="9123 4567", channel=None, customer_id=None)
    assert not VipPolicy().is_vip(model_id="x20pro", phone="13800138000", channel="telegram", customer_id="1")


def test_vip_phone_region_reads_national_numbers(tmp_path: Path) -> None:
    vip = load_policies(write(tmp_path, 'vip: {phone_region: HK, customers: ["9123 4567"]}\n')).vip
    assert vip.customers == {"+85291234567"}
    assert vip.is_vip(phone="+852 9123 4567")
    assert "phone_region" in problems(write(tmp_path, "vip: {phone_region: XX}\n"))[0]


def test_reserved_seats_per_centre(tmp_path: Path) -> None:
    directory = write(tmp_path, "vip:\n  reserved_seats: 1\n  reserved_by_centre: {sh-xuhui: 2, bj-haidian: 0}\n")
    vip = load_policies(directory, **demo_ids()).vip
    assert vip.reserved_for("sh-xuhui") == 2
    assert vip.reserved_for("bj-haidian") == 0  # the centre's own number wins over the default
    assert vip.reserved_for("bj-chaoyang") == 1
    assert VipPolicy(reserved_by_centre={"gz-tianhe": 3}).reserved_for("gz-tianhe") == 3


# -- supportbot kb check ------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("DATABASE_", "KNOWLEDGE_", "BOT_")):
            monkeypatch.delenv(name)


def test_kb_check_reports_a_broken_policies_file(tmp_path: Path, cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "small.yaml").write_text(SMALL_FAQ, encoding="utf-8")
    write(tmp_path, "repair_limit:\n  days: 0\nvip: {customers: [hello]}\n")
    assert main(["kb", "check", "--kb", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'policies.yaml'}:2: repair_limit.days must be from 1 to 365 (got 0)" in err
    assert f"{tmp_path / 'policies.yaml'}:3: vip.customers: 'hello' is not a phone number" in err
    assert "Traceback" not in err


def test_kb_check_passes_on_the_demo_and_says_what_the_policies_hold(cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "check", "--kb", str(DEMO), "--today", "2026-06-01"]) == 0
    out = capsys.readouterr().out
    assert "policies: from policies.yaml: quiet hours 21:00-08:00" in out
    assert "repairs over 14 days to a supervisor" in out and "VIP: 1 model and 3 customers" in out


def test_kb_check_without_a_policies_file_shows_the_defaults(tmp_path: Path, cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "small.yaml").write_text(SMALL_FAQ, encoding="utf-8")
    assert main(["kb", "check", "--kb", str(tmp_path)]) == 0
    assert "policies: defaults (add policies.yaml to change them)" in capsys.readouterr().out
