from django.contrib import admin

from .models import Category, PriorityRule, Specialty, SupportTier, Team, Vendor


@admin.register(SupportTier)
class SupportTierAdmin(admin.ModelAdmin):
    list_display = ["level", "code", "name_en", "name_es", "is_external"]
    ordering = ["level"]


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_es"]
    search_fields = ["code", "name_en", "name_es"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "is_active"]
    list_filter = ["tier", "is_active"]
    filter_horizontal = ["specialties"]
    search_fields = ["name"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_es", "tier", "team", "specialty", "is_active"]
    list_filter = ["tier", "is_active"]
    search_fields = ["code", "name_en", "name_es"]


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "support_email",
        "contract_reference",
        "response_time",
        "resolution_time",
        "is_active",
    ]
    filter_horizontal = ["specialties"]
    search_fields = ["name", "support_email"]


@admin.register(PriorityRule)
class PriorityRuleAdmin(admin.ModelAdmin):
    list_display = ["impact", "urgency", "priority"]
    list_editable = ["priority"]
