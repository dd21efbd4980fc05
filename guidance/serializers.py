from rest_framework import serializers

from guidance.models import Article
from heeljournal.enums import GuidanceCategory


class ArticleSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ("slug", "title", "category", "summary", "updated_at")
        read_only_fields = fields


class ArticleSerializer(ArticleSummarySerializer):
    body = serializers.CharField(source="markdown", read_only=True, help_text="Markdown")
    body_html = serializers.CharField(source="html", read_only=True, help_text="The body as sanitized HTML")

    class Meta(ArticleSummarySerializer.Meta):
        fields = ArticleSummarySerializer.Meta.fields + ("body", "body_html")
        read_only_fields = fields


class SuggestedArticleSerializer(ArticleSummarySerializer):
    why = serializers.CharField(read_only=True, help_text="Why this article is shown, in plain words")

    class Meta(ArticleSummarySerializer.Meta):
        fields = ArticleSummarySerializer.Meta.fields + ("why",)
        read_only_fields = fields


class CategoryFilterSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=GuidanceCategory.choices, required=False)
