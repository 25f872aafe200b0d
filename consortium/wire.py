"""Markers of values that are not plain data, shared by the plan (wire values, plan files) and the policies.

Pulumi marks secrets, resource references and outputs on the wire and in ``pulumi stack export``
with a map holding ``SIG_KEY`` (values from Pulumi's ``sdk/go/common/resource/sig``; a test checks
them against the pinned SDK). Plan files cannot hold those maps: a secret is written ``SECRET`` and
an input nobody could compute during the preview ``UNKNOWN``.
"""

from __future__ import annotations

SIG_KEY = "4dabf18193072939515e22adb298388d"  # the key whose value says what kind of special map this is
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # an unknown, as the engine sends it

SECRET = "[secret]"  # a secret in a plan file: never the value
UNKNOWN = "[unknown]"  # an input that stayed unknown during the offline preview
