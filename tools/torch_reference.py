# The PyTorch reference of `npm run bench` and `gpu-check`: the paper's net exactly as
# pipeline/engine/net.ts and model.ts define it, trained as train.ts trains it, so that images/s
# compare like with like.
#
#   python3 tools/torch_reference.py train --width 80 --batch 100 --images 500 --epochs 5 --device cpu --threads 2
#   python3 tools/torch_reference.py train --width 80 --batch 1000 --seconds 10 --device auto
#   python3 tools/torch_reference.py kernels --width 80 --batch 100 --repeats 20 --threads 2
#   python3 tools/torch_reference.py gradients --input case.json
#
# The net: five 3x3 convolutions with stride 2 and TensorFlow's 'same' padding (32 -> 16 -> 8 ->
# 4 -> 2 -> 1; on an even size that pads one row and column after the image, none before, which
# PyTorch's symmetric `padding=` cannot express, hence the explicit pad), batch norm with the
# batch's own statistics and no learned shift or scale (eps 1e-5), ReLU; the hidden convolutions
# have no bias (batch norm would remove it), the last one has one and gives the 10 logits.
# PyTorch's default initialisation of a convolution is net.ts's (uniform within 1/sqrt(fan in)
# for kernel and bias). Loss: mean softmax cross-entropy; plain SGD, lr 0.01. Data: random
# normal images and random labels (speed does not depend on them).
#
# `gradients` reads {width, weights: per layer as net.ts lays them out (HWIO kernel, then the
# bias), images (NHWC), labels} and gives the loss and every gradient in that same layout: how
# tests/tools/torch-reference.test.ts checks that this net is ours.
#
# Prints one line, `TORCH-RESULT {json}`: torch version, device, threads and the result.
import argparse, json, math, os, resource, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F

MARK = "TORCH-RESULT "
IMAGE_SIZE, CHANNELS, CLASSES, LAYERS = 32, 3, 10, 5


def same_padding(size):
    """TensorFlow's 'same' padding of a 3x3 stride-2 convolution on `size` pixels: (before, after)."""
    out = math.ceil(size / 2)
    total = max((out - 1) * 2 + 3 - size, 0)
    return total // 2, total - total // 2


