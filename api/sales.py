"""Products, price lists, quotes and orders (CONTRACT.md "Records"): thin over
crm.catalog and crm.sales services and selectors."""

import re
from decimal import Decimal

import django_filters
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.deals import CurrencyField, DateField, StrictPrimaryKeyField
from api.fields import StrictJSONTypes
from api.filters import StrictBooleanFilter
from api.parsers import JSONParser
from api.records import RecordViewSet
from api.schema import VIEW_SERIALIZER
from api.sensitive import SensitiveFieldsMixin
from crm.access import permissions
from crm.accounts.models import Account
from crm.accounts.selectors import accounts_visible_to
from crm.catalog import selectors as catalog
from crm.catalog import services as catalog_services
from crm.catalog.models import Category, PriceList, Product
from crm.contacts.models import Contact
from crm.contacts.selectors import contacts_visible_to
from crm.deals.currencies import minor_units
from crm.deals.models import Deal
from crm.deals.selectors import deals_visible_to
from crm.sales import pdf, selectors
from crm.sales.models import Order, Quote
from crm.sales.services import documents as document_services
from crm.sales.services import orders as order_services
from crm.sales.services import quotes as quote_services
from crm.users.models import User

_DECIMAL = r"^[0-9]{1,14}(\.[0-9]{1,4})?$"


def plain_decimal(value, places=2):
    """A decimal as a string with at least `places` decimals and no trailing zeros beyond them."""
    text = format(Decimal(value).normalize(), "f")
    whole, _dot, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(places, '0')}" if places else text


@extend_schema_field({"type": "string", "format": "decimal", "pattern": _DECIMAL, "example": "0.13"})
class DecimalStringField(serializers.DecimalField):
    """A decimal as a JSON string (CONTRACT.md: money and rates are decimal strings, never floats)."""

    default_error_messages = {"format": 'Enter a number as a string such as "12.5".'}

    def __init__(self, *, max_digits=18, decimal_places=4, places=2, **kwargs):
        self.places = places
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)

    def validate_empty_values(self, data):
        if data == "":
            # DRF reads "" as null where null is allowed; the document's pattern refuses it.
            self.fail("format")
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(_DECIMAL, data):
            self.fail("format")
        return super().to_internal_value(data)

    def to_representation(self, value):
        return None if value is None else plain_decimal(value, self.places)


