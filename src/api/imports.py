"""Imports of incoming students: the import page's all-or-nothing preview and commit.

A university's script uploads its CSV file (the page's ImportForm and core.exchange.importing
check it); a file with any problem is a 400 listing every problem by line and column, and
nothing of it is kept. A clean file becomes a preview (201) that the script commits: every row
is invited (their emails go through the outbox) or none is. The commit takes an
`Idempotency-Key`; committing a batch twice imports it once in any case.
"""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, parsers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.permissions import IsCoordinator
from api.webforms import cleaned
from core.exchange import importing, selectors, services
from core.exchange.forms import ImportForm
from core.exchange.models import ImportBatch


class ProblemSerializer(serializers.Serializer):
    """A problem of the file: its line (none for the whole file), column, code and words."""

    line = serializers.IntegerField(allow_null=True)
    column = serializers.CharField(allow_blank=True)
    code = serializers.ChoiceField(choices=sorted(importing.MESSAGES))
    message = serializers.CharField()


def problems(batch_errors: list[dict]) -> list[dict]:
    return [
        {
            "line": problem["line"],
            "column": problem["column"],
            "code": problem["code"],
            "message": importing.message(problem),
        }
        for problem in batch_errors
    ]


class RowSerializer(serializers.Serializer):
    """A student of the file as it will be invited (dates ISO, the place of study's id)."""

    line = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    nationality = serializers.CharField()
    arrival_date = serializers.DateField()
    departure_date = serializers.DateField()
    place_of_study = serializers.IntegerField()
    place_of_study_name = serializers.CharField()
    home_university = serializers.CharField(allow_blank=True)
    language = serializers.CharField()


class _BatchSerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email", read_only=True, default="")

    class Meta:
        model = ImportBatch
        fields = ["id", "status", "row_count", "created_by", "created_at", "expires_at"]
        fields += ["committed_at", "completed_count"]


class BatchSummarySerializer(_BatchSerializer):
    """An upload among the latest ones (without its rows, read from recent_batches)."""

    has_errors = serializers.BooleanField(read_only=True)

    class Meta(_BatchSerializer.Meta):
        fields = [*_BatchSerializer.Meta.fields, "has_errors"]


class BatchSerializer(_BatchSerializer):
    """An upload with its rows (until it is committed: then the invitations hold them) and
    its problems; `can_commit` says whether it can be imported now."""

    can_commit = serializers.BooleanField(read_only=True)
    rows = RowSerializer(many=True, read_only=True)
    problems = serializers.SerializerMethodField()

    class Meta(_BatchSerializer.Meta):
        fields = [*_BatchSerializer.Meta.fields, "can_commit", "rows", "problems"]

    @extend_schema_field(ProblemSerializer(many=True))
    def get_problems(self, batch: ImportBatch) -> list[dict]:
        return problems(batch.errors)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=f"A CSV file of at most 2 MB; its first line: {','.join(importing.HEADER)}"
    )


class CommitSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[services.Outcome.IMPORTED, services.Outcome.ALREADY_IMPORTED],
        help_text="`already_imported`: the batch was committed before; nothing was done again.",
    )
    batch = BatchSerializer()


class FileRefused(exceptions.ValidationError):
    """A 400 with every problem of the file under `fields.rows`, as ProblemSerializer says
    (DRF would turn their lines into strings: the detail is kept as it is)."""

    def __init__(self, batch_errors: list[dict], *, summary: str | None = None) -> None:
        super().__init__()
        count = len(batch_errors)
        summary = summary or ngettext(
            "%(count)s problem: nothing can be imported until it is fixed.",
            "%(count)s problems: nothing can be imported until they are fixed.",
            count,
        ) % {"count": count}
        self.detail = {"file": [summary], "rows": problems(batch_errors)}


class ImportList(generics.ListAPIView):
    serializer_class = BatchSummarySerializer
    permission_classes = [IsCoordinator]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    def get_queryset(self):
        return selectors.recent_batches().select_related("created_by")

    @extend_schema(tags=["imports"], summary="The latest uploads")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["imports"],
        summary="Upload a CSV file of incoming students: its preview, or every problem",
        description=(
            "A file with any problem is refused (400): `fields.rows` lists each problem with"
            " its line and column, and nothing of the file is kept. A clean file becomes a"
            " preview to commit."
        ),
        request={"multipart/form-data": UploadSerializer},
        responses={201: BatchSerializer},
    )
    def post(self, request: Request) -> Response:
        form = ImportForm(request.data, request.FILES)
        cleaned(form)
        with transaction.atomic():
            batch = services.preview_import(request.user, form.content)
            if batch.errors:
                # raised inside the transaction: the refused file's rows are not kept
                raise FileRefused(batch.errors)
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["imports"], summary="An upload: its preview rows and problems")
class ImportDetail(generics.RetrieveAPIView):
    serializer_class = BatchSerializer
    permission_classes = [IsCoordinator]
    lookup_url_kwarg = "batch_id"
    queryset = ImportBatch.objects.select_related("created_by")


@extend_schema(
    tags=["imports"],
    summary="Import a previewed file: invite every student of it, or none",
    description=(
        "Every row is invited, and emailed its invitation, or none is: a row that became"
        " invalid since the preview (an account made meanwhile) is a 400 listing it."
    ),
    request=None,
    responses=CommitSerializer,
)
class ImportCommit(APIView):
    permission_classes = [IsCoordinator]

    @idempotent
    def post(self, request: Request, batch_id: int) -> Response:
        batch = get_object_or_404(ImportBatch, pk=batch_id)
        outcome = services.commit_import(request.user, batch.pk)
        batch.refresh_from_db()
        if outcome == services.Outcome.EXPIRED:
            raise exceptions.ValidationError(
                {"batch": [_("This preview has expired. Upload the file again.")]}
            )
        if outcome in (services.Outcome.HAS_ERRORS, services.Outcome.CHANGED):
            raise FileRefused(
                batch.errors,
                summary=_("Nothing was imported: the file has errors. Fix them first."),
            )
        return Response(CommitSerializer({"outcome": outcome, "batch": batch}).data)


urlpatterns = [
    path("imports/", ImportList.as_view(), name="imports"),
    path("imports/<int:batch_id>/", ImportDetail.as_view(), name="import"),
    path("imports/<int:batch_id>/commit/", ImportCommit.as_view(), name="import_commit"),
]
