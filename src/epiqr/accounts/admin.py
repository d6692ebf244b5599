from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import ApiToken, User


class UserAddForm(AdminUserCreationForm):
    """The role is chosen with the password, so the password is checked against that role's rules."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "role")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserAddForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "province",
        "commune",
        "org_kind",
        "org_id",
    ]
    list_filter = ["role", "province"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("EpiQR", {"fields": ["role", "phone", "province", "commune", "org_kind", "org_id"]}),
    ]
    autocomplete_fields = ["commune"]
    raw_id_fields = ["province"]
    actions = ["reset_second_factor"]

    @admin.action(description=gettext_lazy("Reset second factor (lost phone): set up again at next login"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            services.second_factor_reset(actor=request.user, user=user)
        self.message_user(
            request,
            _("Second factor reset for %(n)d account(s). They set up their app at their next login.")
            % {"n": queryset.count()},
            messages.SUCCESS,
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "secret_hash"]
