"""``personal-growth``: participants work on personal goals with a coach."""

from __future__ import annotations

from template_kit import (
    Doc,
    competence,
    extend_form,
    field,
    labels,
    reason,
    role_texts,
    score,
    set_cadence,
    set_enum,
    set_guard,
    set_programme,
    set_settings,
    text,
)

NAME = "personal-growth"


def prepare(doc: Doc) -> None:
    set_programme(
        doc, template_id="personal-growth", context="personal_growth", duration="P6M",
        name=labels("Personal growth coaching", "Coachingforløb for personlig udvikling"),
        description=labels(
            "Participants work on personal goals with a coach: habits, confidence, balance and direction.",
            "Deltagerne arbejder med personlige mål sammen med en coach: vaner, selvtillid, balance og retning."),
        role_labels={"mentor": labels("Coach", "Coach"),
                     "mentee": labels("Participant", "Deltager"),
                     "coordinator": labels("Programme coordinator", "Forløbskoordinator")})
    set_enum(doc, "goal", "category", ["personal_growth", "skills"])
    extend_form(doc, "goal", {
        "life_area": {"enum": ["health", "relationships", "learning", "work_life_balance", "confidence",
                               "purpose"]},
        "first_habit": text(500),
    }, {
        "life_area": field("Area of life", "Livsområde", "select", choices={
            "health": labels("Health", "Helbred"), "relationships": labels("Relationships", "Relationer"),
            "learning": labels("Learning", "Læring"),
            "work_life_balance": labels("Work-life balance", "Balance mellem arbejde og fritid"),
            "confidence": labels("Self-confidence", "Selvtillid"), "purpose": labels("Purpose", "Mening")}),
        "first_habit": field("A small habit to start with", "En lille vane at starte med"),
    }, required=["life_area"])


def customise(doc: Doc) -> None:
    role_texts(
        doc,
        agreement=labels("Coaching agreement", "Coachingaftale"),
        agreement_description=labels(
            "What you and your coach agree on, including boundaries and confidentiality. Both of you sign it.",
            "Det, du og din coach aftaler, herunder grænser og fortrolighed. I underskriver det begge."),
        mentor_expectations=labels("What the participant can expect of the coach",
                                   "Hvad deltageren kan forvente af coachen"),
        mentee_expectations=labels("What the coach can expect of the participant",
                                   "Hvad coachen kan forvente af deltageren"),
        satisfaction=labels("How satisfied are you with the coaching (1-5)?",
                            "Hvor tilfreds er du med coachingforløbet (1-5)?"),
        check_in=labels("A short check-in on the goals and how things are going.",
                        "En kort status på målene, og hvordan det går."),
        reassign=labels("Give the participant a new coach", "Giv deltageren en ny coach"),
        new_mentor=labels("New coach", "Ny coach"))
    set_enum(doc, "agreement", "meeting_frequency", ["weekly", "fortnightly", "monthly"])
    # Coaching is not therapy: the agreement says so and where other help is found.
    extend_form(doc, "agreement", {"boundaries": text(2000, required=True)}, {
        "boundaries": field("What the coaching is not (e.g. therapy) and where to find other help",
                            "Hvad forløbet ikke er (f.eks. terapi), og hvor man finder anden hjælp", "textarea"),
    }, required=["boundaries"])
    extend_form(doc, "reflection", {
        "energy": score(),
        "small_win": text(2000),
        "next_small_step": text(1000),
    }, {
        "energy": field("Energy lately (1-5)", "Energiniveau på det seneste (1-5)", "scale"),
        "small_win": field("A small win since last time", "En lille sejr siden sidst", "textarea"),
        "next_small_step": field("The next small step", "Det næste lille skridt"),
    })
    set_cadence(doc, "P14D", remind=["-P1D", "P0D"], escalate_after="P7D")
    # Two days to think the agreement over before the work starts.
    set_guard(doc, "agree", "min_time_in_state", {"duration": "P2D"})
    set_settings(
        doc,
        reasons=[
            reason("goals_reached_early", "Goals reached early", "Målene er nået før tid"),
            reason("life_circumstances", "Life circumstances have changed", "Livssituationen har ændret sig"),
            reason("other_support", "Other support fits better now", "Anden støtte passer bedre nu"),
            reason("schedule_conflict", "Our schedules no longer fit together",
                   "Vores kalendere passer ikke længere sammen"),
            reason("not_a_good_fit", "The match did not fit", "Matchet passede ikke"),
            reason("other", "Another reason", "En anden årsag"),
        ],
        after_closure=labels(
            "The coaching has ended; any further contact is a private matter between you.",
            "Coachingforløbet er slut; videre kontakt er en privat sag mellem jer."),
        reopen_window="P30D",
        competences=[
            competence("self_awareness", "Self-awareness", "Selvindsigt"),
            competence("resilience", "Resilience", "Robusthed"),
            competence("habits", "Keeping good habits", "At holde gode vaner"),
            competence("boundaries", "Setting boundaries", "At sætte grænser"),
            competence("confidence", "Self-confidence", "Selvtillid"),
        ],
        pulse_first="P30D", pulse_every="P60D",
        meeting_format="video", cadence_range=("P7D", "P30D"))
