"""Lecture 11's scoreboard: every family of generative model the course trained on the digits, judged alike.

A `Family` is a recipe: how its lecture built the model (full mode's sizes, so that the lecture's
own checkpoint loads), which checkpoint that lecture wrote, and how to train the model briefly
here when that checkpoint is not there (quick mode's sizes, the lecture's losses and optimisers,
through fit()). `prepare()` does one or the other and says which; an `Entry` then holds what the
table needs: a sampler, a training budget, and a log-likelihood where the family has one.

The likelihood column is in nats per binarised test digit, lecture 10's scale: exact for the
PixelCNN, a lower bound for the VAE (the importance-weighted L_k), nothing for the families that
have no density or whose bound lives in another space (see lecture 11).
"""

import time
from dataclasses import dataclass, field

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from . import config, likelihood, losses, steps
from .models import VAE, ConvAutoencoder
from .models.attention import SAGANDiscriminator, SAGANGenerator
from .models.gan import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from .models.modes import evaluating
from .models.pixelcnn import PixelCNN
from .models.stylegan import StyleGANGenerator
from .train import CheckpointError, fit, load_checkpoint


@dataclass
class Entry:
    """One row of the scoreboard: how to draw digits in [-1, 1], where the model came from, what it cost."""

    family: str
    lecture: int
    sample: object                   # sample(n, rng) -> [n, 1, 28, 28] in [-1, 1]
    source: str                      # "trained here" or "lecture N's checkpoint"
    train_steps: int
    train_seconds: float | None      # None when loaded: the lecture did not record its time
    log_likelihood: float | None = None
    likelihood_kind: str = ""        # "exact" or "lower bound"
    networks: dict = field(default_factory=dict, repr=False)


class Family:
    """The defaults of a GAN family: G and D, Adam(2e-4, beta1 0.5) for both, gan_step with the non-saturating loss."""

    # key: the state name the lecture saved its sampling network under; net: where it goes in networks()
    name, lecture, checkpoint, key, net, data = "", 0, "", "G", "G", "grey"
    lr, betas = 2e-4, (0.5, 0.999)

    def networks(self, full: bool) -> dict:
        raise NotImplementedError

    def optimizers(self, networks: dict) -> dict:
        return {f"{name}_optimizer": torch.optim.Adam(net.parameters(), self.lr, betas=self.betas)
                for name, net in networks.items()}

    def step(self, networks: dict, optimizers: dict, batch) -> dict:
        return steps.gan_step(networks["G"], networks["D"], optimizers["G_optimizer"], optimizers["D_optimizer"],
                              batch, device=_device_of(networks))

    @torch.no_grad()
    def sample(self, networks: dict, n: int, rng: torch.Generator) -> torch.Tensor:
        generator = networks["G"]
        z = torch.randn(n, generator.latent_dim, generator=rng).to(_device_of(networks))
        with evaluating(generator):
            return generator(z).clamp(-1, 1).cpu()

    def log_likelihood(self, networks: dict, binary_test: torch.Tensor, rng: torch.Generator):
        return None, ""


def _device_of(networks: dict) -> torch.device:
    return next(next(iter(networks.values())).parameters()).device


class OneNetwork(Family):
    """A family of one network, "model", trained with Adam(1e-3) on its lecture's loss(model, x), named loss_name."""

    key = net = "model"
    lr = 1e-3
    loss_name = "loss"

    def optimizers(self, networks):
        return {"optimizer": torch.optim.Adam(networks["model"].parameters(), self.lr)}

    def loss(self, model, x) -> torch.Tensor:
        raise NotImplementedError

    def step(self, networks, optimizers, batch):
        loss = self.loss(networks["model"], batch[0].to(_device_of(networks)))
        optimizers["optimizer"].zero_grad()
        loss.backward()
        optimizers["optimizer"].step()
        return {self.loss_name: loss}


class AutoencoderCodes(OneNetwork):
    """Lecture 1: the convolutional autoencoder, decoding codes drawn from each code number's mean and spread."""

    name, lecture, checkpoint = "autoencoder, random codes", 1, "01_conv_autoencoder.pt"

    def networks(self, full):
        return {"model": ConvAutoencoder()}

    def step(self, networks, optimizers, batch):  # lecture 1's own step
        return steps.autoencoder_step(networks["model"], optimizers["optimizer"], batch, _device_of(networks))

    @torch.no_grad()
    def sample(self, networks, n, rng):
        model, codes = networks["model"], networks["codes"]
        z = codes.mean(0) + codes.std(0) * torch.randn(n, codes.shape[1], generator=rng)
        with evaluating(model):
            return model.decode(z.to(_device_of(networks))).clamp(-1, 1).cpu()


