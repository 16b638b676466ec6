"""/api/v1/network/…: the network admins' sections and statistics (root domain, session).

Scoped as the network pages are (network.scope): a national admin sees their countries'
sections only.
"""

from django.urls import path

from api.network import sections, statistics

urlpatterns = [
    path("network/sections/", sections.NetworkSections.as_view(), name="network_sections"),
    path(
        "network/sections/<int:section_id>/",
        sections.NetworkSection.as_view(),
        name="network_section",
    ),
    path(
        "network/sections/<int:section_id>/active/",
        sections.SectionActive.as_view(),
        name="network_section_active",
    ),
    path(
        "network/sections/<int:section_id>/coordinators/",
        sections.InviteCoordinator.as_view(),
        name="network_section_coordinators",
    ),
    path("network/statistics/", statistics.NetworkStatistics.as_view(), name="network_statistics"),
]
