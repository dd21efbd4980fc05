import math

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts import throttling, tokens, users
from accounts.authentication import ACCOUNT_GONE
from accounts.models import Device
from accounts.serializers import (
    EMAIL_TAKEN,
    DeviceSerializer,
    MeSerializer,
    RegisterSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


class TooManyAttempts(exceptions.Throttled):
    """A sign-in refused for a while, said in minutes (DRF says "Expected available in 899 seconds.")."""

    def __init__(self, wait):
        super().__init__(detail=throttling.retry_words(wait))
        self.wait = math.ceil(wait)  # Retry-After


class RegisterThrottle(AnonRateThrottle):
    """New accounts per client address, against scripted sign-ups."""

    scope = "register"


class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema(request=RegisterSerializer, responses={201: RegisterSerializer})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = users.user_register(**serializer.validated_data)
        except users.EmailTaken:
            raise exceptions.ValidationError({"email": [EMAIL_TAKEN]}) from None
        return Response(RegisterSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []  # failed attempts are counted below, per email and per address

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer, 401: OpenApiResponse()})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email, address = serializer.validated_data["email"], throttling.client_address(request)
        wait = throttling.login_retry_after(email=email, address=address)
        if wait:
            raise TooManyAttempts(wait=wait)
        user = authenticate(request, email=email, password=serializer.validated_data["password"])
        if user is None:
            throttling.login_failed(email=email, address=address)
            raise exceptions.AuthenticationFailed("Wrong email or password.")
        throttling.login_succeeded(email=email)
        secret, token = tokens.token_issue(user=user, device_name=serializer.validated_data["device_name"])
        return Response({"token": secret, "expiry": TokenSerializer().fields["expiry"].to_representation(token.expiry)})

    def get_authenticate_header(self, request):
        return "Bearer"


class LogoutView(APIView):
    throttle_classes = []  # a phone past its rate (a loop, a thief) may still end its token

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        tokens.token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    throttle_classes = []

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        tokens.tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        try:
            serializer.instance = users.user_update(user=self.request.user, data=serializer.validated_data)
        except users.AccountGone:
            raise exceptions.AuthenticationFailed(ACCOUNT_GONE) from None

    def perform_destroy(self, instance):
        users.user_erase(user=instance)


@extend_schema_view(post=extend_schema(responses={201: DeviceSerializer, 200: OpenApiResponse(DeviceSerializer)}))
class DeviceListView(generics.CreateAPIView):
    serializer_class = DeviceSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device, created = users.device_register(user=request.user, **serializer.validated_data)
        return Response(
            DeviceSerializer(device).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class DeviceView(generics.DestroyAPIView):
    serializer_class = DeviceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Device.objects.none()
        return Device.objects.filter(user=self.request.user)

    def perform_destroy(self, instance):
        users.device_remove(device=instance)
