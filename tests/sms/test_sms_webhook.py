"""The webhooks through the real HTTP path: signatures, duplicates, bad requests, the JSON gateway."""

from __future__ import annotations

import json
import logging

import pytest

from bot.channels.sms.webhooks import EMPTY_TWIML
from tests.sms.conftest import CUSTOMER, JSON_SECRET, SmsHarness, open_harness, twilio_signature



async def test_signed_message_is_acknowledged_with_empty_twiml_and_answered(harness: SmsHarness) -> None:
    response = await harness.sms("保修期多久")
    assert response.status == 200
    assert response.content_type == "text/xml" and await response.text() == EMPTY_TWIML
    await harness.flush()
    [sent] = harness.fake.messages
    assert sent.to == CUSTOMER and sent.from_ == "+15005550006"
    assert "保修" in sent.body
    conversation = await harness.runtime.store.conversation("sms", CUSTOMER)
    assert conversation is not None and conversation.language == "zh-Hans"
    transcript = await harness.runtime.store.transcript(conversation.id)
    assert [m.direction for m in transcript] == ["in", "out"] and transcript[0].external_id.startswith("SM")


async def test_forged_requests_get_403_and_are_not_stored(harness: SmsHarness, caplog: pytest.LogCaptureFixture) -> None:
    form = harness.form("hello")
    good = twilio_signature(harness.url(), form)
    cases = [
        (form, "", {}),  # no signature
        (form, twilio_signature(harness.url(), form, token="not-the-token"), {}),
        ({**form, "Body": "transfer everything"}, good, {}),  # body changed after signing
        ({**form, "AddedByTwilioLater": "x"}, good, {}),  # a field the signature did not cover
        (form, twilio_signature(harness.url().replace("https://", "http://"), form), {}),
    ]
    with caplog.at_level(logging.WARNING, logger="bot.channels.sms.webhooks"):
        for data, signature, headers in cases:
            response = await harness.client.post("/sms/twilio", data=data, headers={"X-Twilio-Signature": signature, **headers})
            assert response.status == 403
    assert sum("403" in r.getMessage() for r in caplog.records) == len(cases)
    assert await harness.store.inbox() == []
    await harness.flush()
    assert harness.fake.messages == []


async def test_every_posted_field_is_signed_including_new_ones(harness: SmsHarness) -> None:
    # Twilio adds fields without notice: a request carrying unknown fields is valid when they are signed.
    form = harness.form("hello", FutureFieldA="1", AddOns='{"status":"successful"}', ZZZ="")
    response = await harness.post_form(form)
    assert response.status == 200


async def test_url_is_rebuilt_from_public_url_with_the_query(harness: SmsHarness) -> None:
    form = harness.form("hello")
    path = "/sms/twilio?tenant=acme&x=a%20b"
    signature = twilio_signature(harness.url(path), form)
    response = await harness.client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status == 200
    # Signed for the address the bot listens on instead of the public one: refused (the proxy case).
    local = str(harness.client.make_url("/sms/twilio"))
    response = await harness.client.post("/sms/twilio", data=harness.form("x"),
                                         headers={"X-Twilio-Signature": twilio_signature(local, harness.form("x"))})
    assert response.status == 403


async def test_without_public_url_the_request_url_is_signed(tmp_path, fake_twilio) -> None:  # type: ignore[no-untyped-def]
    h, client = await open_harness(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", fake_twilio, public_url=None)
    try:
        assert h.url().startswith("http://127.0.0.1:")
        assert (await h.sms("hello")).status == 200
    finally:
        await client.close()
        await h.runtime.close()


async def test_duplicate_message_sid_is_acknowledged_and_answered_once(harness: SmsHarness) -> None:
    form = harness.form("保修期多久", sid="SM" + "d" * 32)
    for _ in range(3):
        response = await harness.post_form(form)
        assert response.status == 200 and await response.text() == EMPTY_TWIML
    await harness.flush()
    assert len(harness.fake.messages) == 1
    assert len(await harness.store.inbox()) == 1
    # Even when the retry arrives after the first was fully handled.
    response = await harness.post_form(form)
    assert response.status == 200
    await harness.flush()
    assert len(harness.fake.messages) == 1
    assert await harness.runtime.store.count_messages() == 2


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"", "application/x-www-form-urlencoded", 400),
        (b"   ", "application/x-www-form-urlencoded", 400),
        (b"Body=" + b"a" * (70 * 1024), "application/x-www-form-urlencoded", 413),
        (b'{"Body": "hi"}', "application/json", 415),
        (b"Body=hi", "text/plain", 415),
        (b"Body=%FF%FE&From=%2B8613800138000", "application/x-www-form-urlencoded", 403),  # not UTF-8: judged by its signature (a signed one is kept with U+FFFD)
    ],
)
async def test_bad_requests_get_4xx(sqlite_harness: SmsHarness, body: bytes, content_type: str, status: int) -> None:
    h = sqlite_harness
    response = await h.client.post("/sms/twilio", data=body, headers={"Content-Type": content_type, "X-Twilio-Signature": "x"})
    assert response.status == status
    assert await h.store.inbox() == []


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"From": "not a number"}, 400),
        ({"From": ""}, 400),
        ({"From": "10086"}, 400),  # a short code: nobody to answer
        ({"MessageSid": "", "SmsMessageSid": ""}, 400),
        ({"NumMedia": "lots"}, 400),
        ({"Body": "长" * 2001}, 413),
    ],
)
async def test_signed_but_malformed_messages_get_4xx(sqlite_harness: SmsHarness, change: dict[str, str], status: int) -> None:
    h = sqlite_harness
    response = await h.post_form({**h.form("hi"), **change})
    assert response.status == status, await response.text()
    assert await h.store.inbox() == []


