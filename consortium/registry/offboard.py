"""Offboarding: a town leaves, written into its own file, without losing a byte.

``consortium offboard SLUG`` sets ``status: leaving`` and ``leaving.unhook_on`` (the day its
network is unhooked and its own rights withdrawn); ``--left`` later sets ``status: left`` and
``leaving.left_on``, once the data kept for it has expired (the rules refuse it earlier). The
member file is edited with the round-trip YAML editor onboarding uses, so comments and key order
survive; the whole registry is validated with the edit, and every file the command writes is
probed, before the first byte is written (all or nothing, like onboarding). What the town keeps
and until when is never written: it follows from the retention (``Consortium.data_kept_until``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from consortium.registry.errors import fail
from consortium.registry.exit_package import exit_path
from consortium.registry.files import check_all_writable
from consortium.registry.load import Registry, load_registry
from consortium.registry.models import Member, Status
from consortium.registry.render import inventory_path, runbook_path, stack_path
from consortium.registry.safeyaml import parse_mapping, read_text
from consortium.registry.validation import parse_model
from consortium.registry.yaml_edit import edited


@dataclass(frozen=True)
class Offboarding:
    path: str
    before: Member
    after: Member
    text: str  # the member file's new text


def _with_leaving(text: str, status: Status, unhook_on: date, left_on: date | None) -> str:
    """The member file's text with ``status`` and the ``leaving:`` block (right after ``status``)."""

    def change(data: CommentedMap) -> None:
        data["status"] = status.value
        block = data.get("leaving")
        if block is None:
            block = CommentedMap()
            data.insert(list(data).index("status") + 1, "leaving", block)
        block["unhook_on"] = unhook_on
        if left_on is not None:
            block["left_on"] = left_on

    return edited(text, change)


def offboard(
    root: Path, slug: str, *, unhook_on: date | None, left_on: date | None, today: date
) -> tuple[Registry, Offboarding]:
    """Offboard ``slug`` (``left_on`` None) or mark it left; return the registry as it will be.

    ``unhook_on`` defaults to ``today`` (a town offboarded now is unhooked now); marking a town left
    keeps the unhook date it has. Nothing is written here.
    """
    root = root.resolve()
    registry = load_registry(root)
    entry = registry.entry(slug)
    rel, m = entry.path, entry.member
    if left_on is None:
        if m.status is Status.LEFT:
            raise fail(rel, "status", "the town has already left")
        if m.status is Status.LEAVING and unhook_on is None:
            raise fail(
                rel,
                "status",
                f"already leaving (unhook on {m.leaving.unhook_on if m.leaving else '?'}); "
                "give --unhook-on to move the date, or --left once its data has expired",
            )
        status, unhook = Status.LEAVING, unhook_on or today
        if unhook < today:
            raise fail(rel, "leaving.unhook_on", f"{unhook} is in the past; the unhook date is today or later")
    else:
        if m.status is not Status.LEAVING or m.leaving is None:
            raise fail(rel, "status", f"is {m.status.value}; offboard the town first (consortium offboard {slug})")
        if unhook_on is not None:
            raise fail(rel, "leaving.unhook_on", "cannot change when marking the town left")
        status, unhook = Status.LEFT, m.leaving.unhook_on
    text = _with_leaving(read_text(root / rel, rel), status, unhook, left_on)
    after: Member = parse_model(Member, parse_mapping(text, rel), rel)
    if after.status is not status or after.leaving is None or after.leaving.unhook_on != unhook:
        raise fail(rel, "leaving", "could not be written back into the file")
    registry = load_registry(root, overrides={slug: after})
    check_all_writable(
        root, [rel, stack_path(slug), inventory_path(slug), runbook_path(slug), exit_path(slug), stack_path("hub")]
    )
    return registry, Offboarding(rel, m, after, text)
