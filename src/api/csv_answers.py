"""Answers in CSV (the exports): the views return the files the services build, as they are.

A client may ask for `text/csv` (or anything else): what DRF renders itself on these views,
a refusal or an OPTIONS answer, is JSON, as everywhere in the API.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.negotiation import DefaultContentNegotiation


class FileNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def csv_file(description: str) -> dict:
    """The schema of a CSV answer."""
    return {(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=description)}
