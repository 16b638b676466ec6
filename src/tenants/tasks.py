from django_tenants.utils import get_public_schema_name

from config.celery import app, task_by_name
from tenants.models import Section


@app.task
def run_in_every_section(task_name: str) -> int:
    """Start the task named `task_name` once in each active section's schema."""
    task = task_by_name(task_name)
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
