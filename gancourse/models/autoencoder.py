"""Autoencoders of lectures 1 and 2: the seed labs' MLP and conv autoencoders, and the VAE.

Every model here takes images [B, 1, 28, 28] and returns images of the same shape, and
exposes the interface later widgets and evaluations rely on: `latent_dim`, `encode(x)` and
`decode(z)` with z of shape [B, latent_dim].
"""

import torch
import torch.nn as nn

IMAGE_SHAPE = (1, 28, 28)
IMAGE_PIXELS = 28 * 28


class MLPAutoencoder(nn.Module):
    """The seed lab 1 autoencoder: 784 -> 128 -> 64 -> latent, and back, Tanh output.

    With latent_dim=3: 218,643 parameters, as in the lab's summary table.
    """

    def __init__(self, latent_dim: int = 3):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(
            nn.Linear(IMAGE_PIXELS, 128), nn.ReLU(),
            nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, latent_dim),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 64), nn.ReLU(),
            nn.Linear(64, 128), nn.ReLU(),
            nn.Linear(128, IMAGE_PIXELS), nn.Tanh(),  # images live in [-1, 1]
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x.flatten(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, *IMAGE_SHAPE)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class ConvAutoencoder(nn.Module):
    """The seed lab 2 convolutional autoencoder, 50,161 parameters.

    Encoder: [1,28,28] -> conv [32,10,10] -> pool [32,5,5] -> conv [64,3,3] -> pool [64,2,2].
    Decoder: [64,2,2] -> deconv [32,5,5] -> [16,15,15] -> [1,28,28], Tanh.
    The code is the [64, 2, 2] feature map, flattened to latent_dim = 256 numbers.
    """

    code_shape = (64, 2, 2)
    latent_dim = 64 * 2 * 2

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, stride=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2, stride=2),
            nn.Conv2d(32, 64, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.MaxPool2d(2, stride=1),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(64, 32, kernel_size=3, stride=2), nn.ReLU(),
            nn.ConvTranspose2d(32, 16, kernel_size=5, stride=3, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(16, 1, kernel_size=2, stride=2, padding=1), nn.Tanh(),
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x).flatten(1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z.view(-1, *self.code_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps with eps ~ N(0, I): the sample stays differentiable in mu and sigma
    (Kingma and Welling 2014, section 2.4)."""
    std = torch.exp(0.5 * logvar)
    return mu + std * torch.randn_like(std)


class VAE(nn.Module):
    """The variational autoencoder of Kingma and Welling (2014), as in pytorch/examples.

    784 -> 400 -> (mu, logvar) of latent_dim -> 400 -> 784 with a Sigmoid output, so the
    decoder gives Bernoulli means for images in [0, 1]. With latent_dim=20: 652,824 parameters.
    """

    def __init__(self, latent_dim: int = 20, hidden: int = 400):
        super().__init__()
        self.latent_dim = latent_dim
        self.fc1 = nn.Linear(IMAGE_PIXELS, hidden)
        self.fc21 = nn.Linear(hidden, latent_dim)  # mu
        self.fc22 = nn.Linear(hidden, latent_dim)  # log sigma^2
        self.fc3 = nn.Linear(latent_dim, hidden)
        self.fc4 = nn.Linear(hidden, IMAGE_PIXELS)

    def encode(self, x: torch.Tensor):
        """(mu, logvar) of q(z | x)."""
        h = torch.relu(self.fc1(x.flatten(1)))
        return self.fc21(h), self.fc22(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h)).view(-1, *IMAGE_SHAPE)

    def forward(self, x: torch.Tensor):
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar)), mu, logvar


class ConvVAE(nn.Module):
    """A convolutional VAE for the comparison in lecture 2 (our design, not a published one).

    Two stride-2 convolutions 28 -> 14 -> 7 into (mu, logvar), and their transposes back;
    258,025 parameters at latent_dim=20, fewer than the MLP VAE's 652,824.
    """

    def __init__(self, latent_dim: int = 20):
        super().__init__()
        self.latent_dim = latent_dim
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(),
        )
        self.fc_mu = nn.Linear(64 * 7 * 7, latent_dim)
        self.fc_logvar = nn.Linear(64 * 7 * 7, latent_dim)
        self.fc_decode = nn.Linear(latent_dim, 64 * 7 * 7)
        self.deconv = nn.Sequential(
            nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1), nn.Sigmoid(),
        )

    def encode(self, x: torch.Tensor):
        h = self.features(x)
        return self.fc_mu(h), self.fc_logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.deconv(self.fc_decode(z).view(-1, 64, 7, 7))

    def forward(self, x: torch.Tensor):
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar)), mu, logvar
