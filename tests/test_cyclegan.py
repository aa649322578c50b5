"""Lecture 7's generator, image pool, losses and step against the paper, the reference and hand computations."""

import pytest
import torch
import torch.nn as nn
from helpers import InterruptAt

from gancourse import losses
from gancourse.image_pool import ImagePool
from gancourse.models import count_parameters
from gancourse.models.translation import PatchGANDiscriminator, ResnetBlock, ResnetGenerator
from gancourse.steps import cyclegan_generators_loss, cyclegan_step
from gancourse.train import fit


@pytest.mark.parametrize("n_blocks, expected", [(9, 11_378_179), (6, 7_837_699)])
def test_parameter_counts_are_the_papers(n_blocks, expected):
    assert count_parameters(ResnetGenerator(n_blocks=n_blocks)) == expected


@pytest.mark.parametrize("size", [32, 64, 100])
def test_the_generator_keeps_the_size_and_ends_in_tanh(size):
    generator = ResnetGenerator(ngf=8, n_blocks=2).eval()
    with torch.no_grad():
        out = generator(torch.rand(2, 3, size, size) * 2 - 1)
    assert out.shape == (2, 3, size, size) and out.abs().max() <= 1


def test_the_layers_are_c7s1_64_d128_d256_r256_u128_u64_c7s1_3_with_reflection_padding():
    generator = ResnetGenerator(n_blocks=9)
    convs = [m for m in generator.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    outside = [c for c in convs if not any(c in block.modules() for block in generator.modules()
                                           if isinstance(block, ResnetBlock))]
    assert [(c.kernel_size[0], c.stride[0], c.out_channels, type(c).__name__[4]) for c in outside] == [
        (7, 1, 64, "2"), (3, 2, 128, "2"), (3, 2, 256, "2"), (3, 2, 128, "T"), (3, 2, 64, "T"), (7, 1, 3, "2")]
    assert sum(isinstance(m, ResnetBlock) for m in generator.modules()) == 9
    # every stride-1 convolution reads a mirrored border; none pads with zeros
    assert all(c.padding == (0, 0) for c in convs if c.stride == (1, 1))
    assert sum(isinstance(m, nn.ReflectionPad2d) for m in generator.modules()) == 2 + 2 * 9


def test_a_residual_block_with_zero_weights_passes_its_input_through():
    block = ResnetBlock(8)
    for conv in (m for m in block.modules() if isinstance(m, nn.Conv2d)):
        nn.init.zeros_(conv.weight)
        nn.init.zeros_(conv.bias)
    x = torch.randn(2, 8, 10, 10)
    assert torch.equal(block(x), x)


def test_a_size_the_generator_cannot_halve_twice_gets_a_clear_error():
    with pytest.raises(ValueError, match="divisible by 4"):
        ResnetGenerator(ngf=4, n_blocks=1)(torch.zeros(1, 3, 30, 30))


# ImagePool --------------------------------------------------------------------------


def test_the_pool_returns_each_image_while_filling_then_swaps_about_half():
    pool = ImagePool(size=50, seed=1)
    first = torch.arange(50.0).view(50, 1, 1, 1)
    assert torch.equal(pool.query(first), first) and len(pool) == 50
    swapped, stored_returned = 0, 0
    for value in range(1000, 3000):  # 2,000 new images, one at a time, each unlike any before
        out = pool.query(torch.full((1, 1, 1, 1), float(value)))
        swapped += int(out.item() != value)
        stored_returned += int(out.item() < value)  # an older image came back instead
    assert swapped == stored_returned  # every swap returns a stored image, nothing else
    assert 0.46 < swapped / 2000 < 0.54  # the 50 % rule (binomial: 2,000 draws, sd 0.011)
    assert len(pool) == 50


def test_the_pool_detaches_and_size_zero_is_off():
    fakes = torch.rand(3, 3, 4, 4, requires_grad=True)
    assert not ImagePool(5).query(fakes).requires_grad
    assert torch.equal(ImagePool(0).query(fakes), fakes.detach())
    with pytest.raises(ValueError, match="CycleGAN uses 50"):
        ImagePool(-1)


def test_the_pool_uses_its_own_random_stream_and_its_state_round_trips():
    torch.manual_seed(0)
    pool = ImagePool(4, seed=3)
    pool.query(torch.rand(6, 1, 2, 2))
    global_state = torch.get_rng_state()
    pool.query(torch.rand(6, 1, 2, 2))
    torch.set_rng_state(global_state)
    after = torch.rand(6, 1, 2, 2)
    torch.set_rng_state(global_state)
    pool.query(torch.zeros(6, 1, 2, 2))
    assert torch.equal(torch.rand(6, 1, 2, 2), after), "the pool must not draw from the global stream"

    state = pool.state_dict()
    twin = ImagePool(4, seed=99)
    twin.load_state_dict(state)
    batch = torch.rand(8, 1, 2, 2)
    assert torch.equal(pool.query(batch), twin.query(batch))
    with pytest.raises(ValueError, match="held up to 4"):
        ImagePool(5).load_state_dict(state)


# Losses and the step ------------------------------------------------------------------


def test_cycle_and_identity_losses_by_hand():
    x, y = torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)
    x_cycled = torch.tensor([[[[1.0, 0.0], [0.0, -1.0]]]])  # |F(G(x)) - x| = 1, 0, 0, 1: mean 0.5
    y_cycled = torch.full((1, 1, 2, 2), 0.75)  # |G(F(y)) - y| = 0.25 everywhere
    assert losses.cycle_consistency_loss(x, x_cycled, y, y_cycled).item() == pytest.approx(10 * (0.5 + 0.25))
    assert losses.cycle_consistency_loss(x, x_cycled, y, y_cycled, lam=1).item() == pytest.approx(0.75)
    # identity: G(y) should be y, F(x) should be x; weight 0.5 of lambda 10 = 5
    assert losses.identity_loss(x, x_cycled, y, y_cycled).item() == pytest.approx(5 * (0.25 + 0.5))
    assert losses.identity_loss(x, x, y, y).item() == 0


