"""The CSV exports of the section's students and pairs: the export page's forms, files and
audit line (matching.exports). A POST, as on the page: a link cannot start an export."""

from django.http import StreamingHttpResponse
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from api.csv_answers import FileNegotiation, csv_file
from api.permissions import IsCoordinator
from api.webforms import body_serializer, cleaned
from matching.exports import services
from matching.exports.files import csv_response
from matching.exports.forms import ExportForm, PairExportForm, StudentExportForm
from matching.exports.selectors import Export

StudentExportRequest = body_serializer(StudentExportForm, "StudentExportRequest")
PairExportRequest = body_serializer(PairExportForm, "PairExportRequest")
LEFT_OUT = (
    "A field left out is what the export page fills in: every column (in the list's order,"
    " whatever order they are sent in), a comma, the current pairs."
)


def _checked(request: Request, form_class: type[ExportForm], serializer_class) -> ExportForm:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = {name: field.initial for name, field in form_class().fields.items()}
    form = form_class(data | serializer.validated_data)
    cleaned(form)
    return form


class _Export(APIView):
    """An export: the body checked by the page's form, the file its service makes."""

    permission_classes = [IsCoordinator]
    content_negotiation_class = FileNegotiation
    kind: str
    form_class: type[ExportForm]
    body_class: type

    def post(self, request: Request) -> StreamingHttpResponse:
        form = _checked(request, self.form_class, self.body_class)
        export = self.export(request, form.ordered_columns(), form.cleaned_data)
        return csv_response(request.section, self.kind, export, form.cleaned_data["separator"])


@extend_schema(
    tags=["exports"],
    summary="The students as a CSV file (the export is in the audit log)",
    description=LEFT_OUT,
    request=StudentExportRequest,
    responses=csv_file("One line per student, the columns chosen, UTF-8 with a BOM."),
)
class StudentExport(_Export):
    kind, form_class, body_class = "students", StudentExportForm, StudentExportRequest

    def export(self, request: Request, columns: list[str], data: dict) -> Export:
        return services.export_students(
            request.user, columns=columns, role=data["role"], status=data["status"]
        )


@extend_schema(
    tags=["exports"],
    summary="The pairs as a CSV file (the export is in the audit log)",
    description=LEFT_OUT,
    request=PairExportRequest,
    responses=csv_file("One line per pair, the columns chosen, UTF-8 with a BOM."),
)
class PairExport(_Export):
    kind, form_class, body_class = "pairs", PairExportForm, PairExportRequest

    def export(self, request: Request, columns: list[str], data: dict) -> Export:
        return services.export_pairs(request.user, columns=columns, state=data["state"])


urlpatterns = [
    path("exports/students/", StudentExport.as_view(), name="export_students"),
    path("exports/pairs/", PairExport.as_view(), name="export_pairs"),
]
