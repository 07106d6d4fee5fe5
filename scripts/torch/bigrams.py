"""PyTorch references of Orrery's bigram family: bigram-circle (Bigram 4), bigram-linear (Bigrams 1-2, unigram),
low-rank-bigram (Bigram 3). Same parameters, init values (Orrery's Rng), losses and optimizer settings as
packages/experiments/src/models/{bigram-circle,bigram-linear,low-rank-bigram}.ts; see bench.py for the loop."""
import math

import numpy as np
import torch
import torch.nn.functional as F

from rng import Rng, categorical

LN2 = math.log(2)


def param(values, shape, trainable=True):
    return torch.tensor(np.asarray(values, dtype=np.float32).reshape(shape), requires_grad=trainable)


def adam(lr, **kw):
    return {"kind": "adam", "lr": lr, **kw}


# ---- bigram-circle: p(y|x) = ½ softmax(E W1 E_x) + ½ softmax(E W2 E_x), tied E ----


def circle_walk_exact(p):
    w = np.zeros((p, p), dtype=np.float32)
    for x in range(p):
        for y in ((x + 1) % p, (x - 1 + p) % p):
            w[x, y] += 0.5
    return w


def initial_w(mode, d, noise, rng):
    if mode == "random":
        return rng.normals(d * d)
    w = np.zeros(d * d, dtype=np.float64)
    for i in range(d):
        w[i * d + i] = -1 if mode == "frozen_neg" else (-1 if mode == "frozen_flip" and i % 2 == 1 else 1)
    if mode == "trainable":
        for i in range(d * d):
            w[i] += noise * rng.normal()
    return w.astype(np.float32)


def mixture_logp(ex, E, W1, W2):
    """log(½ softmax(ex W1ᵀ Eᵀ) + ½ softmax(ex W2ᵀ Eᵀ)), [B, p]."""
    return torch.logaddexp(F.log_softmax(ex @ W1.T @ E.T, -1), F.log_softmax(ex @ W2.T @ E.T, -1)) - LN2


def bigram_circle(c, exact):
    p, d = c["p"], c["n_embd"]
    rng = Rng(c["seed"])
    frozen_w = c["w_mode"].startswith("frozen")
    E = param(rng.normals(p * d, c["init_scale"]), (p, d))
    W1 = param(initial_w(c["w_mode"], d, c["init_noise"], rng), (d, d), not frozen_w)
    W2 = param(initial_w(c["w_mode"], d, c["init_noise"], rng), (d, d), not frozen_w)
    params = {"E": E, "W1": W1, "W2": W2}
    if c["data"] == "exact":
        weights = torch.from_numpy(circle_walk_exact(p))

        def loss():
            return -(weights * mixture_logp(E, E, W1, W2)).sum() / p

        return params, loss, adam(c["lr"])
    B = c["batch_size"]
    if exact:  # Orrery's data stream, draw for draw (circleWalkSample)
        data_rng = Rng(c["seed"] + 1)

        def batch():
            xs, ys = [], []
            for _ in range(B):
                x = data_rng.int(p)
                xs.append(x)
                ys.append((x + (1 if data_rng.next() < 0.5 else p - 1)) % p)
            return torch.tensor(xs), torch.tensor(ys)
    else:
        g = torch.Generator().manual_seed(c["seed"] + 1)

        def batch():
            x = torch.randint(p, (B,), generator=g)
            step = torch.where(torch.rand(B, generator=g) < 0.5, 1, p - 1)
            return x, (x + step) % p

    def loss():
        x, y = batch()
        return F.nll_loss(mixture_logp(E[x], E, W1, W2), y)

    return params, loss, adam(c["lr"])


# ---- bigram-linear: logits(x) = U·A·[LN](E_x), U = Eᵀ when tied ----


def zipf(V, alpha):
    p = np.array([(i + 1) ** -alpha for i in range(V)], dtype=np.float64)
    return p / p.sum()


def bigram_source(data, V, alpha):
    if data == "zipf":
        pi = zipf(V, alpha)
        T = np.tile(pi, (V, 1))
    else:
        pi = np.full(V, 1 / V)
        T = circle_walk_exact(V).astype(np.float64) if data == "walk" else np.roll(np.eye(V), 1, axis=1)
    return pi, T


def cross_entropy_weighted(logits, weights, rows):
    return -(weights * F.log_softmax(logits, -1)).sum() / rows


