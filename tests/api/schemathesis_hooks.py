"""Schemathesis hooks: the admin API's rules that compare two values, which a JSON schema cannot state.

Every rule about a single value is in the OpenAPI document; these four compare values with each other (the
field descriptions say them): an entry's `review_due` comes after its `reviewed_at`, an entry is not related
to itself, and an import names each entry id and country code once. A request breaking one is refused with
422 and is no valid request, so schema-valid ("positive") generated requests that break one are dropped here;
negative requests are left as they are, and every check stays on. Also dropped: positive imports as YAML or
CSV, which schemathesis cannot write (it sends them without their required body). Used by tests/api/test_schemathesis.py and,
for the CLI, with `SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks` (see the README).
"""

from __future__ import annotations

from typing import Any

import schemathesis


def _dates_in_order(document: dict[str, Any]) -> bool:
    reviewed, due = document.get("reviewed_at"), document.get("review_due")
    # Both as YYYY-MM-DD (the schema's format), so their text sorts as the dates do.
    return not (isinstance(reviewed, str) and isinstance(due, str)) or due > reviewed


def _entry_ok(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return True
    related = entry.get("related")
    return _dates_in_order(entry) and not (isinstance(related, list) and entry.get("id") in related)


def _unique(items: Any, key: str) -> bool:
    keys = [item.get(key) for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    return len(keys) == len(set(map(str, keys)))


def keeps_value_rules(method: str, path: str, body: Any) -> bool:
    """Whether a request body keeps the rules between values that the schema cannot state."""
    if not isinstance(body, dict):
        return True
    if method == "POST" and path == "/api/v1/entries":
        return _entry_ok(body)
    if method == "PATCH" and path == "/api/v1/entries/{entry_id}":
        return _dates_in_order(body)
    if method == "POST" and path == "/api/v1/import":
        entries, countries = body.get("entries"), body.get("countries")
        return (all(_entry_ok(e) for e in entries or []) if isinstance(entries, list) else True) and \
            _unique(entries, "id") and _unique(countries, "code")
    return True


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    """Drop a positive case whose body breaks a rule between two values; keep everything else."""
    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_positive:
        return True
    if case.operation.path == "/api/v1/import" and (case.media_type or "application/json") != "application/json":
        return False  # no serializer for YAML or CSV: it would go out with no body, which is no valid import
    return keeps_value_rules(case.method.upper(), case.operation.path, case.body)
