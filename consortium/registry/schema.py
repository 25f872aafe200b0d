"""JSON Schema export of the registry models, so editors validate member files as people type."""

from __future__ import annotations

import json

from consortium.registry.models import Consortium, Member


def schemas() -> dict[str, str]:
    """``{file name: JSON text}`` for consortium.yaml and member files."""
    out = {}
    for name, model in (("consortium.schema.json", Consortium), ("member.schema.json", Member)):
        doc = model.model_json_schema()
        doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        out[name] = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    return out
