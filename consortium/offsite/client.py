"""The connection to the offsite store: boto3 clients for S3 and IAM on the configured endpoint, with
the admin credentials of the standard AWS chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
``AWS_PROFILE``, ``~/.aws``), and every failure of the store turned into one line of bad input.

IAM is asked at the same endpoint as S3 (moto, Ceph RGW), except on Amazon S3 itself, whose IAM is
global (iam.amazonaws.com).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from consortium.offsite.spec import StoreSpec
from consortium.registry.errors import fail

CREDENTIALS = "admin credentials (AWS environment variables or profile)"
_BAD_CREDENTIALS = {
    "InvalidAccessKeyId",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "AccessDenied",
    "UnrecognizedClientException",
    "ExpiredToken",
    "403",  # a HEAD request has no body to name the reason
}
# Short timeouts and one retry: an unreachable endpoint is one line after seconds, not minutes.
_CONFIG = Config(
    connect_timeout=5, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"}, s3={"addressing_style": "path"}
)


@dataclass(frozen=True)
class Clients:
    s3: Any
    iam: Any
    session: Any = None  # the boto3 session the clients share (its admin credentials go to restic init)

    def admin_environment(self) -> dict[str, str]:
        """The admin credentials as the AWS variables restic reads, resolved once by boto3's chain
        (so a profile works for restic too)."""
        frozen = self.session.get_credentials().get_frozen_credentials()
        env = {"AWS_ACCESS_KEY_ID": frozen.access_key, "AWS_SECRET_ACCESS_KEY": frozen.secret_key}
        if frozen.token:
            env["AWS_SESSION_TOKEN"] = frozen.token
        return env


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def connect(spec: StoreSpec) -> Clients:
    """S3 and IAM clients for the store; no admin credentials at all is bad input."""
    try:
        session = boto3.session.Session()
        if session.get_credentials() is None:
            raise NoCredentialsError()
    except ProfileNotFound as exc:
        raise fail(CREDENTIALS, "AWS_PROFILE", str(exc)) from None
    except NoCredentialsError:
        raise fail(
            CREDENTIALS, "", "none found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        ) from None
    host = urlparse(spec.endpoint).hostname or ""
    iam_endpoint = None if host.endswith(".amazonaws.com") else spec.endpoint
    return Clients(
        s3=session.client("s3", endpoint_url=spec.endpoint, region_name=spec.region, config=_CONFIG),
        iam=session.client("iam", endpoint_url=iam_endpoint, region_name=spec.region, config=_CONFIG),
        session=session,
    )


@contextmanager
def store_errors(spec: StoreSpec) -> Iterator[None]:
    """One line for whatever the store answers badly: unreachable, refused credentials, any other error.

    The lines name the endpoint, the operation and the store's error code, never a credential.
    """
    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        operation = getattr(exc, "operation_name", "") or "request"
        if code in _BAD_CREDENTIALS:
            raise fail(CREDENTIALS, operation, f"refused by {spec.endpoint}: {code}") from None
        message = str(exc.response.get("Error", {}).get("Message", "")).strip()
        raise fail(spec.endpoint, operation, f"{code}{': ' + message if message else ''}") from None
    except NoCredentialsError:
        raise fail(
            CREDENTIALS, "", "none found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        ) from None
    except BotoCoreError as exc:
        # EndpointConnectionError, ConnectTimeoutError, ...: botocore's message names the URL, no secret.
        raise fail(spec.endpoint, "", f"cannot reach the offsite store: {exc}") from None
