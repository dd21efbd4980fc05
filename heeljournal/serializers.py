"""A ModelSerializer that does once per class what DRF does for every object.

DRF builds each field from the model for every serializer it makes, and walks the fields
generically for every object it writes out. On a page of 50 episodes that was most of the
request's CPU time (measured with cProfile; see bench/README.md). Here the fields are built
once per class (each serializer gets its own copy, as DRF's declared fields do), and
writing out follows a plan of plain conversions made once from those fields.
"""

import copy
from datetime import UTC

from rest_framework import serializers


def _utc_iso(value):
    """DRF's rendering of a time: UTC, ISO 8601, `Z` for the offset."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _converter(field, model):
    """A function from an object to this field's output, or None where DRF's own is needed."""
    source = field.source
    if "." in source or source == "*":
        return None
    if isinstance(field, serializers.DateTimeField):
        return lambda obj: _utc_iso(getattr(obj, source))
    if isinstance(field, (serializers.DateField, serializers.UUIDField)):
        output = (lambda value: value.isoformat()) if isinstance(field, serializers.DateField) else str
        return lambda obj: None if (value := getattr(obj, source)) is None else output(value)
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        attname = model._meta.get_field(source).attname  # the id, without loading the object
        return lambda obj: None if (value := getattr(obj, attname)) is None else str(value)
    if isinstance(field, serializers.BaseSerializer):
        return lambda obj: None if (value := getattr(obj, source)) is None else field.to_representation(value)
    plain = (
        serializers.CharField,
        serializers.IntegerField,
        serializers.FloatField,
        serializers.BooleanField,
        serializers.ChoiceField,
        serializers.ListField,
        serializers.DictField,
        serializers.JSONField,
        serializers.ModelField,
    )
    if isinstance(field, plain) and not isinstance(field, serializers.SerializerMethodField):
        return lambda obj: getattr(obj, source)  # stored values are already of the output type
    return None


class ModelSerializer(serializers.ModelSerializer):
    def get_fields(self):
        cls = type(self)
        if "_built_fields" not in cls.__dict__:
            cls._built_fields = super().get_fields()
        return copy.deepcopy(cls._built_fields)

    def to_representation(self, instance):
        cls = type(self)
        if "_output_plan" not in cls.__dict__:
            cls._output_plan = [
                (field.field_name, _converter(field, self.Meta.model)) for field in self._readable_fields
            ]
        fields = None
        output = {}
        for name, convert in cls._output_plan:
            if convert is None:
                fields = fields or self.fields
                attribute = fields[name].get_attribute(instance)
                output[name] = None if attribute is None else fields[name].to_representation(attribute)
            else:
                output[name] = convert(instance)
        return output
