"""User management: the province administrator gives each user a role and a scope."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from planwatch.accounts.actions import Account, change_own_password, save_user
from planwatch.accounts.forms import UserForm
from planwatch.accounts.models import Profile
from planwatch.accounts.permissions import has_perm
from planwatch.core.errors import PlanWatchError
from planwatch.plans.models import Plan, in_english

User = get_user_model()


def _admin_plan(request: HttpRequest, code: str) -> Plan:
    if not has_perm("users.manage", request.user):
        raise PermissionDenied(_("Only the province administrator manages users."))
    return get_object_or_404(Plan, code=code)


@login_required
def users(request: HttpRequest, code: str) -> HttpResponse:
    plan = _admin_plan(request, code)
    rows = User.objects.select_related("profile__locality", "profile__unit").order_by("username")
    return render(request, "accounts/users.html", {"plan": plan, "section": "users", "rows": rows})


@login_required
def user_edit(request: HttpRequest, code: str, user_id: int | None = None) -> HttpResponse:
    plan = _admin_plan(request, code)
    editing = get_object_or_404(User, pk=user_id) if user_id else None
    profile = Profile.objects.filter(user=editing).first() if editing else None
    initial = {}
    if editing is not None:
        initial = {
            "username": editing.username,
            "full_name": editing.get_full_name(),
            "email": editing.email,
            "is_active": editing.is_active,
            "role": profile.role if profile else Profile.Role.VIEWER,
            "locality": profile.locality if profile else None,
            "unit": profile.unit if profile else None,
        }
    form = UserForm(request.POST or None, plan=plan, editing=editing, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account = Account(
            username=data["username"],
            role=data["role"],
            locality=data["locality"] if data["role"] in Profile.LOCALITY_ROLES else None,
            unit=data["unit"],
            full_name=data["full_name"],
            email=data["email"],
            is_active=data["is_active"] if editing is not None else True,
            password=data["password"],
        )
        try:
            user = save_user(request.user, account, editing=editing, plan=plan)
        except PlanWatchError as refused:  # said beside the fields
            for issue in refused.issues:
                form.add_error(issue.path if issue.path in form.fields else None, issue.text(in_english()))
        else:
            messages.success(request, _("Saved %(user)s.") % {"user": user.username})
            return redirect("accounts:users", code=plan.code)
    return render(
        request,
        "accounts/user_form.html",
        {"plan": plan, "section": "users", "form": form, "editing": editing},
    )


def locked_out(
    request: HttpRequest, original_response: object = None, credentials: object = None
) -> HttpResponse:
    """What django-axes answers a locked-out login (AXES_LOCKOUT_CALLABLE): 429, and for how long."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": round(settings.AXES_COOLOFF_TIME.total_seconds() / 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)


class PasswordChange(PasswordChangeView):
    """Every signed-in user changes their own password: the old one, the new one twice (held to
    the validators); the change revokes their API tokens and is audited; they stay signed in."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web:password_change")  # which then says it is done

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        change_own_password(self.request.user, form)
        update_session_auth_hash(self.request, form.user)
        messages.success(
            self.request, _("Your password has been changed. Your API tokens no longer work: issue new ones.")
        )
        return redirect(self.get_success_url())
