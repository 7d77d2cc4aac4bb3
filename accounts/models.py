import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).strip(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        """A superuser, whose address counts as verified from the start.

        Only someone running ``manage.py createsuperuser`` on the server makes
        one, and they vouch for the address: without a verified address
        allauth would stop the first log-in at "verify your e-mail address".
        (A ``createsuperuser`` of our own would need ``accounts`` listed
        before ``django.contrib.auth``, whose command wins otherwise.)
        Two-factor authentication is still set up at the first management page.
        """
        from allauth.account.models import EmailAddress

        extra["is_staff"] = True
        extra["is_superuser"] = True
        with transaction.atomic(using=self._db):
            user = self._create_user(email, password, **extra)
            # Lower case, as allauth keeps every address it records.
            EmailAddress.objects.using(self._db).create(
                user=user, email=user.email.lower(), primary=True, verified=True
            )
        return user

    def get_by_natural_key(self, email: str):
        # Addresses are unique whatever their case, so log-in ignores case too.
        return self.get(email__iexact=email)


# How a deleted account is named wherever its records are still shown.
DELETED_ACCOUNT = "Deleted account"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. The e-mail address is the login name.

    The teacher's profile lives here too: their school, role and the phases
    they teach. It must be complete before they join a Work Group.
    """

    class JobRole(models.TextChoices):
        CLASS_TEACHER = "class_teacher", "Class teacher"
        MATHS_LEAD = "maths_lead", "Maths lead or head of department"
        SENIOR_LEADER = "senior_leader", "Headteacher or senior leader"
        EARLY_CAREER = "early_career", "Early career teacher"
        TEACHING_ASSISTANT = "teaching_assistant", "Teaching assistant (HLTA or LSA)"
        EARLY_YEARS = "early_years", "Early years practitioner"
        OTHER = "other", "Other"

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can log in to the national administration site."
    )
    is_active = models.BooleanField(default=True)
    is_ncetm_staff = models.BooleanField(
        "NCETM staff",
        default=False,
        help_text="National staff: can read every hub's workspace and grant hub roles.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    school = models.ForeignKey(
        "hubs.School", on_delete=models.SET_NULL, null=True, blank=True, related_name="teachers"
    )
    job_role = models.CharField("role", max_length=20, choices=JobRole, blank=True)
    phases = models.ManyToManyField(
        "hubs.TeachingPhase", related_name="teachers", blank=True, verbose_name="phases taught"
    )
    profile_completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The secret in the teacher's calendar feed URL; a new one revokes the old.
    calendar_token = models.CharField(max_length=40, unique=True, default=new_calendar_token)
    # Set when the person deleted their account (accounts.services.account_delete):
    # the row stays, anonymised, so that the enrolments it holds are still
    # counted in the reports as one teacher.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            # unique=True satisfies Django's auth checks; this one also refuses
            # the same address in another case.
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return DELETED_ACCOUNT if self.is_deleted else self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).strip()

    @property
    def has_complete_profile(self) -> bool:
        return self.profile_completed_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def get_full_name(self) -> str:
        if self.is_deleted:
            return DELETED_ACCOUNT
        return self.full_name or self.email

    def get_short_name(self) -> str:
        if self.is_deleted:
            return DELETED_ACCOUNT
        return self.full_name.split(" ")[0] if self.full_name else self.email
