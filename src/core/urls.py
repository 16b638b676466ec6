from django.urls import path

from core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("register/", views.register_choice, name="register_choice"),
    path("register/incoming/", views.register, {"role": "incoming"}, name="register_incoming"),
    path("register/buddy/", views.register, {"role": "buddy"}, name="register_buddy"),
    path("register/done/", views.registered, name="registered"),
    path("verify/resend/", views.resend_verification, name="resend_verification"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("account/", views.account, name="account"),
    path("account/edit/", views.edit_profile, name="edit_profile"),
    path("account/withdraw/", views.withdraw, name="withdraw"),
    path("account/rejoin/", views.rejoin, name="rejoin"),
    path("account/export/", views.export_data, name="export"),
    path("account/delete/", views.delete_account, name="delete_account"),
]