def _tiny_cyclegan(seed=0):
    torch.manual_seed(seed)
    g_xy, g_yx = ResnetGenerator(ngf=4, n_blocks=1), ResnetGenerator(ngf=4, n_blocks=1)
    d_x, d_y = (PatchGANDiscriminator(3, ndf=4, n_layers=1, norm="instance") for _ in range(2))
    g_opt = torch.optim.Adam([*g_xy.parameters(), *g_yx.parameters()], 2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam([*d_x.parameters(), *d_y.parameters()], 2e-4, betas=(0.5, 0.999))
    return g_xy, g_yx, d_x, d_y, g_opt, d_opt


def test_the_generators_objective_is_the_papers_equation_3_with_least_squares():
    g_xy, g_yx, d_x, d_y, *_ = _tiny_cyclegan()
    x, y = torch.rand(2, 3, 16, 16) * 2 - 1, torch.rand(2, 3, 16, 16) * 2 - 1
    loss, fake_y, fake_x = cyclegan_generators_loss(g_xy, g_yx, d_x, d_y, x, y, lam=7.0, identity=0.3)
    with torch.no_grad():
        expected = ((d_y(g_xy(x)) - 1).pow(2).mean() + (d_x(g_yx(y)) - 1).pow(2).mean()
                    + 7 * ((g_yx(g_xy(x)) - x).abs().mean() + (g_xy(g_yx(y)) - y).abs().mean())
                    + 0.3 * 7 * ((g_xy(y) - y).abs().mean() + (g_yx(x) - x).abs().mean()))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert torch.equal(fake_y, g_xy(x)) and torch.equal(fake_x, g_yx(y))


def test_the_step_freezes_both_discriminators_for_the_generators_and_trains_everything():
    g_xy, g_yx, d_x, d_y, g_opt, d_opt = _tiny_cyclegan()
    seen = {}
    original = g_opt.step

    def spying_step(*args, **kwargs):
        seen["frozen"] = all(not p.requires_grad for d in (d_x, d_y) for p in d.parameters())
        seen["no d grads"] = all(p.grad is None for d in (d_x, d_y) for p in d.parameters())
        return original(*args, **kwargs)

    g_opt.step = spying_step
    before = [[p.detach().clone() for p in net.parameters()] for net in (g_xy, g_yx, d_x, d_y)]
    batch = (torch.rand(2, 3, 16, 16) * 2 - 1, torch.rand(2, 3, 16, 16) * 2 - 1)
    pools = ImagePool(4), ImagePool(4)
    logged = cyclegan_step(g_xy, g_yx, d_x, d_y, g_opt, d_opt, batch, pool_x=pools[0], pool_y=pools[1])
    assert seen == {"frozen": True, "no d grads": True}
    assert all(p.requires_grad for d in (d_x, d_y) for p in d.parameters())
    for net, old in zip((g_xy, g_yx, d_x, d_y), before, strict=True):
        assert any(not torch.equal(a, b) for a, b in zip(old, net.parameters(), strict=True))
    assert set(logged) == {"G", "D_X", "D_Y"} and len(pools[0]) == len(pools[1]) == 2


def test_each_discriminator_sees_its_own_domain():
    """D_Y judges real y against G(x); D_X real x against F(y): spied on the inputs each one gets."""
    g_xy, g_yx, d_x, d_y, g_opt, d_opt = _tiny_cyclegan()
    x, y = torch.full((1, 3, 8, 8), -0.5), torch.full((1, 3, 8, 8), 0.5)
    seen = {"x": [], "y": []}
    d_x.register_forward_pre_hook(lambda m, a: seen["x"].append(a[0].detach().clone()))
    d_y.register_forward_pre_hook(lambda m, a: seen["y"].append(a[0].detach().clone()))
    cyclegan_step(g_xy, g_yx, d_x, d_y, g_opt, d_opt, (x, y), identity=0)
    with torch.no_grad():
        assert any(torch.equal(seen_input, y) for seen_input in seen["y"])
        assert any(torch.equal(seen_input, x) for seen_input in seen["x"])
        assert not any(torch.equal(seen_input, x) for seen_input in seen["y"])
        assert not any(torch.equal(seen_input, y) for seen_input in seen["x"])


def test_an_interrupted_cyclegan_run_resumes_to_the_same_weights_and_pools(tmp_path):
    data = [(torch.rand(2, 3, 8, 8) * 2 - 1, torch.rand(2, 3, 8, 8) * 2 - 1) for _ in range(4)]

    def run(checkpoint, stop_after=None, seed=0):
        g_xy, g_yx, d_x, d_y, g_opt, d_opt = _tiny_cyclegan(seed)
        pool_x, pool_y = ImagePool(3, seed=1), ImagePool(3, seed=2)

        def step(batch):
            return cyclegan_step(g_xy, g_yx, d_x, d_y, g_opt, d_opt, batch, pool_x=pool_x, pool_y=pool_y)

        if stop_after is not None:
            step = InterruptAt(step, stop_after + 1)
        state = {"G": g_xy, "F": g_yx, "D_X": d_x, "D_Y": d_y, "g_opt": g_opt, "d_opt": d_opt,
                 "pool_x": pool_x, "pool_y": pool_y}
        fit(step, data, epochs=3, state=state, checkpoint=checkpoint, progress=False)
        return g_xy, pool_y

    unbroken, unbroken_pool = run(tmp_path / "a.pt")
    run(tmp_path / "b.pt", stop_after=6)  # Ctrl-C in the second epoch, after the pools are full
    resumed, resumed_pool = run(tmp_path / "b.pt", seed=5)  # a new session: other initial weights
    for a, b in zip(unbroken.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(a, b)
    assert all(torch.equal(a, b) for a, b in zip(unbroken_pool.images, resumed_pool.images, strict=True))


def test_a_run_with_another_pool_size_starts_afresh_and_keeps_the_old_checkpoint(tmp_path, capsys):
    data = [(torch.rand(2, 3, 8, 8) * 2 - 1, torch.rand(2, 3, 8, 8) * 2 - 1)]

    def run(pool_size):
        g_xy, g_yx, d_x, d_y, g_opt, d_opt = _tiny_cyclegan()
        pool_x, pool_y = ImagePool(pool_size), ImagePool(pool_size)

        def step(batch):
            return cyclegan_step(g_xy, g_yx, d_x, d_y, g_opt, d_opt, batch, pool_x=pool_x, pool_y=pool_y)

        state = {"G": g_xy, "F": g_yx, "D_X": d_x, "D_Y": d_y, "g_opt": g_opt, "d_opt": d_opt,
                 "pool_x": pool_x, "pool_y": pool_y}
        return fit(step, data, epochs=1, state=state, checkpoint=tmp_path / "run.pt", progress=False)

    run(50)
    assert run(10).epochs_done == 1
    out = capsys.readouterr().out
    assert "Starting afresh: pool_x: ImagePool (size=50) -> ImagePool (size=10)" in out
    assert (tmp_path / "run.1.old.pt").exists()
