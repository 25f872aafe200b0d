"""One way to build the Jinja2 environments of the rendered files and reports.

Every template is strict (an undefined name is an error, never an empty string) and laid out the
same way (block tags take their line with them, the file's last newline stays); HTML ones escape
every value. Callers add their own filters and globals.
"""

from __future__ import annotations

from typing import Any

import jinja2


def environment(loader: jinja2.BaseLoader, *, autoescape: bool, **options: Any) -> jinja2.Environment:
    """A strict environment reading templates from ``loader``; ``options`` (e.g. ``finalize``) pass through."""
    return jinja2.Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        **options,
    )


def package_templates(package: str, *, autoescape: bool = True, **options: Any) -> jinja2.Environment:
    """A strict environment over the ``templates/`` folder of ``package`` (HTML: escaped by default)."""
    return environment(jinja2.PackageLoader(package), autoescape=autoescape, **options)
