"""Answers in CSV (the exports): the renderer that lets a client ask for `text/csv`.

The CSV files are built by the services and returned as they are; what reaches this renderer
is a refusal (the one error format), written as a CSV of its code and message.
"""

import csv
import io

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import renderers


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["code", "message"])
        if isinstance(data, dict):
            writer.writerow([data.get("code", ""), data.get("message", "")])
        return out.getvalue().encode()


RENDERERS = [renderers.JSONRenderer, CSVRenderer]


def csv_file(description: str) -> dict:
    """The schema of a CSV answer."""
    return {(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=description)}
