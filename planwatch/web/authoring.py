"""Authoring a plan in the browser (方案文件): the province administrator uploads a plan file and its
source text; the page checks it whole with the loader's checks and shows every problem with its
place, or a preview and what it changes in the loaded version; publishing loads it as
`planwatch load_plan` does (planwatch/plans/authoring.py), audited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from planwatch.accounts.permissions import has_perm
from planwatch.core import planfile
from planwatch.core.errors import PlanFileError, Problem
from planwatch.plans import authoring
from planwatch.plans.models import Plan

SESSION_KEY = "plan_upload"  # the token of the upload this user checked last


class UploadForm(forms.Form):
    plan_file = forms.FileField(label=gettext_lazy("Plan file (YAML or JSON)"))
    source_text = forms.FileField(
        label=gettext_lazy("Source text (UTF-8 text file, the file the plan file names)"), required=False
    )


def may_load(request: HttpRequest) -> None:
    if not has_perm("plan.load", request.user):
        raise PermissionDenied(_("Only the province administrator loads plan files."))


def _read(upload: Any) -> bytes:
    """An upload's bytes, refused past the plan file's size limit before it is read whole."""
    if upload.size > planfile.MAX_PLAN_BYTES:
        limit = f"larger than {planfile.MAX_PLAN_BYTES // 2**20} MB: not a plan file"
        raise PlanFileError(upload.name, [Problem("", limit)])
    data: bytes = upload.read()
    return data


def _check(request: HttpRequest, form: UploadForm) -> dict[str, Any]:
    """The uploaded files, checked (`check_file`)."""
    plan_upload = form.cleaned_data["plan_file"]
    source = form.cleaned_data.get("source_text")
    try:
        plan_bytes = _read(plan_upload)
        source_bytes = _read(source) if source else None
    except PlanFileError as rejected:
        return {"file_name": rejected.source or plan_upload.name, "problems": rejected.problems}
    return check_file(request, plan_upload.name, plan_bytes, source.name if source else None, source_bytes)


def check_file(
    request: HttpRequest, name: str, plan_bytes: bytes, source_name: str | None, source_bytes: bytes | None
) -> dict[str, Any]:
    """Stage a plan file (an upload, or a draft of the 新方案起草 page), check it whole (the file, then
    a load rolled back) and compare it with the loaded version: the page's preview, or every problem."""
    staged = None
    try:
        staged = authoring.stage(name, plan_bytes, source_name, source_bytes)
        doc = staged.document()
        status, version = authoring.trial_load(doc, staged.file_name, request.user)
    except PlanFileError as rejected:
        if staged is not None:
            authoring.discard(staged.token)
        return {"file_name": rejected.source or name, "problems": rejected.problems}
    if previous := request.session.get(SESSION_KEY):
        authoring.discard(previous)
    if status == "unchanged":
        authoring.discard(staged.token)
    else:
        request.session[SESSION_KEY] = staged.token
    return {
        "file_name": staged.file_name,
        "doc": doc,
        "status": status,
        "version": version,
        "diff": authoring.diff(doc),
        "token": staged.token if status != "unchanged" else "",
        "counts": {
            "localities": len(doc.localities),
            "pilots": sum(1 for x in doc.localities if x.pilot),
            "units": len(doc.units),
            "tasks": len(doc.all_tasks()),
            "indicators": len(doc.indicators),
            "targets": sum(len(i.targets) for i in doc.indicators),
        },
        "parents": {x.code: x.name for x in doc.localities},
    }


def _page(plan: Plan | None) -> dict[str, Any]:
    """What every view of the 方案文件 page starts from; its forms post to the page itself, also when
    another page (新方案起草) shows it."""
    url = reverse("web:plan_file", args=[plan.code]) if plan else reverse("web:plan_file_new")
    return {"plan": plan, "section": "manage", "form": UploadForm(), "plan_file_url": url}


def checked_page(request: HttpRequest, plan: Plan | None, checked: dict[str, Any]) -> HttpResponse:
    """The 方案文件 page showing a checked file: its preview and the way to publish, or its problems."""
    context: dict[str, Any] = {**_page(plan), **checked}
    if context.get("file_name"):  # a file's name is data: shown as code, not words to translate
        context["file_code"] = format_html("<code>{}</code>", context["file_name"])
    return render(request, "web/plan_file.html", context)


@login_required
def plan_file(request: HttpRequest, code: str | None = None) -> HttpResponse:
    plan = get_object_or_404(Plan, code=code) if code else None
    may_load(request)
    context = _page(plan)
    if request.method == "POST" and request.POST.get("action") == "publish":
        token = request.POST.get("token", "")
        if not token or token != request.session.get(SESSION_KEY):
            context["problems"] = [Problem("", _("The checked file is no longer there: upload it again."))]
        else:
            try:
                result = authoring.publish(token, request.user)
            except PlanFileError as rejected:
                context.update(file_name=rejected.source, problems=rejected.problems)
            else:
                request.session.pop(SESSION_KEY, None)
                messages.success(
                    request,
                    _("Published: %(plan)s, version %(version)s.")
                    % {"plan": result.plan.code, "version": result.version},
                )
                return redirect("web:plan", code=result.plan.code)
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            context.update(_check(request, form))
    if context.get("file_name"):  # a file's name is data: shown as code, not words to translate
        context["file_code"] = format_html("<code>{}</code>", context["file_name"])
    return render(request, "web/plan_file.html", context)
