"""Which sites may embed the widget, in which language a visitor reads it, and who an identified user is.

Pure functions over the settings and the request's words, so the security decisions are easy to test:

* `parse_sites("demo=http://127.0.0.1:8080 http://localhost:8080;shop=https://shop.example.com")`
  gives each site key its allowed embedding origins (CSP `frame-ancestors`, checked `postMessage`);
* `identity_valid(secret, user_id, hash)`: the vendor's server signs its logged-in user's id with
  HMAC-SHA256(secret, user id) in hex; compared in constant time, so nobody can claim another user's
  conversation by calling `SupportWidget.identify` with a made-up id;
* `pick_language(lang, accept_language, default)`: the browser's language as one of the bot's three.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

from bot.i18n.negotiate import accept_language, language_of_tag
from bot.settings import Language, SettingsError

SITE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


class SitesError(SettingsError):
    """WEBCHAT_SITES is not "key=origin origin;key2=origin" (a bad setting: one line, exit 2)."""


def normalise_origin(origin: str) -> str:
    """An origin as browsers send it: scheme://host[:port], lower case, no trailing slash."""
    return origin.strip().rstrip("/").lower()


def parse_sites(text: str) -> dict[str, tuple[str, ...]]:
    """Site key -> its allowed origins, from WEBCHAT_SITES; raises SitesError on a malformed entry."""
    sites: dict[str, tuple[str, ...]] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(";"))):
        key, sep, origins = part.partition("=")
        key = key.strip()
        if not sep or not SITE_KEY.match(key):
            raise SitesError(f"WEBCHAT_SITES: {part!r} is not key=origin [origin...]")
        allowed = tuple(normalise_origin(o) for o in origins.split())
        bad = [o for o in allowed if not _ORIGIN.match(o)]
        if bad or not allowed:
            raise SitesError(f"WEBCHAT_SITES: site {key!r} needs origins like https://shop.example.com (got {origins.strip()!r})")
        sites[key] = allowed
    return sites


def origin_allowed(sites: Mapping[str, tuple[str, ...]], key: str, origin: str | None) -> bool:
    """Whether `origin` (the embedding page's) is one the site key allows."""
    return origin is not None and normalise_origin(origin) in sites.get(key, ())


def identity_hash(secret: str, user_id: str) -> str:
    """What the vendor's server computes for its user: hex HMAC-SHA256(secret, user id)."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def identity_valid(secret: str | None, user_id: str, given: str | None) -> bool:
    """True when `given` is the user's HMAC; compared in constant time. No secret: nothing verifies."""
    if not secret or not given or not isinstance(given, str):
        return False
    return hmac.compare_digest(identity_hash(secret, user_id).encode(), given.strip().lower().encode())


def pick_language(lang: str | None, accept_language_header: str | None, default: Language) -> Language:
    """The `lang` parameter (navigator.language) if the bot speaks it, else the first Accept-Language
    that it speaks (by quality), else the operator's default."""
    if lang and (found := language_of_tag(lang)):
        return found
    return accept_language(accept_language_header) or default
