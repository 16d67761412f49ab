from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from efs.api.api import api, unknown_endpoint
from efs.ops import views as ops_views
from efs.people.forms import ThrottledAuthenticationForm
from efs.web import views as web_views

admin.site.site_header = "ЕФС НМС — администрирование"
admin.site.site_title = "ЕФС НМС"

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("favicon.ico", ops_views.favicon, name="favicon"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("people/", include("efs.people.urls")),
    path("competencies/", include("efs.competencies.urls")),
    path("diagnostics/", include("efs.diagnostics.urls")),
    path("catalog/", include("efs.catalog.urls")),
    path("financing/", include("efs.financing.urls")),
    path("routes/", include("efs.routes.urls")),
    path("support/", include("efs.support.urls")),
    path("monitoring/", include("efs.monitoring.urls")),
    path("ops/", include("efs.ops.urls")),
    path("workforce/", include("efs.workforce.urls")),
    path("practices/", include("efs.practices.urls")),
    path("coordination/", include("efs.coordination.urls")),
    path("api/", api.urls),
    path("api/<path:rest>", unknown_endpoint),
    path("admin/", admin.site.urls),
]

handler500 = "efs.web.security.server_error"
