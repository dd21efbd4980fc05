"""The project's ModelSerializer (heeljournal/serializers.py) writes out what DRF's would."""

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from heeljournal.serializers import ModelSerializer
from tracking.models import Footwear


class NamedFootwear(ModelSerializer):
    shout = serializers.SerializerMethodField()

    class Meta:
        model = Footwear
        fields = ("id", "shout", "name")

    def get_shout(self, footwear):
        return footwear.name.upper()


def test_a_field_it_has_no_plan_for_is_written_by_drf():
    footwear = Footwear(id=uuid.UUID(int=7), name="Runners")
    written = NamedFootwear(footwear).data
    assert written == {"id": str(uuid.UUID(int=7)), "shout": "RUNNERS", "name": "Runners"}
    assert list(written.items()) == list(
        serializers.ModelSerializer.to_representation(NamedFootwear(), footwear).items()
    )


def test_a_list_of_values_needs_every_field_to_be_a_column():
    with pytest.raises(ImproperlyConfigured, match="shout is not a column"):
        NamedFootwear.list_columns()


def test_each_serializer_has_fields_of_its_own_bound_to_it():
    first, second = NamedFootwear(Footwear(name="Boots")), NamedFootwear(Footwear(name="Runners"))
    for serializer in (first, second):
        assert all(field.parent is serializer for field in serializer.fields.values())
        assert [field.field_name for field in serializer.fields.values()] == ["id", "shout", "name"]
    assert first.fields["name"] is not second.fields["name"]
    assert (first.data["shout"], second.data["shout"]) == ("BOOTS", "RUNNERS")  # a method field, bound anew


def test_a_nested_serializer_has_fields_of_its_own_under_its_parent():
    from tracking.models import Episode
    from tracking.serializers import EpisodeSerializer

    first, second = (EpisodeSerializer(Episode(), context={"request": request}) for request in ("one", "two"))
    for serializer, request in ((first, "one"), (second, "two")):
        nested = serializer.fields["escalation"].fields["title"]
        assert nested.root is serializer and nested.context == {"request": request}
    templates = type(first)._field_templates.values()
    assert all(template.parent is None for template in templates)  # none keeps a request alive


def test_a_body_is_validated_as_drf_validates_it():
    class DrfFootwear(serializers.ModelSerializer):
        class Meta:
            model = Footwear
            fields = ("name", "kind", "arch_support", "cushioning", "retired")

    class OurFootwear(ModelSerializer):
        class Meta(DrfFootwear.Meta):
            pass

    for body in ({"name": "Runners", "kind": "athletic", "arch_support": "high", "cushioning": "low"}, {"kind": "x"}):
        ours, drfs = OurFootwear(data=body), DrfFootwear(data=body)
        assert ours.is_valid() == drfs.is_valid()
        assert (ours.validated_data, ours.errors) == (drfs.validated_data, drfs.errors)
