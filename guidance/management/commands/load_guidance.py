from django.core.management.base import BaseCommand, CommandError

from guidance.articles import CONTENT_DIR, ArticleFileError, articles_load


class Command(BaseCommand):
    help = "Load the guidance articles from their Markdown files; unchanged files change nothing."

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=CONTENT_DIR, help="Folder of <slug>.md files")

    def handle(self, *args, directory, **options):
        try:
            report = articles_load(directory=directory)
        except ArticleFileError as error:
            raise CommandError(str(error)) from None
        for label, slugs in (("Created", report.created), ("Updated", report.updated)):
            for slug in slugs:
                self.stdout.write(f"{label} {slug}")
        for slug in report.without_file:
            self.stdout.write(self.style.WARNING(f"Kept {slug}: it has no file (other records may link it)"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Guidance: {len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.unchanged)} unchanged."
            )
        )
