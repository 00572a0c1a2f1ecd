"""Signature checks against Twilio's published algorithm, with the official twilio package as the oracle."""

from __future__ import annotations

import random
import string

import pytest
from twilio.request_validator import RequestValidator

from bot.channels.sms.signature import json_signature, twilio_signature, verify_json, verify_twilio

TOKEN = "12345"


def test_twilio_documentation_example() -> None:
    # The example of https://www.twilio.com/docs/usage/security#validating-requests.
    url = "https://example.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030",
              "To": "+18005551212"}
    expected = RequestValidator(TOKEN).compute_signature(url, params)
    assert twilio_signature(url, params.items(), TOKEN) == expected
    assert verify_twilio(url, params.items(), expected, TOKEN)


def _random_form(rng: random.Random) -> list[tuple[str, str]]:
    alphabet = string.ascii_letters + string.digits + " +&=?%/报修屏幕碎了😀ü\n"
    names = ["Body", "From", "To", "MessageSid", "AccountSid", "NumMedia", "MediaUrl0", "FutureField", "a", "A", "_x"]
    form = []
    for name in rng.sample(names, rng.randint(1, len(names))):
        form.append((name, "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))))
    return form


@pytest.mark.parametrize("seed", range(25))
def test_matches_the_official_validator_on_random_forms(seed: int) -> None:
    rng = random.Random(seed)
    form = _random_form(rng)
    url = rng.choice(["https://bot.example.com/sms/twilio", "https://bot.example.com:8443/sms/twilio?x=1&y=%20",
                      "http://127.0.0.1:8080/sms/twilio"])
    oracle = RequestValidator(TOKEN)
    signature = oracle.compute_signature(url, dict(form))
    assert twilio_signature(url, form, TOKEN) == signature
    assert verify_twilio(url, form, signature, TOKEN) == oracle.validate(url, dict(form), signature) is True


def test_repeated_names_sort_their_values_like_twilio() -> None:
    from multidict import MultiDict

    form = [("MediaUrl", "b"), ("Body", "x"), ("MediaUrl", "a"), ("MediaUrl", "b")]
    assert twilio_signature("https://h/p", form, TOKEN) == RequestValidator(TOKEN).compute_signature("https://h/p", MultiDict(form))


def test_default_port_is_tried_both_ways_like_twilios_validator() -> None:
    form = [("Body", "hi")]
    with_port = twilio_signature("https://bot.example.com:443/sms/twilio", form, TOKEN)
    without = twilio_signature("https://bot.example.com/sms/twilio", form, TOKEN)
    assert verify_twilio("https://bot.example.com/sms/twilio", form, with_port, TOKEN)
    assert verify_twilio("https://bot.example.com:443/sms/twilio", form, without, TOKEN)
    # Like the official validator, any explicit port may also be left out of the signed URL.
    oracle = RequestValidator(TOKEN)
    for url in ("https://bot.example.com:8443/sms/twilio", "http://bot.example.com/sms/twilio"):
        assert verify_twilio(url, form, without, TOKEN) == oracle.validate(url, dict(form), without)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url, form: (url, form + [("Extra", "1")]),  # a field added after signing
        lambda url, form: (url, [(k, v + "!") if k == "Body" else (k, v) for k, v in form]),  # body changed
        lambda url, form: (url.replace("/sms/", "/SMS/"), form),  # another path
        lambda url, form: (url + "?a=1", form),  # another query
        lambda url, form: (url.replace("https", "http"), form),  # another scheme
    ],
)
def test_any_change_breaks_the_signature(tamper) -> None:  # type: ignore[no-untyped-def]
    url, form = "https://bot.example.com/sms/twilio", [("Body", "hello"), ("From", "+8613800138000")]
    signature = twilio_signature(url, form, TOKEN)
    assert not verify_twilio(*tamper(url, form), signature, TOKEN)
    assert not verify_twilio(url, form, signature, "another-token")
    assert not verify_twilio(url, form, None, TOKEN) and not verify_twilio(url, form, "", TOKEN)


def test_sha256_when_the_settings_header_says_so() -> None:
    url, form = "https://bot.example.com/sms/twilio", {"Body": "hi", "From": "+15550001111"}
    header = "key=webhooks_sharedkey_x,algorithm=HMAC_SHA256"
    signature = RequestValidator(TOKEN).compute_signature(url, form, "HMAC_SHA256")
    assert verify_twilio(url, form.items(), signature, TOKEN, header)
    assert not verify_twilio(url, form.items(), signature, TOKEN)  # read as SHA-1: no match
    assert not verify_twilio(url, form.items(), signature, TOKEN, "algorithm=HMAC_MD5")


def test_json_hmac() -> None:
    body = '{"id":"1","from":"+8613800138000","text":"报修"}'.encode()
    signature = json_signature(body, "s3cret")
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify_json(body, signature, "s3cret")
    assert verify_json(body, signature[7:], "s3cret")  # the bare hex digest works too
    assert verify_json(body, signature.upper().replace("SHA256=", "sha256="), "s3cret")
    assert not verify_json(body + b" ", signature, "s3cret")
    assert not verify_json(body, signature, "other")
    assert not verify_json(body, None, "s3cret")
