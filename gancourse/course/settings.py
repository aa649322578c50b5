"""The one setting the course build reads: where the course lives on GitHub.

A fork changes these two lines and runs `gancourse build`; every "Open in Colab" badge,
every notebook's Colab install cell and the README's notebook table follow.
"""

REPOSITORY = "gancourse/gancourse"  # owner/name on GitHub
BRANCH = "main"
