"""Static files served from memory, so that they never wait for a thread.

Starlette's ``StaticFiles`` stats and reads each file in anyio's thread pool, the same 40 threads that run
every synchronous route and its database session. With the database stalled those threads all wait on it, and
``/static`` stopped with them. The package's static files are few and small (about 720 KB), so each process
loads them once at start and answers from memory, on the event loop.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope


class MemoryStaticFiles(StaticFiles):
    """``StaticFiles`` for one directory, read into memory when constructed (files added later are not seen)."""

    def __init__(self, *, directory: Path) -> None:
        super().__init__(directory=directory, check_dir=True)
        self.config_checked = True  # the check would stat the directory in a thread
        self._files: dict[str, tuple[bytes, list[tuple[str, str]]]] = {}
        for path in sorted(directory.rglob("*")):
            if not path.is_file():
                continue
            # FileResponse computes the headers (content type, ETag, Last-Modified) from the file's stat.
            headers = FileResponse(path, stat_result=path.stat()).headers
            kept = [(name, value) for name, value in headers.items() if name != "content-length"]
            self._files[os.path.normpath(path.relative_to(directory))] = (path.read_bytes(), kept)

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405, headers={"Allow": "GET, HEAD"})
        found = self._files.get(path)
        if found is None:
            raise HTTPException(status_code=404)
        body, headers = found
        response = Response(body if scope["method"] == "GET" else b"", headers=dict(headers))
        if scope["method"] == "HEAD":
            response.headers["content-length"] = str(len(body))
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response