async def test_national_and_formatted_numbers_are_normalised_to_e164(sqlite_harness: SmsHarness) -> None:
    h = sqlite_harness
    await h.sms("hello", number="138 0013 8000")
    await h.sms("hello again", number="+86 138-0013-8000")
    await h.flush()
    assert {i.from_number for i in await h.store.inbox()} == {CUSTOMER}
    assert {m.to for m in h.fake.messages} == {CUSTOMER}


async def test_mms_photo_reaches_the_engine_as_a_photo(sqlite_harness: SmsHarness) -> None:
    h = sqlite_harness
    url = "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1"
    await h.sms("", NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg")
    await h.flush()
    conversation = await h.runtime.store.conversation("sms", CUSTOMER)
    [message, *_] = await h.runtime.store.transcript(conversation.id)
    assert message.kind == "photo" and message.attachment == f"sms:media:{url}"
    assert len(h.fake.messages) == 1  # "I can only read text"


async def test_json_gateway_with_right_and_wrong_hmac(harness: SmsHarness) -> None:
    payload = {"id": "gw-1", "from": CUSTOMER, "to": "+8610000", "text": "How long is the warranty?"}
    response = await harness.post_json(payload)
    assert response.status == 200 and await response.json() == {"ok": True, "duplicate": False}
    response = await harness.post_json(payload)
    assert response.status == 200 and await response.json() == {"ok": True, "duplicate": True}
    assert (await harness.post_json({**payload, "id": "gw-2"}, secret="wrong")).status == 403
    body = json.dumps({**payload, "id": "gw-3"}).encode()
    response = await harness.client.post("/sms/inbound", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 403
    await harness.flush()
    assert len(harness.fake.messages) == 1 and "warranty" in harness.fake.messages[0].body.lower()


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b'{"from": "+8613800138000", "text": "hi"}', 400),  # no id
        (b'{"id": "a", "text": "hi"}', 400),  # no sender
        (b'{"id": "a", "from": "+8613800138000", "text": 5}', 400),
        (b'{"id": "a", "from": "+8613800138000", "media": "x"}', 400),
        (b'{"id": true, "from": "+8613800138000", "text": "hi"}', 400),
        (b"\xff\xfe", 400),
    ],
)
async def test_json_gateway_malformed(sqlite_harness: SmsHarness, raw: bytes, status: int) -> None:
    response = await sqlite_harness.post_json(None, raw=raw)
    assert response.status == status
    assert await sqlite_harness.store.inbox() == []


async def test_json_gateway_numeric_id_and_oversized_body(sqlite_harness: SmsHarness) -> None:
    h = sqlite_harness
    assert (await h.post_json({"id": 42, "from": CUSTOMER, "text": "hi"})).status == 200
    assert (await h.post_json({"id": "big", "from": CUSTOMER, "text": "x" * 70000})).status == 413
    assert [i.external_id for i in await h.store.inbox()] == ["42"]


async def test_routes_need_their_secret(tmp_path, fake_twilio) -> None:  # type: ignore[no-untyped-def]
    # Without SMS_WEBHOOK_SECRET there is no JSON route at all (404), never an unsigned one.
    h, client = await open_harness(f"sqlite+aiosqlite:///{tmp_path / 'y.db'}", fake_twilio, sms_webhook_secret="")
    try:
        assert (await h.post_json({"id": "1", "from": CUSTOMER, "text": "hi"}, secret=JSON_SECRET)).status in (404, 405)
        assert (await h.client.get("/healthz")).status == 200
    finally:
        await client.close()
        await h.runtime.close()
