"""The product's URLs plus the floor: a minimal view behind the same middleware."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from sanxian.urls import urlpatterns as product_urlpatterns


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """The cheapest signed-in page: session, user and every middleware, no query of its own."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    *product_urlpatterns,
]
