from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import AccessToken, Device, User
from careteam.scoping import ClinicianScopedAdmin


@admin.register(User)
class UserAdmin(ClinicianScopedAdmin, BaseUserAdmin):
    """Superusers manage accounts here; clinicians meet their patients under Care team › Patients."""

    patient_lookup = "pk"
    log_views = False  # an account, not the journal
    ordering = ("email",)
    list_display = ("email", "timezone", "is_staff", "date_joined")
    search_fields = ("email",)
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Preferences", {"fields": User.PREFERENCE_FIELDS}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser or obj is None:
            return super().get_fieldsets(request, obj)
        return ((None, {"fields": ("email", "timezone")}),)  # no password digest, no permissions


@admin.register(AccessToken)
class AccessTokenAdmin(ClinicianScopedAdmin, admin.ModelAdmin):
    log_views = False
    made_by_the_app = True
    list_display = ("user", "device_name", "created_at", "last_used_at")
    readonly_fields = ("user", "digest", "device_name", "created_at", "last_used_at")
    search_fields = ("user__email",)


@admin.register(Device)
class DeviceAdmin(ClinicianScopedAdmin, admin.ModelAdmin):
    log_views = False
    made_by_the_app = True
    list_display = ("user", "platform", "active", "created_at")
    list_filter = ("platform", "active")
    search_fields = ("user__email",)
