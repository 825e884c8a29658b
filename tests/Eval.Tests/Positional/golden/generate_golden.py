#!/usr/bin/env python3
"""Golden RoPE vectors, written independently of the C# code by transcribing the published formulas
(transformers' modeling_rope_utils.py, bojone's NTK patch, jquesnelle/yarn) into plain Python.
Run: python3 generate_golden.py > golden.json   (stdlib only; deterministic)."""
import json, math

def default_inv(dim, base):
    return [1.0 / (base ** (i / dim)) for i in range(0, dim, 2)]

def linear(dim, base, L0, L, s):
    return [f / s for f in default_inv(dim, base)], 1.0

def ntk(dim, base, L0, L, s):
    return default_inv(dim, base * s ** (dim / (dim - 2))), 1.0

def dynamic(dim, base, L0, L, s):
    seq_len = max(L, L0)
    base = base * ((s * seq_len / L0) - (s - 1)) ** (dim / (dim - 2))
    return default_inv(dim, base), 1.0

def get_mscale(scale, mscale=1):
    return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0

def yarn(dim, base, L0, L, s, beta_fast=32, beta_slow=1):
    def find_correction_dim(num_rotations):
        return (dim * math.log(L0 / (num_rotations * 2 * math.pi))) / (2 * math.log(base))
    low = math.floor(find_correction_dim(beta_fast))
    high = math.ceil(find_correction_dim(beta_slow))
    low, high = max(low, 0), min(high, dim - 1)
    if low == high:
        high += 0.001
    pos_freqs = [base ** (i / dim) for i in range(0, dim, 2)]
    extra = [1.0 / p for p in pos_freqs]
    inter = [1.0 / (s * p) for p in pos_freqs]
    ramp = [min(max((j - low) / (high - low), 0.0), 1.0) for j in range(dim // 2)]
    extra_factor = [1 - r for r in ramp]
    inv = [inter[j] * (1 - extra_factor[j]) + extra[j] * extra_factor[j] for j in range(dim // 2)]
    return inv, get_mscale(s)

def dynamic_yarn(dim, base, L0, L, s):
    return yarn(dim, base, L0, L, max(1.0, L / L0))

def llama3(dim, base, L0, L, s, low_freq_factor=1.0, high_freq_factor=4.0):
    low_freq_wavelen = L0 / low_freq_factor
    high_freq_wavelen = L0 / high_freq_factor
    out = []
    for f in default_inv(dim, base):
        wavelen = 2 * math.pi / f
        g = f / s if wavelen > low_freq_wavelen else f
        smooth = (L0 / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
        smoothed = (1 - smooth) * g / s + smooth * g
        is_medium = not (wavelen < high_freq_wavelen) and not (wavelen > low_freq_wavelen)
        out.append(smoothed if is_medium else g)
    return out, 1.0

def longrope(dim, base, L0, L, s):
    short = [1.0 + 0.01 * j for j in range(dim // 2)]
    long_ = [1.0 + 0.5 * j for j in range(dim // 2)]
    ext = long_ if L > L0 else short
    attn = 1.0 if s <= 1 else math.sqrt(1 + math.log(s) / math.log(L0))
    return [1.0 / (ext[j] * base ** ((2 * j) / dim)) for j in range(dim // 2)], attn, short, long_

cases = []
for dim in (32, 64, 128):
    for base in (500.0, 10000.0, 500000.0):
        for L0 in (256, 4096):
            for s in (2, 16, 32):
                L = int(L0 * s)
                for name, fn in (("linear", linear), ("ntk", ntk), ("dynamic", dynamic), ("yarn", yarn), ("llama3", llama3)):
                    inv, attn = fn(dim, base, L0, L, s)
                    cases.append({"strategy": f"{name}:factor={s}", "head_dim": dim, "theta": base, "original": L0,
                                  "seq_len": L, "inv_freq": inv, "attention_factor": attn})
                # dynamic at a length between L0 and s * L0, where its base depends on the length
                inv, attn = dynamic(dim, base, L0, L // 2 + 1, s)
                cases.append({"strategy": f"dynamic:factor={s}", "head_dim": dim, "theta": base, "original": L0,
                              "seq_len": L // 2 + 1, "inv_freq": inv, "attention_factor": attn})
                inv, attn = dynamic_yarn(dim, base, L0, L, s)
                cases.append({"strategy": "dynamic-yarn", "head_dim": dim, "theta": base, "original": L0,
                              "seq_len": L, "inv_freq": inv, "attention_factor": attn})
                inv, attn, short, long_ = longrope(dim, base, L0, L, s)
                spec = f"longrope:factor={s},short_factor={'|'.join(repr(x) for x in short)},long_factor={'|'.join(repr(x) for x in long_)}"
                cases.append({"strategy": spec, "head_dim": dim, "theta": base, "original": L0,
                              "seq_len": L, "inv_freq": inv, "attention_factor": attn})
            inv = default_inv(dim, base)
            cases.append({"strategy": "default", "head_dim": dim, "theta": base, "original": L0, "seq_len": L0,
                          "inv_freq": inv, "attention_factor": 1.0})
            cases.append({"strategy": "base:theta=1000000", "head_dim": dim, "theta": base, "original": L0, "seq_len": L0,
                          "inv_freq": default_inv(dim, 1000000.0), "attention_factor": 1.0})
print(json.dumps(cases))
