"""Self-checks students run after each exercise.

Each check calls the student's code on small inputs and compares it with the package's
reference. It prints one line when the answer is right; otherwise it raises CheckFailed
with a hint that points at the likely mistake, not at the solution.
"""

from .autoencoders import (
    check_autoencoder,
    check_autoencoder_step,
    check_reparameterize,
    check_sample_codes,
    check_vae_loss,
)
from .common import CheckFailed
from .cyclegan import check_cycle_consistency_loss, check_generators_loss, check_identity_loss
from .density import check_causal_mask, check_detector_split, check_pixel_nll
from .diffusion import check_ddpm_loss, check_ddpm_step, check_flow_matching_loss, check_q_sample
from .frontier import check_adain, check_fade_in, check_self_attention, check_truncated_normal
from .gan import (
    check_conditional_discriminator,
    check_conditional_gan_step,
    check_conditional_generator,
    check_discriminator_block,
    check_discriminator_loss,
    check_gan_step,
    check_generator_block,
    check_generator_loss,
)
from .parzen import check_log_likelihood
from .translation import check_patchgan, check_pix2pix_generator_loss, check_unet_forward
from .wgan import (
    check_clip_weights,
    check_critic_loss,
    check_gradient_penalty,
    check_minibatch_stddev,
    check_wasserstein_generator_loss,
)

__all__ = [
    "CheckFailed", "check_adain", "check_causal_mask", "check_ddpm_loss", "check_ddpm_step",
    "check_flow_matching_loss", "check_q_sample", "check_detector_split", "check_pixel_nll",
    "check_fade_in", "check_self_attention", "check_truncated_normal",
    "check_autoencoder", "check_autoencoder_step", "check_clip_weights",
    "check_conditional_discriminator", "check_conditional_gan_step", "check_conditional_generator",
    "check_critic_loss", "check_cycle_consistency_loss", "check_discriminator_block", "check_discriminator_loss",
    "check_gan_step", "check_generator_block", "check_generator_loss", "check_generators_loss",
    "check_gradient_penalty", "check_identity_loss", "check_log_likelihood", "check_minibatch_stddev",
    "check_patchgan", "check_pix2pix_generator_loss", "check_reparameterize", "check_sample_codes",
    "check_unet_forward", "check_vae_loss", "check_wasserstein_generator_loss",
]
