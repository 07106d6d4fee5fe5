"""PyTorch reference of Orrery's induction-heads (packages/experiments/src/models/induction-heads.ts with
transformer/attention-only.ts and datasets/copying.ts): an attention-only, pre-LN, one-head transformer with RoPE
on Q and K, untied head with bias, next-token loss on fresh copying sequences each step, Adam (0.9, 0.98),
ε 1e-9, decoupled weight decay."""
import bisect
import math

import numpy as np
import torch
import torch.nn.functional as F

from rng import Rng


def token_probabilities(distribution, V):
    if distribution == "uniform":
        return np.full(V, 1 / V)
    if distribution == "two-level":
        return np.array([1 / 8 if i < 4 else 1 / (2 * (V - 4)) for i in range(V)])
    p = np.array([1 / (i + 1 + 2.7) for i in range(V)])
    return p / p.sum()


def copying_sampler(c, exact):
    """B sequences [B, T] of i.i.d. tokens with one pattern (length L ~ U{min_len..max_len}) written twice."""
    V, T, B, lo, hi = c["V"], c["T"], c["batch_size"], c["min_len"], c["max_len"]
    probs = token_probabilities(c["distribution"], V)
    if exact:  # Orrery's sampleCopying, draw for draw, from its data stream (seed·4 + 1)
        rng = Rng(c["seed"] * 4 + 1)
        cdf = np.cumsum(probs)
        cdf = (cdf / cdf[-1]).tolist()

        def draw():
            return min(bisect.bisect_right(cdf, rng.next()), V - 1)

        def batch():
            tokens = np.array([draw() for _ in range(B * T)], dtype=np.int64).reshape(B, T)
            for s in range(B):
                L = lo + rng.int(hi - lo + 1)
                pattern = [draw() for _ in range(L)]
                r = T - 2 * L
                a = rng.int(r)
                b = (a + 1 + rng.int(r - 1)) % r
                g0, g1 = min(a, b), max(a, b)
                tokens[s, g0:g0 + L] = pattern
                tokens[s, g1 + L:g1 + 2 * L] = pattern
            return torch.from_numpy(tokens)

        return batch
    gen = np.random.default_rng(c["seed"] * 4 + 1)
    j = np.arange(hi)
    rows = np.broadcast_to(np.arange(B)[:, None], (B, hi))

    def batch():
        tokens = gen.choice(V, size=(B, T), p=probs)
        L = gen.integers(lo, hi + 1, B)
        pattern = gen.choice(V, size=(B, hi), p=probs)
        r = T - 2 * L
        a = gen.integers(0, r)
        b = (a + 1 + gen.integers(0, r - 1)) % r
        g0, g1 = np.minimum(a, b), np.maximum(a, b)
        mask = j < L[:, None]
        tokens[rows[mask], (g0[:, None] + j)[mask]] = pattern[mask]
        tokens[rows[mask], ((g1 + L)[:, None] + j)[mask]] = pattern[mask]
        return torch.from_numpy(tokens)

    return batch


def rope_tables(T, d, theta):
    cos = np.zeros((T, d), dtype=np.float32)
    sin = np.zeros((T, d), dtype=np.float32)
    for t in range(T):
        for i in range(d // 2):
            angle = t * theta ** (-2 * i / d)
            cos[t, 2 * i] = cos[t, 2 * i + 1] = math.cos(angle)
            sin[t, 2 * i], sin[t, 2 * i + 1] = -math.sin(angle), math.sin(angle)
    return cos, sin


def induction_heads(c, exact):
    V, T, d = c["V"], c["T"], c["d_model"]
    rng = Rng(c["seed"] * 4)
    bound = 1 / math.sqrt(d)

    def tensor(values, shape):
        return torch.tensor(values.reshape(shape), requires_grad=True)

    params = {"E": tensor(rng.normals(V * d), (V, d))}
    layers = []
    for i in range(1, c["layers"] + 1):
        W = tensor(rng.uniforms(4 * d * d, bound), (4, d, d))
        b = tensor(rng.uniforms(4 * d, bound), (4, d))
        ln = torch.tensor([[1.0] * d, [0.0] * d], requires_grad=True)
        params.update({f"W_qkvo{i}": W, f"b_qkvo{i}": b, f"ln{i}": ln})
        layers.append((W, b, ln))
    params["U"] = tensor(rng.uniforms(d * V, bound), (d, V))
    params["b_U"] = tensor(rng.uniforms(V, bound), (V,))
    cos, sin = rope_tables(T, d, c["rope_theta"])
    cos_k, sin_k = torch.from_numpy(cos), torch.from_numpy(sin)
    # The query side carries the 1/√d scale, as Orrery's tables do (rounded to float32 once).
    cos_q, sin_q = (torch.from_numpy((t.astype(np.float64) * bound).astype(np.float32)) for t in (cos, sin))
    causal = torch.triu(torch.full((T, T), -1e9), 1)

    def rotate(x, cos_t, sin_t):
        swapped = x.unflatten(-1, (d // 2, 2)).flip(-1).flatten(-2)
        return x * cos_t + swapped * sin_t

    def forward(tokens):
        x = params["E"][tokens]
        for W, b, ln in layers:
            Wq, Wk, Wv, Wo = W.unbind(0)
            bq, bk, bv, bo = b.unbind(0)
            h = F.layer_norm(x, (d,), ln[0], ln[1], 1e-5)
            q = rotate(h @ Wq + bq, cos_q, sin_q)
            k = rotate(h @ Wk + bk, cos_k, sin_k)
            probs = torch.softmax(q @ k.transpose(-1, -2) + causal, -1)
            out = (probs @ (h @ Wv + bv)) @ Wo + bo
            if c["dropout"] > 0:
                out = F.dropout(out, c["dropout"])
            x = x + out
        return x @ params["U"] + params["b_U"]

    batch = copying_sampler(c, exact)

    def loss():
        tokens = batch()
        logits = forward(tokens)
        return F.cross_entropy(logits[:, :-1].reshape(-1, V), tokens[:, 1:].reshape(-1))

    opt = {"kind": "adam", "lr": c["lr"], "betas": (0.9, 0.98), "eps": 1e-9, "weight_decay": c["weight_decay"]}
    return params, loss, opt


BUILDERS = {"induction-heads": induction_heads}
