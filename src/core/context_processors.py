from django.http import HttpRequest

from core import navigation


def menus(request: HttpRequest) -> dict:
    """The menu of the signed-in person on a section's site: coordinator or student."""
    user = getattr(request, "user", None)
    if getattr(request, "section", None) is None or not (user and user.is_authenticated):
        return {"menu": []}
    audience = navigation.COORDINATOR if user.is_coordinator else navigation.STUDENT
    return {"menu": navigation.items_for(audience)}
