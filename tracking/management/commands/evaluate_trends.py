from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from tracking.evaluation import users_evaluate


class Command(BaseCommand):
    help = "Run the trend rules now, for one user or everyone, and print what was decided."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", metavar="EMAIL")
        who.add_argument("--all", action="store_true")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, user=None, all=False, batch_size=500, **options):
        if user:
            ids = list(User.objects.filter(email__iexact=user).values_list("pk", flat=True))
            if not ids:
                raise CommandError(f"No user with the email {user}.")
        else:
            ids = list(User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
        decided = 0
        for start in range(0, len(ids), batch_size):
            for email, changes in users_evaluate(user_ids=ids[start : start + batch_size]).items():
                decided += 1
                self.stdout.write(f"{email}: {'; '.join(changes)}")
        self.stdout.write(f"Evaluated {len(ids)} user(s); escalations changed for {decided}.")
