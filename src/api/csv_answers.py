"""Answers in CSV (the exports): the renderer that lets a client ask for `text/csv`.

The views return the CSV files the services build, as they are; refusals are JSON whatever
the client asked for (api.errors): nothing is ever rendered here.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import renderers


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        raise NotImplementedError("the views answer their CSV files themselves")


RENDERERS = [renderers.JSONRenderer, CSVRenderer]


def csv_file(description: str) -> dict:
    """The schema of a CSV answer."""
    return {(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=description)}
