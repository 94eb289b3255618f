"""Open edX: mentoring as an XBlock in a course unit (``pip install "mentorflow[openedx]"``).

The block class is :class:`mentorflow.integrations.openedx.block.MentorflowXBlock`, registered as
``mentorflow`` in the ``xblock.v1`` entry-point group; add ``"mentorflow"`` to a course's advanced
modules to use it. Configuration comes from ``XBLOCK_SETTINGS["MentorflowXBlock"]`` (see
:mod:`.config` and docs/openedx.md). This package imports XBlock only in :mod:`.block`.
"""
