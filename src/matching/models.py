"""Matching in a section: its policy, its runs and their proposals, and the pairs (tenant)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from matching.engine.policy import DEFAULT_HARD, DEFAULT_WEIGHTS, Policy


def default_weights() -> dict:
    return dict(DEFAULT_WEIGHTS)


def default_hard_constraints() -> dict:
    return dict(DEFAULT_HARD)


class RequestField(models.TextChoices):
    """What a request may show a buddy of an incoming student; nothing else ever is shown."""

    FIRST_NAME = "first_name", _("First name")
    NATIONALITY = "nationality", _("Nationality")
    LANGUAGES = "languages", _("Languages")
    PLACE_OF_STUDY = "place_of_study", _("Place of study and faculty")
    ARRIVAL_MONTH = "arrival_month", _("Month of arrival")
    HOBBIES = "hobbies", _("Hobbies and interests")
    NOTE = "note", _("The student's note for their future buddy")
    GENDER = "gender", _("Gender")


def default_request_fields() -> list:
    # all but gender, which a section shows only when it decides to
    return [field for field in RequestField.values if field != RequestField.GENDER]


class MatchingPolicy(models.Model):
    """How the section scores pairs and which constraints it never breaks; one row."""

    class Mode(models.TextChoices):
        FLOW = "flow", _("Best total score")
        FAIR = "fair", _("Fairest: lift the lowest pair score first")

    class MatchingMode(models.TextChoices):
        """Who makes the pairs; `mode` above is the algorithm's goal, whoever runs it."""

        COORDINATOR = "coordinator", _("The coordinator matches with the algorithm")
        BUDDIES_CHOOSE = "buddies_choose", _("Buddies choose from requests")
        BUDDIES_ACCEPT = (
            "buddies_accept",
            _("Buddies accept or decline what the algorithm proposes"),
        )

    weights = models.JSONField(_("weights"), default=default_weights)
    hard_constraints = models.JSONField(_("hard constraints"), default=default_hard_constraints)
    mode = models.CharField(_("mode"), max_length=4, choices=Mode, default=Mode.FLOW)
    nationality_quota = models.PositiveSmallIntegerField(
        _("at most this many incoming students of one nationality per buddy"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    matching_mode = models.CharField(
        _("matching mode"),
        max_length=16,
        choices=MatchingMode,
        default=MatchingMode.COORDINATOR,
    )
    # buddies choose: what a request shows, and how many requests a buddy may take per period
    request_fields = models.JSONField(_("what a request shows"), default=default_request_fields)
    pick_limit = models.PositiveSmallIntegerField(
        _("requests a buddy may take per period"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    pick_period_days = models.PositiveSmallIntegerField(
        _("period (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    # buddies_accept mode: how long a buddy has to answer an offer before it expires
    offer_days = models.PositiveSmallIntegerField(
        _("days a buddy has to answer an offer"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("matching policy")

    def __str__(self) -> str:
        return "matching policy"

    @classmethod
    def load(cls) -> "MatchingPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    def to_engine(self) -> Policy:
        return Policy(weights=self.weights, hard_constraints=self.hard_constraints)


class MatchRun(models.Model):
    """One execution of the matching for the section's waiting students."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    IN_PROGRESS = (Status.QUEUED, Status.RUNNING)

    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Only these incoming students (profile ids); empty means every waiting student.
    only_for = models.JSONField(_("only for"), default=list, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_note = models.CharField(_("step"), max_length=100, blank=True)
    # What the run read, so that its result can be explained and reproduced.
    snapshot = models.JSONField(_("input snapshot"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=4, default=MatchingPolicy.Mode.FLOW)
    incoming_count = models.PositiveIntegerField(_("incoming students"), default=0)
    buddy_count = models.PositiveIntegerField(_("buddies with free places"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    left_waiting = models.PositiveIntegerField(_("left waiting"), default=0)
    total_score = models.BigIntegerField(_("total score"), default=0)
    lowest_score = models.IntegerField(_("lowest pair score"), null=True, blank=True)
    median_score = models.IntegerField(_("median pair score"), null=True, blank=True)
    optimal = models.BooleanField(_("proven optimal"), default=False)
    # Waiting students with no feasible buddy at all, and which constraint ruled them out.
    without_candidates = models.PositiveIntegerField(_("without any possible buddy"), default=0)
    without_candidates_reasons = models.JSONField(default=dict, blank=True)
    seconds = models.FloatField(_("solving time (s)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One run at a time per section: a second one waits for the first to finish.
            models.UniqueConstraint(
                models.Value(True),
                condition=Q(status__in=["queued", "running"]),
                name="matching_one_run_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"match run #{self.pk}"

    @property
    def in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    @property
    def duration(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class Proposal(models.Model):
    """A pair a run suggests, with its score and why; a coordinator confirms or rejects it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Replaced by a later run")
        WITHDRAWN = "withdrawn", _("Withdrawn: a student left the programme")

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="proposals")
    incoming = models.ForeignKey("core.Profile", on_delete=models.CASCADE, related_name="+")
    buddy = models.ForeignKey("core.Profile", on_delete=models.CASCADE, related_name="+")
    score = models.IntegerField(_("score"))
    breakdown = models.JSONField(_("score by criterion"), default=dict)
    # The facts behind the score (shared languages and hobbies, days apart...), for the review.
    details = models.JSONField(_("why"), default=dict)
    pinned = models.BooleanField(_("pinned"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PROPOSED)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "incoming"], name="matching_proposal_per_student"
            ),
        ]
        # the review's first page, best first, without sorting a run's thousands of rows
        indexes = [models.Index(fields=["run", "-score", "id"], name="matching_proposal_best")]

    def __str__(self) -> str:
        return f"proposal #{self.pk} ({self.score})"


class WaitingListEntry(models.Model):
    """An incoming student a run left without a buddy, with the run's reason for them.

    Written by the run; the student is told (`told_at`) only once a coordinator has reviewed
    the run. Removed when the student gets a pair or a later run proposes one.
    """

    class Reason(models.TextChoices):
        # every buddy who could take them was given to someone else, or nobody has a place
        NO_FREE_PLACE = "no_buddy_available", _("No buddy with a free place")
        GENDER_PREFERENCE = "gender_preference", _("No buddy fitting the gender they asked for")
        DATES = "dates_overlap", _("No buddy available during their stay")
        LANGUAGE = "common_language", _("No buddy speaking one of their languages")
        PLACE_OF_STUDY = "same_place_of_study", _("No buddy from their place of study")
        COMBINATION = "combination", _("No buddy fitting all the rules together")

    profile = models.OneToOneField(
        "core.Profile", on_delete=models.CASCADE, related_name="waiting_list_entry"
    )
    run = models.ForeignKey(MatchRun, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("why"), max_length=20, choices=Reason)
    created_at = models.DateTimeField(auto_now_add=True)
    told_at = models.DateTimeField(_("told on"), null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["run", "told_at"], name="matching_waiting_run_told")]

    def __str__(self) -> str:
        return f"waiting list {self.profile_id}"


class Confirmation(models.Model):
    """A coordinator's "confirm these proposals", carried out by a task in batches.

    The task is started through the outbox with the row, and confirming a proposal is
    idempotent, so a task that dies is started again and carries on where it stopped.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="confirmations")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposal_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    # made in the buddies_accept mode: its proposals become offers, not pairs (the mode at the
    # time the coordinator confirmed, whatever it is when the task runs)
    as_offers = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"confirmation #{self.pk}"

    @property
    def in_progress(self) -> bool:
        return self.status != self.Status.DONE

    @property
    def percent(self) -> int:
        return round(100 * (self.confirmed + self.skipped) / self.total) if self.total else 100


class ForbiddenPair(models.Model):
    """A pair the coordinator rejected: no later run proposes it again."""

    incoming = models.ForeignKey("core.Profile", on_delete=models.CASCADE, related_name="+")
    buddy = models.ForeignKey("core.Profile", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incoming", "buddy"], name="matching_forbidden_once")
        ]

    def __str__(self) -> str:
        return f"forbidden {self.incoming_id}-{self.buddy_id}"


class PinnedPair(models.Model):
    """A pair the coordinator wants the next run to keep, whatever the scores."""

    incoming = models.OneToOneField("core.Profile", on_delete=models.CASCADE, related_name="+")
    buddy = models.ForeignKey("core.Profile", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"pinned {self.incoming_id}-{self.buddy_id}"


class PairQuerySet(models.QuerySet):
    def active(self) -> "PairQuerySet":
        return self.filter(ended_at__isnull=True)

    def of(self, profile) -> "PairQuerySet":
        """The pairs a student is in, on their side (incoming or buddy)."""
        return self.filter(incoming=profile) if profile.is_incoming else self.filter(buddy=profile)

    def with_partner_of(self, profile) -> "PairQuerySet":
        """Load the other student of each pair (and their account) with the pair."""
        return self.select_related("buddy__user" if profile.is_incoming else "incoming__user")


class Pair(models.Model):
    """A confirmed pair. Only a confirmed pair discloses one student's contact to the other.

    When a student's profile is erased the pair stays, without them, for the statistics.
    """

    class Origin(models.TextChoices):
        RUN = "run", _("Proposed by the algorithm")
        HAND = "hand", _("Made by a coordinator")
        BUDDY_CHOICE = "buddy_choice", _("Chosen by the buddy")
        OFFER = "offer", _("Accepted by the buddy")

    incoming = models.ForeignKey(
        "core.Profile", null=True, on_delete=models.SET_NULL, related_name="pairs_as_incoming"
    )
    buddy = models.ForeignKey(
        "core.Profile", null=True, on_delete=models.SET_NULL, related_name="pairs_as_buddy"
    )
    # Kept when profiles are erased: what the cross-section statistics count.
    incoming_nationality = CountryField(_("incoming student's nationality"), blank=True)
    proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="pair"
    )
    score = models.IntegerField(_("score"), null=True, blank=True)
    breakdown = models.JSONField(_("score by criterion"), default=dict, blank=True)
    # Hard constraints a pair made by hand breaks, as the coordinator was warned of them.
    broken_constraints = models.JSONField(default=list, blank=True)
    origin = models.CharField(_("made how"), max_length=12, choices=Origin, default=Origin.RUN)
    confirmed_at = models.DateTimeField(_("confirmed at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class EndReason(models.TextChoices):
        COORDINATOR = "coordinator", _("Ended by a coordinator")
        WITHDREW = "withdrew", _("A student left the programme")
        DEACTIVATED = "deactivated", _("A student was deactivated")
        ACCOUNT_DELETED = "account_deleted", _("A student deleted their account")
        STAY_ENDED = "stay_ended", _("The stay ended")

    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=20, choices=EndReason, blank=True)
    # the coordinator's own words when they end a pair
    end_note = models.CharField(_("note"), max_length=200, blank=True)

    objects = PairQuerySet.as_manager()

    class Meta:
        ordering = ["-confirmed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incoming", "buddy"],
                condition=Q(ended_at__isnull=True),
                name="matching_one_active_pair_per_couple",
            ),
        ]

    def __str__(self) -> str:
        return f"pair #{self.pk}"

    def partner_of(self, profile):
        """The other student of the pair (None once their profile was erased)."""
        return self.buddy if profile.pk == self.incoming_id else self.incoming


from matching.followup.models import *  # noqa: E402,F403
from matching.offers.models import *  # noqa: E402,F403
