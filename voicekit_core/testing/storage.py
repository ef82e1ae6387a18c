"""The storage origin of an emulator: presigned uploads and media downloads that refuse
any request carrying credentials."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voicekit_core.clock import ManualClock
from voicekit_core.testing.asgi import ASGIApp, Scope
from voicekit_core.testing.faults import FaultInjector
from voicekit_core.testing.server import (
    CREDENTIAL_HEADERS,
    Middleware,
    RecordedRequest,
    ServerThread,
)

__all__ = ["StorageServer"]


class StorageServer:
    """A second origin for presigned uploads and media downloads.

    It never accepts credentials: any request carrying an auth header (or a known
    credential value anywhere in its headers) is refused with 403 and recorded in
    ``violations``.
    """

    def __init__(self, *, clock: ManualClock, forbidden_values: Iterable[str] = ()) -> None:
        self.clock = clock
        self.log: list[RecordedRequest] = []
        self.violations: list[RecordedRequest] = []
        self.faults = FaultInjector()
        self.files: dict[str, tuple[bytes, str]] = {}
        self.uploads: dict[str, bytes] = {}
        self._tokens: dict[str, str] = {}
        self._forbidden = tuple(v for v in forbidden_values if v)
        app = Starlette(routes=[
            Route("/upload/{key:path}", self._put, methods=["PUT"]),
            Route("/files/{key:path}", self._get, methods=["GET", "HEAD"]),
        ])
        self._server = ServerThread(Middleware(app, self, "storage"))

    def start(self) -> StorageServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url

    def presign_upload(self, key: str) -> str:
        """A presigned PUT URL for ``key`` (with a signature in its query)."""
        token = uuid.uuid4().hex
        self._tokens[key] = token
        return f"{self.url}/upload/{key}?X-Amz-Signature={token}&X-Amz-Expires=3600"

    def publish(self, key: str, data: bytes, content_type: str = "application/octet-stream"
                ) -> str:
        """Serve ``data`` at a signed download URL; return it."""
        self.files[key] = (data, content_type)
        token = uuid.uuid4().hex
        self._tokens["get:" + key] = token
        return f"{self.url}/files/{key}?X-Amz-Signature={token}"

    def refuse(self, scope: Scope, headers: Mapping[str, str]) -> ASGIApp | None:
        carried = [h for h in CREDENTIAL_HEADERS if h in headers]
        if not carried and self._forbidden:
            carried = [k for k, v in headers.items() if any(s in v for s in self._forbidden)]
        if carried:
            self.violations.append(self.log[-1])
            return Response(
                "<Error><Code>InvalidRequest</Code><Message>Only one auth mechanism "
                "allowed; credentials were sent to storage</Message></Error>",
                status_code=403, media_type="application/xml")
        return None

    def error_response(self, kind: str) -> Response:
        status = {"not_found": 404, "unauthorized": 403}.get(kind, 500)
        return Response(f"<Error><Code>{kind}</Code></Error>", status_code=status,
                        media_type="application/xml")

    async def _put(self, request: Request) -> Response:
        key = request.path_params["key"]
        if request.query_params.get("X-Amz-Signature") != self._tokens.get(key):
            return Response("<Error><Code>SignatureDoesNotMatch</Code></Error>",
                            status_code=403, media_type="application/xml")
        chunks = []
        async for chunk in request.stream():
            chunks.append(chunk)
        self.uploads[key] = b"".join(chunks)
        return Response(status_code=200, headers={"ETag": f'"{uuid.uuid4().hex}"'})

    async def _get(self, request: Request) -> Response:
        key = request.path_params["key"]
        if key not in self.files:
            return Response("<Error><Code>NoSuchKey</Code></Error>", status_code=404,
                            media_type="application/xml")
        if request.query_params.get("X-Amz-Signature") != self._tokens.get("get:" + key):
            return Response("<Error><Code>SignatureDoesNotMatch</Code></Error>",
                            status_code=403, media_type="application/xml")
        data, ctype = self.files[key]
        return Response(data if request.method == "GET" else b"", media_type=ctype,
                        headers={"Content-Length": str(len(data))})
