"""What the participant-facing integrations share: forms, relationship views and their templates.

The web service's pages and the Open edX XBlock show a relationship the
same way: :mod:`.views` builds the framework-free view (stage, what the
person may do next with each form's fields, the timeline as the privacy
policy allows) and :mod:`.rendering` renders it with Jinja2 from the shared
``templates/_relationship_panel.html``. Neither module knows about Flask or
XBlock: a caller passes how a form posts (its URL and hidden fields).
"""
