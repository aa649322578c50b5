"""Reference architectures, named as in their papers. Models import nothing from train, plot or widgets."""

from .autoencoder import VAE, ConvAutoencoder, ConvVAE, MLPAutoencoder, reparameterize
from .modes import evaluating
from .summary import summary

__all__ = ["VAE", "ConvAutoencoder", "ConvVAE", "MLPAutoencoder", "reparameterize"]
__all__ += ["count_parameters", "evaluating", "summary"]


def count_parameters(model) -> int:
    """Trainable parameters, the number the lectures' summary tables print."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
