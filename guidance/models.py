from django.db import models

from guidance.rendering import markdown_to_safe_html
from heeljournal.enums import GuidanceCategory

# Every article ends with this line. It is written here once, not in each content file.
NOT_A_PROFESSIONAL = (
    "HeelJournal helps you notice patterns and know when to get help; "
    "it does not replace advice from a health professional."
)


class Article(models.Model):
    """A guidance page, loaded from guidance/content/<slug>.md and editable in the admin."""

    slug = models.SlugField(max_length=80, unique=True)  # other code links articles by slug
    title = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=GuidanceCategory.choices)
    summary = models.CharField(max_length=300)
    body = models.TextField(help_text="Markdown. The line saying the app does not replace a professional is added.")
    order = models.PositiveSmallIntegerField(default=0, help_text="Smaller comes first in the list.")
    updated_at = models.DateTimeField(auto_now=True)
    # Digest of the content file last loaded: an edit made in the admin stays until the file changes.
    source_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self):
        return self.title

    @property
    def markdown(self):
        """The body as readers get it, ending with the line that the app is not a professional."""
        return f"{self.body.rstrip()}\n\n*{NOT_A_PROFESSIONAL}*\n"

    @property
    def html(self):
        return markdown_to_safe_html(self.markdown)
