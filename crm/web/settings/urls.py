"""The settings pages, under /settings/ (config/urls_tenant.py includes them)."""

from django.urls import path

from crm.web.settings import access, documents, pages, pipelines, pool, teams, users
from crm.web.settings.customize import fields as customize_fields
from crm.web.settings.customize import layouts as customize_layouts
from crm.web.settings.customize import objects as customize_objects
from crm.web.time_zones import company_time_zone

urlpatterns = [
    path("", pages.settings_home, name="settings"),
    path("users/", users.user_list, name="settings-users"),
    path("users/invite/", users.user_invite, name="settings-user-invite"),
    path("users/<int:pk>/", users.user_detail, name="settings-user"),
    path("users/<int:pk>/active/", users.user_set_active, name="settings-user-active"),
    path("users/<int:pk>/reassign/", users.user_reassign, name="settings-user-reassign"),
    path("teams/", teams.team_list, name="settings-teams"),
    path("teams/new/", teams.team_create, name="settings-team-create"),
    path("teams/<int:pk>/edit/", teams.team_edit, name="settings-team-edit"),
    path("teams/<int:pk>/delete/", teams.team_delete, name="settings-team-delete"),
    path("access/", access.access_page, name="settings-access"),
    path("access/modules/", access.access_modules, name="settings-access-modules"),
    path("access/fields/", access.access_fields, name="settings-access-fields"),
    path("pool/", pool.pool_settings_page, name="settings-pool"),
    path("time-zone/", company_time_zone, name="settings-time-zone"),
    path("documents/", documents.document_settings, name="settings-documents"),
    path("documents/logo/", documents.document_logo, name="settings-document-logo"),
    path("pipelines/", pipelines.pipeline_list, name="settings-pipelines"),
    path("pipelines/new/", pipelines.pipeline_create, name="settings-pipeline-create"),
    path("pipelines/<int:pk>/", pipelines.pipeline_detail, name="settings-pipeline"),
    path("pipelines/<int:pk>/edit/", pipelines.pipeline_edit, name="settings-pipeline-edit"),
    path("pipelines/<int:pk>/default/", pipelines.pipeline_make_default, name="settings-pipeline-default"),
    path("pipelines/<int:pk>/delete/", pipelines.pipeline_delete, name="settings-pipeline-delete"),
    path("pipelines/<int:pk>/stages/new/", pipelines.stage_create, name="settings-stage-create"),
    path("stages/<int:pk>/edit/", pipelines.stage_edit, name="settings-stage-edit"),
    path("stages/<int:pk>/move/", pipelines.stage_move, name="settings-stage-move"),
    path("stages/<int:pk>/delete/", pipelines.stage_delete, name="settings-stage-delete"),
    path("customize/", customize_objects.customize_home, name="settings-customize"),
    path("customize/objects/new/", customize_objects.object_create, name="settings-object-create"),
    path("customize/objects/<int:pk>/restore/", customize_objects.object_restore, name="settings-object-restore"),
    path("customize/fields/<int:pk>/edit/", customize_fields.field_edit, name="settings-field-edit"),
    path("customize/fields/<int:pk>/move/", customize_fields.field_move, name="settings-field-move"),
    path("customize/fields/<int:pk>/hide/", customize_fields.field_hide, name="settings-field-hide"),
    path("customize/fields/<int:pk>/delete/", customize_fields.field_delete, name="settings-field-delete"),
    path("customize/fields/<int:pk>/restore/", customize_fields.field_restore, name="settings-field-restore"),
    path("customize/<slug:object_name>/", customize_fields.object_fields, name="settings-customize-object"),
    path("customize/<slug:object_name>/fields/new/", customize_fields.field_create, name="settings-field-create"),
    path("customize/<slug:object_name>/layout/form/", customize_layouts.form_layout, name="settings-form-layout"),
    path("customize/<slug:object_name>/layout/list/", customize_layouts.list_layout, name="settings-list-layout"),
    path("customize/<slug:object_name>/edit/", customize_objects.object_edit, name="settings-object-edit"),
    path("customize/<slug:object_name>/delete/", customize_objects.object_delete, name="settings-object-delete"),
]
