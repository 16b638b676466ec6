"""Demo students for a section: a few dozen of both roles, the same on every run."""

import random
import unicodedata
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.languages import LanguageLevel
from core.models import Hobby, PlaceOfStudy, Profile, ProfileLanguage

PLACES_OF_STUDY = ("Université de {city}", "École de commerce de {city}", "Institut polytechnique")
HOBBIES = (
    "Football",
    "Cooking",
    "Hiking",
    "Music",
    "Board games",
    "Photography",
    "Cinema",
    "Climbing",
    "Dancing",
    "Travel",
    "Reading",
    "Volunteering",
)
FACULTIES = ("Law", "Medicine", "Engineering", "Economics", "Literature", "Biology", "Design")
INCOMING = (  # first name, last name, nationality, mother tongue, home university
    ("Ana", "García", "ES", "es", "Universidad de Granada"),
    ("Luca", "Rossi", "IT", "it", "Università di Bologna"),
    ("Mia", "Schneider", "DE", "de", "Universität Heidelberg"),
    ("Jan", "Kowalski", "PL", "pl", "Uniwersytet Jagielloński"),
    ("Sofia", "Costa", "PT", "pt", "Universidade do Porto"),
    ("Emma", "Jansen", "NL", "nl", "Universiteit Utrecht"),
    ("Oskar", "Lindqvist", "SE", "sv", "Lunds universitet"),
    ("Eleni", "Papadopoulou", "GR", "el", "University of Athens"),
    ("Ayşe", "Demir", "TR", "tr", "Boğaziçi Üniversitesi"),
    ("Liam", "Murphy", "IE", "en", "Trinity College Dublin"),
    ("Petra", "Novák", "CZ", "cs", "Univerzita Karlova"),
    ("Mateo", "Fernández", "AR", "es", "Universidad de Buenos Aires"),
)
LOCAL = (
    ("Camille", "Martin"),
    ("Hugo", "Bernard"),
    ("Léa", "Dubois"),
    ("Louis", "Thomas"),
    ("Chloé", "Robert"),
    ("Jules", "Richard"),
    ("Manon", "Petit"),
    ("Nathan", "Durand"),
    ("Inès", "Leroy"),
    ("Théo", "Moreau"),
    ("Zoé", "Simon"),
    ("Lucas", "Laurent"),
)
GENDERS = ("woman", "man", "woman", "man", "non_binary", "undisclosed")
STUDENTS_PER_ROLE = 18


def demo_email(first: str, last: str, domain: str) -> str:
    """ana.garcia@lille.example.org: the names without accents or spaces."""
    local = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    return f"{local.lower().replace(' ', '')}@{domain}"


def seed_demo_students(city: str, email_domain: str) -> None:
    """Places of study, hobbies and students of both roles, unless the section has students."""
    if Profile.objects.exists():
        return
    rng = random.Random(email_domain)  # noqa: S311 - the same demo students on every machine
    today = timezone.localdate()
    with transaction.atomic():
        places = [
            PlaceOfStudy.objects.get_or_create(name=name.format(city=city))[0]
            for name in PLACES_OF_STUDY
        ]
        hobbies = [Hobby.objects.get_or_create(name=name)[0] for name in HOBBIES]
        for index in range(STUDENTS_PER_ROLE * 2):
            incoming = index % 2 == 0
            number = index // 2
            people = INCOMING if incoming else LOCAL
            # past the list, the family names shift: nobody appears twice
            person = people[number % len(people)]
            last = people[(number + 5 * (number // len(people))) % len(people)][1]
            if incoming:
                first, _last, nationality, tongue, home = person
            else:
                first, nationality, tongue, home = person[0], "FR", "fr", ""
            user = User.objects.create_user(
                demo_email(first, last, email_domain),
                None,
                first_name=first,
                last_name=last,
            )
            arrival = today + timedelta(days=rng.randint(-20, 90))
            profile = Profile.objects.create(
                user=user,
                role=Profile.Role.INCOMING if incoming else Profile.Role.BUDDY,
                language="en" if incoming else "fr",
                birth_date=today - timedelta(days=365 * rng.randint(19, 27) + rng.randint(0, 364)),
                gender=rng.choice(GENDERS),
                nationality=nationality,
                place_of_study=rng.choice(places),
                faculty=rng.choice(FACULTIES),
                study_level=rng.choice(Profile.StudyLevel.values),
                preferred_buddy_gender=rng.choice(["any", "any", "any", "same"]),
                about="",
                home_university=home,
                arrival_date=arrival if incoming else None,
                departure_date=arrival + timedelta(days=rng.choice([120, 150, 300]))
                if incoming
                else None,
                available_from=None if incoming else today - timedelta(days=10),
                available_until=None
                if incoming
                else today + timedelta(days=rng.choice([150, 300])),
                capacity=None if incoming else rng.randint(1, 3),
                email_verified_at=timezone.now() if rng.random() < 0.85 else None,
                consent_version="1",
                consented_at=timezone.now(),
            )
            profile.hobbies.set(rng.sample(hobbies, rng.randint(2, 5)))
            spoken = {tongue: LanguageLevel.NATIVE, "en": LanguageLevel.FLUENT}
            if rng.random() < 0.5:
                spoken.setdefault(
                    "fr", rng.choice([LanguageLevel.BASIC, LanguageLevel.INTERMEDIATE])
                )
            ProfileLanguage.objects.bulk_create(
                ProfileLanguage(profile=profile, language=code, level=level)
                for code, level in spoken.items()
            )
