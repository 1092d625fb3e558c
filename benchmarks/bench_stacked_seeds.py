"""The lever "train the seeds of a condition together", measured before building it: S seeds' towers as one
model with stacked weights (every product a batched matmul over the seeds) against the S towers one after
another, on a training step's shapes (by default the in-step sampler's: 60 unique items of 20 tokens x 256
features, fp32, dropout; the paper's sampler embeds ~672 unique items of each modality per step).

The stacked tower below is `vgslib.model.towers.PoolingTower` with a leading seed dimension on every weight
and input; before timing, its outputs and gradients are checked against each seed's own tower (eval mode).

    python benchmarks/bench_stacked_seeds.py [--seeds 5] [--items 60] [--tokens 20] [--steps 10] [--threads 1]
        [--precision fp32]

On a CPU the step's cost grows with its tokens, not with the number of kernel launches, so stacking can only
save the launches; on a GPU, where a width-128 model leaves the device mostly idle, it would save more.
"""

import argparse
import time

import torch
import torch.nn.functional as F

from vgslib.model.towers import PoolingTower


def stack(towers: list[PoolingTower]) -> dict[str, torch.Tensor]:
    """Every parameter of the towers stacked along a new leading seed dimension (leaf tensors)."""
    names = [name for name, _ in towers[0].named_parameters()]
    params = [dict(t.named_parameters()) for t in towers]
    return {name: torch.stack([p[name].detach() for p in params]).requires_grad_() for name in names}


def drop(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    return x * ((torch.rand(x.shape) >= p).to(x.dtype) / (1 - p)) if training and p else x


def stacked_tower(P: dict, x: torch.Tensor, pad: torch.Tensor, heads: int, p: float, training: bool) -> torch.Tensor:
    """x (S, B, T, D), pad (S, B, T) -> (S, B, E): `PoolingTower.forward` for S seeds at once."""
    S, B, T, _ = x.shape
    w = P["proj.weight"].shape[1]
    H, d = heads, w // heads
    h = torch.baddbmm(P["proj.bias"][:, None], x.flatten(1, 2), P["proj.weight"].transpose(1, 2))  # (S, BT, w)
    n1w, n1b = P["layer.norm1.weight"][:, None], P["layer.norm1.bias"][:, None]
    xs = F.layer_norm(h, (w,)) * n1w + n1b  # (S, BT, w)
    xc = (F.layer_norm(P["cls"], (w,)) * n1w[:, 0] + n1b[:, 0])[:, None]  # (S, 1, w)
    wq, wk, wv = P["layer.qkv.weight"].split(w, 1)  # (S, w, w) each
    bq, _, bv = P["layer.qkv.bias"].split(w, 1)
    q = (torch.baddbmm(bq[:, None], xc, wq.transpose(1, 2))).view(S, H, 1, d)
    qk = torch.matmul(q, wk.reshape(S, H, d, w).to(q.dtype)).view(S, H, w) * d**-0.5  # (S, H, w)
    own = torch.bmm(xc, qk.transpose(1, 2).to(xc.dtype))  # (S, 1, H)
    tok = torch.bmm(xs, qk.transpose(1, 2).to(xs.dtype)).view(S, B, T, H).masked_fill(pad[..., None], -torch.inf)
    scores = torch.cat([own[:, None].expand(S, B, 1, H).to(tok.dtype), tok], 2)  # (S, B, 1 + T, H)
    weights = drop(scores.softmax(dim=2), p, training)
    wt = weights[:, :, 1:].permute(0, 1, 3, 2).reshape(S * B, H, T)
    pooled = torch.bmm(wt.to(xs.dtype), xs.view(S * B, T, w)).view(S, B, H, w)
    pooled = pooled + weights[:, :, :1].transpose(2, 3) * xc[:, None]  # the CLS token's own share
    attn = torch.einsum("sbhw,shdw->sbhd", pooled, wv.reshape(S, H, d, w).to(pooled.dtype))
    attn = attn + weights.sum(2)[..., None] * bv.view(S, 1, H, d)
    wo, bo = P["layer.attn_out.weight"], P["layer.attn_out.bias"]
    o = torch.baddbmm(bo[:, None], attn.reshape(S, B, w), wo.transpose(1, 2))
    out = P["cls"][:, None] + drop(o, p, training)
    n2 = F.layer_norm(out, (w,)) * P["layer.norm2.weight"][:, None] + P["layer.norm2.bias"][:, None]
    ff = F.gelu(torch.baddbmm(P["layer.ff1.bias"][:, None], n2, P["layer.ff1.weight"].transpose(1, 2)))
    ff = torch.baddbmm(P["layer.ff2.bias"][:, None], drop(ff, p, training), P["layer.ff2.weight"].transpose(1, 2))
    out = out + drop(ff, p, training)
    final = F.layer_norm(out, (w,)) * P["norm.weight"][:, None] + P["norm.bias"][:, None]
    return F.normalize(torch.bmm(final, P["out.weight"].transpose(1, 2)).float(), dim=-1)


def check(towers: list[PoolingTower], P: dict, x: torch.Tensor, pad: torch.Tensor) -> float:
    """Largest difference of outputs and gradients between the stacked tower and each seed's own (fp32, eval)."""
    for t in towers:
        t.eval().zero_grad()
    own = torch.stack([t(x[s], pad[s]) for s, t in enumerate(towers)])
    own.square().sum().backward()
    stacked = stacked_tower(P, x, pad, towers[0].layer.heads, 0.0, False)
    stacked.square().sum().backward()
    gaps = [float((own - stacked).detach().abs().max())]
    for name, grad in P.items():
        mine = torch.stack([dict(t.named_parameters())[name].grad for t in towers])
        gaps.append(float((mine - grad.grad).abs().max()))
    return max(gaps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--tokens", type=int, default=20)
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    S, B, T, D, w = args.seeds, args.items, args.tokens, 256, 128
    towers = []
    for seed in range(S):
        torch.manual_seed(seed)
        towers.append(PoolingTower(D, w, w, dropout=0.1))
    P = stack(towers)
    x = torch.randn(S, B, T, D)
    pad = torch.arange(T)[None, None] >= torch.randint(T // 2, T + 1, (S, B, 1))
    gap = check(towers, P, x, pad)
    print(f"stacked vs own towers (fp32, eval): largest difference of outputs and gradients {gap:.2e}")

    bf16 = args.precision == "bf16"
    xb = x.bfloat16() if bf16 else x

    def one_by_one():
        for s, t in enumerate(towers):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                e = t.train()(xb[s], pad[s])
            e.square().sum().backward()

    def together():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            e = stacked_tower(P, xb, pad, towers[0].layer.heads, 0.1, True)
        e.square().sum().backward()

    timings = {}
    for name, fn in (("one seed after another", one_by_one), (f"{S} seeds stacked", together)):
        for _ in range(3):
            fn()
        begin = time.perf_counter()
        for _ in range(args.steps):
            fn()
        timings[name] = (time.perf_counter() - begin) / args.steps
    base = timings["one seed after another"]
    for name, seconds in timings.items():
        print(f"{name:24s} {seconds * 1e3:7.1f} ms per step of {S} towers (forward + backward, {args.precision})  "
              f"x{base / seconds:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
