"""``entrepreneurs``: new business owners reach their business milestones with a business mentor."""

from __future__ import annotations

from template_kit import (
    Doc,
    competence,
    extend_form,
    field,
    labels,
    reason,
    role_texts,
    set_cadence,
    set_enum,
    set_field_label,
    set_form_title,
    set_guard,
    set_programme,
    set_settings,
    text,
)

NAME = "entrepreneurs"


def prepare(doc: Doc) -> None:
    set_programme(
        doc, template_id="entrepreneurs", context="entrepreneurship", duration="P12M",
        name=labels("Mentoring for new business owners", "Mentorordning for iværksættere"),
        description=labels(
            "New business owners meet an experienced business mentor to reach their business milestones.",
            "Nye virksomhedsejere mødes med en erfaren erhvervsmentor for at nå deres forretningsmæssige "
            "milepæle."),
        role_labels={"mentor": labels("Business mentor", "Erhvervsmentor"),
                     "mentee": labels("Entrepreneur", "Iværksætter"),
                     "coordinator": labels("Business adviser", "Erhvervsrådgiver")})
    set_form_title(doc, "goal", labels("Business milestone", "Forretningsmæssig milepæl"))
    set_field_label(doc, "goal", "title", labels("Milestone", "Milepæl"))
    set_enum(doc, "goal", "category", ["business", "skills"])
    extend_form(doc, "goal", {
        "milestone_type": {"enum": ["first_customer", "product_launch", "revenue_target", "funding", "first_hire",
                                    "break_even", "other"]},
        "key_figure": text(200),
        "target_value": {"type": "number", "minimum": 0},
    }, {
        "milestone_type": field("Kind of milestone", "Type milepæl", "select", choices={
            "first_customer": labels("First customer", "Første kunde"),
            "product_launch": labels("Product launch", "Produktlancering"),
            "revenue_target": labels("Revenue target", "Omsætningsmål"), "funding": labels("Funding", "Finansiering"),
            "first_hire": labels("First hire", "Første ansættelse"), "break_even": labels("Break-even", "Break-even"),
            "other": labels("Something else", "Noget andet")}),
        "key_figure": field("Key figure to follow (e.g. monthly revenue)",
                            "Nøgletal, I følger (f.eks. månedlig omsætning)"),
        "target_value": field("Target value", "Målværdi", "number"),
    }, required=["milestone_type"])


def customise(doc: Doc) -> None:
    role_texts(
        doc,
        agreement=labels("Business mentoring agreement", "Aftale om erhvervsmentoring"),
        agreement_description=labels(
            "What you and your business mentor agree on, including confidentiality about the business. Both of you "
            "sign it.",
            "Det, du og din erhvervsmentor aftaler, herunder fortrolighed om virksomheden. I underskriver det "
            "begge."),
        mentor_expectations=labels("What the entrepreneur can expect of the business mentor",
                                   "Hvad iværksætteren kan forvente af erhvervsmentoren"),
        mentee_expectations=labels("What the business mentor can expect of the entrepreneur",
                                   "Hvad erhvervsmentoren kan forvente af iværksætteren"),
        satisfaction=labels("How satisfied are you with the mentoring (1-5)?",
                            "Hvor tilfreds er du med mentorforløbet (1-5)?"),
        check_in=labels("A monthly status on the business and the mentoring.",
                        "En månedlig status på virksomheden og mentorforløbet."),
        reassign=labels("Give the entrepreneur a new business mentor", "Giv iværksætteren en ny erhvervsmentor"),
        new_mentor=labels("New business mentor", "Ny erhvervsmentor"))
    set_enum(doc, "agreement", "meeting_frequency", ["fortnightly", "monthly"])
    # The mentor declares any business interest that could collide with the entrepreneur's.
    extend_form(doc, "agreement", {"conflicts_of_interest": text(2000, required=True)}, {
        "conflicts_of_interest": field("Conflicts of interest (e.g. the mentor's own business interests)",
                                       "Interessekonflikter (f.eks. mentorens egne forretningsinteresser)",
                                       "textarea"),
    }, required=["conflicts_of_interest"])
    extend_form(doc, "reflection", {
        "business_update": text(5000),
        "decisions_ahead": text(5000),
    }, {
        "business_update": field("What has happened in the business since last time?",
                                 "Hvad er der sket i virksomheden siden sidst?", "textarea"),
        "decisions_ahead": field("Decisions ahead", "Beslutninger forude", "textarea"),
    })
    set_cadence(doc, "P30D", remind=["-P3D", "P0D"], escalate_after="P14D")
    set_guard(doc, "start_reflecting", "goals.min_agreed", {"count": 2})
    set_guard(doc, "close", "min_count", {"transition": "record_closure_conversation", "count": 1,
                                          "since": "state_entered"})
    set_settings(
        doc,
        reasons=[
            reason("business_closed", "The business has closed", "Virksomheden er lukket"),
            reason("business_sold", "The business has been sold", "Virksomheden er solgt"),
            reason("conflict_of_interest", "A conflict of interest has arisen", "Der er opstået en interessekonflikt"),
            reason("changed_needs", "Needs have changed", "Behovene har ændret sig"),
            reason("schedule_conflict", "Our schedules no longer fit together",
                   "Vores kalendere passer ikke længere sammen"),
            reason("other", "Another reason", "En anden årsag"),
        ],
        after_closure=labels(
            "You may continue privately, for example as a paid adviser by separate agreement; the programme no "
            "longer follows the relationship.",
            "I kan fortsætte privat, f.eks. med mentoren som betalt rådgiver efter særskilt aftale; ordningen "
            "følger ikke længere forløbet."),
        reopen_window="P60D",
        competences=[
            competence("sales", "Sales", "Salg"),
            competence("finance", "Financial management", "Økonomistyring"),
            competence("product", "Product development", "Produktudvikling"),
            competence("network", "Business network", "Forretningsnetværk"),
            competence("leadership", "Leading employees", "Ledelse af medarbejdere"),
        ],
        pulse_first="P45D", pulse_every="P90D",
        meeting_format="in_person", cadence_range=("P14D", "P60D"))
