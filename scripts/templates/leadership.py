"""``leadership``: leaders develop their leadership with a leadership coach over a year."""

from __future__ import annotations

from template_kit import (
    Doc,
    competence,
    extend_form,
    field,
    labels,
    reason,
    relabel,
    role_texts,
    set_cadence,
    set_enum,
    set_guard,
    set_programme,
    set_settings,
    text,
)

NAME = "leadership"


def prepare(doc: Doc) -> None:
    set_programme(
        doc, template_id="leadership", context="leadership", duration="P12M",
        name=labels("Leadership development", "Lederudvikling"),
        description=labels(
            "Leaders work with an experienced leadership coach on strategy, their people, change and themselves.",
            "Ledere arbejder med en erfaren ledercoach om strategi, medarbejdere, forandring og sig selv."),
        role_labels={"mentor": labels("Leadership coach", "Ledercoach"),
                     "mentee": labels("Leader", "Leder"),
                     "coordinator": labels("Programme lead", "Programansvarlig")})
    set_enum(doc, "goal", "category", ["skills", "career", "personal_growth"])
    extend_form(doc, "goal", {
        "leadership_area": {"enum": ["strategy", "people_development", "communication", "leading_change",
                                     "decision_making", "self_leadership"]},
        "stakeholders": text(1000),
    }, {
        "leadership_area": field("Leadership area", "Ledelsesområde", "select", choices={
            "strategy": labels("Strategy", "Strategi"),
            "people_development": labels("Developing people", "Udvikling af medarbejdere"),
            "communication": labels("Communication", "Kommunikation"),
            "leading_change": labels("Leading change", "Forandringsledelse"),
            "decision_making": labels("Making decisions", "Beslutninger"),
            "self_leadership": labels("Leading yourself", "Selvledelse")}),
        "stakeholders": field("Who will notice the difference?", "Hvem vil mærke forskellen?"),
    }, required=["leadership_area"])


def customise(doc: Doc) -> None:
    role_texts(
        doc,
        agreement=labels("Coaching agreement", "Coachingaftale"),
        agreement_description=labels(
            "What you and your leadership coach agree on: focus, meetings and confidentiality. Both of you sign it.",
            "Det, du og din ledercoach aftaler: fokus, møder og fortrolighed. I underskriver det begge."),
        mentor_expectations=labels("What the leader can expect of the leadership coach",
                                   "Hvad lederen kan forvente af ledercoachen"),
        mentee_expectations=labels("What the leadership coach can expect of the leader",
                                   "Hvad ledercoachen kan forvente af lederen"),
        satisfaction=labels("How satisfied are you with the coaching (1-5)?",
                            "Hvor tilfreds er du med coachingforløbet (1-5)?"),
        check_in=labels("A monthly look at the leadership and the coaching.",
                        "Et månedligt blik på ledelsen og coachingforløbet."),
        reassign=labels("Give the leader a new leadership coach", "Giv lederen en ny ledercoach"),
        new_mentor=labels("New leadership coach", "Ny ledercoach"))
    set_enum(doc, "agreement", "meeting_frequency", ["fortnightly", "monthly"])
    extend_form(doc, "agreement", {"manager_involvement": text(2000)}, {
        "manager_involvement": field("How the leader's own manager is involved",
                                     "Hvordan lederens egen chef er involveret", "textarea"),
    })
    extend_form(doc, "reflection", {
        "situation": text(5000),
        "what_was_tried": text(5000),
    }, {
        "situation": field("A leadership situation since last time", "En ledelsessituation siden sidst", "textarea"),
        "what_was_tried": field("What was tried, and what happened", "Hvad blev afprøvet, og hvad skete der",
                                "textarea"),
    })
    # Monthly sessions; the programme lead hears when a reflection is two weeks late.
    set_cadence(doc, "P30D", remind=["-P3D", "P0D"], escalate_after="P14D")
    # A chemistry meeting comes first: the pair logs it before leaving the agreement stage.
    set_guard(doc, "agree", "min_count", {"transition": "log_meeting", "count": 1})
    relabel(doc, "agree", labels("Chemistry meeting held: start setting goals",
                                 "Kemimødet er holdt: gå i gang med målene"))
    set_guard(doc, "start_reflecting", "goals.min_agreed", {"count": 2})
    # Coaching ends with a closing conversation, recorded before the relationship is closed.
    set_guard(doc, "close", "min_count", {"transition": "record_closure_conversation", "count": 1,
                                          "since": "state_entered"})
    set_settings(
        doc,
        reasons=[
            reason("new_role", "A new role or position", "Ny rolle eller stilling"),
            reason("workload", "The workload leaves no room right now", "Arbejdsmængden giver ikke plads lige nu"),
            reason("changed_needs", "Needs have changed", "Behovene har ændret sig"),
            reason("not_a_good_fit", "The match did not fit", "Matchet passede ikke"),
            reason("other", "Another reason", "En anden årsag"),
        ],
        after_closure=labels(
            "Coach and leader may agree on further work privately; the programme no longer follows the relationship.",
            "Coach og leder kan aftale videre samarbejde privat; programmet følger ikke længere forløbet."),
        reopen_window="P60D",
        competences=[
            competence("strategic_thinking", "Strategic thinking", "Strategisk tænkning"),
            competence("delegation", "Delegating", "Uddelegering"),
            competence("difficult_conversations", "Difficult conversations", "Svære samtaler"),
            competence("leading_change", "Leading change", "Forandringsledelse"),
            competence("self_awareness", "Self-awareness as a leader", "Selvindsigt som leder"),
        ],
        scale=(1, 10),
        pulse_first="P30D", pulse_every="P90D",
        meeting_format="in_person", cadence_range=("P14D", "P60D"))
