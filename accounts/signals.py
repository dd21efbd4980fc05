"""Keep cached tokens true to the database: whatever deletes a token or changes its user
(logout, logout-all, account deletion, the admin) drops the cached copies at once."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import AccessToken, User
from accounts.tokens import tokens_forget_cached


@receiver(post_delete, sender=AccessToken)
def forget_deleted_token(sender, instance, **kwargs):
    tokens_forget_cached(digests=[instance.digest])


@receiver(post_save, sender=User)
def forget_tokens_of_changed_user(sender, instance, created, **kwargs):
    if not created and settings.TOKEN_CACHE_SECONDS:
        tokens_forget_cached(digests=list(AccessToken.objects.filter(user=instance).values_list("digest", flat=True)))
