"""A ModelSerializer that does once per class what DRF does for every object.

DRF builds and binds each field from the model for every serializer it makes, and walks the
fields generically for every object it writes out. On a page of 50 episodes that was most of
the request's CPU time (measured with cProfile; see bench/README.md). Here the fields are
built and bound once per class (each serializer gets shallow copies, with itself as their
parent), and writing out follows a plan made once from those fields: which attribute to
read, and how to convert it; a list writes out rows as read (heeljournal/pages.py).
"""

import operator
from datetime import UTC, date

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.fields import Field
from rest_framework.utils.serializer_helpers import BindingDict

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


def utc_iso(value):
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
        return source, utc_iso
    if isinstance(field, serializers.DateField):
        return source, date.isoformat
    if isinstance(field, serializers.UUIDField):
        return source, str
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return model._meta.get_field(source).attname, str  # the id, without loading the object
    if isinstance(field, PLAIN):
        return source, None
    return None, None


def _shallow(instance):
    """A copy sharing the original's attribute values (copy.copy, without its pickling protocol)."""
    fresh = object.__new__(type(instance))
    fresh.__dict__.update(instance.__dict__)
    return fresh


def _fresh(field, parent):
    """A field of its own for one serializer: a shallow copy of one already bound by name (a
    field's settings are only read), given its parent, with a child field of its own. DRF's
    deep copy calls every constructor again (15% of a create), and binding every field
    anew for every serializer was half of validating a create's body (measured)."""
    fresh = _shallow(field)
    fresh.parent = parent
    fresh.__dict__.pop("fields", None)  # a nested serializer builds fields of its own, under this parent
    if (child := getattr(field, "child", None)) is not None:
        fresh.child = _shallow(child)
        fresh.child.parent = fresh  # bound by name with the field; only its parent differs
        fresh.child.__dict__.pop("fields", None)
    return fresh


def _binds_by_name(field):
    """Whether binding the field only sets its name, label and source (DRF's Field.bind)."""
    return type(field).bind is Field.bind


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
    def row_fields(self):
        """(field name, column) of each field: a list reads columns (a relation's is its id)."""
        meta, pairs = self.model._meta, []
        for field in self.fields:
            try:
                column = getattr(meta.get_field(field.source), "column", None)
            except FieldDoesNotExist:
                column = None
            if column is None:
                raise ImproperlyConfigured(f"{field.field_name} is not a column: list with model objects")
            pairs.append((field.field_name, column))
        return pairs

    @cached_property
    def columns(self):
        """What a list reads: the fields' columns in the fields' order, then a tombstone's
        deleted_at."""
        tombstones = any(field.column == "deleted_at" for field in self.model._meta.concrete_fields)
        return [column for _, column in self.row_fields] + (["deleted_at"] if tombstones else [])

    @cached_property
    def nested(self):
        """Nested objects (an episode's escalation), read once for a whole page of a list."""
        return [
            (field, self.model._meta.get_field(field.source).related_model)
            for field in self.fields
            if isinstance(field, serializers.BaseSerializer)
        ]


class TextField(serializers.CharField):
    """Text that arrives as text: DRF's CharField takes 123 as "123", which a phone sending a
    number where it meant a note would never learn of."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = serializers.ModelSerializer.serializer_field_mapping | {
        models.CharField: TextField,
        models.TextField: TextField,
    }

    @cached_property
    def fields(self):
        cls = type(self)
        if "_field_templates" not in cls.__dict__:
            templates = super().get_fields()
            for name, field in templates.items():
                if _binds_by_name(field):
                    field.bind(field_name=name, parent=self)  # once: a copy only changes its parent
                    field.parent = None  # a template holds no serializer, so no request's data
                for one in (field, getattr(field, "child", None)):
                    if one is not None and not isinstance(one, serializers.BaseSerializer):
                        one.validators  # noqa: B018 (a lazy property, built once, shared by the copies)
            cls._field_templates = templates
        fields = BindingDict(self)
        for name, template in cls._field_templates.items():
            if _binds_by_name(template):
                fields.fields[name] = _fresh(template, parent=self)
            else:  # its binding does more (a method field names its method): bind a copy
                fields[name] = _fresh(template, parent=self)
        return fields

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

    # --- Lists from rows -------------------------------------------------------------------
    # Making a model instance per row (its __init__, descriptors, converters) and writing it
    # out field by field was most of listing a page of 50 (measured). A list reads only the
    # columns written out (heeljournal/pages.py) and writes out the values as read: the
    # renderer writes times, dates and ids as DRF's fields do.

    @classmethod
    def list_columns(cls):
        return cls._plan().columns

    @classmethod
    def answers_from(cls, rows):
        """The answers for rows of list_columns' values, in the fields' order."""
        plan = cls._plan()
        names = [name for name, _ in plan.row_fields]
        answers = [dict(zip(names, row, strict=False)) for row in rows]  # deleted_at may follow the fields
        for field, model in plan.nested:
            name = field.field_name
            ids = {answer[name] for answer in answers} - {None}
            objects = model._default_manager.filter(pk__in=ids) if ids else ()
            found = {obj.pk: field.to_representation(obj) for obj in objects}
            for answer in answers:
                if answer[name] is not None:
                    answer[name] = found.get(answer[name])
        return answers
