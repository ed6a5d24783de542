"""An upload handler that stops reading a file once it passes the import size limit.

The import page already refuses a request whose Content-Length is too large before reading it; this catches the
rest (a chunked request without a length, or a lying one) so no oversized file is ever written to disk.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class SizeLimitedUploadHandler(FileUploadHandler):
    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.TONGZHOU_IMPORT_MAX_BYTES:
            if self.request is not None:
                self.request.tongzhou_upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
