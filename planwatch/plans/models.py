"""The plan model: generic across plans, loaded from plan files (planwatch.core.planfile)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from planwatch.core import hierarchy, kinds, planfile
from planwatch.core.errors import NotAllowed
from planwatch.core.numbers import DECIMAL_PLACES, MAX_DIGITS
from planwatch.kernel.audit import Subject


def in_english() -> bool:
    return (get_language() or "").startswith("en")


def pick(zh: str, en: str) -> str:
    """The text in the active language: Chinese first, English when chosen and present."""
    return en if en and in_english() else zh


# --- the plan's vocabularies as choices (declared in planwatch.core.kinds) ----------------------
# Callables, so that the labels follow the active language and a word added to a vocabulary needs
# no migration: a migration names the function, not the list.


def term_choices(vocabulary: type[kinds.Term]) -> list[tuple[str, str]]:
    """A vocabulary's codes with their names in the active language."""
    return [(term.value, pick(term.zh, term.en)) for term in vocabulary]


def level_choices() -> list[tuple[str, str]]:
    return term_choices(kinds.LocalityLevel)


def unit_kind_choices() -> list[tuple[str, str]]:
    return term_choices(kinds.UnitKind)


def indicator_kind_choices() -> list[tuple[str, str]]:
    return term_choices(kinds.IndicatorKind)


def direction_choices() -> list[tuple[str, str]]:
    return term_choices(kinds.Direction)


def aggregation_choices() -> list[tuple[str, str]]:
    return term_choices(kinds.Aggregation)


def frequency_choices() -> list[tuple[str, str]]:
    return term_choices(kinds.Frequency)


def qualifier_choices() -> list[tuple[str, str]]:
    return term_choices(kinds.Qualifier)


def rule_kind_choices() -> list[tuple[str, str]]:
    return term_choices(kinds.RuleKind)


def check_kind_choices() -> list[tuple[str, str]]:
    return term_choices(kinds.CheckKind)


class Bilingual(models.Model):
    """An item named in Chinese with English beside it; `name` follows the active language."""

    name_zh = models.CharField(max_length=300)
    name_en = models.CharField(max_length=400)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)


class Sourced(models.Model):
    """An item tied to the clause of the text it comes from and its verbatim sentence."""

    clause = models.CharField(max_length=40)
    quote = models.TextField()

    class Meta:
        abstract = True


APPROVERS = tuple(kinds.Approver)  # each step one level further up


def default_approval() -> dict[str, list[str]]:
    """The seed plan's: every pilot unit's own approver approves, then the province accepts."""
    return {"default": [kinds.Approver.SELF.value]}


