"""Writes the inputs of TorchvisionParityTest: real torchvision architectures, random weights, their features.

    /usr/bin/python3 bench/torchvision_parity.py /tmp/deepfer-tv

Our ResNets, MobileNetV2 and EfficientNets claim torchvision's layer order and semantics, which is what lets
PretrainedLoader pair a torchvision checkpoint's tensors with ours one by one. No pretrained weights can be
downloaded here, so the check uses torchvision's own modules (weights=None) with every batch norm made to
matter, and compares features rather than weights. For each model:

    <name>.pth        its state_dict()
    <name>_io.pth     {"input": x (2, 3, 64, 64), "features": f, "features64": f64}: f is the eval-mode output
                      of everything in front of the classifier (global average pool, flattened), which is
                      what our backbones output; f64 is the same in float64, so |f - f64| is PyTorch's own
                      float32 rounding noise, the yardstick for how close our float32 features can come
    <name>_script.pt  (resnet18 and efficientnet_b0 only) the same model through torch.jit.script, whose
                      archive lists tensors in the TorchScript class type's order, not the state dict's

Batch-norm statistics: torchvision's init (mean 0, var 1, weight 1, bias 0) would hide a swapped or ignored
statistic, and purely random statistics make a 50-layer random net's activations explode or vanish, which
hides small differences. So each batch norm gets the statistics of what actually reaches it for the test
input, perturbed, and a random weight and bias: every statistic moves the output, activations stay of order
one, and layers keep the small running variances real networks have, where the batch-norm epsilon shows.

The files are test inputs only (tens of MB): write them outside the repository.
"""
import copy
import os
import sys

import torch
from torch import nn
from torchvision import models

MODELS = ["resnet18", "resnet50", "mobilenet_v2", "efficientnet_b0", "efficientnet_b3"]
SCRIPTED = ["resnet18", "efficientnet_b0"]
SEED = 2026


def build(name, x):
    torch.manual_seed(SEED)
    model = getattr(models, name)(weights=None).eval()
    hooks = [m.register_forward_pre_hook(calibrate) for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return model


def calibrate(norm, inputs):
    """Sets a batch norm's statistics from what reaches it, perturbed, and randomises its affine part.

    Done in one eval-mode pass, layer by layer, so each layer sees the already calibrated layers in
    front of it and activations stay of order one through 50 layers and residual sums.
    """
    x = inputs[0]
    mean = x.mean(dim=(0, 2, 3))
    var = x.var(dim=(0, 2, 3), unbiased=False)
    norm.running_mean.copy_(mean + 0.2 * var.sqrt() * torch.randn_like(mean))
    # A floor keeps near-constant channels from dividing float32 rounding noise by ~0 and swamping the
    # comparison (a 2x2 last stage has 8 values per channel here); whole layers still have running
    # variances near 1e-3, so an epsilon of 1e-3 instead of 1e-5 moves the features by tens of percent.
    floor = 0.5 * var.mean()
    norm.running_var.copy_((var + floor) * torch.empty_like(var).uniform_(0.5, 2.0))
    # Gains below 1 keep the random net out of the chaotic regime where rounding noise grows with depth.
    norm.weight.uniform_(0.3, 0.8)
    norm.bias.uniform_(-0.2, 0.2)


def features(name, model, x):
    """Everything in front of the classifier: torchvision's forward with the classifier left out."""
    if name.startswith("resnet"):
        m = model
        y = m.maxpool(m.relu(m.bn1(m.conv1(x))))
        y = m.layer4(m.layer3(m.layer2(m.layer1(y))))
        return torch.flatten(m.avgpool(y), 1)
    y = model.features(x)
    return torch.flatten(nn.functional.adaptive_avg_pool2d(y, 1), 1)


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(SEED + 1)
    x = torch.rand(2, 3, 64, 64)
    for name in MODELS:
        model = build(name, x)
        with torch.no_grad():
            f = features(name, model, x)
            logits = model(x)
            # The classifier really is all that is left out: it maps f to the model's own output.
            head = model.fc if name.startswith("resnet") else model.classifier
            assert torch.allclose(head(f), logits, atol=1e-5), name
        torch.save(model.state_dict(), os.path.join(out, name + ".pth"))
        with torch.no_grad():
            f64 = features(name, copy.deepcopy(model).double(), x.double()).float()
        torch.save({"input": x, "features": f, "features64": f64}, os.path.join(out, name + "_io.pth"))
        if name in SCRIPTED:
            torch.jit.script(model).save(os.path.join(out, name + "_script.pt"))
        eps = sorted({m.eps for m in model.modules() if isinstance(m, nn.BatchNorm2d)})
        floats = [k for k, v in model.state_dict().items() if v.is_floating_point()]
        print(f"{name}: {len(floats)} float tensors, last {floats[-2:]}, features {tuple(f.shape)}, "
              f"|f| max {f.abs().max():.3g}, float32 noise {(f - f64).abs().max():.2e}, bn eps {eps}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/deepfer-tv")
