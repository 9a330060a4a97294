"""Rewrite a zip package (DOCX, XLSX) with fixed member timestamps and order, so that the same
content gives the same bytes."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile

CHUNK = 1 << 20
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def fixed_zip(data: bytes, day: dt.date) -> bytes:
    stamp = (max(day.year, 1980), day.month, day.day, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the time of saving; the package's moment is the bulletin's day.
                core = MODIFIED.sub(
                    rb"\g<1>" + f"{day.isoformat()}T00:00:00Z".encode() + rb"\g<2>",
                    source.read(info.filename),
                )
                target.writestr(member, core)
                continue
            # copied in pieces: a national annex's indicator sheet is ~280 MB of XML
            with source.open(info) as piece_from, target.open(member, "w") as piece_to:
                shutil.copyfileobj(piece_from, piece_to, CHUNK)
    return out.getvalue()
