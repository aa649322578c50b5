"""Self-checks of lectures 1 and 2: the autoencoder, its training step, the VAE's trick and loss."""

import copy

import torch
import torch.nn.functional as F

from .. import config, losses, steps
from ..models import count_parameters
from ..models.autoencoder import MLPAutoencoder
from .common import CheckFailed, images, passed, require, same_weights

# Lecture 1 ----------------------------------------------------------------------------


def check_autoencoder(autoencoder_class) -> None:
    """The MLP autoencoder of the seed lab: sizes, parameter count, shapes, output range."""
    model = autoencoder_class(latent_dim=3)
    for part in ("encoder", "decoder"):
        require(hasattr(model, part), f"The model needs a `self.{part}` (an nn.Sequential) so we can use it alone.")
    n = count_parameters(model)
    require(
        n == 218_643,
        f"The model has {n:,} parameters; the lab's has 218,643. Check the layer sizes: "
        "784 -> 128 -> 64 -> latent_dim in the encoder and latent_dim -> 64 -> 128 -> 784 in the decoder.",
    )
    x = images(4)
    with torch.no_grad():
        z = model.encoder(x.flatten(1))
        out = model(x)
    require(tuple(z.shape) == (4, 3), f"encoder(x) should give codes of shape [4, 3], got {list(z.shape)}.")
    require(
        tuple(out.shape) == (4, 1, 28, 28),
        f"model(x) should give images shaped like x, [4, 1, 28, 28]; got {list(out.shape)}. "
        "Reshape the decoder's 784 outputs with .view(-1, 1, 28, 28).",
    )
    require(
        out.min() >= -1 and out.max() <= 1 and out.min() < 0,
        "The outputs should lie in [-1, 1] like the images: end the decoder with nn.Tanh().",
    )
    larger = count_parameters(autoencoder_class(latent_dim=8))
    require(larger == 218_643 + 5 * (64 + 1 + 64), "latent_dim must set the bottleneck size; it seems to be fixed.")
    passed("autoencoder")


def check_autoencoder_step(train_step) -> None:
    """`train_step(model, optimizer, batch)`: MSE loss, zero_grad, backward, step, loss returned."""
    # The notebook's step moves the batch to the notebook's device, so the models live there too.
    device = config.device()
    torch.manual_seed(0)
    reference_model = MLPAutoencoder(latent_dim=3).to(device)
    student_model = copy.deepcopy(reference_model)
    reference_opt = torch.optim.SGD(reference_model.parameters(), lr=0.5)
    student_opt = torch.optim.SGD(student_model.parameters(), lr=0.5)
    batches = [(images(8, seed=s), torch.zeros(8, dtype=torch.long)) for s in (1, 2)]

    initial = copy.deepcopy(student_model)
    with torch.no_grad():
        x = batches[0][0].to(device)
        expected_loss = F.mse_loss(student_model(x), x).item()
    result = train_step(student_model, student_opt, batches[0])
    require(isinstance(result, dict) and "loss" in result, "train_step should return a dict like {'loss': loss}.")
    got = float(result["loss"])
    require(
        abs(got - expected_loss) < 1e-5 * max(1, abs(expected_loss)),
        f"The returned loss is {got:.6f}, but the mean squared error between model(x) and x is "
        f"{expected_loss:.6f}. Use F.mse_loss(model(x), x) and return the loss of this batch.",
    )
    require(not same_weights(student_model, initial, tol=0),
             "The weights did not change: call loss.backward() and then optimizer.step().")
    steps.autoencoder_step(reference_model, reference_opt, batches[0], device)
    require(
        same_weights(student_model, reference_model),
        "After one step the weights differ from one SGD step on the MSE loss. "
        "Call loss.backward() and then optimizer.step(), once per batch.",
    )
    train_step(student_model, student_opt, batches[1])
    steps.autoencoder_step(reference_model, reference_opt, batches[1], device)
    require(
        same_weights(student_model, reference_model),
        "The second step went wrong although the first was right: gradients add up across steps. "
        "Call optimizer.zero_grad() before loss.backward().",
    )
    passed("autoencoder training step")


