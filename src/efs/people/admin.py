from django.contrib import admin

from . import access
from .models import (
    AuditEvent,
    ConsentDocument,
    Educator,
    Macroregion,
    Municipality,
    Organization,
    Region,
    RoleAssignment,
    Subject,
    SupportAssignment,
    User,
)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["username", "last_name", "first_name", "is_active", "is_staff"]
    search_fields = ["username", "last_name", "first_name", "email"]
    exclude = ["password", "user_permissions"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "federal_district", "timezone", "personal_data_basis"]
    list_filter = ["federal_district", "personal_data_basis"]
    search_fields = ["name", "code"]


@admin.register(Macroregion)
class MacroregionAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["regions"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["region"]
    search_fields = ["name"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["display_name", "kind", "municipality", "region", "inn"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "short_name", "inn"]
    raw_id_fields = ["municipality"]


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "scope", "region", "municipality", "organization", "macroregion"]
    list_filter = ["role", "scope"]
    raw_id_fields = ["user", "organization", "municipality"]


@admin.register(SupportAssignment)
class SupportAssignmentAdmin(admin.ModelAdmin):
    list_display = ["supporter", "educator", "kind", "active"]
    raw_id_fields = ["supporter", "educator"]


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "version", "published_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["at", "actor", "action", "object_type", "object_repr", "count", "region"]
    list_filter = ["action", "object_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Educator)
class EducatorAdmin(admin.ModelAdmin):
    """Scoped like every other view of people's data: an operator sees only their scope."""

    list_display = ["full_name", "category", "position", "organization", "region"]
    list_filter = ["category", "qualification_category"]
    search_fields = ["last_name", "first_name", "snils"]
    raw_id_fields = ["organization", "user"]
    filter_horizontal = ["subjects"]

    def get_queryset(self, request):
        return access.scoped(super().get_queryset(request).select_related("organization", "region"), request.user)
