from django.contrib import admin

from .models import Agent, Organization, Requester


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "email_domain", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "email_domain"]


@admin.register(Requester)
class RequesterAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "kind", "organization", "is_manager"]
    list_filter = ["kind", "is_manager"]
    search_fields = ["name", "email"]
    autocomplete_fields = ["organization", "user"]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["user", "is_supervisor", "is_away", "is_active"]
    list_filter = ["is_supervisor", "is_away", "is_active", "teams"]
    filter_horizontal = ["teams", "skills"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
