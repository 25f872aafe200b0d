"""What ``consortium audit --offsite`` judges: the store read back, and the controls with the registry's values."""

from __future__ import annotations

from datetime import date

from consortium.offsite.client import connect, store_errors
from consortium.offsite.controls import offsite_controls
from consortium.offsite.readback import read_store
from consortium.offsite.spec import store_spec
from consortium.registry.load import Registry
from policies.framework import Control, Resource


def store_review(registry: Registry, as_of: date | None = None) -> tuple[list[Resource], tuple[Control, ...], str]:
    """(resources, controls, title) of an audit of the registry's offsite store on ``as_of`` (default
    today: which leaving towns are unhooked); bad input as one line."""
    spec = store_spec(registry, as_of)
    clients = connect(spec)
    with store_errors(spec):
        resources = read_store(clients, spec)
    return resources, offsite_controls(spec), f"offsite store {spec.bucket} at {spec.endpoint}"
