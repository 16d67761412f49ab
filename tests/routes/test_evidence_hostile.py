"""Evidence: the API takes the file as the form does; every accepted type is checked by content; notes are bounded."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from efs.errors import ValidationFailed
from efs.limits import NOTE_MAX_CHARS
from efs.routes import services
from efs.routes.models import Evidence
from tests.routes.test_routes import _approved


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            # a fixed date: the same bytes in every process (pytest-xdist's workers collect the
            # tests apart, and a member's time would make their ids differ)
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
GOOD = {
    "a.pdf": b"%PDF-1.4 x",
    "a.png": b"\x89PNG\r\n\x1a\n....",
    "a.jpg": b"\xff\xd8\xff\xe0..",
    "a.docx": DOCX,
    "a.xlsx": _zip({"[Content_Types].xml": b"", "xl/workbook.xml": b""}),
    "a.pptx": _zip({"[Content_Types].xml": b"", "ppt/presentation.xml": b""}),
    "a.odt": ODT,
    "a.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....",
    "a.rtf": b"{\\rtf1 x}",
    "a.txt": "Отчёт о стажировке".encode(),
    "a.zip": _zip({"x.txt": b"x"}),
    "a.mp4": b"\x00\x00\x00\x18ftypmp42....",
}
BAD = {
    "a.docx": b"<html><script>alert(1)</script></html>",
    "a.xlsx": DOCX,
    "a.odt": _zip({"mimetype": b"text/html"}),
    "a.doc": b"<html>",
    "a.rtf": b"<html>",
    "a.txt": b"<!doctype html><script>alert(1)</script>",
    "a.zip": b"PK not a zip",
    "a.mp4": b"<html>",
    "a.pptx": b"PK\x03\x04",
    "a.ods": ODT,
}


@pytest.mark.parametrize(("name", "content"), list(GOOD.items()), ids=list(GOOD))
def test_every_accepted_type_passes_with_its_content(ready, name, content):
    item = _approved(ready).items.first()
    evidence = services.evidence_submit(
        actor=ready["world"].users["teacher"], item=item, file=SimpleUploadedFile(name, content)
    )
    assert evidence.file_name == name and evidence.file.name.endswith(name[name.rindex("."):])


@pytest.mark.parametrize(("name", "content"), list(BAD.items()), ids=list(BAD))
def test_every_accepted_type_is_checked_by_content(ready, name, content):
    item = _approved(ready).items.first()
    with pytest.raises(ValidationFailed) as refused:
        services.evidence_submit(
            actor=ready["world"].users["teacher"], item=item, file=SimpleUploadedFile(name, content)
        )
    assert refused.value.code == "evidence_type"
    assert not Evidence.objects.exists()


def test_api_accepts_the_file_like_the_form(ready):
    world = ready["world"]
    route = _approved(ready)
    item = route.items.first()
    client = world.client("teacher")
    upload = SimpleUploadedFile("удостоверение.pdf", b"%PDF-1.4 certificate", content_type="application/pdf")
    response = client.post(
        f"/api/routes/{route.pk}/items/{item.pk}/evidence", {"file": upload, "note": "Удостоверение"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["file_name"] == "удостоверение.pdf"
    evidence = Evidence.objects.get()
    assert evidence.file.read() == b"%PDF-1.4 certificate"


def test_api_refuses_a_long_note_and_a_long_file_name_in_the_contract(ready):
    world = ready["world"]
    route = _approved(ready)
    item = route.items.first()
    client = world.client("teacher")
    url = f"/api/routes/{route.pk}/items/{item.pk}/evidence"
    long_note = client.post(url, {"note": "я" * (NOTE_MAX_CHARS + 1)})
    assert long_note.status_code == 422 and long_note.json()["error"]["code"] == "invalid_request"
    long_name = client.post(url, {"file": SimpleUploadedFile("я" * 240 + ".pdf", b"%PDF-1.4 x")})
    assert long_name.status_code == 422 and long_name.json()["error"]["code"] == "evidence_file_name_too_long", (
        long_name.json()
    )
    assert not Evidence.objects.exists()