class Plan(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    title_zh = models.CharField(max_length=300)
    title_en = models.CharField(max_length=400)
    issuer_zh = models.CharField(max_length=300)
    issuer_en = models.CharField(max_length=400)
    issued_on = models.DateField()
    document_number = models.CharField(max_length=100, blank=True)
    region_zh = models.CharField(max_length=300)
    region_en = models.CharField(max_length=400)
    base_year = models.PositiveSmallIntegerField()
    start_year = models.PositiveSmallIntegerField()
    end_year = models.PositiveSmallIntegerField()
    horizon_year = models.PositiveSmallIntegerField(null=True, blank=True)
    source_text = models.TextField()
    version = models.PositiveIntegerField(default=1)
    # Who approves a locality's values and rows before the province accepts them, in order, per
    # locality level ("default" for any other): "self" is the locality's own approver, "parent" its
    # parent's (a county's city), "grandparent" the one above. The plan file's `review.approval`.
    approval = models.JSONField(default=default_approval, blank=True)
    # The plan file's `plan.breakdown_check` ("" where it says none: a warning) and
    # `plan.bulletin_basis` ({"text": {zh, en}, "source": {clause, quote}}, or none).
    breakdown_check = models.CharField(max_length=10, blank=True, default="")
    bulletin_basis = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("Implementation plan")
        verbose_name_plural = _("Implementation plans")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title_zh

    @property
    def title(self) -> str:
        return pick(self.title_zh, self.title_en)

    @property
    def issuer(self) -> str:
        return pick(self.issuer_zh, self.issuer_en)

    @property
    def region(self) -> str:
        return pick(self.region_zh, self.region_en)

    def pilot_units(self) -> models.QuerySet[Locality]:
        return self.localities.filter(pilot=True)

    def approving_localities(self) -> list[Locality]:
        """The localities whose approvers approve some pilot unit's values (the pilot units' approval
        chains, in the pilot units' order): every pilot unit by default; a county's city where the
        plan says `county: [parent]`. A locality approver works for one of these."""
        found: dict[int, Locality] = {}
        for loc in self.pilot_units().select_related("parent__parent").order_by("order", "id"):
            loc.plan = self  # not joined: the plan's row (its text) once per unit was seconds at 3,000
            for step in loc.approval_chain():
                found.setdefault(step.pk, step)
        return list(found.values())

    @property
    def last_year(self) -> int:
        """The last year monitored: the horizon (2025 for the seed plan), else the end year."""
        return max(self.end_year, self.horizon_year or self.end_year)

    def monitored_years(self) -> range:
        """From the start year to the last year monitored: action plans, ledgers, bulletins."""
        return range(self.start_year, self.last_year + 1)


class PlanVersion(models.Model):
    """One loaded version of a plan file: what was loaded, when, by whom, and the document itself."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    file_name = models.CharField(max_length=300)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    summary = models.TextField(blank=True)
    document = models.JSONField()

    class Meta:
        verbose_name = _("Plan version")
        verbose_name_plural = _("Plan versions")
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="unique_plan_version")]

    def __str__(self) -> str:
        return f"{self.plan.code} v{self.number}"


class Locality(Bilingual):
    Level = kinds.LocalityLevel

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="localities")
    code = models.CharField(max_length=40)
    level = models.CharField(max_length=20, choices=level_choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    pilot = models.BooleanField(default=False, help_text="A pilot (reporting) unit of the plan.")
    figures_include_children = models.BooleanField(
        default=False, help_text="This locality's reported figures already include its districts'."
    )
    map_longitude = models.FloatField(null=True, blank=True)
    map_latitude = models.FloatField(null=True, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Locality")
        verbose_name_plural = _("Localities")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_locality_code")]

    def ancestors(self) -> list[Locality]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def map_point(self) -> tuple[float, float] | None:
        """Where a map of cities draws this locality as a point (顺德区 inside 佛山市), if it says."""
        if self.map_longitude is None or self.map_latitude is None:
            return None
        return (self.map_longitude, self.map_latitude)

    def not_a_pilot(self, plan_id: int | None = None) -> NotAllowed | None:
        """Why this locality reports no values, keeps no ledger, has no targets and no users of its
        own: None for a pilot unit of its plan (of plan `plan_id`, when given)."""
        if plan_id is not None and plan_id != self.plan_id:
            return NotAllowed(f"{self.name_zh}不属于本方案", f"{self.name_en} is not of this plan")
        if self.pilot:
            return None
        return NotAllowed(
            f"{self.name_zh}不是本方案的试点单位", f"{self.name_en} is not a pilot unit of this plan"
        )

    def approves_nothing(self) -> NotAllowed | None:
        """Why a locality approver may not work for this locality: None when its approvers approve
        some pilot unit's values (Plan.approving_localities: a pilot unit, or a county's city)."""
        if any(loc.pk == self.pk for loc in self.plan.approving_localities()):
            return None
        return NotAllowed(
            f"{self.name_zh}不审核本方案任何试点单位的数值",
            f"{self.name_en} approves no pilot unit's values in this plan",
        )

    def approval_chain(self) -> list[Locality]:
        """The localities whose approvers approve this locality's values, in order (the plan's
        `approval` for this locality's level): [itself] for the seed plan."""
        steps = self.plan.approval.get(self.level) or self.plan.approval.get("default") or ["self"]
        chain = []
        for step in steps:
            node: Locality | None = self
            for _up in range(APPROVERS.index(step)):
                node = node.parent if node is not None else None
            if node is not None:
                chain.append(node)
        return chain or [self]

    def counted_in_region_total(self) -> bool:
        """A pilot unit counts toward the region total unless an ancestor's figures include it.

        顺德区 is a pilot unit, but 佛山市's figures include it: summing both would count it twice.
        The rule is planwatch.core.hierarchy's.
        """
        return hierarchy.counted_in_region_total(self.code, hierarchy_nodes([self, *self.ancestors()]))


def hierarchy_nodes(localities: Sequence[Locality]) -> dict[str, hierarchy.LocalityNode]:
    """The localities as planwatch.core.hierarchy reads them, by code; each parent found by its id
    among the same localities (no query)."""
    code_of: dict[int | None, str] = {loc.pk: loc.code for loc in localities}
    return hierarchy.by_code(
        hierarchy.LocalityNode(loc.code, code_of.get(loc.parent_id), loc.pilot, loc.figures_include_children)
        for loc in localities
    )