def sampled_pairs(pi, T, B, seed, exact):
    """x ~ π, y ~ T[x], B pairs per call: Orrery's stream (exact) or torch.multinomial."""
    V = len(pi)
    if exact:
        rng = Rng(seed)

        def batch():
            xs, ys = [], []
            for _ in range(B):
                x = categorical(pi, rng.next())
                xs.append(x)
                ys.append(categorical(T[x], rng.next()))
            return torch.tensor(xs), torch.tensor(ys)

        return batch
    g = torch.Generator().manual_seed(seed)
    pi_t, T_t = torch.tensor(pi), torch.tensor(T)

    def batch():
        x = torch.multinomial(pi_t, B, replacement=True, generator=g)
        return x, torch.multinomial(T_t[x], 1, generator=g).squeeze(1)

    assert V == T.shape[0]
    return batch


def bigram_linear(c, exact):
    V, d = c["V"], c["n_embd"]
    rng = Rng(c["seed"])
    pi, T = bigram_source(c["data"], V, c["alpha"])
    params = {"E": param(rng.normals(V * d, c["init_scale"]), (V, d))}
    if not c["tied"]:
        params["U"] = param(rng.normals(d * V, 1 / math.sqrt(d)), (d, V))
    if c["a_mode"] == "trainable":
        params["A"] = param(rng.normals(d * d, 1 / math.sqrt(d)), (d, d))
    if c["a_mode"] == "identity":
        params["A"] = param(np.eye(d), (d, d), trainable=False)  # frozen (Orrery: unfreezable)
    if c["a_mode"] in ("attention", "residual"):
        params["Wv"] = param(rng.normals(d * d, 0.02), (d, d))
        params["Wo"] = param(rng.normals(d * d, 0.02), (d, d))
    if c["layer_norm"]:
        params["ln_gain"] = param(np.ones(d), (d,))
        params["ln_bias"] = param(np.zeros(d), (d,))
    E, U, A = params["E"], params.get("U"), params.get("A")
    Wv, Wo = params.get("Wv"), params.get("Wo")

    def logits(x):
        h = F.layer_norm(x, (d,), params["ln_gain"], params["ln_bias"], 1e-5) if c["layer_norm"] else x
        if A is not None:
            h = h @ A.T
        if Wv is not None:
            ov = h @ Wv.T @ Wo.T
            h = h + ov if c["a_mode"] == "residual" else ov
        return h @ U if U is not None else h @ E.T

    if c["schedule"] == "constant":
        opt = adam(c["lr"])
    else:
        opt = adam(c["lr"], schedule="warmup-decay", total_steps=c["steps"], warmup_steps=c["warmup_steps"],
                   decay_steps=c["decay_steps"], min_lr_factor=c["min_lr_factor"])
    if c["loss"] == "exact":
        joint = torch.from_numpy((pi[:, None] * T).astype(np.float32))
        return params, lambda: cross_entropy_weighted(logits(E), joint, 1), opt
    batch = sampled_pairs(pi, T, c["batch_size"], c["seed"] + 1, exact)

    def loss():
        x, y = batch()
        return F.cross_entropy(logits(E[x]), y)

    return params, loss, opt


# ---- low-rank-bigram: untied E (V×N), U (N×V) on a rank-R Markov chain ----


def low_rank_chain(c):
    V, R = c["V"], c["R"]
    rng = Rng(c["chain_seed"])
    A = rng.normals(V * R).astype(np.float64).reshape(V, R)
    B = rng.normals(R * V).astype(np.float64).reshape(R, V)
    n = np.arange(1, R + 1, dtype=np.float64)
    lam = {"one": np.ones(R), "power": n ** -c["alpha"], "exp": np.exp(-c["alpha"] * n)}[c["lambda"]]
    L = c["logit_scale"] * ((A * lam) @ B) / math.sqrt(R)
    P = np.exp(L - L.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    pi = np.full(V, 1 / V)
    for _ in range(256):
        pi = pi @ P
    return P, pi


def low_rank_bigram(c, exact):
    V, N = c["V"], c["N"]
    P, pi = low_rank_chain(c)
    rng = Rng(c["seed"])
    E = param(rng.normals(V * N), (V, N))
    U = param(rng.normals(N * V, 1 / math.sqrt(N)), (N, V))
    params = {"E": E, "U": U}
    if c["data"] == "exact":
        joint = torch.from_numpy((pi[:, None] * P).astype(np.float32))
        return params, lambda: cross_entropy_weighted(E @ U, joint, 1), adam(c["lr"])
    batch = sampled_pairs(pi, P, c["batch_size"], c["seed"] + 1, exact)

    def loss():
        x, y = batch()
        return F.cross_entropy(E[x] @ U, y)

    return params, loss, adam(c["lr"])


BUILDERS = {"bigram-circle": bigram_circle, "bigram-linear": bigram_linear, "low-rank-bigram": low_rank_bigram}
