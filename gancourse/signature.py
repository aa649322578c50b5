"""What makes two fit() calls the same run, so that a checkpoint is resumed only by the run that wrote it.

The student loop of every notebook is: change a loss, a learning rate or the optimiser,
re-run the training cell, see the effect. If fit() resumed the old checkpoint there, the
change would silently do nothing. So a checkpoint carries the run's signature:

- the step function's code, and the code of every function it calls by name, holds in a
  closure or takes as a default (a notebook's `train_step` calling its `generator_loss`),
  with the plain values (numbers, strings, devices) it reads from its globals or closure,
  also inside small lists, tuples and dicts (keyword arguments passed on with `**settings`);
- for each model in `state`: its class and the names and shapes of its weights;
- for each optimiser: its class and every hyper-parameter (lr, betas, weight decay, ...);
- for anything else in `state`: its class, and what its `settings()` returns if it has one
  (an ImagePool's size).

Weights and optimiser moments are not part of it: those are what a resumed run continues.
Line numbers are not either, so a comment added above a function changes nothing.
"""

import functools
import hashlib
import types

import torch

PLAIN = (int, float, bool, str, bytes, type(None), torch.device, torch.dtype)
DEPTH = 4  # how far calls are followed: the notebook's functions and the package's steps they call
# Containers up to this size are settings, read item by item; a larger one (a dataset held in a
# list) counts by its type alone.
SETTINGS_ITEMS = 64


def _plain(value) -> bool:
    if isinstance(value, tuple):
        return all(_plain(v) for v in value)
    return isinstance(value, PLAIN)


def _code(code: types.CodeType, digest) -> None:
    digest.update(code.co_code)
    digest.update(repr(code.co_names).encode())
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            _code(constant, digest)  # a nested function or lambda: its code, not its address
        else:
            digest.update(repr(constant).encode())


def _names(code: types.CodeType):
    yield from code.co_names
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _names(constant)


def _value(value, digest, seen, depth) -> None:
    if _plain(value):
        digest.update(repr(value).encode())
    elif isinstance(value, (list, tuple, dict)) and len(value) <= SETTINGS_ITEMS and id(value) not in seen:
        seen.add(id(value))
        digest.update(type(value).__qualname__.encode())
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            digest.update((repr(key) if _plain(key) else type(key).__qualname__).encode())
            _value(item, digest, seen, depth)
    elif callable(value) and not isinstance(value, (type, torch.nn.Module)):
        _callable(value, digest, seen, depth)
    else:
        digest.update(type(value).__qualname__.encode())


def _callable(function, digest, seen, depth) -> None:
    while hasattr(function, "__wrapped__"):  # functools.wraps and friends: the function inside counts
        function = function.__wrapped__
    if isinstance(function, functools.partial):
        _value(function.func, digest, seen, depth)
        for value in (*function.args, *function.keywords.values()):
            _value(value, digest, seen, depth)
        digest.update(repr(sorted(function.keywords)).encode())
        return
    function = getattr(function, "__func__", function)  # a bound method: its function
    code = getattr(function, "__code__", None)
    if code is None:  # a built-in or a callable object: its type is all we can know
        call = type(function).__dict__.get("__call__")  # a class defined in Python: its method's code
        if isinstance(call, types.FunctionType) and id(call) not in seen:
            seen.add(id(call))
            _code(call.__code__, digest)
        else:
            digest.update(getattr(function, "__qualname__", type(function).__qualname__).encode())
        return
    if id(function) in seen or depth <= 0:
        digest.update(function.__qualname__.encode())
        return
    seen.add(id(function))
    _code(code, digest)
    for value in (*(function.__defaults__ or ()), *(function.__kwdefaults__ or {}).values()):
        _value(value, digest, seen, depth - 1)
    for cell in function.__closure__ or ():
        try:
            _value(cell.cell_contents, digest, seen, depth - 1)
        except ValueError:  # an empty cell: a name assigned later in the enclosing function
            pass
    for name in dict.fromkeys(_names(code)):
        if name in function.__globals__:
            _value(function.__globals__[name], digest, seen, depth - 1)


def step_digest(step) -> str:
    """A digest of the step function's code and everything it calls (see the module docstring)."""
    digest = hashlib.sha256()
    _callable(step, digest, set(), DEPTH)
    return digest.hexdigest()[:16]


def describe(obj) -> str:
    """What of a state object must stay the same for a checkpoint to be resumed, in words."""
    if isinstance(obj, torch.nn.Module):
        shapes = hashlib.sha256(repr([(k, tuple(v.shape)) for k, v in obj.state_dict().items()]).encode())
        return f"{type(obj).__name__} (weights {shapes.hexdigest()[:8]})"
    if isinstance(obj, torch.optim.Optimizer):
        groups = [{k: v for k, v in group.items() if k not in ("params", "initial_lr")} for group in obj.param_groups]
        settings = ", ".join(f"{k}={v}" for k, v in groups[0].items() if k in ("lr", "betas", "momentum",
                                                                                "weight_decay", "alpha"))
        digest = hashlib.sha256(repr(groups).encode()).hexdigest()[:8]
        return f"{type(obj).__name__} ({settings}; {digest})"
    if callable(getattr(obj, "settings", None)):
        return f"{type(obj).__name__} ({obj.settings()})"
    return type(obj).__name__


def signature(step, state: dict) -> dict:
    """{"step": digest, name: description for each state object}: saved with each checkpoint."""
    return {"step": step_digest(step), **{name: describe(obj) for name, obj in state.items()}}


def differences(saved: dict, current: dict) -> list:
    """What changed between two signatures, in words, e.g. ["g_optimizer: Adam (lr=0.0002 ...) -> SGD (...)"]."""
    changes = []
    for name in sorted(set(saved) | set(current)):
        before, after = saved.get(name), current.get(name)
        if before != after:
            changes.append("the step function's code" if name == "step" else f"{name}: {before} -> {after}")
    return changes
