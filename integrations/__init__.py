"""Integrations with the places people meet mentoring: Moodle (LTI 1.3), Open edX (XBlock), the web service."""
