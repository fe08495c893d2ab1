"""Pages of the list tools (saved views, exports) and of the actions on an
account's, a contact's or a deal's page, included by config/urls_tenant.py in one line
so that file, which every area edits, stays small."""

from django.urls import path

from crm.web import accounts, contacts, deals, deletion, record_actions, saved_views

urlpatterns = [
    path("accounts/<int:pk>/delete/", deletion.account_delete, name="account-page-delete"),
    path("contacts/<int:pk>/delete/", deletion.contact_delete, name="contact-page-delete"),
    path("leads/<int:pk>/delete/", deletion.lead_delete, name="lead-page-delete"),
    path("deals/<int:pk>/delete/", deletion.deal_delete, name="deal-page-delete"),
    path("accounts/export/", accounts.account_export, name="accounts-export"),
    path("accounts/<int:pk>/watch/", accounts.account_watch, name="account-page-watch"),
    path("accounts/<int:pk>/release/", accounts.account_release, name="account-page-release"),
    path("accounts/<int:pk>/share/", accounts.account_share, name="account-page-share"),
    path("accounts/<int:pk>/unshare/", accounts.account_unshare, name="account-page-unshare"),
    path("accounts/<int:pk>/merge/", accounts.account_merge, name="account-page-merge"),
    path("accounts/<int:pk>/files/", accounts.account_attach, name="account-page-attach"),
    path("contacts/export/", contacts.contact_export, name="contacts-export"),
    path("contacts/<int:pk>/share/", contacts.contact_share, name="contact-page-share"),
    path("contacts/<int:pk>/unshare/", contacts.contact_unshare, name="contact-page-unshare"),
    path("contacts/<int:pk>/merge/", contacts.contact_merge, name="contact-page-merge"),
    path("contacts/<int:pk>/files/", contacts.contact_attach, name="contact-page-attach"),
    path("contacts/<int:pk>/accounts/", contacts.contact_link_account, name="contact-page-link-account"),
    path(
        "contacts/<int:pk>/accounts/<int:account_pk>/unlink/",
        contacts.contact_unlink_account,
        name="contact-page-unlink-account",
    ),
    path("deals/export/", deals.deal_export, name="deals-export"),
    path("deals/<int:pk>/files/", deals.deal_attach, name="deal-page-attach"),
    path("files/<int:pk>/", record_actions.attachment_download, name="file-download"),
    path("files/<int:pk>/delete/", record_actions.attachment_delete, name="file-delete"),
    path("saved-views/", saved_views.saved_view_create, name="saved-view-create"),
    path("saved-views/<int:pk>/", saved_views.saved_view_edit, name="saved-view-edit"),
    path("saved-views/<int:pk>/delete/", saved_views.saved_view_delete, name="saved-view-delete"),
]
