"""The coordinators' matching endpoints: runs, proposals, waiting students, pairs, policy,
follow-up. Each module calls the services and selectors the matching pages call."""

from api.matching import followup, pairs, policy, proposals, runs, waiting

urlpatterns = [
    *runs.urlpatterns,
    *proposals.urlpatterns,
    *waiting.urlpatterns,
    *pairs.urlpatterns,
    *policy.urlpatterns,
    *followup.urlpatterns,
]
