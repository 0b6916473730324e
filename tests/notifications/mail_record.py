"""An e-mail backend for the worker-kill test: appends one line per message
(Message-ID, then the recipient) to the file ``settings.MAIL_RECORD``, and
syncs it, so that what a killed process sent is on disk."""
import os

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        with open(settings.MAIL_RECORD, "a", encoding="utf-8") as record:
            for message in email_messages:
                record.write(f"{message.extra_headers.get('Message-ID', '')} {','.join(message.to)}\n")
                record.flush()
                os.fsync(record.fileno())
        return len(email_messages)
