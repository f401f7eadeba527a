"""Your circle: the drawing of a member's trust neighbourhood (``matchmaking.circle``)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from .. import circle


@login_required
def circle_view(request):
    drawing = circle.draw(member=request.user)
    if request.GET.get("format") == "svg":
        return HttpResponse(drawing.svg, content_type="image/svg+xml")
    return render(request, "matchmaking/circle.html", {"drawing": drawing})