class VAEFamily(OneNetwork):
    """Lecture 10's VAE (784 -> 400 -> 20) on binarised digits: z ~ N(0, I), its Bernoulli means as grey levels."""

    name, lecture, checkpoint, data = "VAE", 10, "10_vae.pt", "binary"
    loss_name = "negative ELBO"
    k = 200  # importance samples of the L_k bound

    def networks(self, full):
        return {"model": VAE()}

    def loss(self, vae, x):
        x_hat, mu, logvar = vae(x)
        return losses.vae_loss(x_hat, x, mu, logvar)[0] / len(x)  # the negative ELBO, nats per digit

    @torch.no_grad()
    def sample(self, networks, n, rng):
        vae = networks["model"]
        with evaluating(vae):
            return vae.decode(torch.randn(n, vae.latent_dim, generator=rng).to(_device_of(networks))).cpu() * 2 - 1

    def log_likelihood(self, networks, binary_test, rng):
        with evaluating(networks["model"]):
            bound = torch.cat([likelihood.importance_weighted_bound(networks["model"], x.to(_device_of(networks)),
                                                                    self.k, rng=rng) for x in binary_test.split(50)])
        return bound.mean().item(), f"lower bound (L_{self.k})"


class MLPGAN(Family):
    """Lecture 3's GAN: the seed lab's MLPs."""

    name, lecture, checkpoint, key = "MLP GAN", 3, "03_mnist_gan.pt", "generator"

    def networks(self, full):
        return {"G": MLPGenerator(), "D": MLPDiscriminator()}


class DCGAN28(Family):
    """Lecture 9's DCGAN-28 (seed 0): width 64 in full mode, 32 in quick mode."""

    name, lecture, checkpoint = "DCGAN-28", 9, "09_DCGAN_0.pt"

    def networks(self, full):
        width = 64 if full else 32
        return {"G": DCGANGenerator(ngf=width, channels=1, image_size=28),
                "D": DCGANDiscriminator(ndf=width, channels=1, image_size=28)}


class WGANGP(Family):
    """Lecture 8's WGAN-GP: lecture 3's MLPs (the generator's layers as MLPGenerator's), five critic steps
    with the gradient penalty per generator step, Adam(1e-4, betas 0.5, 0.9)."""

    name, lecture, checkpoint, key = "WGAN-GP", 8, "08_wgan-gp.pt", "generator"
    lr, betas, critic_steps = 1e-4, (0.5, 0.9), 5

    def networks(self, full):
        # lecture 8's critic: lecture 3's discriminator without dropout, a linear score
        critic = nn.Sequential(nn.Flatten(), nn.Linear(784, 1024), nn.LeakyReLU(0.2), nn.Linear(1024, 512),
                               nn.LeakyReLU(0.2), nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1),
                               nn.Flatten(0))
        return {"G": MLPGenerator(), "D": critic}

    def step(self, networks, optimizers, batch):
        generator, critic = networks["G"], networks["D"]
        real = batch[0].to(_device_of(networks))
        for _ in range(self.critic_steps):  # the batch's reals against fresh fakes each time
            with torch.no_grad():
                fake = generator(torch.randn(len(real), generator.latent_dim, device=real.device))
            loss = losses.wasserstein_critic_loss(critic(real), critic(fake))
            loss = loss + losses.gradient_penalty(critic, real, fake, 10.0)
            optimizers["D_optimizer"].zero_grad()
            loss.backward()
            optimizers["D_optimizer"].step()
        g_loss = steps.generator_update(generator, critic, optimizers["G_optimizer"], len(real),
                                        g_loss=losses.wasserstein_generator_loss, device=real.device)
        return {"critic": loss, "G": g_loss}


class SAGAN(Family):
    """Lecture 9's SAGAN: spectral norm, self-attention, the hinge loss, TTUR (D 4e-4, G 1e-4, betas 0, 0.9)."""

    name, lecture, checkpoint = "SAGAN", 9, "09_SAGAN_0.pt"

    def networks(self, full):
        width, attention_at = (64, 14) if full else (32, 7)
        return {"G": SAGANGenerator(ngf=width, attention_at=attention_at),
                "D": SAGANDiscriminator(ndf=width, attention_at=attention_at)}

    def optimizers(self, networks):
        return {"G_optimizer": torch.optim.Adam(networks["G"].parameters(), 1e-4, betas=(0.0, 0.9)),
                "D_optimizer": torch.optim.Adam(networks["D"].parameters(), 4e-4, betas=(0.0, 0.9))}

    def step(self, networks, optimizers, batch):
        return steps.gan_step(networks["G"], networks["D"], optimizers["G_optimizer"], optimizers["D_optimizer"],
                              batch, d_loss=losses.hinge_discriminator_loss, g_loss=losses.hinge_generator_loss,
                              device=_device_of(networks))


