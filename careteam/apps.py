from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CareteamConfig(AppConfig):
    name = "careteam"
    verbose_name = "Care team"


class HeelJournalAdminConfig(admin_apps.AdminConfig):
    """Django's admin on HeelJournal's site (careteam.site): the clinicians' way in."""

    default = False  # named in INSTALLED_APPS; the careteam app is CareteamConfig
    default_site = "careteam.site.HeelJournalAdminSite"
