"""The survey page: reached from a signed link, no sign-in needed, for one ticket only."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from escala.core.errors import DomainError, NotFound

from . import actions

RATINGS = [1, 2, 3, 4, 5]


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        survey = actions.survey_for_token(token)
    except NotFound as exc:
        return render(request, "surveys/invalid.html", {"message": exc.message}, status=404)
    language = translation.get_language()
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        # The requester's own language, unless they picked one on the page.
        language = survey.ticket.requester.language
    with translation.override(language):
        request.LANGUAGE_CODE = language
        return _answer(request, survey)


def _answer(request: HttpRequest, survey) -> HttpResponse:
    context = {
        "survey": survey,
        "ticket": survey.ticket,
        "ratings": RATINGS,
        "can_answer": actions.can_answer(survey),
        "changeable_until": actions.changeable_until(survey),
        "errors": {},
        "saved": False,
        "chosen": survey.rating,
        "comment": survey.comment,
    }
    status = 200
    if request.method == "POST":
        context["chosen"] = request.POST.get("rating")
        context["comment"] = request.POST.get("comment", "")
        try:
            actions.answer_survey(
                survey=survey, rating=request.POST.get("rating"), comment=context["comment"]
            )
        except DomainError as exc:
            context["errors"] = {exc.field or "general": exc.message}
            status = 400
        else:
            context.update(
                saved=True,
                chosen=survey.rating,
                can_answer=actions.can_answer(survey),
                changeable_until=actions.changeable_until(survey),
            )
    return render(request, "surveys/answer.html", context, status=status)
