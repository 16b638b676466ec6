"""/api/v1/me/…: the logged-in student's own profile, programme status and account."""

from django.urls import path

from api.me import account, profile

urlpatterns = [
    path("me/", profile.MyProfile.as_view(), name="me"),
    path("me/options/", profile.ProfileOptions.as_view(), name="me_options"),
    path("me/programme/", account.MyProgramme.as_view(), name="me_programme"),
    path("me/withdraw/", account.Withdraw.as_view(), name="me_withdraw"),
    path("me/rejoin/", account.Rejoin.as_view(), name="me_rejoin"),
    path("me/data/", account.MyData.as_view(), name="me_data"),
    path("me/delete/", account.DeleteAccount.as_view(), name="me_delete"),
]
