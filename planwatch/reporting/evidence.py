"""Evidence files: the one check of what may be attached (size, kind, and that the content is really
of that kind), for reported values, progress updates and ledger rows alike."""

from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils import translation
from django.utils.translation import gettext as _

from planwatch.core.errors import PlanWatchError

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary Office formats
ZIP = b"PK\x03\x04"  # OOXML and OFD are zip packages
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".docx": (ZIP,),
    ".xlsx": (ZIP,),
    ".ofd": (ZIP,),
    ".doc": (OLE,),
    ".xls": (OLE,),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


def check_evidence(upload: UploadedFile) -> str:
    """Why this file may not be attached, or "" when it may: its size, its kind, its content."""
    name = upload.name or ""
    suffix = PurePath(name).suffix.lower()
    allowed = settings.PLANWATCH_EVIDENCE_TYPES
    limit = settings.PLANWATCH_EVIDENCE_MAX_BYTES
    if suffix not in allowed:
        return _("%(name)s: this kind of file is not accepted. Accepted: %(kinds)s.") % {
            "name": name,
            "kinds": ", ".join(sorted(allowed)),
        }
    if not upload.size:
        return _("%(name)s is empty.") % {"name": name}
    if upload.size > limit:
        return _("%(name)s is %(size).1f MB: the limit is %(limit)d MB.") % {
            "name": name,
            "size": upload.size / 1024 / 1024,
            "limit": limit // (1024 * 1024),
        }
    signatures = SIGNATURES.get(suffix)
    if signatures:
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(sig) for sig in signatures):
            return _("%(name)s is not really a %(kind)s file.") % {"name": name, "kind": suffix}
    return ""


def evidence_problem(upload: UploadedFile) -> PlanWatchError | None:
    """check_evidence's answer in Chinese and English, as an error to refuse the upload with."""
    with translation.override("zh-hans"):
        zh = check_evidence(upload)
    if not zh:
        return None
    with translation.override("en"):
        return PlanWatchError(zh, check_evidence(upload))


def evidence_fields(upload: UploadedFile, user: object) -> dict[str, object]:
    """What every stored evidence file records besides its owner: name, size, type and uploader."""
    return {
        "original_name": PurePath(upload.name or "file").name[:255],
        "size": upload.size or 0,
        "content_type": content_type_of(upload.name or ""),
        "uploaded_by": user,
    }


def content_type_of(name: str) -> str:
    """The MIME type to serve a stored evidence file with, from its (checked) suffix."""
    return settings.PLANWATCH_EVIDENCE_TYPES.get(PurePath(name).suffix.lower(), "application/octet-stream")


def download(stored: FieldFile, original_name: str) -> FileResponse:
    """A stored evidence file as an attachment (never shown inline), under the name it was sent
    with; 404 if the file has gone from the store."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError as e:
        raise Http404("the file is missing from the store") from e
    return FileResponse(
        handle, as_attachment=True, filename=original_name, content_type=content_type_of(original_name)
    )