@extend_schema_field({"type": "string", "format": "decimal", "readOnly": True, "example": "74800.00"})
class AmountField(serializers.Field):
    """An amount of the document, in its currency's minor unit ("113.00"; "1130" for yen)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        currency = getattr(instance, "currency", None) or getattr(self.parent, "document_currency", "CNY")
        return super().get_attribute(instance), currency

    def to_representation(self, value):
        amount, currency = value
        return f"{Decimal(amount):.{minor_units(currency)}f}"


class CatalogWrite(BasePermission):
    """Everyone with the products module reads the catalogue; admins and directors change it."""

    message = "Only admins and directors change the catalogue."

    def has_permission(self, request, view):
        return request.method in ("GET", "HEAD", "OPTIONS") or permissions.may_manage_catalog(request.user)


# Products and price lists ---------------------------------------------------------


class ProductSerializer(StrictJSONTypes, serializers.ModelSerializer):
    unit_price = DecimalStringField(help_text="List price per unit, in `currency`.")
    cost = DecimalStringField(required=False, allow_null=True, help_text="Hidden from `sales` by default.")
    tax_rate = DecimalStringField(max_digits=5, required=False, help_text='A fraction: "0.13" is 13 %.')
    currency = CurrencyField(required=False)
    category = StrictPrimaryKeyField(queryset=Category.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "kind",
            "category",
            "unit",
            "unit_price",
            "currency",
            "cost",
            "tax_rate",
            "description",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness is the service's (SKU compared without case), with its own message.
        extra_kwargs: dict[str, dict[str, object]] = {"sku": {"validators": []}}


class ProductFilter(django_filters.FilterSet):
    active = StrictBooleanFilter()

    class Meta:
        model = Product
        fields = ["active", "category", "currency", "kind"]


class PriceListFilter(django_filters.FilterSet):
    active = StrictBooleanFilter()

    class Meta:
        model = PriceList
        fields = ["currency", "account_level", "active"]


class QuoteFilter(django_filters.FilterSet):
    superseded = StrictBooleanFilter()

    class Meta:
        model = Quote
        fields = ["owner", "status", "account", "deal", "currency", "superseded"]


class ProductViewSet(RecordViewSet):
    """The catalogue: every product, for everyone who may use the products module."""

    module = "products"
    serializer_class = ProductSerializer
    permission_classes = [*RecordViewSet.permission_classes, CatalogWrite]
    filterset_class = ProductFilter
    search_fields = ["sku", "name", "description"]
    ordering_fields = ["sku", "name", "unit_price", "created_at", "updated_at", "id"]

    visible_to = staticmethod(catalog.products_visible_to)
    get_for_user = staticmethod(catalog.product_get_for_user)
    create_record = staticmethod(catalog_services.create_product)

    @staticmethod
    def update_record(product, *, by, **fields):
        return catalog_services.update_product(product=product, by=by, **fields)

    @staticmethod
    def delete_record(product, *, by):
        catalog_services.delete_product(product=product, by=by)


class PriceTierSerializer(StrictJSONTypes, serializers.Serializer):
    product = StrictPrimaryKeyField(queryset=Product.objects.all())
    min_quantity = DecimalStringField(
        max_digits=14, decimal_places=3, required=False, help_text='From this quantity on; default "1".'
    )
    unit_price = DecimalStringField()


class PriceListSerializer(StrictJSONTypes, serializers.ModelSerializer):
    currency = CurrencyField(required=False)
    items = PriceTierSerializer(many=True, required=False, help_text="Replaced as a whole when given.")

    class Meta:
        model = PriceList
        fields = ["id", "name", "currency", "account_level", "active", "items", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "name": {"validators": []},
            "account_level": {
                "help_text": "An account level (`strategic`, `important`, `normal`); empty: every level."
            },
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["items"] = [
            {
                "product": item.product_id,
                "min_quantity": plain_decimal(item.min_quantity, 0),
                "unit_price": plain_decimal(item.unit_price),
            }
            for item in instance.items.all()
        ]
        return data


class PriceListViewSet(RecordViewSet):
    """Price lists per currency and customer level, with quantity tiers."""

    module = "products"
    serializer_class = PriceListSerializer
    permission_classes = [*RecordViewSet.permission_classes, CatalogWrite]
    filterset_class = PriceListFilter
    search_fields = ["name"]
    ordering_fields = ["name", "currency", "id"]

    visible_to = staticmethod(catalog.price_lists_visible_to)
    get_for_user = staticmethod(catalog.price_list_get_for_user)

    @staticmethod
    def create_record(*, by, **fields):
        return catalog_services.save_price_list(by=by, **fields)

    @staticmethod
    def update_record(price_list, *, by, **fields):
        return catalog_services.save_price_list(by=by, price_list=price_list, **fields)

    @staticmethod
    def delete_record(price_list, *, by):
        catalog_services.delete_price_list(price_list=price_list, by=by)


# Quotes and orders ----------------------------------------------------------------


class LineSerializer(StrictJSONTypes, serializers.Serializer):
    product = StrictPrimaryKeyField(queryset=Product.objects.all(), required=False, allow_null=True)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    quantity = DecimalStringField(max_digits=14, decimal_places=3, places=0, help_text='Up to 3 decimals: "2.5".')
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    unit_price = DecimalStringField(
        required=False, help_text="Default: the price list's price for this quantity, else the list price."
    )
    discount = DecimalStringField(max_digits=5, required=False, help_text='A fraction: "0.15" is 15 % off.')
    tax_rate = DecimalStringField(max_digits=5, required=False, help_text="Default: the product's tax rate.")
    net = AmountField()
    tax = AmountField()

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["product"].queryset = catalog.products_visible_to(request.user)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["product"] = instance.product_id
        data["net"] = f"{instance.net:.{minor_units(self.document_currency)}f}"
        data["tax"] = f"{instance.tax:.{minor_units(self.document_currency)}f}"
        return data

    @property
    def document_currency(self):
        return self.context.get("currency", "CNY")


class DocumentSerializer(StrictJSONTypes, serializers.ModelSerializer):
    account = StrictPrimaryKeyField(queryset=Account.objects.all(), required=False, allow_null=True)
    deal = StrictPrimaryKeyField(queryset=Deal.objects.all(), required=False, allow_null=True)
    owner = StrictPrimaryKeyField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="User id; defaults to the caller."
    )
    currency = CurrencyField(required=False, help_text="Default: the deal's currency, else the company's.")
    lines = LineSerializer(many=True, required=False)
    subtotal = AmountField()
    tax = AmountField()
    total = AmountField()

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["account"].queryset = accounts_visible_to(request.user)
            fields["deal"].queryset = deals_visible_to(request.user)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        lines = LineSerializer(many=True, context={**self.context, "currency": instance.currency})
        data["lines"] = lines.to_representation(instance.lines.all())
        return data


class QuoteSerializer(DocumentSerializer):
    contact = StrictPrimaryKeyField(queryset=Contact.objects.all(), required=False, allow_null=True)
    price_list = StrictPrimaryKeyField(
        queryset=PriceList.objects.all(),
        required=False,
        allow_null=True,
        help_text="Default: the active list of the quote's currency for the account's level.",
    )
    valid_until = DateField(required=False, allow_null=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "version",
            "title",
            "account",
            "contact",
            "deal",
            "currency",
            "price_list",
            "lines",
            "subtotal",
            "tax",
            "total",
            "status",
            "valid_until",
            "terms",
            "notes",
            "owner",
            "superseded",
            "sent_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "number", "version", "status", "superseded", "sent_at", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["contact"].queryset = contacts_visible_to(request.user)
            fields["price_list"].queryset = catalog.price_lists_visible_to(request.user)
        return fields


class OrderSerializer(DocumentSerializer):
    ordered_on = DateField(required=False)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "account",
            "quote",
            "deal",
            "currency",
            "lines",
            "subtotal",
            "tax",
            "total",
            "status",
            "ordered_on",
            "notes",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "number", "quote", "status", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            for name in ("lines", "account", "deal", "currency", "ordered_on"):
                fields[name].read_only = True
        return fields


class AcceptedOrderSerializer(SensitiveFieldsMixin, OrderSerializer):
    """The order an accepted quote made (masked like the orders list)."""

    mask_module = "orders"


class DeclineSerializer(StrictJSONTypes, serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class JSONErrorsOnly(BaseContentNegotiation):
    """A PDF action answers a PDF (an HttpResponse of its own) whatever the Accept
    header says, and its errors as JSON: no 406 for `Accept: application/pdf`,
    and no `?format=` for the document to offer."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


