"""A generic LTI 1.3 Advantage tool on the mentorflow web service.

Any LTI 1.3 platform (Moodle, Open edX, Canvas, Brightspace) can launch
mentorflow: OIDC login initiation and launch validation (:mod:`.validation`),
deep linking, dynamic and manual registration, the tool's rotating keys
(:mod:`.keys`), and the Advantage services: Names and Role Provisioning
(:mod:`.nrps`) and Assignment and Grade Services (:mod:`.ags`).
Moodle's own Web Services live in :mod:`mentorflow.integrations.moodle`.
"""
