"""Test data for the section the connection is in (wrap calls in `in_section`)."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from core.accounts.models import User
from core.events.models import Event, Message
from core.exchange.models import ImportBatch
from core.guides.models import Guide
from core.models import Hobby, PlaceOfStudy, Profile, ProfileLanguage
from matching.models import MatchRun, Pair, Proposal


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


class PairFactory(factory.django.DjangoModelFactory):
    """A confirmed, active pair of an incoming student and a buddy (no email is sent: a pair
    made through matching.pairs.make_pair sends its two)."""

    class Meta:
        model = Pair

    incoming = factory.SubFactory(ProfileFactory)
    buddy = factory.SubFactory(ProfileFactory, buddy=True)
    incoming_nationality = factory.LazyAttribute(lambda pair: pair.incoming.nationality.code)
    confirmed_at = factory.LazyFunction(timezone.now)


class MatchRunFactory(factory.django.DjangoModelFactory):
    """A finished matching run (one run at a time may be queued or running in a section)."""

    class Meta:
        model = MatchRun

    status = MatchRun.Status.SUCCEEDED
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=3))
    finished_at = factory.LazyFunction(timezone.now)
    progress = 100
    optimal = True
    seconds = 1.5


class ProposalFactory(factory.django.DjangoModelFactory):
    """A pair a run suggests, not decided yet."""

    class Meta:
        model = Proposal

    run = factory.SubFactory(MatchRunFactory)
    incoming = factory.SubFactory(ProfileFactory)
    buddy = factory.SubFactory(ProfileFactory, buddy=True)
    score = 80
    breakdown = factory.LazyFunction(lambda: {"languages": 40, "hobbies": 40})
    details = factory.LazyFunction(lambda: {"shared_languages": ["en"]})


class EventFactory(factory.django.DjangoModelFactory):
    """A published event for everyone, in a week."""

    class Meta:
        model = Event

    title = "Welcome picnic"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    place = "Citadelle park"
    capacity = 20
    description = "Bring food to share."


class MessageFactory(factory.django.DjangoModelFactory):
    """A draft message to every incoming student, in English and French."""

    class Meta:
        model = Message

    subject_en = "Welcome drinks"
    body_en = "Hello {first_name}!"
    subject_fr = "Pot d'accueil"
    body_fr = "Bonjour {first_name} !"
    segment = "all_incoming"


class GuideFactory(factory.django.DjangoModelFactory):
    """A published guide for everyone, in all languages."""

    class Meta:
        model = Guide

    title = "Your first week"
    body = "Open a bank account.\n\nGet a transport card."
    audience = Guide.Audience.EVERYONE
    published = True


class ImportBatchFactory(factory.django.DjangoModelFactory):
    """A previewed import file without rows (nothing to commit)."""

    class Meta:
        model = ImportBatch
