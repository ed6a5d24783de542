"""The user's own pages: log in and out, change the password, and manage personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tongzhou.accounts import selectors as account_selectors
from tongzhou.accounts import services as account_services
from tongzhou.core.errors import TongzhouError

from .forms import ApiTokenForm, add_service_error


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link cannot log a user out behind their back."""


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:home")
    success_message = gettext_lazy("密码已修改。")


def _tokens_page(request: HttpRequest, *, form: ApiTokenForm, new_token: str = "", status: int = 200):
    tokens = account_selectors.api_token_list(user=request.user)
    return render(
        request, "web/tokens.html", {"form": form, "tokens": tokens, "new_token": new_token}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _tokens_page(request, form=ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            _token, plain = account_services.api_token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except TongzhouError as exc:
            add_service_error(form, exc)
        else:
            # Rendered, not redirected: the plain token is shown this once and never again.
            response = _tokens_page(request, form=ApiTokenForm(), new_token=plain)
            response["Cache-Control"] = "no-store"
            return response
    return _tokens_page(request, form=form, status=400)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    account_services.api_token_revoke(user=request.user, token_id=token_id)
    messages.success(request, _("令牌已吊销。"))
    return redirect("web:tokens")
