from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from planwatch.accounts.models import role_choices
from planwatch.plans.models import Locality, Plan, Unit


class UserForm(forms.Form):
    """A user and their role and scope, as the province administrator manages them."""

    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=role_choices)
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
        """The fields; what a role needs of its scope, a free user name and a good password are
        checked by planwatch.accounts.actions.save_user, for this page and the commands alike."""
        super().__init__(*args, **kwargs)
        approving = [loc.pk for loc in plan.approving_localities()]  # a county's city has approvers
        self.fields["locality"].queryset = plan.localities.filter(  # type: ignore[attr-defined]
            Q(pilot=True) | Q(pk__in=approving)
        )
        self.fields["unit"].queryset = plan.units.all()  # type: ignore[attr-defined]
        if editing is None:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""
