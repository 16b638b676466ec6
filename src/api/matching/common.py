"""What the matching endpoints share: the students as the matching pages show them."""

from rest_framework import serializers

from core.models import Profile

TAGS = ["matching"]


class StudentFactsSerializer(serializers.Serializer):
    """A student as the matching pages show them: name, nationality, place of study, dates.

    No email, phone or birth date: the coordinator opens the student's own page for those.
    """

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    role = serializers.ChoiceField(choices=Profile.Role.choices, read_only=True)
    nationality = serializers.CharField(source="nationality.code", read_only=True)
    place_of_study = serializers.CharField(
        source="place_of_study.name", read_only=True, allow_null=True, default=None
    )
    arrival_date = serializers.DateField(read_only=True, allow_null=True)
    departure_date = serializers.DateField(read_only=True, allow_null=True)
    available_from = serializers.DateField(read_only=True, allow_null=True)
    available_until = serializers.DateField(read_only=True, allow_null=True)
