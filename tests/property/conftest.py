"""Hypothesis profiles for the property suite (the standing guard of issue 9).

    HYPOTHESIS_PROFILE=property   the default: a few dozen examples per property, well under a minute
    HYPOTHESIS_PROFILE=nightly    many more examples, for a nightly job (minutes)

Each property builds its runtime once per test function and draws a fresh customer per example, so
the function-scoped-fixture health check does not apply; it is suppressed for the tests that take
`tmp_path` / `monkeypatch` anyway. No deadline: a database turn's duration is not the property.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("property", max_examples=25, **_COMMON)
settings.register_profile("nightly", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "property"))
