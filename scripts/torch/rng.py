"""Orrery's seeded PRNG (packages/experiments/src/random.ts, mulberry32 + Box-Muller), ported bit for bit.

The references draw their initial parameters from it, so that at step 0 they hold the very numbers Orrery's
run holds and the first losses agree to float rounding. The timed data streams use numpy instead (what a
PyTorch notebook would); `--check` mode replays Orrery's data streams with this class too.
"""
import math

import numpy as np

M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M32


class Rng:
    def __init__(self, seed):
        self.state = (int(seed) & M32) ^ 0x9E3779B9
        self.spare = None

    def next(self):
        self.state = t = (self.state + 0x6D2B79F5) & M32
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296

    def int(self, n):
        return math.floor(self.next() * n)

    def normal(self):
        if self.spare is not None:
            s, self.spare = self.spare, None
            return s
        u = 1 - self.next()
        v = self.next()
        r = math.sqrt(-2 * math.log(u))
        self.spare = r * math.sin(2 * math.pi * v)
        return r * math.cos(2 * math.pi * v)

    def normals(self, n, scale=1.0):
        """Float32, as Orrery's Float32Array (each value scale·normal rounded once)."""
        return np.array([scale * self.normal() for _ in range(n)], dtype=np.float64).astype(np.float32)

    def uniforms(self, n, bound):
        """bound·(2u − 1) per value, as the attention-only transformer's torch-default init."""
        return np.array([bound * (2 * self.next() - 1) for _ in range(n)], dtype=np.float64).astype(np.float32)


def categorical(p, u):
    """Orrery's linear-scan draw: index k with sum(p[:k]) <= u < sum(p[:k+1]); the last index absorbs rounding."""
    acc = 0.0
    for k, pk in enumerate(p):
        acc += pk
        if u < acc:
            return k
    return len(p) - 1
