"""PyTorch reference of Orrery's graph-transformer (packages/experiments/src/models/graph-transformer.ts with
transformer/gpt.ts): a pre-LN causal GPT with learned positions, tied head, 4× tanh-GELU MLP, trained full batch
on `[EDGE] u v` and `[PATH] leaf [PAUSE]×k root n1 …` sequences, Adam + decoupled weight decay, cosine to lr/10."""
import math

import numpy as np
import torch
import torch.nn.functional as F

from graphs import directed_pairs, graph_from_config
from rng import Rng


def root_to_leaf_paths(n, edges, root=0):
    adjacency = [[] for _ in range(n)]
    for u, v in edges:
        adjacency[u].append(v)
        adjacency[v].append(u)
    parent = [-1] * n
    parent[root] = root
    queue = [root]
    for u in queue:
        for v in adjacency[u]:
            if parent[v] == -1:
                parent[v] = u
                queue.append(v)
    paths = []
    for leaf in range(n):
        if leaf == root or len(adjacency[leaf]) != 1 or parent[leaf] == -1:
            continue
        path = [leaf]
        while path[0] != root:
            path.insert(0, parent[path[0]])
        paths.append(path)
    return paths


def split_leaves(paths, held_out, rng):
    order = list(range(len(paths)))
    for i in range(len(order) - 1, 0, -1):
        j = rng.int(i + 1)
        order[i], order[j] = order[j], order[i]
    count = 0 if len(paths) < 2 else min(len(paths) - 1, max(1, math.floor(held_out * len(paths) + 0.5)))
    return [paths[i] for i in sorted(order[count:])], [paths[i] for i in sorted(order[:count])]


def edge_sequences(pairs, vocab, T):
    tokens = np.full((len(pairs), T), vocab["PAD"], dtype=np.int64)
    targets = []
    for s, (u, v) in enumerate(pairs):
        tokens[s, :3] = (vocab["EDGE"], u, v)
        targets.append((s, 1, v))
    return tokens, targets


def path_sequences(paths, pauses, vocab, T, target):
    tokens = np.full((len(paths), T), vocab["PAD"], dtype=np.int64)
    targets = []
    start = 2 + pauses
    for s, path in enumerate(paths):
        tokens[s, :start] = [vocab["PATH"], path[-1]] + [vocab["PAUSE"]] * pauses
        tokens[s, start:start + len(path)] = path
        if target == "first":
            targets.append((s, start, path[1]))
        else:
            targets += [(s, start + i - 1, node) for i, node in enumerate(path)]
    return tokens, targets


def as_batch(tokens, targets):
    seq, pos, tok = (torch.tensor(col) for col in zip(*targets))
    return torch.from_numpy(tokens), seq, pos, tok


def concat(a, b):
    (ta, ga), (tb, gb) = a, b
    return np.concatenate([ta, tb]), ga + [(s + len(ta), p, t) for s, p, t in gb]


def live_parts(tokens, seq, pos, tok):
    """Orrery's liveParts (datasets/graph-sequences.ts): sequences grouped by the range of their targets' positions,
    each cut after its last target, logits from its first target on. The summed loss is the whole batch's."""
    ranges = {}
    for s, p in zip(seq.tolist(), pos.tolist()):
        lo, hi = ranges.get(s, (p, p + 1))
        ranges[s] = (min(lo, p), max(hi, p + 1))
    groups = {}
    for s in sorted(ranges):
        groups.setdefault(ranges[s], []).append(s)
    parts = []
    for (start, end), seqs in groups.items():
        index = {s: i for i, s in enumerate(seqs)}
        keep = [i for i, s in enumerate(seq.tolist()) if s in index]
        parts.append((tokens[seqs, :end], start, torch.tensor([index[seq[i].item()] for i in keep]), pos[keep] - start, tok[keep]))
    return parts, len(tok)


