"""What the drill and status readers share: the repository field, which must never carry a credential.
(Their ``<host>.json`` folders are read by :func:`consortium.registry.hostfiles.load_host_files`.)"""

from __future__ import annotations

import re
from typing import Any

from consortium.registry.checker import Checker

# A repository URL with user information (s3:https://key:secret@host/...) would put a credential in evidence.
_USERINFO = re.compile(r"://[^/]*@")


def repository(c: Checker, value: Any) -> str:
    text = c.text(value, "repository")
    if _USERINFO.search(text):
        raise c.bad("repository", "carries credentials (user information in the URL); evidence must not")
    return text
