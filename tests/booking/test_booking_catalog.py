"""products.yaml and service_centers.yaml: the demo files load, mistakes are reported as file:line [id]."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeErrors
from bot.knowledge.catalog import CENTRES_FILE, PRODUCTS_FILE, load_catalog
from bot.runtime import build_runtime
from bot.settings import load_settings
from tests.booking.conftest import DEMO_KB


def test_the_demo_catalog_loads_and_matches_the_faq_policy() -> None:
    catalog = load_catalog(DEMO_KB)
    assert catalog is not None
    assert len(catalog.types) >= 4 and len(catalog.models) >= 12 and len(catalog.centres) >= 8
    months = {t.id: t.warranty.months for t in catalog.types}
    assert months["phone"] == 12 and months["laptop"] == months["desktop"] == 36 and months["printer"] == 12
    onsite_free = {t.id for t in catalog.types if t.onsite_free_in_warranty}
    assert onsite_free == {"desktop", "printer", "broadband"}
    assert {t.id for t in catalog.types if t.loaner} == {"phone", "laptop"}
    assert {c.city_key for c in catalog.centres} >= {"beijing", "shanghai", "guangzhou", "shenzhen"}
    assert {c.district["zh-Hans"] for c in catalog.centres_in("beijing")} == {"朝阳区", "海淀区"}
    chaoyang = catalog.centre("bj-chaoyang")
    assert chaoyang is not None and chaoyang.weekly[5] == chaoyang.weekly[6] == ((dt.time(9), dt.time(21)),)
    assert chaoyang.holidays == ((dt.time(10), dt.time(18)),)
    hong_kong = catalog.centre("hk-mongkok")
    assert hong_kong is not None and hong_kong.weekly[6] == () and hong_kong.timezone == "Asia/Hong_Kong"


def _copy_demo(tmp_path: Path) -> Path:
    directory = tmp_path / "kb"
    shutil.copytree(DEMO_KB / "faq", directory / "faq")
    shutil.copy(DEMO_KB / PRODUCTS_FILE, directory / PRODUCTS_FILE)
    shutil.copy(DEMO_KB / CENTRES_FILE, directory / CENTRES_FILE)
    return directory


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if needle in line)


def test_mistakes_are_reported_with_file_line_and_id(tmp_path: Path) -> None:
    directory = _copy_demo(tmp_path)
    products, centres = directory / PRODUCTS_FILE, directory / CENTRES_FILE
    _replace(products, "identifier: imei", "identifier: imsi")
    _replace(
        products,
        "    modes: [onsite, store, courier]\n    onsite_free_in_warranty: true\n    loaner: false\n    models:\n      - id: tower5",
        "    modes: [onsite, teleport]\n    onsite_free_in_warranty: true\n    loaner: false\n    models:\n      - id: tower5",
    )
    _replace(products, "      - id: x20\n", "      - id: x20pro\n")
    _replace(
        centres,
        'hours: {daily: "09:00-21:00", holidays: "10:00-18:00"}\n    slot_minutes: 60\n    modes:\n      store: {capacity: 4}',
        'hours: {daily: "21:00-09:00"}\n    slot_minutes: 60\n    modes:\n      store: {capacity: 4}',
    )
    _replace(
        centres,
        "      store: {capacity: 2}\n      courier: {capacity: 4, slot_minutes: 120}",
        "      store: {capacity: 0}\n      courier: {capacity: 4, slot_minutes: 120}",
    )
    _replace(centres, '    hours: {mon-fri: "10:00-21:00", sat-sun: "10:00-18:00"}', '    hours: {mon-fri: "10:00-21:00"}')
    with pytest.raises(KnowledgeErrors) as caught:
        load_catalog(directory)
    messages = [str(e) for e in caught.value.errors]
    expected = [
        (products, _line_of(products, "- id: phone"), "[phone]", "identifier must be one of imei, serial"),
        (products, _line_of(products, "- id: desktop"), "[desktop]", "modes must be a non-empty list"),
        (products, None, "[x20pro]", "duplicate model id, first defined on line"),
        (centres, _line_of(centres, "- id: bj-haidian"), "[bj-haidian]", "closes before it opens"),
        (centres, _line_of(centres, "- id: sz-nanshan"), "[sz-nanshan]", "capacity must be a whole number from 1"),
        (centres, _line_of(centres, "- id: tp-xinyi"), "[tp-xinyi]", "does not say when the centre opens on sat, sun"),
    ]
    for path, line, entry, message in expected:
        found = [m for m in messages if m.startswith(f"{path}:") and entry in m and message in m]
        assert found, (message, messages)
        if line is not None:
            assert found[0].startswith(f"{path}:{line} "), found[0]


def test_yaml_syntax_errors_and_a_lone_file(tmp_path: Path) -> None:
    directory = _copy_demo(tmp_path)
    (directory / CENTRES_FILE).write_text("centres: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(KnowledgeErrors) as caught:
        load_catalog(directory)
    assert "invalid YAML" in str(caught.value) and CENTRES_FILE in str(caught.value)
    (directory / CENTRES_FILE).unlink()
    with pytest.raises(KnowledgeErrors) as caught:
        load_catalog(directory)
    assert "booking needs it next to products.yaml" in str(caught.value)


async def test_a_knowledge_directory_without_them_has_booking_off(small_kb: Path, tmp_path: Path) -> None:
    assert load_catalog(small_kb) is None
    runtime = await build_runtime(
        load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", knowledge_dir=small_kb)
    )
    try:
        assert runtime.features() == {"faq": True, "handoff": True, "booking": False, "forms": False}
        assert "booking" not in runtime.engine.flows
    finally:
        await runtime.close()
