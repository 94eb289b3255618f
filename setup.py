"""Package discovery for the one ``mentorflow`` namespace (metadata lives in pyproject.toml).

The top-level folders map onto ``mentorflow.*``; every sub-package found
below them is included, so adding a plugin package needs no edit here.
"""

from setuptools import find_packages, setup

FOLDERS = {"mentorflow": "core", "mentorflow.plugins": "plugins", "mentorflow.integrations": "integrations",
           "mentorflow.schemas": "schemas"}


def packages() -> list[str]:
    found = []
    for name, folder in FOLDERS.items():
        found.append(name)
        found += [f"{name}.{sub}" for sub in find_packages(folder)]
    # core/ contains no folders named plugins/integrations/schemas, so names never collide.
    return sorted(set(found))


setup(packages=packages(), package_dir=FOLDERS)
