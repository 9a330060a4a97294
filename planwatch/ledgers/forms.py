from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from planwatch.core import numbers
from planwatch.pages import DateInput
from planwatch.plans.models import Plan, pick

from .models import DATE_COLUMNS, LedgerItem, LedgerType


def threshold_of(ledger: LedgerType) -> Decimal | None:
    """The ledger's investment threshold in 万元, None when it has none (0 counts every row)."""
    if not ledger.has_investment or ledger.threshold is None or ledger.threshold <= 0:
        return None
    return Decimal(ledger.threshold)


def threshold_text(threshold: Decimal) -> str:
    """The threshold in the page's language: 10000 (万元) → "1亿元" / "100 million yuan"."""
    plain = numbers.plain  # 1.000000 → "1", 0.50 → "0.5"
    zh = f"{plain(threshold / 10000)}亿元" if threshold >= 10000 else f"{plain(threshold)}万元"
    yuan = threshold * 10000
    en = f"{plain(yuan / 1_000_000)} million yuan" if yuan >= 1_000_000 else f"{yuan:,.0f} yuan"
    return pick(zh, en)


def below_threshold_message(ledger: LedgerType, item: LedgerItem) -> str | None:
    """The message after saving a row whose investment is below the ledger's threshold."""
    threshold = threshold_of(ledger)
    if threshold is None or item.investment is None or item.investment >= threshold:
        return None
    return _(
        "Total investment below %(threshold)s: the row is kept in the ledger but not counted in the "
        "number of investment projects."
    ) % {"threshold": threshold_text(threshold)}


def field_name(key: str) -> str:
    """The form field of a problem's key ("attr:level" → "attr_level", "date:x" → "date_x")."""
    return key.replace(":", "_")


class ItemForm(forms.ModelForm):
    """One row: the common columns, then the ledger's own attributes and stage dates."""

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
            "signed_on": DateInput(),
            "started_on": DateInput(),
            "producing_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, plan: Plan, localities: Any, ledger: LedgerType, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.ledger = ledger
        self.fields["locality"].queryset = localities  # type: ignore[attr-defined]
        if not self.instance.pk and len(localities) == 1:  # the only locality the user may write
            self.initial["locality"] = localities[0].pk
            self.fields["locality"].empty_label = None  # type: ignore[attr-defined]
        self.fields["key_field"].queryset = plan.key_fields.order_by("number")  # type: ignore[attr-defined]
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            c for c in LedgerItem.Status.choices if c[0] != LedgerItem.Status.MERGED
        ]
        if not ledger.has_investment:
            del self.fields["investment"]
        elif (threshold := threshold_of(ledger)) is not None:
            note = _(
                "Only projects of at least %(threshold)s count in this ledger's numbers; a smaller one "
                "is kept in the ledger but not counted."
            ) % {"threshold": threshold_text(threshold)}
            self.fields["investment"].help_text = f"{self.fields['investment'].help_text} {note}"
        stages = ledger.stage_codes
        for stage, column in DATE_COLUMNS.items():
            if stage not in stages:
                del self.fields[column]
            else:
                self.fields[column].label = pick(*ledger.stage_name(stage))
        for stage in stages:
            if stage not in DATE_COLUMNS:
                self.fields[f"date_{stage}"] = forms.DateField(
                    label=pick(*ledger.stage_name(stage)),
                    required=False,
                    initial=self.instance.stage_date(stage),
                    widget=DateInput(),
                )
        for attr in ledger.attributes:
            name = f"attr_{attr['code']}"
            label = pick(attr["zh"], attr["en"]) + (f" ({attr['unit']})" if attr.get("unit") else "")
            initial = (self.instance.attributes or {}).get(attr["code"], "")
            if attr.get("type") == "choice":
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[("", "—")] + [(c, c) for c in attr["choices"]],
                    initial=initial,
                )
            else:
                widget = DateInput() if attr.get("type") == "date" else None
                self.fields[name] = forms.CharField(
                    label=label, required=False, initial=initial, widget=widget
                )
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def build(self) -> LedgerItem:
        """The row as the form read it, not saved: after `is_valid()`, whatever its answer — a field
        with a problem keeps its former value, so that the row's own checks can still be made and
        every problem said at once."""
        item: LedgerItem = self.instance  # the model's fields set from the valid ones (_post_clean)
        data = self.cleaned_data
        for stage in self.ledger.stage_codes:
            if stage not in DATE_COLUMNS and f"date_{stage}" in data:
                item.set_stage_date(stage, data.get(f"date_{stage}"))
        item.attributes = {
            a["code"]: str(data.get(f"attr_{a['code']}") or "").strip()
            for a in self.ledger.attributes
            if str(data.get(f"attr_{a['code']}") or "").strip()
        }
        return item
