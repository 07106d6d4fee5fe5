"""PyTorch references of Orrery's tiny-graph embedding models: node2vec (tied, plain full-batch gradient descent)
and tiny-nn (E → Linear(d,d) → tied unembedding, Adam with decoupled decay), as
packages/experiments/src/models/{node2vec,tiny-nn}.ts; the graphs as packages/experiments/src/datasets/graphs.ts."""
import re

import numpy as np
import torch
import torch.nn.functional as F

from rng import Rng

IRREGULAR = [(12, 15), (5, 8), (5, 6), (8, 9), (7, 8), (1, 3), (13, 14), (13, 15), (12, 14), (12, 13),
             (1, 2), (4, 5), (3, 4), (10, 11), (0, 1), (2, 3), (6, 7), (11, 0), (9, 10), (14, 15)]


def tree_star(degree, branching, path_length):
    edges, counter = [], [1]

    def grow(parent, depth, children):
        if depth >= path_length:
            return
        for _ in range(children):
            child = counter[0]
            counter[0] += 1
            edges.append((parent, child))
            grow(child, depth + 1, branching)

    grow(0, 1, degree)
    return counter[0], edges


def grid(rows, cols):
    edges = []
    for r in range(rows):
        for col in range(cols):
            u = r * cols + col
            if col + 1 < cols:
                edges.append((u, u + 1))
            if r + 1 < rows:
                edges.append((u, u + cols))
    return rows * cols, edges


def graph_from_config(c):
    """(n, edges): every undirected edge once, in Orrery's order (its resolveConfig has validated the sizes)."""
    kind = c["graph"]
    if kind == "cycle":
        n = c["cycle_nodes"]
        return n, [(i, (i + 1) % n) for i in range(n)]
    if kind == "path_star":
        return tree_star(c["star_degree"], 1, c["path_length"])
    if kind == "tree_star":
        return tree_star(c["star_degree"], c["tree_branching"], c["path_length"])
    if kind == "grid":
        return grid(c["grid_rows"], c["grid_cols"])
    if kind == "irregular":
        return 16, list(IRREGULAR)
    edges = []
    for raw in c["edges"].splitlines():
        body = re.sub(r"#.*", "", raw).strip()
        if body:
            u, v = (int(t) for t in re.split(r"[\s,]+", body))
            edges.append((u, v))
    return 1 + max(max(e) for e in edges), edges


def directed_pairs(n, edges, direction, self_edges):
    pairs = []
    for u, v in edges:
        if direction != "backward":
            pairs.append((u, v))
        if direction != "forward":
            pairs.append((v, u))
    if self_edges:
        pairs += [(u, u) for u in range(n)]
    return pairs


def target_weights(n, pairs, mode):
    t = np.zeros((n, n), dtype=np.float64)
    out_degree = np.zeros(n)
    for u, _ in pairs:
        out_degree[u] += 1
    for u, v in pairs:
        t[u, v] += 1 / len(pairs) if mode == "per_pair" else 1 / out_degree[u]
    return torch.from_numpy(t.astype(np.float32))


def node2vec(c, exact):
    n, edges = graph_from_config(c)
    E = torch.tensor(Rng(c["seed"]).normals(n * c["d"], c["init_std"]).reshape(n, c["d"]), requires_grad=True)
    targets = target_weights(n, directed_pairs(n, edges, c["direction"], c["self_edges"]), "per_source")

    def loss():
        return -(targets * F.log_softmax(E @ E.T, -1)).sum()

    return {"E": E}, loss, {"kind": "sgd", "lr": c["lr"]}


def tiny_nn(c, exact):
    n, edges = graph_from_config(c)
    d = c["d"]
    rng = Rng(c["seed"])
    std = 0.02 if c["init"] == "geometric" else 1
    E = torch.tensor(rng.normals(n * d, std).reshape(n, d), requires_grad=not c["freeze_embedding"])
    W = torch.tensor(rng.normals(d * d, std).reshape(d, d), requires_grad=True)
    b = torch.zeros(d, requires_grad=True)
    targets = target_weights(n, directed_pairs(n, edges, c["direction"], c["self_edges"]), "per_pair")

    def loss():
        return -(targets * F.log_softmax(F.linear(E, W, b) @ E.T, -1)).sum()

    opt = {"kind": "adam", "lr": c["lr"], "weight_decay": c["weight_decay"], "schedule": c["schedule"],
           "total_steps": c["steps"], "min_lr_factor": 0.1}
    return {"E": E, "W": W, "b": b}, loss, opt


BUILDERS = {"node2vec": node2vec, "tiny-nn": tiny_nn}