def inclusion_note(plan: Plan) -> tuple[str, str]:
    """What the plan's region totals say of pilot units inside another (顺德区计入佛山市，不重复计算),
    in Chinese and English, from its own localities; ("", "") when no pilot unit includes another."""
    localities = list(plan.localities.all())
    names = {loc.code: (loc.name_zh, loc.name_en) for loc in localities}
    return hierarchy.inclusion_note(hierarchy_nodes(localities), names)


class Unit(Bilingual):
    """A department or government named as responsible for tasks."""

    Kind = kinds.UnitKind

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="units")
    code = models.CharField(max_length=40)
    kind = models.CharField(max_length=30, choices=unit_kind_choices)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Responsible unit")
        verbose_name_plural = _("Responsible units")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_unit_code")]


class Dimension(Bilingual):
    """An evaluation dimension (创新能力、质量效益、政策实施、组织协同、资源配置) and its weight."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="dimensions")
    code = models.CharField(max_length=40)
    weight = models.DecimalField(max_digits=8, decimal_places=6)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Evaluation dimension")
        verbose_name_plural = _("Evaluation dimensions")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_dimension_code")]


class Goal(Sourced):
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="goals")
    code = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    text_zh = models.TextField()
    text_en = models.TextField()
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Goal")
        verbose_name_plural = _("Goals")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_goal_code")]

    def __str__(self) -> str:
        return f"{self.year}: {self.text_zh[:40]}"

    @property
    def text(self) -> str:
        return pick(self.text_zh, self.text_en)


class KeyFieldGroup(Bilingual, Sourced):
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="key_field_groups")
    code = models.CharField(max_length=40)
    number = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("Key field group")
        verbose_name_plural = _("Key field groups")
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_key_field_group_code")]


class KeyField(Bilingual, Sourced):
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="key_fields")
    group = models.ForeignKey(KeyFieldGroup, models.CASCADE, related_name="fields")
    code = models.CharField(max_length=40)
    number = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("Key field")
        verbose_name_plural = _("Key fields")
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_key_field_code")]


class TaskGroup(Sourced):
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="task_groups")
    code = models.CharField(max_length=40)
    number = models.PositiveSmallIntegerField()
    title_zh = models.CharField(max_length=300)
    title_en = models.CharField(max_length=400)

    class Meta:
        verbose_name = _("Task group")
        verbose_name_plural = _("Task groups")
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_task_group_code")]

    def __str__(self) -> str:
        return self.title_zh

    @property
    def title(self) -> str:
        return pick(self.title_zh, self.title_en)


class Task(Sourced):
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="tasks")
    group = models.ForeignKey(TaskGroup, models.CASCADE, related_name="tasks")
    code = models.CharField(max_length=40)
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    title_zh = models.CharField(max_length=300)
    title_en = models.CharField(max_length=400)
    units = models.ManyToManyField(Unit, through="TaskUnit", related_name="tasks")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Task")
        verbose_name_plural = _("Tasks")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_task_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title_zh}"

    @property
    def title(self) -> str:
        return pick(self.title_zh, self.title_en)

    def lead_unit(self) -> Unit | None:
        link = next((tu for tu in self.task_units.all() if tu.role == TaskUnit.Role.LEAD), None)
        return link.unit if link else None

    def participating_units(self) -> list[Unit]:
        return [tu.unit for tu in self.task_units.all() if tu.role == TaskUnit.Role.PARTICIPATING]


class TaskUnit(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead unit")
        PARTICIPATING = "participating", _("Participating unit")

    task = models.ForeignKey(Task, models.CASCADE, related_name="task_units")
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="task_units")
    role = models.CharField(max_length=20, choices=Role.choices)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("Task unit")
        verbose_name_plural = _("Task units")
        ordering = ["task", "order"]
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="unique_task_unit")]

    def __str__(self) -> str:
        return f"{self.task.code} {self.unit.code} ({self.role})"


class Indicator(Bilingual, Sourced):
    # The plan file's vocabularies (planwatch.core.kinds).
    Kind = kinds.IndicatorKind
    Direction = kinds.Direction
    Aggregation = kinds.Aggregation
    Frequency = kinds.Frequency

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="indicators")
    code = models.CharField(max_length=40)
    definition_zh = models.TextField(blank=True)
    definition_en = models.TextField(blank=True)
    unit = models.CharField(max_length=20)
    kind = models.CharField(max_length=30, choices=indicator_kind_choices)
    direction = models.CharField(max_length=20, choices=direction_choices)
    aggregation = models.CharField(max_length=20, choices=aggregation_choices)
    binding = models.BooleanField(default=False, help_text="约束性 (binding) rather than 预期性 (expected).")
    frequency = models.CharField(max_length=20, choices=frequency_choices, default="yearly")
    region_target = models.BooleanField(default=True, help_text="False where the region has no target.")
    base_year = models.PositiveSmallIntegerField(null=True, blank=True)
    base_value = models.DecimalField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, null=True, blank=True
    )
    base_implied = models.BooleanField(default=False)
    base_note_zh = models.TextField(blank=True)
    base_note_en = models.TextField(blank=True)
    # The pilot units' base-year values the plan file states (`base.localities`): code → "12.5".
    base_localities = models.JSONField(default=dict, blank=True)
    dimension = models.ForeignKey(
        Dimension, models.SET_NULL, null=True, blank=True, related_name="indicators"
    )
    lead_unit = models.ForeignKey(Unit, models.SET_NULL, null=True, blank=True, related_name="led_indicators")
    tasks = models.ManyToManyField(Task, blank=True, related_name="indicators")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Indicator")
        verbose_name_plural = _("Indicators")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_indicator_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    @property
    def definition(self) -> str:
        return pick(self.definition_zh, self.definition_en)

    @property
    def base_note(self) -> str:
        return pick(self.base_note_zh, self.base_note_en)

    @property
    def unit_label(self) -> str:
        return pick(self.unit, kinds.unit_name_en(self.unit))


class IndicatorComponent(models.Model):
    """An indicator a recomputed indicator is computed from (a share's numerator, a growth's level)."""

    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="components")
    role = models.CharField(max_length=20)
    component = models.ForeignKey(Indicator, models.PROTECT, related_name="used_by")

    class Meta:
        verbose_name = _("Indicator component")
        verbose_name_plural = _("Indicator components")
        ordering = ["indicator", "role"]
        constraints = [models.UniqueConstraint(fields=["indicator", "role"], name="unique_component_role")]

    def __str__(self) -> str:
        return f"{self.indicator.code}.{self.role} = {self.component.code}"

    @property
    def role_label(self) -> str:
        """分子, 分母, 水平值, 逐年数值 (numerator …) in the page's language."""
        return pick(*kinds.COMPONENT_ROLES.get(self.role, (self.role, self.role)))


