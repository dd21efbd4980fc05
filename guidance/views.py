import hashlib

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from guidance import selectors
from guidance.models import Article
from guidance.serializers import (
    ArticleSerializer,
    ArticleSummarySerializer,
    CategoryFilterSerializer,
    SuggestedArticleSerializer,
)

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="The ETag of the copy you hold"
)
NOT_MODIFIED = OpenApiResponse(description="Not modified: the copy with that ETag is current.")


def cacheable_response(request, data):
    """`data` with an ETag of its content and public caching, or a 304 when the client has it."""
    response = Response(data)
    response["ETag"] = quote_etag(hashlib.sha256(JSONRenderer().render(data)).hexdigest()[:32])
    response["Cache-Control"] = f"public, max-age={settings.GUIDANCE_MAX_AGE_SECONDS}"
    return get_conditional_response(request, etag=response["ETag"], response=response)


class PublicGuidanceView(APIView):
    # No login. JSON only: the ETag covers one representation, so no cache serves the wrong one.
    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]


class GuidanceListView(PublicGuidanceView):
    @extend_schema(
        description="Every guidance article, without its body; no login needed.",
        parameters=[CategoryFilterSerializer, IF_NONE_MATCH],
        responses={200: ArticleSummarySerializer(many=True), 304: NOT_MODIFIED},
    )
    def get(self, request):
        query = CategoryFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        articles = selectors.article_list(category=query.validated_data.get("category"))
        return cacheable_response(request, ArticleSummarySerializer(articles, many=True).data)


class GuidanceDetailView(PublicGuidanceView):
    @extend_schema(
        description="One article with its body, as Markdown and as sanitized HTML; no login needed.",
        parameters=[IF_NONE_MATCH],
        responses={200: ArticleSerializer, 304: NOT_MODIFIED},
    )
    def get(self, request, slug):
        article = get_object_or_404(Article, slug=slug)
        return cacheable_response(request, ArticleSerializer(article).data)


class GuidanceForMeView(APIView):
    @extend_schema(
        description="The articles that fit your open escalations and what you logged, most pressing first.",
        responses={200: SuggestedArticleSerializer(many=True)},
    )
    def get(self, request):
        articles = selectors.articles_for_user(user=request.user)
        return Response(SuggestedArticleSerializer(articles, many=True).data)
