from django_tenants.utils import get_public_schema_name

from config.celery import app
from tenants.models import Section


@app.task
def run_in_every_section(task_name: str) -> int:
    """Start the task named `task_name` once in each active section's schema."""
    app.loader.import_default_modules()  # discovers every app's tasks outside a worker too
    task = app.tasks[task_name]
    schemas = (
        Section.objects.filter(is_active=True)
        .exclude(schema_name=get_public_schema_name())
        .values_list("schema_name", flat=True)
    )
    count = 0
    for schema_name in schemas:
        task.apply_async(headers={"_schema_name": schema_name})
        count += 1
    return count
