"""torch.optim without torch._dynamo's import (`mia_defense.training.eager`): the same
updates as ``optimizer.step()``, no import while nothing compiles, torch's own guards once
torch._dynamo is imported. The eager steps run in a fresh interpreter: pytest's may have
imported torch._dynamo already, where the eager path steps aside."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


_TRAIN = """
    import sys
    import torch
    from mia_defense.training.config import TrainConfig, make_optimizer
    from mia_defense.training.eager import optimizer_step

    def trained(step, optimizer, **extra):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
        config = TrainConfig(optimizer=optimizer, lr=0.05, **extra)
        opt = make_optimizer(list(model.parameters()), config)
        x, y = torch.randn(32, 5), torch.randint(0, 3, (32,))
        for _ in range(5):
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(model(x), y).backward()
            step(opt)
        assert torch.is_grad_enabled()  # the step gives the grad mode back
        return [p.detach().clone() for p in model.parameters()]

    recipes = [("adam", {}), ("sgd", {"momentum": 0.9}), ("adam", {"weight_decay": 0.01}),
               ({"_target_": "torch.optim.AdamW"}, {}), ({"_target_": "torch.optim.RMSprop"}, {})]
"""


def test_eager_steps_equal_torch_optim_steps_and_never_import_torch_dynamo(tmp_path):
    # the eager steps in a fresh interpreter (torch's own step there would import
    # torch._dynamo, 5 s of a fresh process); torch's own steps in this one
    saved = tmp_path / "eager.pt"
    out = _run(_TRAIN + f"""
    torch.set_num_threads(1)
    eager = [trained(optimizer_step, opt, **extra) for opt, extra in recipes]
    print("torch._dynamo" in sys.modules)
    torch.save(eager, {str(saved)!r})
    """)
    assert out == "False"
    import torch

    recipe: dict = {}
    exec(textwrap.dedent(_TRAIN), recipe)  # this file's own code
    plain = [recipe["trained"](lambda o: o.step(), opt, **extra)
             for opt, extra in recipe["recipes"]]  # fmt: skip
    eager = torch.load(saved, weights_only=True)
    assert len(eager) == len(plain) == 5
    for ours, theirs in zip(eager, plain, strict=True):
        assert all(torch.equal(a, b) for a, b in zip(ours, theirs, strict=True))


@pytest.mark.slow  # ~6 s: a fresh interpreter that imports torch._dynamo
def test_once_torch_dynamo_is_imported_torch_guards_and_steps_as_it_would():
    out = _run(_TRAIN + """
    import torch._dynamo
    disabled = []
    real_disable = torch._dynamo.disable
    torch._dynamo.disable = lambda fn, *a, **k: disabled.append(fn.__name__) or real_disable(
        fn, *a, **k)
    stepped = []
    real_step = torch.optim.Adam.step
    torch.optim.Adam.step = lambda self, *a, **k: stepped.append(1) or real_step(self, *a, **k)
    trained(optimizer_step, "adam")
    print({"add_param_group", "zero_grad"} <= set(disabled), len(stepped))
    """)
    assert out == "True 6"  # 5 training steps and TrainConfig's check of the optimiser


@pytest.mark.slow  # ~5 s: a fresh interpreter
def test_a_step_hook_is_called_as_torch_calls_it():
    out = _run(_TRAIN + """
    calls = []
    def hooked(opt):
        if not calls:
            opt.register_step_pre_hook(lambda *a: calls.append("pre"))
            opt.register_step_post_hook(lambda *a: calls.append("post"))
        optimizer_step(opt)
    trained(hooked, "sgd")
    print(calls[:2], len(calls))
    """)
    assert out == "['pre', 'post'] 10"
