"""The base of the API's model answers."""
from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import serializers


class Answer(serializers.ModelSerializer):
    """A model's answer in which a choice the model lets be blank (or null)
    says so in the schema, read-only ones too: DRF drops ``allow_blank`` and
    ``allow_null`` from read-only fields, and the schema's enum would then
    refuse the "" (or null) the answer holds."""

    def get_fields(self):
        fields = super().get_fields()
        meta = self.Meta.model._meta
        for name, field in fields.items():
            source = field.source or name  # bound later: the name until then
            if not (isinstance(field, serializers.ChoiceField) and field.read_only) or "." in source:
                continue
            try:
                model_field = meta.get_field(source)
            except FieldDoesNotExist:
                continue
            if isinstance(model_field, models.CharField | models.TextField):
                field.allow_blank = field.allow_blank or model_field.blank
            field.allow_null = field.allow_null or bool(getattr(model_field, "null", False))
        return fields
