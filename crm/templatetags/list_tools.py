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


@register.simple_tag(takes_context=True)
def list_cell(context, column, row):
    """`{% list_cell column row %}`: one cell of the list partial, the column's
    template (crm.web.columns) rendered with `row` and its `value`."""
    value = row
    for name in column.value.split(".") if column.value else ():
        value = getattr(value, name, None)
        if callable(value):
            value = value()
    with context.push(row=row, value=value):
        return context.template.engine.get_template(column.template).render(context)
