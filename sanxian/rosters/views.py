"""导入花名册: download a template, upload a filled one, see every problem, import."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from sanxian.places.errors import DomainError
from sanxian.places.models import Place
from sanxian.rosters import selectors, services, upload, workbooks
from sanxian.rosters.forms import UploadForm
from sanxian.rosters.kinds import KINDS
from sanxian.rosters.models import BatchState, ImportBatch, ImportKind
from sanxian.rosters.reasons import describe
from sanxian.spreadsheets import XLSX_CONTENT_TYPE


def _download(content: bytes, filename: str) -> FileResponse:
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _index(
    request: HttpRequest, form: UploadForm, *, status: int = 200, refused: str = ""
) -> HttpResponse:
    return render(
        request,
        "rosters/index.html",
        {
            "form": form,
            "kinds": list(KINDS.values()),
            "batches": selectors.recent_batches(request.user),
            "refused": refused,
            "max_mb": max(upload.max_bytes() // upload.MB, 1),
        },
        status=status,
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    places = selectors.require_importer(request.user)
    form = UploadForm(places=places, initial={"kind": ImportKind.RESIDENTS})
    return _index(request, form)


# The CSRF check is made by ``_upload``: the middleware would read (and store) the whole
# body first, and a body announcing more than the import's limit is refused unread.
@csrf_exempt
@login_required
def upload_roster(request: HttpRequest) -> HttpResponse:
    places = selectors.require_importer(request.user)
    if request.method != "POST":
        return redirect("rosters:index")
    if upload.announced_too_large(request.META):
        services.record_refusal(
            user=request.user, place=places[0], code="too_large", request=request
        )
        form = UploadForm(places=places, initial={"kind": ImportKind.RESIDENTS})
        too_large = upload.too_large()
        refused = describe(too_large.code, too_large.params)
        return _index(request, form, status=413, refused=refused)
    return _upload(request, places)


@csrf_protect
def _upload(request: HttpRequest, places: list[Place]) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES, places=places)
    if not form.is_valid():
        return _index(request, form, status=400)
    file = form.cleaned_data["file"]
    try:
        batch = services.start_import(
            kind=form.cleaned_data["kind"],
            place=form.cleaned_data["place"],
            user=request.user,
            chunks=file.chunks(),
            file_name=file.name or "",
            request=request,
        )
    except upload.UploadRefused as exc:
        form.add_error("file", describe(exc.code, exc.params))
        return _index(request, form, status=400)
    return redirect("rosters:batch", batch.pk)


@login_required
def template(request: HttpRequest, kind: str) -> HttpResponseBase:
    places = selectors.require_importer(request.user)
    spec = KINDS.get(kind)
    if spec is None:
        raise Http404
    content = workbooks.template_workbook(spec, selectors.neighborhood_names(places))
    return _download(content, _("%(roster)s import template.xlsx") % {"roster": spec.sheet})


def _state_tag(batch: ImportBatch) -> str:
    return "tag-ok" if batch.state in (BatchState.CHECKED, BatchState.IMPORTED) else "tag-warn"


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.get_batch_for_user(request.user, pk)
    raw = request.GET.get("after", "")
    page = selectors.issue_page(batch, after=int(raw) if raw.isdigit() else None)
    return render(
        request,
        "rosters/batch.html",
        {
            "batch": batch,
            "spec": KINDS[batch.kind],
            "page": page,
            "problems": [(i, describe(i.code, i.params)) for i in page.issues],
            "file_error": describe(batch.file_error, batch.file_error_params)
            if batch.file_error
            else "",
            "state_tag": _state_tag(batch),
            "listed": len(page.issues),
        },
    )


@login_required
def batch_errors(request: HttpRequest, pk: int) -> HttpResponseBase:
    batch = selectors.get_batch_for_user(request.user, pk)
    content = workbooks.error_workbook(batch, selectors.all_issues(batch))
    day = timezone.localdate().isoformat()
    return _download(
        content,
        _("Problems in %(file)s %(day)s.xlsx")
        % {"file": batch.file_name.removesuffix(".xlsx"), "day": day},
    )


@login_required
@require_POST
def batch_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.get_batch_for_user(request.user, pk)
    try:
        batch = services.commit_batch(batch=batch, actor=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("rosters:batch", batch.pk)
    if batch.state == BatchState.IMPORTED:
        messages.success(
            request,
            _("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
            % {"created": batch.created, "updated": batch.updated, "unchanged": batch.unchanged},
        )
    else:
        messages.error(
            request,
            _("Nothing was imported: the records changed since the check. See the problems below."),
        )
    return redirect("rosters:batch", batch.pk)
