from django.urls import path

from matching.offers import views

app_name = "offers"
urlpatterns = [
    path("account/offers/<int:offer_id>/accept/", views.accept, name="accept"),
    path("account/offers/<int:offer_id>/decline/", views.decline, name="decline"),
    path("coordinator/matching/offers/", views.coordinator_offers, name="coordinator"),
    path("coordinator/matching/offers/<int:offer_id>/withdraw/", views.withdraw, name="withdraw"),
]
