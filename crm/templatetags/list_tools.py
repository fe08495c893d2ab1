"""`{% list_tools "accounts" %}` (or `{% list_tools list_name export_url %}`): saved views and
export buttons above a list, for any list page (crm.web.listing.list_tools decides what they hold)."""

from django import template

from crm.web.listing import list_tools as tools_for

register = template.Library()


@register.inclusion_tag("crm/_list_tools.html", takes_context=True)
def list_tools(context, list_name, export_url=None):
    request = context["request"]
    return {
        "tools": tools_for(request, list_name, export_url),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
