from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from planwatch.accounts.models import Profile
from planwatch.plans.models import Locality, Plan, Unit


class UserForm(forms.Form):
    """A user and their role and scope, as the province administrator manages them."""

    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Profile.Role.choices)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Leave empty to keep the current password."),
    )

    def __init__(self, *args: Any, plan: Plan, editing: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["locality"].queryset = plan.localities.filter(pilot=True)  # type: ignore[attr-defined]
        self.fields["unit"].queryset = plan.units.all()  # type: ignore[attr-defined]
        if editing is None:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        taken = get_user_model().objects.filter(username=username)
        if self.editing is not None:
            taken = taken.exclude(pk=self.editing.pk)
        if taken.exists():
            raise forms.ValidationError(_("This user name is taken."))
        return username

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if password:
            validate_password(password, self.editing)
        return password

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if role in Profile.LOCALITY_ROLES and not data.get("locality"):
            self.add_error("locality", _("A locality's reporter or approver needs their locality."))
        if role == Profile.Role.LEAD_UNIT and not data.get("unit"):
            self.add_error("unit", _("A lead unit's user needs their unit."))
        if role not in Profile.LOCALITY_ROLES:
            data["locality"] = None
        return data