class PaperNet(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.convs = nn.ModuleList()
        self.pads = []
        cin, size = CHANNELS, IMAGE_SIZE
        for layer in range(LAYERS):
            last = layer == LAYERS - 1
            cout = CLASSES if last else width
            self.convs.append(nn.Conv2d(cin, cout, 3, stride=2, padding=0, bias=last))
            before, after = same_padding(size)
            self.pads.append((before, after, before, after))
            cin, size = cout, math.ceil(size / 2)
        self.norms = nn.ModuleList(
            nn.BatchNorm2d(width, eps=1e-5, affine=False, track_running_stats=False) for _ in range(LAYERS - 1))

    def forward(self, x):
        for layer in range(LAYERS - 1):
            x = F.relu(self.norms[layer](self.convs[layer](F.pad(x, self.pads[layer]))))
        return self.convs[-1](F.pad(x, self.pads[-1])).flatten(1)


def parse():
    p = argparse.ArgumentParser(description="PyTorch reference of the paper net")
    p.add_argument("mode", choices=["train", "kernels", "gradients"])
    p.add_argument("--input", help="gradients: the JSON case")
    p.add_argument("--width", type=int, default=80)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--images", type=int, default=0, help="images per epoch (default: one batch)")
    p.add_argument("--epochs", type=int, default=0, help="timed epochs, each timed alone (median reported)")
    p.add_argument("--seconds", type=float, default=0, help="or: epochs repeated for about this long")
    p.add_argument("--repeats", type=int, default=20, help="kernels: timed calls of each kernel")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (default: all cores)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    return p.parse_args()


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    args = parse()
    device = "cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()) else "cpu"
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()

    name = torch.cuda.get_device_name(0) if device == "cuda" else "cpu, %d threads" % torch.get_num_threads()
    result = {"mode": args.mode, "torch": torch.__version__, "device": "%s (torch %s)" % (name, torch.__version__),
              "cuda": device == "cuda", "threads": torch.get_num_threads(), "width": args.width, "batch": args.batch}
    if args.mode == "train":
        result.update(train(args, device, sync))
    elif args.mode == "kernels":
        result.update(kernels(args, device, sync))
    else:
        result.update(gradients(args.input))
    result["peakRssMB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(MARK + json.dumps(result), flush=True)


def train(args, device, sync):
    """Epochs of SGD over `images` random images in batches; timed per epoch, or for `seconds`."""
    images = args.images or args.batch
    net = PaperNet(args.width).to(device)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    x = torch.randn(images, CHANNELS, IMAGE_SIZE, IMAGE_SIZE, device=device)
    y = torch.randint(0, CLASSES, (images,), device=device)

    def epoch():
        for i in range(0, images, args.batch):
            opt.zero_grad()
            F.cross_entropy(net(x[i:i + args.batch]), y[i:i + args.batch]).backward()
            opt.step()

    def timed(count):
        sync()
        t = time.perf_counter()
        for _ in range(count):
            epoch()
        sync()
        return time.perf_counter() - t

    steps_per_epoch = math.ceil(images / args.batch)
    timed(1)  # warm-up: allocations, cuDNN's choice of algorithms
    if args.epochs > 0:
        times = [timed(1) for _ in range(args.epochs)]
        return {"images": images, "epochSeconds": times, "steps": args.epochs * steps_per_epoch,
                "seconds": sum(times), "imagesPerSecond": images / median(times)}
    seconds = args.seconds or 5.0
    one = timed(1)
    chunk = max(1, min(200, round(seconds / 4 / max(one, 1e-4))))
    epochs, elapsed = 0, 0.0
    while elapsed < seconds:
        elapsed += timed(chunk)
        epochs += chunk
    return {"images": images, "steps": epochs * steps_per_epoch, "seconds": elapsed,
            "imagesPerSecond": epochs * images / elapsed}


def kernels(args, device, sync):
    """The second layer's convolution (batch x 16x16xW -> 8x8xW) and both its gradients, as autograd
    computes them in training. Symmetric padding 1 here: the same multiply-adds as 'same', and the
    convolution alone is what is timed."""
    w = args.width
    x = torch.randn(args.batch, w, 16, 16, device=device)
    f = torch.randn(w, w, 3, 3, device=device)
    out = F.conv2d(x, f, stride=2, padding=1)
    dy = torch.randn_like(out)
    flops = 2 * out.numel() * 9 * w

    def backward(mask):
        return torch.ops.aten.convolution_backward(dy, x, f, None, [2, 2], [1, 1], [1, 1], False, [0, 0], 1, mask)

    fns = {"forward": lambda: F.conv2d(x, f, stride=2, padding=1),
           "inputGradient": lambda: backward([True, False, False]),
           "filterGradient": lambda: backward([False, True, False])}
    ms, gflops = {}, {}
    with torch.no_grad():
        for name, fn in fns.items():
            fn()
            times = []
            for _ in range(args.repeats):
                sync()
                t = time.perf_counter()
                fn()
                sync()
                times.append(time.perf_counter() - t)
            ms[name] = median(times) * 1e3
            gflops[name] = flops / median(times) / 1e9
    return {"ms": ms, "gflops": gflops}


def gradients(path):
    """Loss and gradients of net.ts's weights on the given images, in net.ts's layout (float64 sums aside, float32 throughout)."""
    with open(path) as f:
        case = json.load(f)
    net = PaperNet(case["width"])
    for layer, (conv, flat) in enumerate(zip(net.convs, case["weights"])):
        flat = torch.tensor(flat, dtype=torch.float32)
        cout, cin, kh, kw = conv.weight.shape
        kernel = flat[:kh * kw * cin * cout].reshape(kh, kw, cin, cout)
        with torch.no_grad():
            conv.weight.copy_(kernel.permute(3, 2, 0, 1))
            if conv.bias is not None:
                conv.bias.copy_(flat[kh * kw * cin * cout:])
    images = torch.tensor(case["images"], dtype=torch.float32).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, CHANNELS).permute(0, 3, 1, 2)
    loss = F.cross_entropy(net(images.contiguous()), torch.tensor(case["labels"], dtype=torch.long))
    loss.backward()
    grads = []
    for conv in net.convs:
        g = conv.weight.grad.permute(2, 3, 1, 0).reshape(-1)
        grads.append(torch.cat([g, conv.bias.grad]) if conv.bias is not None else g)
    return {"loss": loss.item(), "gradients": [g.tolist() for g in grads]}


if __name__ == "__main__":
    sys.exit(main())
