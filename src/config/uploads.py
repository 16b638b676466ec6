"""Upload limits enforced while the request body is read, not after it was read.

Django reads a multipart body to its end (into memory, or a temporary file past 2.5 MB) before
any form sees it, so a form's size check comes too late. LimitedUploadHandler, first in
FILE_UPLOAD_HANDLERS, keeps the file of a field named in settings.UPLOAD_LIMITS itself, in
memory, and stops reading the request as soon as that file passes its limit (or at once when the
part announces a larger Content-Length). The form then receives a TooLargeUpload in the file's
place, whose size is above the limit, so it shows its own clear error: the page is rendered as
usual, never a 400 or a 500. Fields that come after the refused file in the body are not read;
a form that cares fills them in from what is saved (coordinator.forms.BrandingForm does).

The limits are per field name, in every urlconf: a field named in UPLOAD_LIMITS must mean the
same thing wherever it appears.
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers, StopUpload
from django.http.multipartparser import MultiPartParser


class TooLargeUpload(UploadedFile):
    """What a form receives instead of a file over its limit: no content, size above limit."""

    def __init__(self, field_name: str, name: str, content_type: str, size: int, limit: int):
        super().__init__(io.BytesIO(), name=name, content_type=content_type, size=size)
        self.field_name = field_name
        self.limit = limit


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading the body when a limited field's file passes settings.UPLOAD_LIMITS."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.limit: int | None = None  # of the file being read; None: not ours
        self.received = 0  # bytes of limited files received, at most limit + one chunk
        self.refused: TooLargeUpload | None = None
        self._parsing = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Django's parser forgets what it parsed when a handler stops the upload; parse here
        # with the same handlers, so the refusal can be handed to the form in FILES.
        if self._parsing or not getattr(settings, "UPLOAD_LIMITS", None):
            return None
        self._parsing = True
        try:
            post, files = MultiPartParser(
                META, input_data, self.request.upload_handlers, encoding
            ).parse()
        finally:
            self._parsing = False
        if self.refused is not None:
            files = files.copy()
            files.setlist(self.refused.field_name, [self.refused])
        return post, files

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        self.limit = settings.UPLOAD_LIMITS.get(field_name)
        if self.limit is None:
            return  # the next handlers keep it
        if content_length is not None and content_length > self.limit:
            self._refuse(content_length)
        self.file = io.BytesIO()
        self.file_size = 0
        raise StopFutureHandlers

    def receive_data_chunk(self, raw_data, start):
        if self.limit is None:
            return raw_data
        self.received += len(raw_data)
        self.file_size += len(raw_data)
        if self.file_size > self.limit:
            self._refuse(self.file_size)
        self.file.write(raw_data)
        return None  # kept here: the next handlers never see this file

    def file_complete(self, file_size):
        if self.limit is None:
            return None
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )

    def _refuse(self, size: int) -> None:
        self.refused = TooLargeUpload(
            self.field_name, self.file_name, self.content_type, size, self.limit
        )
        # Not a byte more is read: the rest of the body stays in the socket.
        raise StopUpload(connection_reset=True)
