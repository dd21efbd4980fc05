"""A ModelSerializer that does once per class what DRF does for every object.

DRF builds each field from the model for every serializer it makes, and walks the fields
generically for every object it writes out. On a page of 50 episodes that was most of the
request's CPU time (measured with cProfile; see bench/README.md). Here the fields are built
once per class (each serializer gets its own shallow copies to bind), and writing out
follows a plan made once from those fields: which attribute to read, and how to convert it.
"""

import copy
import operator
from datetime import UTC, date
from functools import cached_property
from types import SimpleNamespace

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from rest_framework import serializers

# Fields whose stored value is already what the answer holds.
PLAIN = (
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


def _utc_iso(value):
    """DRF's rendering of a time: UTC, ISO 8601, `Z` for the offset."""
    if value.tzinfo is not UTC:  # times read from the database already are
        value = value.astimezone(UTC)
    return value.isoformat()[:-6] + "Z"  # "+00:00" in UTC


def _reading(field, model):
    """(attribute, conversion) that writes this field out from an object, the conversion None
    when the stored value is the output; (None, None) where DRF's own way is needed."""
    source = field.source
    if "." in source or source == "*" or isinstance(field, serializers.SerializerMethodField):
        return None, None
    if isinstance(field, serializers.DateTimeField):
        return source, _utc_iso
    if isinstance(field, serializers.DateField):
        return source, date.isoformat
    if isinstance(field, serializers.UUIDField):
        return source, str
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return model._meta.get_field(source).attname, str  # the id, without loading the object
    if isinstance(field, PLAIN):
        return source, None
    return None, None


def _fresh(field):
    """A field of its own for one serializer, to bind: a shallow copy (a field's settings are
    only read), with a child field of its own. DRF's deep copy calls every constructor again:
    15% of a create (measured)."""
    fresh = copy.copy(field)
    if (child := getattr(field, "child", None)) is not None:
        fresh.child = copy.copy(child)
        fresh.child.parent = fresh  # already bound by name; only its parent differs
    return fresh


def _tuple_getter(attributes):
    """A function from an object to the tuple of these attributes (attrgetter's own shape
    changes with one attribute, and it takes none)."""
    if len(attributes) > 1:
        return operator.attrgetter(*attributes)
    if attributes:
        one = operator.attrgetter(attributes[0])
        return lambda instance: (one(instance),)
    return lambda instance: ()


class _Plan:
    """How a serializer class writes an object out, and what a list of them reads."""

    def __init__(self, serializer):
        self.model = serializer.Meta.model
        self.fields = list(serializer._readable_fields)
        readings = [(field.field_name, *_reading(field, self.model)) for field in self.fields]
        # Every attribute read in one C call, the few that need converting converted after.
        self.names = [name for name, attribute, _ in readings if attribute is not None]
        self.read = _tuple_getter([attribute for _, attribute, _ in readings if attribute is not None])
        self.conversions = [(name, convert) for name, attribute, convert in readings if attribute and convert]
        self.by_drf = [name for name, attribute, _ in readings if attribute is None]
        self.order = [name for name, _, _ in readings] if self.by_drf else None  # DRF's key order

    @cached_property
    def columns(self):
        """What a list reads: each field's column (a relation's id), and a tombstone's deleted_at."""
        meta = self.model._meta
        columns = {"deleted_at"} & {field.name for field in meta.concrete_fields}
        for field in self.fields:
            try:
                stored = meta.get_field(field.source)
            except FieldDoesNotExist:
                raise ImproperlyConfigured(f"{field.field_name} is not a column: list with model objects") from None
            columns.add(stored.attname if stored.is_relation else stored.name)
        return sorted(columns)

    @cached_property
    def nested(self):
        """Nested objects (an episode's escalation), read once for a whole page of a list."""
        return [
            (field.source, self.model._meta.get_field(field.source))
            for field in self.fields
            if isinstance(field, serializers.BaseSerializer)
        ]


class ModelSerializer(serializers.ModelSerializer):
    def get_fields(self):
        cls = type(self)
        if "_built_fields" not in cls.__dict__:
            cls._built_fields = super().get_fields()
            for field in cls._built_fields.values():  # validators are built once, shared by the copies
                for one in (field, getattr(field, "child", None)):
                    if one is not None:
                        one.validators  # noqa: B018 (a lazy property)
        return {name: _fresh(field) for name, field in cls._built_fields.items()}

    def get_validators(self):
        """The model's uniqueness validators, found once per class: DRF rebuilds them, with a
        queryset, for every serializer."""
        cls = type(self)
        if "_built_validators" not in cls.__dict__:
            cls._built_validators = super().get_validators()
        return list(cls._built_validators)

    @classmethod
    def _plan(cls):
        if "_output_plan" not in cls.__dict__:
            cls._output_plan = _Plan(cls())
        return cls._output_plan

    def to_representation(self, instance):
        plan = self._plan()
        output = dict.fromkeys(plan.order) if plan.order else {}
        output.update(zip(plan.names, plan.read(instance), strict=True))
        for name, convert in plan.conversions:
            if (value := output[name]) is not None:
                output[name] = convert(value)
        for name in plan.by_drf:
            field = self.fields[name]
            value = field.get_attribute(instance)
            output[name] = None if value is None else field.to_representation(value)
        return output

    # --- Lists without model instances ------------------------------------------------------
    # Making a model instance per row (its __init__, descriptors, converters) was the largest
    # part of listing a page of 50 (measured). A list reads only the columns written out, as
    # values, and writes them out from light records with the same attributes.

    @classmethod
    def values_of(cls, queryset):
        """The queryset as value rows holding what this serializer writes out."""
        return queryset.values(*cls._plan().columns)

    @classmethod
    def records_from(cls, rows):
        """Value rows as records this serializer writes out."""
        records = [SimpleNamespace(**row) for row in rows]
        for name, relation in cls._plan().nested:
            ids = {getattr(record, relation.attname) for record in records} - {None}
            found = relation.related_model._default_manager.in_bulk(ids) if ids else {}
            for record in records:
                setattr(record, name, found.get(getattr(record, relation.attname)))
        return records
