"""Request latency as a lognormal fitted to two quantiles, kept as bucket probabilities."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rollout.observations import LATENCY_EDGES_MS, FloatArray

Z99 = 2.3263478740408408  # the standard normal's 99th percentile


def _normal_cdf(z: FloatArray) -> FloatArray:
    erf = np.vectorize(math.erf, otypes=[float])
    return np.asarray(0.5 * (1.0 + erf(z / math.sqrt(2.0))), dtype=np.float64)


@dataclass(frozen=True)
class Lognormal:
    """A latency distribution: exp(N(mu, sigma²)) ms, optionally × multiplier + add_ms."""

    mu: float
    sigma: float
    multiplier: float = 1.0
    add_ms: float = 0.0

    @classmethod
    def fit(cls, p50_ms: float, p99_ms: float) -> Lognormal:
        """The lognormal whose median and 99th percentile are the given values."""
        return cls(math.log(p50_ms), math.log(p99_ms / p50_ms) / Z99)

    def slowed(self, multiplier: float, add_ms: float) -> Lognormal:
        """The same distribution made slower."""
        return Lognormal(self.mu, self.sigma, self.multiplier * multiplier, self.add_ms + add_ms)

    @property
    def mean_ms(self) -> float:
        """The mean latency in ms."""
        return self.multiplier * math.exp(self.mu + self.sigma**2 / 2) + self.add_ms

    def cdf(self, ms: FloatArray) -> FloatArray:
        """P(latency ≤ ms)."""
        base = (np.asarray(ms, dtype=float) - self.add_ms) / self.multiplier
        out = np.zeros_like(base)
        positive = base > 0
        if self.sigma == 0:
            out[positive] = (base[positive] >= math.exp(self.mu)).astype(float)
            return out
        out[positive] = _normal_cdf((np.log(base[positive]) - self.mu) / self.sigma)
        return out

    def bucket_probabilities(self) -> FloatArray:
        """The chance of each shared latency bucket (see rollout.observations)."""
        cdf = np.concatenate([[0.0], self.cdf(LATENCY_EDGES_MS), [1.0]])
        probs: FloatArray = np.clip(np.diff(cdf), 0.0, None)
        return probs / float(probs.sum())
