"""A layer table like the ones in the seed labs: each layer's output shape and parameters."""

import torch

from .modes import evaluating


def summary(model: torch.nn.Module, input_shape=(1, 1, 28, 28), n_classes: int = 0) -> None:
    """Print every leaf layer with its output shape and parameter count, then the total.

    input_shape: one input, e.g. (1, 100) for a generator's noise. n_classes: for a
    conditional model, which then also receives a label.
    """
    rows, hooks = [], []

    def record(name):
        def hook(module, inputs, output):
            shape = list(output.shape) if isinstance(output, torch.Tensor) else [list(o.shape) for o in output]
            if shape and isinstance(shape[0], int):
                shape[0] = -1  # the batch dimension, written -1 as in the labs' tables
            params = sum(p.numel() for p in module.parameters(recurse=False))
            rows.append((f"{name} ({type(module).__name__})", str(shape), f"{params:,}" if params else "--"))
        return hook

    for name, module in model.named_modules():
        if not list(module.children()):
            hooks.append(module.register_forward_hook(record(name)))
    device = next(model.parameters()).device
    try:
        with torch.no_grad(), evaluating(model):
            x = torch.zeros(input_shape, device=device)
            model(x, torch.zeros(len(x), dtype=torch.long, device=device)) if n_classes else model(x)
    finally:
        for h in hooks:
            h.remove()
    widths = [max(len(r[i]) for r in rows + [("Layer (type)", "Output shape", "Param #")]) for i in range(3)]
    line = f"{{:<{widths[0]}}}  {{:<{widths[1]}}}  {{:>{widths[2]}}}"
    print(line.format("Layer (type)", "Output shape", "Param #"))
    print("-" * (sum(widths) + 4))
    for row in rows:
        print(line.format(*row))
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print("-" * (sum(widths) + 4))
    print(f"Total params: {total:,}\nTrainable params: {trainable:,}")
