"""User management: the province administrator gives each user a role and a scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from planwatch.accounts.actions import Account, save_user
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
