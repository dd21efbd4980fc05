"""Every enumeration of the API contract (../shared/api-contract.md), in one place."""

from django.db import models


class Platform(models.TextChoices):
    IOS = "ios", "iOS"
    ANDROID = "android", "Android"


class FootwearKind(models.TextChoices):
    ATHLETIC = "athletic", "Athletic"
    DRESS = "dress", "Dress"
    BOOT = "boot", "Boot"
    SANDAL = "sandal", "Sandal"
    FLAT = "flat", "Flat"
    HEEL = "heel", "Heel"
    WORK = "work", "Work"
    SLIPPER = "slipper", "Slipper"
    OTHER = "other", "Other"


class SupportLevel(models.TextChoices):
    NONE = "none", "None"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both"


class HeelLocation(models.TextChoices):
    MEDIAL = "medial", "Inner side"
    LATERAL = "lateral", "Outer side"
    POSTERIOR = "posterior", "Back"
    PLANTAR = "plantar", "Underside"
    WHOLE_HEEL = "whole_heel", "Whole heel"


class Sensation(models.TextChoices):
    NUMBNESS = "numbness", "Numbness"
    TINGLING = "tingling", "Tingling"
    PINS_AND_NEEDLES = "pins_and_needles", "Pins and needles"
    BURNING = "burning", "Burning"


class ActivityKind(models.TextChoices):
    STANDING = "standing", "Standing"
    WALKING = "walking", "Walking"
    RUNNING = "running", "Running"
    HIGH_IMPACT = "high_impact", "High-impact exercise"
    CYCLING = "cycling", "Cycling"
    SITTING = "sitting", "Sitting"
    OTHER = "other", "Other"


class ReliefMeasure(models.TextChoices):
    REST = "rest", "Rest"
    COLD_PACK = "cold_pack", "Cold pack"
    STRETCHING = "stretching", "Stretching"
    FOOTWEAR_CHANGE = "footwear_change", "Footwear change"
    ORTHOTICS = "orthotics", "Orthotics"
    NSAID = "nsaid", "Anti-inflammatory medicine"
    OTHER = "other", "Other"


class EscalationLevel(models.TextChoices):
    """Ordered from least to most pressing; LEVEL_RANKS compares them."""

    INFO = "info", "Worth reading about"
    SEE_CLINICIAN = "see_clinician", "Book a visit"
    URGENT = "urgent", "Be seen today"
    EMERGENCY = "emergency", "Get emergency care now"


class EscalationState(models.TextChoices):
    """Where an escalation stands (Escalation.state): not stored, read off its times."""

    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CLOSED = "closed", "Closed unacknowledged"


# Looked up, not counted out: a nightly sweep compares levels for each open escalation. A level
# as stored (a plain string) finds its rank too.
LEVEL_RANKS = {level: rank for rank, level in enumerate(EscalationLevel)}


class EscalationReason(models.TextChoices):
    PERSISTENT = "persistent", "Numbness that persists"
    WORSENING = "worsening", "Numbness that is getting worse"
    INCREASING_PAIN = "increasing_pain", "Increasing pain"
    BILATERAL_PATTERN = "bilateral_pattern", "Both feet"
    RADIATING_PATTERN = "radiating_pattern", "Running down from the back"
    SUDDEN_SEVERE = "sudden_severe", "Sudden, severe onset"
    FOOT_WEAKNESS = "foot_weakness", "Weakness in the foot"
    BOWEL_BLADDER = "bowel_bladder", "Bowel or bladder change"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    PUSH = "push", "Push"


class GuidanceCategory(models.TextChoices):
    HOME_RELIEF = "home_relief", "Home relief"
    RED_FLAGS = "red_flags", "Red flags"
    CAUSES = "causes", "Causes"
    EVALUATION = "evaluation", "Evaluation"
    TREATMENT = "treatment", "Treatment"
