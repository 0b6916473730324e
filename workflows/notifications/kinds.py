"""The kinds of notification: what the model stores, what ``texts`` writes
for each, and what the apps that notify ask for."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", _("Task assigned")
    CAMPAIGN_ASSIGNED = "campaign_assigned", _("Campaign assigned")
    STAGE_CHANGED = "stage_changed", _("Stage changed")
    BEFORE_DUE = "before_due", _("Task due soon")
    DUE_TODAY = "due_today", _("Task due today")
    OVERDUE_DIGEST = "overdue_digest", _("Overdue tasks")
    ESCALATION_OVERDUE = "escalation_overdue", _("Escalation: overdue tasks")
    ESCALATION_STALLED = "escalation_stalled", _("Escalation: stalled campaigns")
    REVIEW_WAITING = "review_waiting", _("Recognition dossier waiting")
    REVIEW_RETURNED = "review_returned", _("Recognition dossier returned")
    REVIEW_ESCALATED = "review_escalated", _("Escalation: recognition dossier waiting too long")
