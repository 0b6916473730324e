"""Webhook subscriptions over the API, for a unit's administrators (like
the pages under /administration/webhooks/): list, subscribe (the secret is
in the answer once), change (If-Match: the subscription's version),
switch on or off, delete, renew the secret, send a test event, and the
delivery log with its attempts. A subscription of a unit the caller does
not administer answers 404."""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from workflows.webhooks import selectors, services
from workflows.webhooks.kinds import SUBSCRIBABLE
from workflows.webhooks.models import Attempt, Delivery, DeliveryStatus, Subscription

from .answers import Answer
from .authentication import Cursor
from .problems import stale_unless_matching
from .resources import AuditedObjects

IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                            description="The subscription's ETag (its version); or expected_version in the body.")


class SubscriptionSerializer(Answer):
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=[(k.value, k.label) for k in SUBSCRIBABLE]))
    disabled_reason = serializers.CharField(read_only=True, help_text="Why it is off (administrator, failures); "
                                                                      "empty when on.")
    waiting = serializers.IntegerField(read_only=True)
    given_up = serializers.IntegerField(read_only=True)

    class Meta:
        model = Subscription
        fields = ["id", "unit", "url", "description", "kinds", "is_active", "disabled_at", "disabled_reason",
                  "failures", "created_at", "version", "waiting", "given_up"]
        read_only_fields = ["is_active", "disabled_at", "failures", "created_at", "version"]


class NewSubscriptionSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    url = serializers.CharField(max_length=500)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=[(k.value, k.label) for k in SUBSCRIBABLE]),
                                  allow_empty=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SubscriptionChangeSerializer(serializers.Serializer):
    """What changes; a field left out keeps its value."""

    url = serializers.CharField(max_length=500, required=False)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=[(k.value, k.label) for k in SUBSCRIBABLE]),
                                  allow_empty=False, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    expected_version = serializers.IntegerField(required=False)


class SwitchSerializer(serializers.Serializer):
    is_active = serializers.BooleanField()
    expected_version = serializers.IntegerField(required=False)


class SecretSerializer(serializers.Serializer):
    subscription = SubscriptionSerializer()
    secret = serializers.CharField(help_text="whsec_…: shown in this answer only. The receiver checks the "
                                             "signatures with it (see the API guide).")


class AttemptSerializer(Answer):
    class Meta:
        model = Attempt
        fields = ["number", "started_at", "finished_at", "status_code", "error", "ok"]


class DeliverySerializer(Answer):
    event = serializers.CharField(source="event.kind", read_only=True)
    event_id = serializers.UUIDField(source="event.key", read_only=True)
    occurred_at = serializers.DateTimeField(source="event.occurred_at", read_only=True)
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "key", "event", "event_id", "occurred_at", "status", "attempts", "next_attempt_at",
                  "delivered_at", "attempt_log"]


class ByUnit(Cursor):
    ordering = "pk"


class Latest(Cursor):
    ordering = "-pk"


def _with_etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response


@extend_schema_view(
    list=extend_schema(summary="Đăng ký webhook / Webhook subscriptions",
                       description="The subscriptions of the units the caller administers."),
    retrieve=extend_schema(summary="Một đăng ký webhook / A webhook subscription",
                           description="The ETag header is its version: send it back as If-Match to change it."),
    destroy=extend_schema(summary="Xoá đăng ký / Delete a subscription",
                          description="With its delivery log. To stop for a while, switch it off instead."))
