from django.contrib import admin
from django.utils.safestring import mark_safe

from guidance.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Staff with the article permissions edit guidance here; the edit stays until its file changes."""

    list_display = ("title", "slug", "category", "order", "updated_at")
    list_filter = ("category",)
    search_fields = ("title", "slug", "summary", "body")
    ordering = ("order", "slug")
    readonly_fields = ("updated_at", "preview")
    fields = ("title", "slug", "category", "summary", "order", "body", "preview", "updated_at")

    @admin.display(description="As the app shows it")
    def preview(self, article):
        return mark_safe(article.html) if article.pk else "-"  # already cleaned by nh3
