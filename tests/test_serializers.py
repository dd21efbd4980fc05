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
