"""What the coordinators' dashboard shows from the network: any support access open on the
section, and the section's own history from the statistics snapshots."""

from django import template

from network import support
from network.statistics.selectors import section_history

register = template.Library()


@register.inclusion_tag("network/support_alert.html", takes_context=True)
def support_access_alert(context) -> dict:
    return {"grants": list(support.active_grants(context["request"].section))}


@register.inclusion_tag("network/history.html", takes_context=True)
def section_history_panel(context) -> dict:
    return {"history": section_history(context["request"].section.pk)}
