"""The coordinators' matching endpoints: runs, proposals, waiting students, pairs, policy,
follow-up. Each module calls the services and selectors the matching pages call."""

from api.matching import followup, pairs, policy, proposals, runs

urlpatterns = [
    *runs.urlpatterns,
    *proposals.urlpatterns,
    *pairs.urlpatterns,
    *policy.urlpatterns,
    *followup.urlpatterns,
]
