"""Russian (gettext) messages for the answer error codes of itemformat."""

from django.utils.translation import gettext_lazy as _

from .itemformat import AnswerError

ANSWER_ERRORS = {
    "choose_one": _("Choose one of the options."),
    "choose_some": _("Mark at least one option."),
    "option_twice": _("Each option can be marked only once."),
    "unknown_option": _("One of the chosen options is not in the list."),
    "match_all": _("Match every item on the left with one option on the right."),
    "match_twice": _("Each option on the right can be chosen only once."),
    "order_all": _("Put every item in order, each once."),
    "rank_all": _("Give a place to every item."),
    "rank_twice": _("Each place from 1 to %(n)s can be chosen only once."),
    "number": _("Enter a number, for example 12 or 3,5."),
}


def answer_error_message(error: AnswerError) -> str:
    message = str(ANSWER_ERRORS.get(error.code, _("The answer could not be read.")))
    return message % error.params if error.params else message
