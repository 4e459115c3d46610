"""The CRM's URLs plus `/_bench/hello/`: a signed-in hello through the full middleware stack
(the HTTP floor of every page)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from crm import urls as crm_urls


@login_required
def hello(request):
    return HttpResponse(b"hello", content_type="text/plain")


urlpatterns = [path("_bench/hello/", hello, name="bench_hello"), *crm_urls.urlpatterns]

handler404 = crm_urls.handler404
handler500 = crm_urls.handler500
