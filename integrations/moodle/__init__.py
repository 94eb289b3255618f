"""Moodle specifics beyond LTI: a Web Services REST client and what mentorflow does with it.

Course launches, deep linking, rosters and grades go through the generic
LTI 1.3 tool (:mod:`mentorflow.integrations.lti`), which Moodle's
``mod/lti`` speaks. What LTI cannot carry goes through Moodle's Web
Services (:mod:`.client`): cohorts as programme enrolment sources
(:mod:`.cohorts`), Moodle's user-context Mentor role mirrored from
mentorflow's relationships (:mod:`.mentor_roles`), the ``moodle``
notification channel (:mod:`.channel`) and user look-ups.
"""
