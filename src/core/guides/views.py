"""Guides: the coordinators' pages to write them, the students' pages to read them."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.guides import selectors, services
from core.guides.forms import GuideForm
from core.guides.models import Guide
from core.models import Profile
from core.permissions import coordinator_required
from core.views import student_required


@coordinator_required
def manage(request: HttpRequest) -> HttpResponse:
    return render(request, "guides/manage.html", {"guides": Guide.objects.all()})


@coordinator_required
def create(request: HttpRequest) -> HttpResponse:
    form = GuideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.create_guide(**form.cleaned_data)
        messages.success(request, _("The guide is saved."))
        return redirect("guides:manage")
    return render(request, "guides/form.html", {"form": form, "guide": None})


@coordinator_required
def edit(request: HttpRequest, guide_id: int) -> HttpResponse:
    guide = get_object_or_404(Guide, pk=guide_id)
    form = GuideForm(request.POST or None, instance=guide)
    if request.method == "POST" and form.is_valid():
        # the form changed its instance in place while validating: start again from the row
        services.update_guide(Guide.objects.get(pk=guide.pk), **form.cleaned_data)
        messages.success(request, _("The guide is saved."))
        return redirect("guides:manage")
    return render(request, "guides/form.html", {"form": form, "guide": guide})


@coordinator_required
def delete(request: HttpRequest, guide_id: int) -> HttpResponse:
    guide = get_object_or_404(Guide, pk=guide_id)
    if request.method == "POST":
        services.delete_guide(guide)
        messages.success(request, _("The guide is deleted."))
        return redirect("guides:manage")
    return render(request, "guides/delete.html", {"guide": guide})


@student_required
def student_list(request: HttpRequest, profile: Profile) -> HttpResponse:
    guides = selectors.guides_for(profile, get_language())
    return render(request, "guides/list.html", {"guides": guides})


@student_required
def detail(request: HttpRequest, profile: Profile, guide_id: int) -> HttpResponse:
    guide = get_object_or_404(selectors.visible_to(profile), pk=guide_id)
    return render(request, "guides/detail.html", {"guide": guide})
