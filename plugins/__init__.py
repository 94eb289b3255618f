"""mentorflow's built-in plugins.

Each is registered through the ``mentorflow`` entry-point group in
``pyproject.toml`` and uses only the public hooks in
:mod:`mentorflow.hookspecs`, exactly as a third-party plugin would.
"""
