"""Writes the fixture of PretrainedLoaderTest: a PyTorch twin of our `baseline` at width 0.125.

    /usr/bin/python3 src/test/resources/torch/make_baseline_fixture.py

baseline_w0125.pth      state dict (PyTorch's names: 0.0.weight ... 2.bias; ours differ, order is shared)
baseline_w0125_rgb.pth  the same net with a 3-channel stem, for loading into a gray model
baseline_w0125_io.pth   {"input": (2, 1, 48, 48), "features": (2, 32), "features_rgb": (2, 32)}: the
                        eval-mode output of everything before the classifier (features_rgb: of the
                        RGB net on the gray input repeated 3 times), which our backbone must reproduce
                        after loading the state dict.
Random weights and batch-norm statistics (seeded), so a wrong pairing of tensors shows in the output.
"""
import os

import torch
from torch import nn

OUT = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(2026)


def stage(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout, eps=1e-5), nn.ReLU(),
            nn.MaxPool2d(2)]


def baseline(channels):
    """Our BaselineCnn at width 0.125: filters 32/64/128/256 -> 8/8/16/32, dense 256 -> 32."""
    layers = stage(channels, 8) + stage(8, 8) + stage(8, 16) + stage(16, 32)
    features = nn.Sequential(*layers, nn.Flatten(), nn.Dropout(0.3), nn.Linear(32 * 3 * 3, 32), nn.ReLU())
    model = nn.Sequential(features, nn.Dropout(0.3), nn.Linear(32, 7))
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
    return model.eval()


gray = baseline(1)
rgb = baseline(3)
x = torch.rand(2, 1, 48, 48)
with torch.no_grad():
    y = gray[0](x)
    y_rgb = rgb[0](x.repeat(1, 3, 1, 1))
torch.save(gray.state_dict(), os.path.join(OUT, "baseline_w0125.pth"))
torch.save(rgb.state_dict(), os.path.join(OUT, "baseline_w0125_rgb.pth"))
torch.save({"input": x, "features": y, "features_rgb": y_rgb}, os.path.join(OUT, "baseline_w0125_io.pth"))
print("wrote", [k for k in gray.state_dict()], tuple(y.shape))
