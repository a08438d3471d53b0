"""Writes the PyTorch fixtures read by org.deepfer.train.TorchArchiveTest.

Rerun from the repository root with an interpreter that has torch (1.13 made the committed files):

    /usr/bin/python3 src/test/resources/torch/make_fixtures.py

Every floating tensor is filled with arange(numel).reshape(shape) * 0.25 + offset, with the offsets
listed below, so the Java test recomputes each value without Python. All values are exact in the
tensor's dtype, so the test compares them exactly.
"""
import collections
import os
import zipfile

import torch
from torch import nn

OUT = os.path.dirname(os.path.abspath(__file__))
SCALE = 0.25


def fill(t, offset):
    with torch.no_grad():
        t.copy_(torch.arange(t.numel(), dtype=torch.float64).reshape(t.shape) * SCALE + offset)


def tiny():
    """conv -> bn -> relu -> flatten -> linear, for 1x5x5 inputs."""
    m = nn.Sequential(nn.Conv2d(1, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                      nn.Linear(4 * 3 * 3, 3))
    fill(m[0].weight, 100)
    fill(m[1].weight, 200)
    fill(m[1].bias, 300)
    fill(m[1].running_mean, 400)
    fill(m[1].running_var, 500)
    m[1].num_batches_tracked.fill_(7)
    fill(m[4].weight, 600)
    fill(m[4].bias, 700)
    return m.eval()


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 1)
        self.label = "not a tensor"
        self.repeats = 3
        self.register_buffer("shift", torch.zeros(2))

    def forward(self, x):
        return self.conv(x) + self.shift.view(1, 2, 1, 1) * self.repeats


class Nested(nn.Module):
    """A submodule (Block) inside a submodule (Sequential), plus a buffer of its own, for name joining."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(Block())
        self.head = nn.Linear(2, 2)
        self.register_buffer("scale", torch.zeros(2))

    def forward(self, x):
        return self.head(self.features(x).mean([2, 3])) * self.scale


def nested():
    m = Nested()
    block = m.features[0]
    fill(block.conv.weight, 10)
    fill(block.conv.bias, 20)
    fill(block.shift, 30)
    fill(m.head.weight, 70)
    fill(m.head.bias, 80)
    fill(m.scale, 90)
    return m.eval()


def mixed():
    """One tensor per dtype, a 0-d scalar, an empty tensor, a Parameter and a view into a shared storage."""
    d = collections.OrderedDict()
    for name, dtype, offset in [("f64", torch.float64, 1), ("f16", torch.float16, 2), ("bf16", torch.bfloat16, 3),
                                ("i64", torch.int64, 4), ("i32", torch.int32, 5), ("i16", torch.int16, 6),
                                ("i8", torch.int8, -7), ("u8", torch.uint8, 8)]:
        t = torch.empty(2, 3, dtype=dtype)
        if dtype.is_floating_point:
            fill(t, offset)
        else:
            t.copy_(torch.arange(6).reshape(2, 3) + offset)
        d[name] = t
    d["bool"] = torch.tensor([True, False, True])
    d["scalar"] = torch.tensor(2.5)
    d["empty"] = torch.zeros(0, 3)
    d["param"] = nn.Parameter(torch.arange(4.0) * SCALE + 9)
    base = torch.arange(10.0) * SCALE + 10
    d["base"] = base
    d["tail"] = base[4:].view(2, 3)  # storage offset 4 into base's storage, saved once
    return d


def save_script(module, name):
    """torch.jit.save, then drop the *.debug_pkl source maps (most of the file; torch.jit.load does not need them)."""
    path = os.path.join(OUT, name)
    torch.jit.save(torch.jit.script(module), path)
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist() if not info.filename.endswith(".debug_pkl")]
    with zipfile.ZipFile(path, "w") as dst:
        for info, data in entries:
            dst.writestr(info, data)
    reloaded = torch.jit.load(path)
    for key, value in module.state_dict().items():
        assert torch.equal(reloaded.state_dict()[key], value), key


def main():
    torch.manual_seed(0)
    m = tiny()
    torch.save(m.state_dict(), os.path.join(OUT, "tiny_state.pth"))
    save_script(m, "tiny_script.pt")
    # The whole eager module pickled by class reference; its non-persistent buffer is not in state_dict().
    m[4].register_buffer("cache", torch.zeros(1), persistent=False)
    torch.save(m, os.path.join(OUT, "tiny_model.pth"))
    save_script(nested(), "nested_script.pt")
    torch.save(mixed(), os.path.join(OUT, "mixed.pth"))
    # Strides (1, 3): not contiguous, which the reader refuses rather than guessing an order.
    torch.save({"t": torch.arange(6.0).reshape(2, 3).t()}, os.path.join(OUT, "transposed.pth"))


if __name__ == "__main__":
    main()
