"""Pairing a terminal's browser (/terminal/pair/) and its recording uploads."""

from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.calls.forms import PairForm
from apps.calls.middleware import DEVICE_SESSION_KEY
from apps.calls.selectors import terminal_for_device
from apps.calls.services import call_open_by_reference, terminal_pair
from apps.calls.services.recordings import recording_chunk_store
from lib.limits import client_address, over_limit


def pair(request: HttpRequest) -> HttpResponse:
    """Enter the one-time code; the browser becomes the terminal for a long session."""
    form = PairForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if over_limit(request, "terminal-pair", value=client_address(request), rate="10/15m"):
            form.add_error(None, _("Too many tries. Wait a quarter of an hour and try again."))
        else:
            try:
                user = terminal_pair(
                    code=form.cleaned_data["code"], ip_address=client_address(request)
                )
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                terminal = terminal_for_device(user)
                request.session[DEVICE_SESSION_KEY] = terminal.pk if terminal else True
                request.session.set_expiry(settings.TERMINAL_SESSION_DAYS * 24 * 3600)
                return redirect("calls:terminal_home")
    return render(request, "calls/pair.html", {"form": form}, status=200)


def problem(request: HttpRequest, status: int, detail: str) -> JsonResponse:
    """An RFC 9457 problem, read by the terminal's uploader."""
    return JsonResponse(
        {"type": "about:blank", "status": status, "detail": detail, "instance": request.path},
        status=status,
        content_type="application/problem+json",
    )


@require_POST
def recording_chunk(request: HttpRequest, reference: str, seq: int) -> HttpResponse:
    """One chunk of a call's recording from the call's own terminal; a repeated seq is stored once."""
    terminal = terminal_for_device(request.user)  # type: ignore[arg-type]
    call = call_open_by_reference(reference)
    if terminal is None or call is None or call.terminal_id != terminal.pk:
        raise Http404
    limit = settings.RECORDING_CHUNK_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit():
        return problem(request, 400, _("The upload's length could not be read."))
    if int(declared) > limit:
        return problem(request, 413, _("This chunk is too large."))
    data = request.read(limit + 1)
    if len(data) > limit:
        return problem(request, 413, _("This chunk is too large."))
    try:
        stored = recording_chunk_store(actor=request.user, call=call, seq=seq, data=data)  # type: ignore[arg-type]
    except PermissionDenied as exc:
        return problem(request, 403, str(exc))
    except ValidationError as exc:
        return problem(request, 400, " ".join(exc.messages))
    return HttpResponse(status=201 if stored else 200)