PDF_RESPONSES = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF.")}


def reader_language():
    """The caller's language for a document: Simplified Chinese or English."""
    return "zh-hans" if (translation.get_language() or "").lower().startswith("zh") else "en"


def pdf_response(content, name):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


class SendSerializer(StrictJSONTypes, serializers.Serializer):
    to = serializers.EmailField(max_length=254, help_text="The customer's e-mail address.")
    subject = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text='Default: "Quote <number>".'
    )
    message = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class QuoteViewSet(RecordViewSet):
    """Quotes visible to the caller (every version; `superseded` marks older ones)."""

    module = "quotes"
    serializer_class = QuoteSerializer
    filterset_class = QuoteFilter
    search_fields = ["number", "title", "account__name"]
    ordering_fields = ["number", "total", "status", "valid_until", "created_at", "updated_at", "id"]

    visible_to = staticmethod(selectors.quotes_visible_to)
    get_for_user = staticmethod(selectors.quote_get_for_user)
    create_record = staticmethod(quote_services.create_quote)

    @staticmethod
    def update_record(quote, *, by, **fields):
        return quote_services.update_quote(quote=quote, by=by, **fields)

    @staticmethod
    def delete_record(quote, *, by):
        quote_services.delete_quote(quote=quote, by=by)

    def _answer(self, quote, code=status.HTTP_200_OK):
        fresh = selectors.quote_get_for_user(self.request.user, quote.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        request=None,
        responses={200: VIEW_SERIALIZER},
        description="Ask for approval: `pending_approval` while the tenant's approval flow for quotes "
        "has approvers to ask, else `approved` at once.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def submit(self, request, pk=None):
        return self._answer(quote_services.submit_quote(quote=self.get_object(), by=request.user))

    @extend_schema(request=None, responses={200: VIEW_SERIALIZER}, description="Back to draft (approved or pending).")
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def reopen(self, request, pk=None):
        return self._answer(quote_services.reopen_quote(quote=self.get_object(), by=request.user))

    @extend_schema(request=None, responses={200: VIEW_SERIALIZER}, description="Mark an approved quote as sent.")
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None, url_path="mark-sent")
    def mark_sent(self, request, pk=None):
        return self._answer(quote_services.mark_sent(quote=self.get_object(), by=request.user))

    @extend_schema(
        request=None,
        responses={201: AcceptedOrderSerializer},
        description="The customer accepted: 201 with the order made from the quote's lines.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def accept(self, request, pk=None):
        order = quote_services.accept_quote(quote=self.get_object(), by=request.user)
        if permissions.may_use_module(request.user, "orders"):
            order = selectors.order_get_for_user(request.user, order.pk)
        return Response(AcceptedOrderSerializer(order, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=DeclineSerializer, responses={200: VIEW_SERIALIZER}, description="The customer declined.")
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def decline(self, request, pk=None):
        serializer = DeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        quote = quote_services.decline_quote(quote=self.get_object(), by=request.user, **serializer.validated_data)
        return self._answer(quote)

    @extend_schema(
        request=None,
        responses={201: VIEW_SERIALIZER},
        description="A new draft version with the same number; this one stays readable, `superseded`.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def revise(self, request, pk=None):
        return self._answer(quote_services.revise_quote(quote=self.get_object(), by=request.user), code=201)

    @extend_schema(
        request=None,
        responses=PDF_RESPONSES,
        description="The quote as a PDF (company block and logo, lines, totals, terms), in the caller's language.",
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=JSONErrorsOnly,
    )
    def pdf(self, request, pk=None):
        quote = self.get_object()
        return pdf_response(pdf.quote_pdf(quote, language=reader_language(), reader=request.user), pdf.file_name(quote))

    @extend_schema(
        request=SendSerializer,
        responses={200: VIEW_SERIALIZER},
        description="E-mail an approved (or sent) quote as a PDF to `to`; the quote becomes `sent` and an "
        "e-mail activity is logged on its deal and account. The mail leaves once the change is saved.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def send(self, request, pk=None):
        serializer = SendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        quote = quote_services.send_quote(
            quote=self.get_object(), by=request.user, language=reader_language(), **serializer.validated_data
        )
        return self._answer(quote)


class OrderViewSet(RecordViewSet):
    """Orders visible to the caller. An order is cancelled, never deleted (no DELETE)."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    module = "orders"
    serializer_class = OrderSerializer
    filterset_fields = ["owner", "status", "account", "deal", "quote", "currency"]
    search_fields = ["number", "account__name"]
    ordering_fields = ["number", "total", "status", "ordered_on", "created_at", "id"]

    visible_to = staticmethod(selectors.orders_visible_to)
    get_for_user = staticmethod(selectors.order_get_for_user)
    create_record = staticmethod(order_services.create_order)

    @staticmethod
    def update_record(order, *, by, **fields):
        return order_services.update_order(order=order, by=by, **fields)

    @extend_schema(
        request=DeclineSerializer, responses={200: VIEW_SERIALIZER}, description="Cancel an undelivered order."
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def cancel(self, request, pk=None):
        serializer = DeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = order_services.cancel_order(order=self.get_object(), by=request.user, **serializer.validated_data)
        fresh = selectors.order_get_for_user(request.user, order.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=None, responses=PDF_RESPONSES, description="The order as a PDF, in the caller's language.")
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=JSONErrorsOnly,
    )
    def pdf(self, request, pk=None):
        order = self.get_object()
        return pdf_response(pdf.order_pdf(order, language=reader_language(), reader=request.user), pdf.file_name(order))


# Document settings ----------------------------------------------------------------


class NumberFormatsSerializer(StrictJSONTypes, serializers.Serializer):
    quote = serializers.CharField(max_length=60, required=False, help_text='Default "QT-{year}-{seq:04}".')
    order = serializers.CharField(max_length=60, required=False, help_text='Default "SO-{year}-{seq:04}".')


class DocumentSettingsSerializer(StrictJSONTypes, serializers.Serializer):
    company_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    tax_id = serializers.CharField(max_length=50, required=False, allow_blank=True)
    logo = serializers.FileField(
        write_only=True,
        required=False,
        allow_null=True,
        help_text="PNG or JPEG, at most 1 MB (multipart/form-data); null removes it.",
    )
    has_logo = serializers.SerializerMethodField()
    number_formats = NumberFormatsSerializer(
        required=False, help_text="{year} and {seq} ({seq:04} pads to four digits); numbers given keep theirs."
    )

    def get_has_logo(self, instance) -> bool:
        return bool(instance.logo)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["number_formats"] = selectors.number_formats()
        return data


class DocumentSettingsUploadSerializer(DocumentSettingsSerializer):
    """The same as a multipart form, where nested objects have no place: number
    formats are changed with JSON."""

    number_formats = None  # type: ignore[assignment]


class DocumentSettingsView(APIView):
    """What quotes and orders print about the company, and their number formats.
    Everyone signed in reads them; admins change them."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(responses=DocumentSettingsSerializer)
    def get(self, request):
        return Response(DocumentSettingsSerializer(selectors.document_settings()).data)

    @extend_schema(
        request={
            "application/json": DocumentSettingsSerializer,
            "multipart/form-data": DocumentSettingsUploadSerializer,
        },
        responses={
            200: DocumentSettingsSerializer,
            403: OpenApiResponse(description="Only the tenant's admins may do this."),
        },
        description="Change the company block (admin). Upload the logo as multipart/form-data.",
    )
    def patch(self, request):
        if not permissions.may_administer(request.user):
            raise PermissionDenied("Only the tenant's admins may do this.")
        multipart = (request.content_type or "").startswith("multipart/")
        serializer_class = DocumentSettingsUploadSerializer if multipart else DocumentSettingsSerializer
        serializer = serializer_class(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        remove_logo = "logo" in values and values["logo"] is None
        saved = document_services.update_document_settings(
            by=request.user,
            logo=values.pop("logo", None),
            remove_logo=remove_logo,
            number_formats=values.pop("number_formats", None),
            **values,
        )
        return Response(DocumentSettingsSerializer(saved).data)
