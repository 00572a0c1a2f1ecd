"""Personal data never reaches a suggestion: phone numbers, IMEIs, serials, ticket numbers, e-mails."""

from __future__ import annotations

import pytest

from bot.learning.cleaning import as_example, clean


@pytest.mark.parametrize(
    ("message", "cleaned"),
    [
        ("我的电话13800138000请回电", "我的电话{phone}请回电"),
        ("手機 0912-345-678 螢幕壞了", "手機 {phone} 螢幕壞了"),  # Taiwan mobile
        ("香港電話 9123 4567", "香港電話 {phone}"),
        ("座机 (010) 6552 9988 打不通", "座机 {phone} 打不通"),
        ("call me at +1 415-555-0132 please", "call me at {phone} please"),
        ("my number is 138 0013 8000", "my number is {phone}"),
        ("IMEI 356938035643809 还在保修吗", "IMEI {imei} 还在保修吗"),
        ("is IMEI 35-693803-564380-9 under warranty?", "is IMEI {imei} under warranty?"),
        ("我的工单 R7K-4Q2 怎么样了", "我的工单 {ticket} 怎么样了"),
        ("status of ticket f7k 4q2?", "status of ticket {ticket}?"),
        ("序列号 C02XK1ZJJG5J 保修吗", "序列号 {serial} 保修吗"),
        ("email me at ann.lee@example.com", "email me at {email}"),
        ("订单号 20261125001234 没到", "订单号 {number} 没到"),
    ],
)
def test_personal_data_is_replaced_by_placeholders(message: str, cleaned: str) -> None:
    assert clean(message) == cleaned


@pytest.mark.parametrize("message", ["X20 Pro 屏幕碎了", "iPhone15 battery drains fast", "SM-G9980 进水", "Rhythm app crashes", "保修多久"])
def test_model_names_and_ordinary_words_stay(message: str) -> None:
    assert clean(message) == message


def test_an_example_drops_the_placeholders() -> None:
    assert as_example(clean("我的电话13800138000请回电")) == "我的电话 请回电"
    assert as_example(clean("is IMEI 356938035643809 under warranty?")) == "is IMEI under warranty?"
