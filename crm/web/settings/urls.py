"""The settings pages, under /settings/ (config/urls_tenant.py includes them)."""

from django.urls import path

from crm.web.settings import access, pages, pipelines, pool, teams, users

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
]
