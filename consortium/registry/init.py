"""``consortium init``: a new consortium's registry of its own, ready for ``consortium validate``.

Everything is rendered and checked in memory first (the consortium.yaml it writes is parsed back
through the same model and rules as any registry), then written; a directory that is not empty is
refused, so init never mixes its files with someone else's.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from consortium.registry import naming
from consortium.registry.errors import InputError, Problem, shown_value
from consortium.registry.fields import SLUG_HINT, SLUG_PATTERN, Name
from consortium.registry.files import write_atomic
from consortium.registry.load import Registry
from consortium.registry.models import CONSORTIUM_FILE, MEMBERS_DIR, Consortium
from consortium.registry.render import environment, render_registry
from consortium.registry.rules import check_registry
from consortium.registry.safeyaml import parse_mapping
from consortium.registry.stackconfig import PROJECT
from consortium.registry.validation import parse_model

INIT_TEMPLATES = Path(__file__).resolve().parent / "init_templates"

# What init writes: registry-relative path -> template. Hidden files keep visible template names.
FILES = {
    CONSORTIUM_FILE: "consortium.yaml.j2",
    "exemptions.yaml": "exemptions.yaml.j2",
    ".gitignore": "gitignore.j2",
    "README.md": "README.md.j2",
    "docs/member-example.yaml": "member.example.yaml.j2",
    ".github/workflows/consortium.yml": "workflow.yml.j2",
    "Pulumi.yaml": "Pulumi.yaml.j2",
    "program/__main__.py": "program_main.py.j2",
    # Git keeps no empty folder; dot files are not member files (load.member_files skips them).
    f"{MEMBERS_DIR}/.gitkeep": None,
}

# The hub takes the first member-sized block of the supernet and must be a /22 or larger.
LARGEST_MEMBER_PREFIX = 22
SMALLEST_SUPERNET = LARGEST_MEMBER_PREFIX - 4  # room for the hub and 15 members
NAT_POOL = ipaddress.IPv4Network("100.64.0.0/16")  # RFC 6598 shared space, as in the bundled example
SHARED_SPACE = ipaddress.IPv4Network("100.64.0.0/10")  # RFC 6598: Azure takes it for VNets, as RFC 1918
SCHEMA_URL = "https://example.invalid/consortium-toolkit/schema/consortium.schema.json"


@dataclass(frozen=True)
class InitSettings:
    """What a new consortium is asked for; everything else starts from commented defaults."""

    name: str
    slug: str
    region: str
    supernet: str
    domain: str = ""  # the tenant's sign-in domain; default <slug>.example (a placeholder to replace)


def _address_plan(supernet_text: str) -> dict[str, object]:
    """Supernet, member block size, hub and NAT pool for ``supernet_text``; one problem naming --supernet."""
    try:
        supernet = ipaddress.IPv4Network(supernet_text)
    except ValueError as exc:
        raise InputError([Problem("--supernet", "", f"{supernet_text!r} is not an IPv4 network ({exc})")]) from exc
    if not (supernet.is_private or supernet.subnet_of(SHARED_SPACE)):
        raise InputError([Problem("--supernet", "", f"{supernet} is not a private range (e.g. 10.80.0.0/12)")])
    if supernet.prefixlen > SMALLEST_SUPERNET:
        raise InputError(
            [Problem("--supernet", "", f"{supernet} is too small: need a /{SMALLEST_SUPERNET} or larger")]
        )
    # /20 members (4,096 addresses) as in the example when the supernet holds 16 or more of them.
    member_prefix = min(LARGEST_MEMBER_PREFIX, max(20, supernet.prefixlen + 4))
    hub = next(supernet.subnets(new_prefix=member_prefix))
    return {
        "supernet": supernet,
        "member_prefix": member_prefix,
        "member_size": f"{2 ** (32 - member_prefix):,}",
        "hub": hub,
        "nat_pool": None if NAT_POOL.overlaps(supernet) else NAT_POOL,
    }


DOMAIN_PATTERN = r"^[a-z0-9-]+(\.[a-z0-9-]+)+$"  # as identity.upn_domains takes it


_NAME: TypeAdapter[str] = TypeAdapter(Name)


def _check_words(settings: InitSettings) -> None:
    """Slug and domain land unquoted in YAML and file names, the name in YAML comments (a line break
    in it would start a key of its own in consortium.yaml or the CI workflow): refuse before rendering."""
    problems = []
    try:
        _NAME.validate_python(settings.name)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        problems.append(Problem("--name", "", f"{shown_value(settings.name)}: {message}"))
    if not re.fullmatch(SLUG_PATTERN, settings.slug):
        problems.append(Problem("--slug", "", f"{settings.slug!r}: the slug {SLUG_HINT}"))
    if settings.domain and not re.fullmatch(DOMAIN_PATTERN, settings.domain):
        problems.append(Problem("--domain", "", f"{settings.domain!r} is not a lower-case DNS domain"))
    if problems:
        raise InputError(problems)


def _check_region(region: str) -> None:
    if region not in naming.BACKUP_GEO_CODES:
        known = ", ".join(sorted(naming.BACKUP_GEO_CODES))
        raise InputError([Problem("--region", "", f"{region!r} is not a known Azure region; known regions: {known}")])


def render_files(root: Path, settings: InitSettings) -> dict[str, str]:
    """Every file of the new registry as ``{relative path: text}``, checked; nothing is written.
    They include what ``consortium render`` makes of it (the hub's stack config), so ``render --check``
    passes from the first commit."""
    problems = []
    for check in (lambda: _check_words(settings), lambda: _check_region(settings.region)):
        try:
            check()
        except InputError as exc:
            problems += exc.problems
    try:
        plan = _address_plan(settings.supernet)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    env = environment(INIT_TEMPLATES)  # the rendering's own settings (StrictUndefined, no autoescape)
    context = {
        "name": settings.name,
        "slug": settings.slug,
        "region": settings.region,
        "domain": settings.domain or f"{settings.slug}.example",
        "project": PROJECT,
        "schema_url": SCHEMA_URL,
        **plan,
    }
    out = {rel: env.get_template(t).render(context) if t else "" for rel, t in FILES.items()}
    # The file must be what validate accepts: the same model and rules, on the text about to be written.
    data = parse_mapping(out[CONSORTIUM_FILE], CONSORTIUM_FILE)
    consortium: Consortium = parse_model(Consortium, data, CONSORTIUM_FILE)
    findings = check_registry(consortium, [])
    if findings.errors:
        raise InputError(findings.errors)
    return out | render_registry(Registry(root.resolve(), consortium, (), ()))


def init_registry(root: Path, settings: InitSettings) -> list[str]:
    """Write a new registry into ``root`` (absent or empty); return the paths written, relative to it."""
    try:
        if root.exists() and not root.is_dir():
            raise InputError([Problem(str(root), "", "exists and is not a directory; give a new or empty directory")])
        if root.is_dir() and any(root.iterdir()):
            raise InputError([Problem(str(root), "", "is not empty; give a new or empty directory (nothing written)")])
    except OSError as exc:
        raise InputError([Problem(str(root), "", f"cannot be read: {exc.strerror}")]) from exc
    files = render_files(root, settings)
    try:
        for rel, text in files.items():
            write_atomic(root / rel, text)
    except OSError as exc:
        raise InputError([Problem(str(root), "", f"cannot be written: {exc.strerror}")]) from exc
    return sorted(files)