def check_sample_codes(sample_codes) -> None:
    """`sample_codes(codes, n)`: n codes, each latent number drawn on its own from N(its mean, its std^2)."""
    torch.manual_seed(0)
    # Four latent numbers with their own means and spreads, and strongly tied together, as real codes are.
    base = torch.randn(5_000, 1)
    codes = torch.cat([5 + 0.5 * base, -3 + 2 * base, 0.2 * base + 0.05 * torch.randn(5_000, 1),
                       10 - 1.5 * base], dim=1)
    mean, std = codes.mean(0), codes.std(0)
    out = sample_codes(codes, 20_000)
    require(isinstance(out, torch.Tensor) and tuple(out.shape) == (20_000, 4),
            f"sample_codes(codes, 20000) should return a tensor [20000, 4] (n codes of the codes' width); got "
            f"{list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}.")
    out = out.detach().float()
    if torch.allclose(out.mean(0), torch.full((4,), codes.mean().item()), atol=0.2):
        raise CheckFailed("Every latent number got the same mean: take the mean of each column, codes.mean(0), "
                          "not one mean over all numbers.")
    require(torch.allclose(out.mean(0), mean, atol=0.1),
            f"The sampled codes' means are {[round(m, 2) for m in out.mean(0).tolist()]}; the codes' are "
            f"{[round(m, 2) for m in mean.tolist()]}. Shift the noise by codes.mean(0).")
    spread = out.std(0)
    if torch.allclose(spread, std**2, rtol=0.05) and not torch.allclose(spread, std, rtol=0.05):
        raise CheckFailed("The codes spread by the variance: multiply the noise by the standard deviation, "
                          "codes.std(0), not codes.var(0).")
    require(torch.allclose(spread, std, rtol=0.05),
            f"The sampled codes spread by {[round(s, 2) for s in spread.tolist()]}; the codes by "
            f"{[round(s, 2) for s in std.tolist()]}. Scale standard normal noise (torch.randn) by codes.std(0).")
    correlation = torch.corrcoef(out.T)[0, 1:].abs().max().item()
    require(correlation < 0.05,
            f"The sampled numbers are tied together (correlation {correlation:.2f}), as if whole codes were "
            "copied or one noise number were shared. The lab's recipe draws each latent number on its own: "
            "noise of shape [n, width], one independent number per entry.")
    again = sample_codes(codes, 20_000)
    require(not torch.equal(again, out), "Two calls gave the same codes: draw fresh noise on every call.")
    passed("sampling codes from each latent number's mean and std")


# Lecture 2 ----------------------------------------------------------------------------


def check_reparameterize(reparameterize) -> None:
    """z = mu + sigma * eps, sigma = exp(logvar / 2), differentiable in mu and logvar."""
    n = 20_000
    mu = torch.tensor([[-2.0, 0.0, 3.0]]).repeat(n, 1).requires_grad_()
    logvar = torch.tensor([[0.0, 1.0, -2.0]]).repeat(n, 1).requires_grad_()
    torch.manual_seed(0)
    z = reparameterize(mu, logvar)
    require(tuple(z.shape) == (n, 3), f"z should have the shape of mu, [{n}, 3]; got {list(z.shape)}.")
    require(z.requires_grad, "z must stay differentiable: build it from mu and logvar with torch operations "
             "(no .detach(), no torch.normal(mu, std)).")
    spread = z.detach().std(0)
    require(bool((spread > 0.05).all()), "z does not vary: add noise, eps = torch.randn_like(mu).")
    sigma = torch.exp(0.5 * logvar[0].detach())
    require(
        torch.allclose(z.detach().mean(0), mu[0].detach(), atol=0.06),
        "The mean of z should be mu: z = mu + sigma * eps with eps ~ N(0, I).",
    )
    if torch.allclose(spread, logvar[0].detach().exp(), rtol=0.05):
        raise CheckFailed("z spreads by exp(logvar) = sigma^2. logvar is log(sigma^2), so sigma = exp(0.5 * logvar).")
    require(
        torch.allclose(spread, sigma, rtol=0.05),
        f"z should spread by sigma = exp(0.5 * logvar) = {sigma.tolist()}; it spreads by "
        f"{[round(s, 3) for s in spread.tolist()]}. Use eps from N(0, I): torch.randn_like.",
    )
    z.sum().backward()
    require(
        mu.grad is not None and logvar.grad is not None and logvar.grad.abs().sum() > 0,
        "No gradient reaches mu and logvar through z: the trick is that eps carries the randomness, "
        "so z = mu + exp(0.5 * logvar) * eps is a differentiable function of both.",
    )
    passed("reparameterize")


def check_vae_loss(vae_loss) -> None:
    """`vae_loss(x_hat, x, mu, logvar) -> (total, reconstruction, kl)`, all summed."""
    torch.manual_seed(1)
    x = torch.rand(8, 1, 28, 28)
    x_hat = torch.rand(8, 1, 28, 28).clamp(0.01, 0.99)
    mu, logvar = torch.randn(8, 4), torch.randn(8, 4)
    expected_total, expected_rec, expected_kl = losses.vae_loss(x_hat, x, mu, logvar)
    result = vae_loss(x_hat, x, mu, logvar)
    require(isinstance(result, tuple) and len(result) == 3,
             "vae_loss should return three values: (reconstruction + kl, reconstruction, kl).")
    total, rec, kl = (float(v) for v in result)

    def near(a, b):
        return abs(a - float(b)) <= 1e-3 * max(1.0, abs(float(b)))

    if not near(rec, expected_rec):
        batch_mean = float(expected_rec) / x.numel()
        hint = ("it looks averaged; sum it over pixels and examples (reduction='sum')" if near(rec, batch_mean)
                else "use the binary cross-entropy between x_hat and x, F.binary_cross_entropy(..., reduction='sum')")
        raise CheckFailed(f"The reconstruction term is {rec:.3f}, expected {float(expected_rec):.3f}: {hint}.")
    if not near(kl, expected_kl):
        hint = ("the sign is flipped: KL = -0.5 * sum(1 + logvar - mu^2 - exp(logvar)) is never negative"
                if near(-kl, expected_kl) else
                "KL = -0.5 * sum(1 + logvar - mu^2 - exp(logvar)), summed over the batch and the latent dimensions")
        raise CheckFailed(f"The KL term is {kl:.3f}, expected {float(expected_kl):.3f}: {hint}.")
    require(near(total, expected_total), "The total should be reconstruction + kl.")
    passed("VAE loss")