class StyleGAN(Family):
    """Lecture 9's style-based generator against DCGAN-28's discriminator, Adam(1e-3, betas 0, 0.99), without
    the lecture's mixing regularisation (one code per picture)."""

    name, lecture, checkpoint = "StyleGAN", 9, "09_stylegan.pt"
    lr, betas = 1e-3, (0.0, 0.99)

    def networks(self, full):
        widths = (128, 64, 32) if full else (32, 32, 16)
        return {"G": StyleGANGenerator(latent_dim=64, w_dim=64, widths=widths),
                "D": DCGANDiscriminator(ndf=64 if full else 32, channels=1, image_size=28)}


class PixelCNNFamily(OneNetwork):
    """Lecture 10's PixelCNN on binarised digits: drawn pixel by pixel, its exact log-likelihood."""

    name, lecture, checkpoint, data = "PixelCNN", 10, "10_pixelcnn.pt", "binary"
    loss_name = "nll"

    def networks(self, full):
        return {"model": PixelCNN(hidden=32 if full else 16)}

    def loss(self, pixelcnn, x):
        return -pixelcnn.log_likelihood(x).mean()

    @torch.no_grad()
    def sample(self, networks, n, rng):
        with evaluating(networks["model"]):
            return networks["model"].sample(n, rng=rng).cpu() * 2 - 1

    def log_likelihood(self, networks, binary_test, rng):
        with torch.no_grad(), evaluating(networks["model"]):
            exact = torch.cat([networks["model"].log_likelihood(x.to(_device_of(networks)))
                               for x in binary_test.split(250)])
        return exact.mean().item(), "exact"


FAMILIES = [AutoencoderCodes(), VAEFamily(), MLPGAN(), DCGAN28(), WGANGP(), SAGAN(), StyleGAN(), PixelCNNFamily()]


def _loaded(family: Family, networks: dict):
    """The number of steps of the lecture's own run, with its weights loaded into networks[family.net]; else None."""
    path = config.checkpoint_path(family.checkpoint)
    if not path.exists():
        return None
    try:
        saved = load_checkpoint(path)
        networks[family.net].load_state_dict(saved["state"][family.key])
    except (CheckpointError, KeyError, RuntimeError, TypeError) as error:
        print(f"{family.name}: {path} does not fit this recipe ({' '.join(str(error).split())[:120]}); training here.")
        return None
    return max((len(values) for values in saved["history"]["steps"].values()), default=0)


def prepare(family: Family, grey: torch.Tensor, binary: torch.Tensor, n_steps: int, device, batch_size: int = 64,
            full: bool | None = None) -> Entry:
    """The family's model from its lecture's checkpoint when that is there, else trained here for n_steps batches."""
    full = not config.is_quick() if full is None else full
    networks = {name: net.to(device) for name, net in family.networks(full).items()}
    pictures = binary if family.data == "binary" else grey
    done = _loaded(family, networks)
    seconds = None
    if done is None:
        optimizers = family.optimizers(networks)
        batches = DataLoader(TensorDataset(pictures), batch_size=batch_size,
                             sampler=RandomSampler(pictures, replacement=True, num_samples=batch_size * n_steps))
        started = time.perf_counter()
        history = fit(lambda batch: family.step(networks, optimizers, batch), batches, 1, progress=False,
                      state={**networks, **optimizers},
                      checkpoint=config.checkpoint_path(f"11_{family.name.split(',')[0].replace(' ', '_')}.pt"))
        seconds, done = time.perf_counter() - started, history.n_steps
    if isinstance(family, AutoencoderCodes):  # the codes its random ones imitate: the training digits encoded
        with torch.no_grad(), evaluating(networks["model"]):
            networks["codes"] = torch.cat([networks["model"].encode(x.to(device)).flatten(1).cpu()
                                           for x in grey[:2000].split(500)])
    source = f"lecture {family.lecture}'s checkpoint" if seconds is None else "trained here"
    return Entry(family.name, family.lecture, lambda n, rng: family.sample(networks, n, rng), source, done, seconds,
                 networks=networks)


def add_log_likelihood(entry: Entry, family: Family, binary_test: torch.Tensor, seed: int = 0) -> None:
    entry.log_likelihood, entry.likelihood_kind = family.log_likelihood(entry.networks, binary_test,
                                                                        torch.Generator().manual_seed(seed))


def seconds_per_digit(sample, n: int, rng: torch.Generator) -> tuple:
    """(samples, seconds per digit) for one call of sample(n, rng), with the device synchronised."""
    started = time.perf_counter()
    images = sample(n, rng)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return images, (time.perf_counter() - started) / n
