from __future__ import annotations

from typing import Any

from django import forms

from planwatch.plans.models import Plan

from .models import LedgerItem


class ItemForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = LedgerItem
        fields = [
            "locality",
            "key_field",
            "name",
            "identifier",
            "investment",
            "signed_on",
            "started_on",
            "producing_on",
            "status",
            "notes",
        ]
        widgets = {
            "signed_on": forms.DateInput(attrs={"type": "date"}),
            "started_on": forms.DateInput(attrs={"type": "date"}),
            "producing_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, plan: Plan, localities: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["locality"].queryset = localities  # type: ignore[attr-defined]
        self.fields["key_field"].queryset = plan.key_fields.order_by("number")  # type: ignore[attr-defined]
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            c for c in LedgerItem.Status.choices if c[0] != LedgerItem.Status.MERGED
        ]
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