def graph_transformer(c, exact, live=False):
    n, edges = graph_from_config(c)
    vocab = {"EDGE": n, "PATH": n + 1, "PAUSE": n + 2, "PAD": n + 3}
    V = n + 4
    uses_paths = c["task"] != "edges"
    train, test = split_leaves(root_to_leaf_paths(n, edges) if uses_paths else [], c["held_out"], Rng(c["seed"] * 2 + 1))
    longest = max([1] + [len(p) for p in train + test])
    T = max(3, 2 + c["pauses"] + longest) if uses_paths else 3
    d, heads, std = c["d_model"], c["heads"], 0.02 if c["init"] == "geometric" else 1
    dh = d // heads

    rng = Rng(c["seed"] * 2)

    def normal(shape, scale):
        return torch.tensor(rng.normals(int(np.prod(shape)), scale).reshape(shape), requires_grad=True)

    def ln_init(rows):
        return torch.tensor(np.array([[1.0 if r % 2 == 0 else 0.0] * d for r in range(rows)], dtype=np.float32), requires_grad=True)

    def zeros(*shape):
        return torch.zeros(shape, requires_grad=True)

    params = {"E": normal((V, d), std), "pos": normal((T, d), 1)}
    blocks = []
    for i in range(1, c["layers"] + 1):
        block = {f"attn{i}": normal((4, d, d), std), f"attn_b{i}": zeros(4, d), f"ln{i}": ln_init(4)}
        if c["mlp"]:
            block.update({f"mlp_in{i}": normal((d, 4 * d), std), f"mlp_in_b{i}": zeros(4 * d),
                          f"mlp_out{i}": normal((4 * d, d), std), f"mlp_out_b{i}": zeros(d)})
        blocks.append(list(block.values()))
        params.update(block)
    params["ln_f"] = ln_init(2)
    if not c["tied"]:
        params["U"] = normal((d, V), std)
    E, pos = params["E"], params["pos"]
    causal_T = torch.triu(torch.full((T, T), -1e9), 1)

    def forward(tokens, start=0):
        """Logits of every position from `start` on; `tokens` may be cut short of T (see live_parts)."""
        B, T = tokens.shape
        x = E[tokens] + pos[:T]
        causal = causal_T[:T, :T]
        for block in blocks:
            attn, attn_b, ln = block[:3]
            Wq, Wk, Wv, Wo = attn.unbind(0)
            bq, bk, bv, bo = attn_b.unbind(0)
            g1, b1, g2, b2 = ln.unbind(0)
            h = F.layer_norm(x, (d,), g1, b1, 1e-5)

            def split(t):
                return t.view(B, T, heads, dh).transpose(1, 2)

            q = split((h @ Wq + bq) * (1 / math.sqrt(dh)))
            k, v = split(h @ Wk + bk), split(h @ Wv + bv)
            probs = torch.softmax(q @ k.transpose(-1, -2) + causal, -1)
            x = x + (probs @ v).transpose(1, 2).reshape(B, T, d) @ Wo + bo
            if len(block) > 3:
                mlp_in, mlp_in_b, mlp_out, mlp_out_b = block[3:]
                hidden = F.gelu(F.layer_norm(x, (d,), g2, b2, 1e-5) @ mlp_in + mlp_in_b, approximate="tanh")
                x = x + hidden @ mlp_out + mlp_out_b
        gf, bf = params["ln_f"].unbind(0)
        out = F.layer_norm(x[:, start:], (d,), gf, bf, 1e-5)
        return out @ params["U"] if "U" in params else out @ E.T

    edge_set = edge_sequences(directed_pairs(n, edges, c["direction"], c["self_edges"]), vocab, T)
    path_set = path_sequences(train, c["pauses"], vocab, T, c["path_target"])
    batches = {"edges": as_batch(*edge_set), "paths": as_batch(*path_set) if uses_paths else None}
    if c["task"] == "mixed":
        batches["mixed"] = as_batch(*concat(edge_set, path_set))
    step = [0]

    if live:
        batches = {k: live_parts(*b) if b else None for k, b in batches.items()}

    def loss():
        s = step[0]
        step[0] += 1
        key = "mixed" if c["task"] == "mixed" else "paths" if c["task"] == "staged" and s >= c["edge_steps"] else "edges"
        if not live:
            tokens, seq, p, tok = batches[key]
            return F.cross_entropy(forward(tokens)[seq, p], tok, reduction="sum") / len(tok)
        parts, count = batches[key]
        return sum(F.cross_entropy(forward(tokens, start)[seq, p], tok, reduction="sum") for tokens, start, seq, p, tok in parts) / count

    opt = {"kind": "adam", "lr": c["lr"], "weight_decay": c["weight_decay"], "schedule": c["schedule"],
           "total_steps": c["steps"], "min_lr_factor": 0.1}
    return params, loss, opt


BUILDERS = {"graph-transformer": graph_transformer}
