"""Model classes for custom objects' records (docs/decisions/008).

One class per table name, built on first use in a private app registry: the
global registry (and so the user model's relations, migrations, admin and
every other tenant's view of the app) never learns about it. A class holds only
the base columns every `cx_` table has, so one shared by two tenants who both
have a `vehicle` carries nothing of either; their fields are per-request
annotations (crm.builder.query).
"""

import threading
from typing import Any

from django.apps.registry import Apps
from django.contrib.auth import get_user_model
from django.db import models

# Content types of custom records are ("cx", <object name>).
APP_LABEL = "cx"

_apps = Apps(installed_apps=())
_lock = threading.Lock()
_models: dict[str, type[models.Model]] = {}


def _user_model() -> type[models.Model]:
    user = get_user_model()
    # The owner's foreign key resolves its target in this registry; registering
    # the class here changes nothing on it (its relations come from the global one).
    if (user._meta.app_label, user._meta.model_name) not in {
        (label, name) for label, found in _apps.all_models.items() for name in found
    }:
        _apps.register_model(user._meta.app_label, user)
    return user


def _build(object_name: str, table: str) -> type[models.Model]:
    meta = type(
        "Meta",
        (),
        {
            "apps": _apps,
            "app_label": APP_LABEL,
            "db_table": table,
            "managed": False,
            "ordering": ["name", "id"],
            "verbose_name": object_name,
        },
    )
    attrs = {
        "__module__": __name__,
        "Meta": meta,
        "id": models.BigAutoField(primary_key=True),
        "name": models.CharField(max_length=255),
        # No constraint from Django's side and no reverse accessor: the table's own
        # foreign key (crm.builder.ddl) is what protects the data.
        "owner": models.ForeignKey(_user_model(), on_delete=models.DO_NOTHING, related_name="+", db_constraint=False),
        "created_at": models.DateTimeField(auto_now_add=True),
        "updated_at": models.DateTimeField(auto_now=True),
        "__str__": lambda self: self.name,
    }
    return type(object_name, (models.Model,), attrs)


def record_model(object_name: str) -> Any:
    """The model class of the table `cx_<object_name>` (whether the current tenant has it is the caller's check)."""
    table = f"cx_{object_name}"
    model = _models.get(table)
    if model is None:
        with _lock:
            model = _models.get(table)
            if model is None:
                model = _models[table] = _build(object_name, table)
    return model


def is_record_model(model: type[models.Model] | models.Model) -> bool:
    """Whether `model` (a class or an instance) is a custom object's record model."""
    return getattr(model._meta, "apps", None) is _apps


def object_name_of(model: type[models.Model] | models.Model) -> str:
    """The custom object's name of a record model (or record): "vehicle" for `cx_vehicle`."""
    return model._meta.db_table[len("cx_") :]
