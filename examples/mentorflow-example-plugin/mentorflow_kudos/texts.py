"""The plugin's texts in English and Danish, chosen when they are shown (never at import).

A plugin with many texts would ship a gettext catalogue; eight texts fit in a table, and
:func:`mentorflow.i18n.localized` picks the language in force for the request or the person.
"""

from mentorflow.i18n import localized

TEXTS = {
    "title": {"en": "Kudos", "da": "Ros"},
    "none": {"en": "No kudos yet.", "da": "Ingen ros endnu."},
    "from": {"en": "from {name}", "da": "fra {name}"},
    "once_a_day": {"en": "kudos can be sent once a day; try again tomorrow",
                   "da": "der kan sendes ros én gang om dagen; prøv igen i morgen"},
    "only_participants": {"en": "only the mentee and the mentor can send kudos",
                          "da": "kun mentee og mentor kan sende ros"},
    "guard": {"en": "At most one kudos a day from each person on a relationship.",
              "da": "Højst én ros om dagen fra hver person i et forløb."},
    "effect": {"en": "Store the kudos sent with the transition's form.",
               "da": "Gem den ros, der blev sendt med overgangens formular."},
}


def text(key: str, **values: str) -> str:
    """The text ``key`` in the current language, with ``values`` filled in."""
    return localized(TEXTS[key]).format(**values)