class Target(Sourced):
    """A target: indicator × scope (the region when `locality` is empty, else one locality) × year."""

    Qualifier = kinds.Qualifier

    class Origin(models.TextChoices):
        PLAN = "plan", _("Plan text")
        USER = "user", _("Entered by users")
        SAMPLE = "sample", _("Sample data")

    indicator = models.ForeignKey(
        Indicator, models.CASCADE, related_name="targets", verbose_name=_("Indicator")
    )
    locality = models.ForeignKey(
        Locality, models.CASCADE, null=True, blank=True, related_name="targets", verbose_name=_("Locality")
    )
    year = models.PositiveSmallIntegerField(verbose_name=_("Year"))
    value = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, verbose_name=_("Value"))
    qualifier = models.CharField(
        max_length=20, choices=qualifier_choices, default="exact", verbose_name=_("Qualifier")
    )
    origin = models.CharField(max_length=20, choices=Origin.choices, default="plan", verbose_name=_("Origin"))
    # The value the plan file gave when it was last loaded (empty for targets users or the sample
    # made). A reload changes `value` only when the file's figure changed, so that a revision made by
    # users (the text: 2018/2019 targets follow the 2017 results) survives loading a corrected file.
    plan_value = models.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        null=True,
        blank=True,
        verbose_name=_("Value in the plan file"),
    )
    note_zh = models.TextField(blank=True)
    note_en = models.TextField(blank=True)
    figure_note_zh = models.TextField(blank=True)  # why the figure is not in the quoted sentence
    figure_note_en = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Target")
        verbose_name_plural = _("Targets")
        ordering = ["indicator", "order", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "locality", "year"],
                condition=Q(locality__isnull=False),
                name="unique_locality_target",
            ),
            models.UniqueConstraint(
                fields=["indicator", "year"], condition=Q(locality__isnull=True), name="unique_region_target"
            ),
        ]

    def __str__(self) -> str:
        scope = self.locality.code if self.locality_id and self.locality else "region"
        return f"{self.indicator.code} {scope} {self.year} = {self.value}"

    @property
    def scope_code(self) -> str:
        return self.locality.code if self.locality else planfile.REGION

    @property
    def note(self) -> str:
        return pick(self.note_zh, self.note_en)

    @property
    def figure_note(self) -> str:
        """Why the figure is not a number of its quoted sentence (the plan file's `figure_note`)."""
        return pick(self.figure_note_zh, self.figure_note_en)

    @property
    def is_sample(self) -> bool:
        return self.origin == self.Origin.SAMPLE

    def audit_subject(self) -> Subject:
        scope = self.locality.name_zh if self.locality_id and self.locality else "全区域"
        return Subject(
            "target",
            self.pk,
            f"{self.indicator.code} {scope} {self.year} 目标",
            plan=self.indicator.plan.code,
            locality=self.locality.code if self.locality_id and self.locality else "",
            indicator=self.indicator.code,
            period=str(self.year),
        )


