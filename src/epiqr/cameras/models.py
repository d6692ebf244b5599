from django.db import models
from django.utils.translation import gettext_lazy as _


class CameraKind(models.TextChoices):
    CHECKPOINT = "checkpoint", _("Checkpoint (reads QR codes)")
    QUARANTINE = "quarantine", _("Quarantine zone (watches a door)")
    CROWD = "crowd", _("Street or crowd (counts people)")


class Detector(models.TextChoices):
    HOG = "hog", _("Pedestrian detector (HOG)")
    BLOBS = "blobs", _("Background subtraction (empty-scene reference)")


class Camera(models.Model):
    """A camera whose frames EpiQR reads: posted by a camera gateway, or read from a video file or a stream
    by `epiqr camera_read`. Regions are fractions of the frame [x0, y0, x1, y1]."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=CameraKind.choices)
    commune = models.ForeignKey(
        "geo.Commune", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    checkpoint = models.ForeignKey(
        "checkpoints.Checkpoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cameras",
        verbose_name=_("checkpoint"),
    )
    location = models.CharField(_("location"), max_length=255, blank=True)
    region = models.JSONField(_("region of interest"), default=list, blank=True)
    door = models.JSONField(_("door region"), default=list, blank=True)
    threshold = models.PositiveIntegerField(_("crowd threshold (people)"), default=20)
    sustain_minutes = models.PositiveSmallIntegerField(_("alert after (minutes above)"), default=5)
    alert_every_minutes = models.PositiveSmallIntegerField(_("at most one alert every (minutes)"), default=15)
    detector = models.CharField(
        _("people detector"), max_length=8, choices=Detector.choices, default=Detector.HOG
    )
    quarantine_until = models.DateTimeField(_("household in quarantine until"), null=True, blank=True)
    # The person in quarantine behind the watched door: their quarantine's start and end set
    # `quarantine_until` (cameras/flows.py reacts to quarantine_started / quarantine_ended).
    household = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("person in quarantine behind the door"),
    )
    stream_url = models.CharField(_("stream or file"), max_length=500, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # Between frames a camera keeps only these: a 32x32 blurred thumbnail of the door region and, for the
    # "blobs" detector, the empty-scene reference (a frame taken with nobody in it).
    door_thumbnail = models.BinaryField(null=True, blank=True, editable=False)
    reference = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")

    def __str__(self) -> str:
        return self.name


class CrowdCount(models.Model):
    """People counted in a crowd camera's region at one moment (the dashboards' crowding view)."""

    camera = models.ForeignKey(
        Camera, on_delete=models.CASCADE, related_name="counts", verbose_name=_("camera")
    )
    at = models.DateTimeField(_("time"))
    people = models.PositiveIntegerField(_("people"))

    class Meta:
        ordering = ["-at"]
        verbose_name = _("crowd count")
        verbose_name_plural = _("crowd counts")
        indexes = [models.Index(fields=["camera", "at"], name="crowd_count_camera_at")]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.at:%Y-%m-%d %H:%M} {self.people}"


class AlertKind(models.TextChoices):
    CROWD = "crowd", _("Crowd above the threshold")
    DOOR = "door", _("Movement through a quarantined door")
    PASSAGE = "passage", _("Code refused at a checkpoint camera")


class CameraAlert(models.Model):
    camera = models.ForeignKey(
        Camera, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("camera")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=AlertKind.choices)
    at = models.DateTimeField(_("time"))
    people = models.PositiveIntegerField(_("people"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    notified = models.PositiveSmallIntegerField(_("officers told"), default=0)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("camera alert")
        verbose_name_plural = _("camera alerts")
        indexes = [models.Index(fields=["camera", "kind", "at"], name="camera_alert_kind_at")]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Frame(models.Model):
    """A frame kept as evidence of one alert, until `kept_until` (EPIQR_CAMERA_FRAME_HOURS after it):
    personal data, every view audited, deleted by the daily purge. Frames of valid passages, of counts and
    of quiet doors are never stored."""

    alert = models.OneToOneField(
        CameraAlert, on_delete=models.CASCADE, related_name="frame", verbose_name=_("alert")
    )
    image = models.BinaryField(_("image (JPEG)"))
    kept_until = models.DateTimeField(_("kept until"), db_index=True)

    class Meta:
        verbose_name = _("frame")
        verbose_name_plural = _("frames")

    def __str__(self) -> str:
        return f"frame of alert {self.alert_id}"
