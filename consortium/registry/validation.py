"""Validating parsed data against a model, pydantic's errors turned into ``path: field: message`` lines.

Pydantic's own messages name its internals (``string_pattern_mismatch``, the regex itself); an
operator editing a member file needs the field as written in the file, what is allowed there and,
for a misspelt key, the key that was probably meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from consortium.registry import fields
from consortium.registry.errors import InputError, Problem, shown_value

# What a pattern means, said instead of the pattern itself.
PATTERN_HINTS = {
    fields.SLUG_PATTERN: fields.SLUG_HINT,
    fields.EMAIL_PATTERN: "must be an e-mail address",
    # models.AzureSettings.locations, fields.Hostname and fields.SiteName (their patterns are written inline there)
    r"^[a-z][a-z0-9]{2,30}$": "must be an Azure region name as Azure writes it, e.g. centralus",
    r"^[a-z0-9][a-z0-9-]{0,13}[a-z0-9]$": "must be a host name of 2-15 characters: lowercase letters, digits and "
    "hyphens, not starting or ending with a hyphen",
    r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$": "must be 2-40 characters: lowercase letters, digits and hyphens, "
    "not starting or ending with a hyphen",
}


def parse_model(model: type[BaseModel], data: dict[str, Any], rel: str) -> Any:
    """``data`` as a ``model``; every way it does not fit is one :class:`Problem` of ``rel``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, model, rel)) from None


def problems_from_validation(exc: ValidationError, model: type[BaseModel], rel: str) -> list[Problem]:
    """Turn pydantic's errors into one ``path: field: message`` problem each."""
    return [Problem(rel, _loc_to_field(err["loc"]), _message(err, model)) for err in exc.errors()]


def _message(err: Any, model: type[BaseModel]) -> str:
    """The operator's wording of one pydantic error."""
    kind = err["type"]
    if kind == "extra_forbidden":
        return _unknown_field(model, tuple(err["loc"]))
    if kind == "missing":
        return "required field is missing"
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        return f"{shown_value(err['input'])} " + PATTERN_HINTS.get(pattern, f"must match {pattern}")
    if kind == "value_error":
        return str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
    msg = err["msg"]
    if not isinstance(err.get("input"), dict | list):
        msg += f", got {shown_value(err.get('input'))}"
    return msg


def _unknown_field(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """'unknown field', with the closest known key of its model, or else every key it allows."""
    owner = _model_at(model, loc[:-1])
    known = sorted(owner.model_fields) if owner else []
    hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
    msg = "unknown field" + (f" (did you mean '{hint[0]}'?)" if hint else "")
    if known and not hint:
        msg += f"; allowed: {', '.join(known)}"
    return msg


def _loc_to_field(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that owns the field at ``loc`` (for 'did you mean' on unknown keys)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Reach the model inside ``list[X]`` / ``X | None`` annotations."""
    for arg in getattr(annotation, "__args__", ()) or ():
        inner = _unwrap(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