class TargetRevision(models.Model):
    """One change of a target: who, when, old, new and why. Kept when the target itself is removed."""

    target = models.ForeignKey(Target, models.SET_NULL, null=True, blank=True, related_name="revisions")
    indicator = models.ForeignKey(
        Indicator, models.CASCADE, related_name="target_revisions", verbose_name=_("Indicator")
    )
    locality = models.ForeignKey(Locality, models.CASCADE, null=True, blank=True, verbose_name=_("Locality"))
    year = models.PositiveSmallIntegerField(verbose_name=_("Year"))
    old_value = models.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        null=True,
        blank=True,
        verbose_name=_("Old value"),
    )
    new_value = models.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        null=True,
        blank=True,
        verbose_name=_("New value"),
    )
    reason = models.TextField(verbose_name=_("Reason"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, verbose_name=_("Changed by")
    )
    changed_at = models.DateTimeField(auto_now_add=True, verbose_name=_("Changed at"))
    plan_version = models.ForeignKey(PlanVersion, models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("Target revision")
        verbose_name_plural = _("Target revisions")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.old_value} → {self.new_value}"


class Rule(Sourced):
    """A note of the text that governs indicators (no region target, a base year, binding, …)."""

    Kind = kinds.RuleKind

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="rules")
    code = models.CharField(max_length=40)
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=30, choices=rule_kind_choices)
    text_zh = models.TextField()
    text_en = models.TextField()
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="rules")

    class Meta:
        verbose_name = _("Rule")
        verbose_name_plural = _("Rules")
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_rule_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.text_zh[:40]}"

    @property
    def text(self) -> str:
        return pick(self.text_zh, self.text_en)


class CrossCheck(models.Model):
    """A rule across indicators that one locality's values for one period must keep."""

    Kind = kinds.CheckKind

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="checks")
    code = models.CharField(max_length=40)
    kind = models.CharField(max_length=20, choices=check_kind_choices)
    left = models.ForeignKey(Indicator, models.CASCADE, related_name="+")
    right = models.ForeignKey(Indicator, models.CASCADE, related_name="+")
    share = models.ForeignKey(Indicator, models.CASCADE, null=True, blank=True, related_name="+")
    tolerance = models.DecimalField(max_digits=12, decimal_places=DECIMAL_PLACES, null=True, blank=True)
    text_zh = models.TextField()
    text_en = models.TextField()
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Cross-indicator check")
        verbose_name_plural = _("Cross-indicator checks")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_check_code")]

    def __str__(self) -> str:
        return self.code

    @property
    def text(self) -> str:
        return pick(self.text_zh, self.text_en)


class DataRevision(models.Model):
    """The plan's data revision: a counter bumped (planwatch.plans.revision.bump), in the change's
    own transaction, by every action that changes what an evaluation reads — a value accepted or
    revised, targets set, sample data loaded, the plan file loaded — so that a dashboard knows its
    stored run is current by reading this one row, not by aggregating all values."""

    plan = models.OneToOneField(Plan, models.CASCADE, primary_key=True, related_name="data_revision")
    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Data revision")
        verbose_name_plural = _("Data revisions")

    def __str__(self) -> str:
        return f"{self.plan_id} r{self.number}"
