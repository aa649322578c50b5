"""Running a model in eval mode for a moment, and handing it back as it was."""

import contextlib


@contextlib.contextmanager
def evaluating(model):
    """Eval mode inside the block (BatchNorm uses its running statistics, dropout is off); the old mode after.

    Objects without a `training` flag (a plain sampling function) pass through untouched.
    """
    was_training = getattr(model, "training", False)
    if was_training:
        model.eval()
    try:
        yield model
    finally:
        if was_training:
            model.train()
