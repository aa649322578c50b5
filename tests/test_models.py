"""The reference architectures: published shapes and parameter counts, and the common interface."""

import pytest
import torch

from gancourse.models import VAE, ConvAutoencoder, ConvVAE, MLPAutoencoder, count_parameters


@pytest.mark.parametrize(
    "model, expected",
    [
        (MLPAutoencoder(latent_dim=3), 218_643),  # seed lab 1's summary table
        (ConvAutoencoder(), 50_161),  # seed lab 2's summary table
        (VAE(latent_dim=20), 652_824),  # pytorch/examples VAE
        (ConvVAE(latent_dim=20), 258_025),  # ours, documented in its docstring
    ],
    ids=["mlp-ae", "conv-ae", "vae", "conv-vae"],
)
def test_parameter_counts(model, expected):
    assert count_parameters(model) == expected


def test_conv_autoencoder_layer_shapes_follow_the_lab_table():
    model = ConvAutoencoder()
    x = torch.zeros(2, 1, 28, 28)
    shapes = []
    for layer in list(model.encoder) + list(model.decoder):
        x = layer(x)
        shapes.append(list(x.shape[1:]))
    assert shapes[::2] == [[32, 10, 10], [32, 5, 5], [64, 3, 3], [32, 5, 5], [16, 15, 15], [1, 28, 28]]


@pytest.mark.parametrize(
    "model", [MLPAutoencoder(3), MLPAutoencoder(32), ConvAutoencoder(), VAE(20), VAE(2), ConvVAE(8)]
)
def test_every_model_exposes_latent_dim_encode_and_decode(model):
    x = torch.rand(5, 1, 28, 28)
    codes = model.encode(x)
    z = codes[0] if isinstance(codes, tuple) else codes
    assert z.shape == (5, model.latent_dim)
    assert model.decode(z).shape == (5, 1, 28, 28)
    assert model.decode(torch.randn(3, model.latent_dim)).shape == (3, 1, 28, 28)


def test_output_ranges_match_the_data_scaling():
    x = torch.randn(4, 1, 28, 28)
    tanh_out = MLPAutoencoder(3)(x)
    sigmoid_out = VAE(20)(x)[0]
    assert tanh_out.min() >= -1 and tanh_out.max() <= 1 and tanh_out.min() < 0
    assert sigmoid_out.min() >= 0 and sigmoid_out.max() <= 1


def test_vae_forward_returns_reconstruction_and_posterior_parameters():
    torch.manual_seed(0)
    model = VAE(latent_dim=20)
    x_hat, mu, logvar = model(torch.rand(3, 1, 28, 28))
    assert x_hat.shape == (3, 1, 28, 28) and mu.shape == logvar.shape == (3, 20)


def test_evaluating_switches_to_eval_and_hands_the_mode_back_even_after_an_error():
    from gancourse.models import evaluating

    model = VAE(latent_dim=2)
    model.train()
    with pytest.raises(RuntimeError), evaluating(model):
        assert not model.training and not model.fc1.training
        raise RuntimeError("a failing forward")
    assert model.training and model.fc1.training
    model.eval()
    with evaluating(model):
        pass
    assert not model.training  # a model in eval mode stays there