class WebhookSubscriptionViewSet(AuditedObjects, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                 mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = SubscriptionSerializer
    pagination_class = ByUnit
    filterset_fields = ["unit", "is_active"]
    ordering_fields = []

    def get_queryset(self):
        return selectors.subscriptions_for(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        subscription = self.get_object()
        return _with_etag(Response(self.get_serializer(subscription).data), subscription.version)

    def _fresh(self, pk: int) -> Subscription:
        return self.get_queryset().get(pk=pk)

    @extend_schema(summary="Đăng ký webhook / Subscribe a system to events", request=NewSubscriptionSerializer,
                   responses={201: SecretSerializer},
                   description="Administrators of the unit: its events and those of every unit below it are "
                               "POSTed to the URL, signed. The answer holds the secret, once.")
    def create(self, request):
        values = NewSubscriptionSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        data = values.validated_data
        subscription, secret = services.subscription_create(actor=request.user, unit_id=data["unit"],
                                                            url=data["url"], kinds=data["kinds"],
                                                            description=data["description"])
        body = {"subscription": SubscriptionSerializer(self._fresh(subscription.pk)).data, "secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Sửa đăng ký / Change a subscription", request=SubscriptionChangeSerializer,
                   parameters=[IF_MATCH], responses=SubscriptionSerializer)
    def partial_update(self, request, pk=None):
        subscription = self.get_object()
        version = stale_unless_matching(request, subscription.version)
        values = SubscriptionChangeSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        data = values.validated_data
        services.subscription_update(subscription_id=subscription.pk, actor=request.user,
                                     url=data.get("url", subscription.url), kinds=data.get("kinds", subscription.kinds),
                                     description=data.get("description", subscription.description),
                                     expected_version=version)
        fresh = self._fresh(subscription.pk)
        return _with_etag(Response(SubscriptionSerializer(fresh).data), fresh.version)

    def destroy(self, request, *args, **kwargs):
        services.subscription_delete(subscription_id=self.get_object().pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Bật / tắt / Switch on or off", request=SwitchSerializer, parameters=[IF_MATCH],
                   responses=SubscriptionSerializer,
                   description="On again: its failures are forgotten and the deliveries that waited are sent.")
    @action(detail=True, methods=["post"], filterset_fields=[], ordering_fields=[])
    def switch(self, request, pk=None):
        subscription = self.get_object()
        version = stale_unless_matching(request, subscription.version)
        values = SwitchSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        services.subscription_enable(subscription_id=subscription.pk, actor=request.user,
                                     active=values.validated_data["is_active"], expected_version=version)
        fresh = self._fresh(subscription.pk)
        return _with_etag(Response(SubscriptionSerializer(fresh).data), fresh.version)

    @extend_schema(summary="Đổi khoá bí mật / Renew the secret", request=None, responses=SecretSerializer,
                   description="The old secret signs nothing from now on.")
    @action(detail=True, methods=["post"], filterset_fields=[], ordering_fields=[])
    def secret(self, request, pk=None):
        subscription, secret = services.subscription_renew_secret(subscription_id=self.get_object().pk,
                                                                  actor=request.user)
        return Response({"subscription": SubscriptionSerializer(self._fresh(subscription.pk)).data,
                         "secret": secret})

    @extend_schema(summary="Gửi thử / Send a test event", request=None, responses={202: DeliverySerializer},
                   description="A `ping` event to this subscription only; follow it in the deliveries.")
    @action(detail=True, methods=["post"], filterset_fields=[], ordering_fields=[])
    def ping(self, request, pk=None):
        delivery = services.ping_send(subscription_id=self.get_object().pk, actor=request.user)
        fresh = selectors.deliveries_of(delivery.subscription, limit=1)[0]
        return Response(DeliverySerializer(fresh).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Nhật ký gửi / Delivery log", responses=DeliverySerializer(many=True),
                   parameters=[OpenApiParameter("status", str, enum=DeliveryStatus.values, required=False)],
                   description="The deliveries of this subscription, latest first, each with its attempts.")
    @action(detail=True, pagination_class=Latest, filterset_fields=[], ordering_fields=[])
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in DeliveryStatus.values:
            raise exceptions.ValidationError({"status": [_("Choose a status from the list.")]})
        page = self.paginate_queryset(selectors.deliveries_log(subscription, status=wanted))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
