"""gancourse: the helper package behind the course notebooks.

Data flows one way: data -> models -> train -> plot / latent / widgets / parzen.
"""

__version__ = "0.1.0"
