"""Test data for the section the connection is in (wrap calls in `in_section`)."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from core.accounts.models import User
from core.models import Hobby, PlaceOfStudy, Profile, ProfileLanguage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"student{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("long-enough-pass")


class PlaceOfStudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlaceOfStudy
        django_get_or_create = ("name",)

    name = "Université de Lille"


class HobbyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hobby
        django_get_or_create = ("name",)

    name = factory.Iterator(["Football", "Cooking", "Hiking", "Music", "Board games"])


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Profile.Role.INCOMING
    birth_date = date(2003, 5, 17)
    gender = Profile.Gender.WOMAN
    nationality = "ES"
    place_of_study = factory.SubFactory(PlaceOfStudyFactory)
    faculty = "Law"
    study_level = Profile.StudyLevel.MASTER
    home_university = "Universidad de Granada"
    arrival_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    departure_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=150))
    phone = "+34 600 000 000"
    instagram = "@ana.es"
    email_verified_at = factory.LazyFunction(timezone.now)
    consent_version = "1"
    consented_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        for code in extracted or ["es", "en"]:
            ProfileLanguage.objects.create(profile=self, language=code, level="fluent")

    class Params:
        buddy = factory.Trait(
            role=Profile.Role.BUDDY,
            nationality="FR",
            home_university="",
            arrival_date=None,
            departure_date=None,
            available_from=factory.LazyFunction(timezone.localdate),
            available_until=factory.LazyFunction(
                lambda: timezone.localdate() + timedelta(days=200)
            ),
            capacity=2,
            phone="+33 6 00 00 00 00",
            instagram="@lucas.fr",
        )
