"""The kinds of event a webhook subscription may listen to. Each is written
to the outbox by the service that makes the change, in its transaction."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    CAMPAIGN_OPENED = "campaign.opened", _("A campaign was opened")
    CAMPAIGN_MOVED = "campaign.moved", _("A campaign moved to another stage")
    TASK_OVERDUE = "task.overdue", _("A task became overdue")
    DOSSIER_DECIDED = "dossier.decided", _("A recognition dossier was decided")
    IMPORT_FINISHED = "import.finished", _("An import finished")
    PING = "ping", _("A test event sent by an administrator")


#: What a subscription may choose (a ping goes to the one subscription it tests).
SUBSCRIBABLE = [kind for kind in EventKind if kind != EventKind.PING]
