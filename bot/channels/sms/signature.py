"""Webhook signatures: Twilio's X-Twilio-Signature, and an HMAC-SHA256 header for other gateways.

Twilio (https://www.twilio.com/docs/usage/security#validating-requests): take the full URL Twilio
called (scheme, host, path and query string, exactly), append every POST parameter sorted by name,
each as name followed by value (a name sent more than once: its distinct values sorted), HMAC-SHA1 the
result with the account's auth token, base64. Every parameter counts, including ones Twilio adds
later: the check runs over whatever was posted, never over a list of known fields. Twilio is not
consistent about the port in the URL, so, like its own validator, the URL is tried with and without
the scheme's default port. A request saying `X-Twilio-Webhooks-Signature-Settings: algorithm=HMAC_SHA256`
is checked with HMAC-SHA256 instead; an algorithm we do not know fails.

Other gateways (`POST /sms/inbound`, JSON): `X-Supportbot-Signature: sha256=<hex>`, the HMAC-SHA256 of
the raw request body with SMS_WEBHOOK_SECRET.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
TWILIO_SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
JSON_SIGNATURE_HEADER = "X-Supportbot-Signature"
_ALGORITHMS = {"HMAC_SHA1": hashlib.sha1, "HMAC_SHA256": hashlib.sha256}
_DEFAULT_PORTS = {"https": 443, "http": 80}


def twilio_algorithm(settings_header: str | None) -> str:
    """The algorithm named in X-Twilio-Webhooks-Signature-Settings ("key=...,algorithm=..."), HMAC_SHA1 by default."""
    for part in (settings_header or "").split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip() == "algorithm" and value.strip():
            return value.strip().upper()
    return "HMAC_SHA1"


def twilio_signature(url: str, params: Iterable[tuple[str, str]], auth_token: str, algorithm: str = "HMAC_SHA1") -> str:
    """The signature Twilio computes for a POST of `params` to `url` (raises KeyError for an unknown algorithm)."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    payload = url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))
    digest = hmac.new(auth_token.encode(), payload.encode(), _ALGORITHMS[algorithm]).digest()
    return base64.b64encode(digest).decode()


def _port_variants(url: str) -> list[str]:
    """The URL as given, plus the same URL with the default port added (or removed)."""
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    variants = [url]
    try:
        port = parts.port
    except ValueError:
        return variants
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    if port is None and default is not None:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default}")))
    elif port is not None:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}")))
    return variants


def verify_twilio(url: str, params: Iterable[tuple[str, str]], signature: str | None, auth_token: str,
                  settings_header: str | None = None) -> bool:
    """True when `signature` is Twilio's for this URL and these POST parameters."""
    if not signature or not auth_token:
        return False
    algorithm = twilio_algorithm(settings_header)
    if algorithm not in _ALGORITHMS:
        return False
    params = list(params)
    return any(
        hmac.compare_digest(twilio_signature(candidate, params, auth_token, algorithm).encode(), signature.strip().encode())
        for candidate in _port_variants(url)
    )


def json_signature(body: bytes, secret: str) -> str:
    """The X-Supportbot-Signature value for a JSON body: "sha256=" + hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_json(body: bytes, signature: str | None, secret: str) -> bool:
    """True when the header is the HMAC-SHA256 of the raw body with the shared secret ("sha256=" optional)."""
    if not signature or not secret:
        return False
    given = signature.strip()
    if not given.lower().startswith("sha256="):
        given = "sha256=" + given
    return hmac.compare_digest(json_signature(body, secret).encode(), ("sha256=" + given[7:].lower()).encode())
