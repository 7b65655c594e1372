"""Encoder-decoder transformer for wick translate (de->en).

Pre-norm transformer, sinusoidal positions, joint vocabulary with one embedding
matrix shared by encoder input, decoder input and the output projection.

Two code paths that compute the same function:
  * forward(src, tgt_in): full-sequence teacher-forced training path.
  * encode_for_decoding(src) + decoder_step(...): the export-friendly incremental
    path.  All tensors have fixed maximum sizes, the KV cache is a plain tensor
    updated with a one-hot mask (no in-place index assignment), and there is no
    Python control flow that depends on tensor values.  export.py exports these two
    functions to ONNX.

Shapes (L = decoder layers, H = heads, Dh = d_model / H, T = max_tgt_len,
S = source length (max_src_len when exported)):
  encode_for_decoding(src[B,S] int64) ->
      cross_k[L,B,H,S,Dh], cross_v[L,B,H,S,Dh], mem_bias[B,S] (0 or NEG)
  decoder_step(token[B] int64, pos[1] int64, cross_k, cross_v, mem_bias,
               self_k[L,B,H,T,Dh], self_v[L,B,H,T,Dh]) ->
      logits[B,V], new_self_k, new_self_v
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
NEG = -1.0e4  # additive mask value (moderate, so int8 activation ranges stay sane)


@dataclass
class ModelConfig:
    vocab_size: int = 8000
    d_model: int = 256
    n_heads: int = 4
    enc_layers: int = 3
    dec_layers: int = 3
    ffn: int = 1024
    dropout: float = 0.1
    attn_dropout: float = 0.1
    act_dropout: float = 0.0
    max_src_len: int = 64   # incl. EOS
    max_tgt_len: int = 64   # decoder positions incl. BOS

    def to_dict(self):
        return asdict(self)


def sinusoidal_table(n, d):
    pos = torch.arange(n, dtype=torch.float32).unsqueeze(1)
    inv = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe = torch.zeros(n, d)
    pe[:, 0::2] = torch.sin(pos * inv)
    pe[:, 1::2] = torch.cos(pos * inv)
    return pe


class MultiHeadAttention(nn.Module):
    def __init__(self, d, h, attn_dropout):
        super().__init__()
        self.h, self.dh = h, d // h
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.drop = nn.Dropout(attn_dropout)

    def split(self, x):  # [B,N,D] -> [B,H,N,Dh]
        B, N, _ = x.shape
        return x.view(B, N, self.h, self.dh).transpose(1, 2)

    def merge(self, x):  # [B,H,N,Dh] -> [B,N,D]
        B, H, N, Dh = x.shape
        return x.transpose(1, 2).reshape(B, N, H * Dh)

    def attend(self, q, k, v, bias):
        # q [B,H,Nq,Dh], k/v [B,H,Nk,Dh], bias broadcastable to [B,H,Nq,Nk]
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.dh)) + bias
        p = self.drop(torch.softmax(scores, dim=-1))
        return self.o(self.merge(torch.matmul(p, v)))

    def attend_kt(self, q, kt, v, bias):
        """attend() with the keys already transposed: kt [B,H,Dh,Nk] (the export layout)."""
        scores = torch.matmul(q, kt) * (1.0 / math.sqrt(self.dh)) + bias
        p = self.drop(torch.softmax(scores, dim=-1))
        return self.o(self.merge(torch.matmul(p, v)))


class FeedForward(nn.Module):
    def __init__(self, d, ffn, dropout):
        super().__init__()
        self.fc1 = nn.Linear(d, ffn)
        self.fc2 = nn.Linear(ffn, d)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        return self.fc2(self.drop(F.relu(self.fc1(x))))


class EncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln1 = nn.LayerNorm(c.d_model)
        self.attn = MultiHeadAttention(c.d_model, c.n_heads, c.attn_dropout)
        self.ln2 = nn.LayerNorm(c.d_model)
        self.ff = FeedForward(c.d_model, c.ffn, c.act_dropout)
        self.drop = nn.Dropout(c.dropout)

    def forward(self, x, bias):
        y = self.ln1(x)
        a = self.attn
        x = x + self.drop(a.attend(a.split(a.q(y)), a.split(a.k(y)), a.split(a.v(y)), bias))
        return x + self.drop(self.ff(self.ln2(x)))


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln1 = nn.LayerNorm(c.d_model)
        self.self_attn = MultiHeadAttention(c.d_model, c.n_heads, c.attn_dropout)
        self.ln2 = nn.LayerNorm(c.d_model)
        self.cross_attn = MultiHeadAttention(c.d_model, c.n_heads, c.attn_dropout)
        self.ln3 = nn.LayerNorm(c.d_model)
        self.ff = FeedForward(c.d_model, c.ffn, c.act_dropout)
        self.drop = nn.Dropout(c.dropout)

    def forward(self, x, y, self_k, self_v, self_bias, cross_k, cross_v, cross_bias):
        """x [B,N,D] residual stream, y = ln1(x) (already used for this step's keys/values);
        self_k/v [B,H,Nk,Dh] include this step's keys/values; cross_k/v [B,H,S,Dh]."""
        sa, ca = self.self_attn, self.cross_attn
        x = x + self.drop(sa.attend(sa.split(sa.q(y)), self_k, self_v, self_bias))
        x = x + self.drop(ca.attend(ca.split(ca.q(self.ln2(x))), cross_k, cross_v, cross_bias))
        return x + self.drop(self.ff(self.ln3(x)))

    def forward_kt(self, x, y, self_kt, self_v, self_bias, cross_kt, cross_v, cross_bias):
        """forward() with transposed keys (self_kt [B,H,Dh,Nk], cross_kt [B,H,Dh,S])."""
        sa, ca = self.self_attn, self.cross_attn
        x = x + self.drop(sa.attend_kt(sa.split(sa.q(y)), self_kt, self_v, self_bias))
        x = x + self.drop(ca.attend_kt(ca.split(ca.q(self.ln2(x))), cross_kt, cross_v, cross_bias))
        return x + self.drop(self.ff(self.ln3(x)))


class Transformer(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.c = c
        self.emb = nn.Embedding(c.vocab_size, c.d_model, padding_idx=PAD_ID)
        nn.init.normal_(self.emb.weight, 0.0, c.d_model ** -0.5)
        with torch.no_grad():
            self.emb.weight[PAD_ID].zero_()
        self.register_buffer("pe", sinusoidal_table(max(c.max_src_len, c.max_tgt_len), c.d_model), persistent=False)
        self.enc = nn.ModuleList([EncoderLayer(c) for _ in range(c.enc_layers)])
        self.enc_ln = nn.LayerNorm(c.d_model)
        self.dec = nn.ModuleList([DecoderLayer(c) for _ in range(c.dec_layers)])
        self.dec_ln = nn.LayerNorm(c.d_model)
        self.drop = nn.Dropout(c.dropout)
        self.scale = math.sqrt(c.d_model)
        for n, p in self.named_parameters():
            if p.dim() == 2 and not n.startswith("emb"):
                nn.init.xavier_uniform_(p)

    def num_params(self):
        return sum(p.numel() for p in self.parameters())

    # ---- shared pieces -------------------------------------------------
    def embed(self, tokens, pos_emb):
        return self.drop(self.emb(tokens) * self.scale + pos_emb)

    def logits(self, h):
        return F.linear(self.dec_ln(h), self.emb.weight)

    def encode(self, src):
        """src [B,S] -> memory [B,S,D], mem_bias [B,S] additive (0 / NEG)."""
        S = src.shape[1]
        mem_bias = (src == PAD_ID).to(torch.float32) * NEG
        x = self.embed(src, self.pe[:S].unsqueeze(0))
        bias = mem_bias[:, None, None, :]
        for layer in self.enc:
            x = layer(x, bias)
        return self.enc_ln(x), mem_bias

    # ---- training path -------------------------------------------------
    def forward(self, src, tgt_in):
        memory, mem_bias = self.encode(src)
        T = tgt_in.shape[1]
        x = self.embed(tgt_in, self.pe[:T].unsqueeze(0))
        causal = torch.triu(torch.full((T, T), NEG, device=src.device), diagonal=1)
        self_bias = causal[None, None] + ((tgt_in == PAD_ID).to(torch.float32) * NEG)[:, None, None, :]
        cross_bias = mem_bias[:, None, None, :]
        for layer in self.dec:
            sa, ca = layer.self_attn, layer.cross_attn
            y = layer.ln1(x)
            k, v = sa.split(sa.k(y)), sa.split(sa.v(y))
            ck, cv = ca.split(ca.k(memory)), ca.split(ca.v(memory))
            x = layer(x, y, k, v, self_bias, ck, cv, cross_bias)
        return self.logits(x)

    # ---- incremental (export) path --------------------------------------
    def encode_for_decoding(self, src):
        memory, mem_bias = self.encode(src)
        ks, vs = [], []
        for layer in self.dec:
            ca = layer.cross_attn
            ks.append(ca.split(ca.k(memory)))
            vs.append(ca.split(ca.v(memory)))
        return torch.stack(ks), torch.stack(vs), mem_bias

    def empty_cache(self, batch, dtype=torch.float32):
        c = self.c
        shape = (c.dec_layers, batch, c.n_heads, c.max_tgt_len, c.d_model // c.n_heads)
        return torch.zeros(shape, dtype=dtype), torch.zeros(shape, dtype=dtype)

    def decoder_step(self, token, pos, cross_k, cross_v, mem_bias, self_k, self_v):
        """One decoding step at position pos (int64 tensor of shape [1]).

        Writes this step's keys/values into slot `pos` of the fixed-size caches
        via a one-hot blend, attends over slots <= pos, returns logits [B,V]
        and the updated caches.
        """
        T = self.c.max_tgt_len
        slots = torch.arange(T, dtype=torch.int64)
        onehot = (slots == pos).to(torch.float32)              # [T]
        keep = 1.0 - onehot
        self_bias = ((slots > pos).to(torch.float32) * NEG)    # [T]
        self_bias = self_bias.view(1, 1, 1, T)
        w = onehot.view(1, 1, T, 1)
        kw = keep.view(1, 1, T, 1)
        cross_bias = mem_bias[:, None, None, :]
        x = self.embed(token.view(-1, 1), torch.index_select(self.pe, 0, pos).unsqueeze(0))  # [B,1,D]
        new_k, new_v = [], []
        for i, layer in enumerate(self.dec):
            sa = layer.self_attn
            y = layer.ln1(x)
            k = self_k[i] * kw + sa.split(sa.k(y)) * w   # [B,H,T,Dh]
            v = self_v[i] * kw + sa.split(sa.v(y)) * w
            new_k.append(k)
            new_v.append(v)
            x = layer(x, y, k, v, self_bias, cross_k[i], cross_v[i], cross_bias)
        return self.logits(x)[:, 0, :], torch.stack(new_k), torch.stack(new_v)


# ---- export layout: one tensor per layer, keys transposed --------------------
# The exported programs take and return each layer's caches as separate tensors
# (no stacking, slicing or concatenation per step) with the keys stored
# transposed, [B,H,Dh,N], so the score matmul reads them as they are.
def encode_for_export(model, src):
    """src [B,S] -> (mem_bias [B,S], then per decoder layer cross_kt [B,H,Dh,S], cross_v [B,H,S,Dh])."""
    memory, mem_bias = model.encode(src)
    out = [mem_bias]
    for layer in model.dec:
        ca = layer.cross_attn
        out.append(ca.split(ca.k(memory)).transpose(-1, -2))
        out.append(ca.split(ca.v(memory)))
    return tuple(out)


def empty_cache_export(model, batch):
    """Per layer (self_kt [B,H,Dh,T], self_v [B,H,T,Dh]) zeros."""
    c = model.c
    H, Dh, T = c.n_heads, c.d_model // c.n_heads, c.max_tgt_len
    out = []
    for _ in range(c.dec_layers):
        out.append(torch.zeros(batch, H, Dh, T))
        out.append(torch.zeros(batch, H, T, Dh))
    return out


def decoder_step_export(model, token, pos, mem_bias, *caches):
    """One step in the export layout. caches: per layer cross_kt, cross_v, self_kt, self_v.
    Returns log-probabilities [B,V] (log_softmax of the logits), then per layer
    new_self_kt, new_self_v (slot `pos` written)."""
    T = model.c.max_tgt_len
    slots = torch.arange(T, dtype=torch.int64)
    here = slots == pos                                     # the slot this step writes
    self_bias = ((slots > pos).to(torch.float32) * NEG).view(1, 1, 1, T)
    cross_bias = mem_bias[:, None, None, :]
    x = model.embed(token.view(-1, 1), torch.index_select(model.pe, 0, pos).unsqueeze(0))
    outs = []
    for i, layer in enumerate(model.dec):
        ckt, cv, skt, sv = caches[4 * i: 4 * i + 4]
        sa = layer.self_attn
        y = layer.ln1(x)
        kt = torch.where(here.view(1, 1, 1, T), sa.split(sa.k(y)).transpose(-1, -2), skt)
        v = torch.where(here.view(1, 1, T, 1), sa.split(sa.v(y)), sv)
        outs += [kt, v]
        x = layer.forward_kt(x, y, kt, v, self_bias, ckt, cv, cross_bias)
    return (torch.log_softmax(model.logits(x)[:, 0, :], dim=-1), *outs)


@torch.no_grad()
def greedy_decode(model, src, max_len=None):
    """Batched greedy decoding with the incremental path. src [B,S] -> list of id lists."""
    model.eval()
    B = src.shape[0]
    max_len = min(max_len or model.c.max_tgt_len, model.c.max_tgt_len)
    ck, cv, mb = model.encode_for_decoding(src)
    sk, sv = model.empty_cache(B)
    tok = torch.full((B,), BOS_ID, dtype=torch.int64)
    out = torch.zeros(B, max_len, dtype=torch.int64)
    done = torch.zeros(B, dtype=torch.bool)
    for t in range(max_len):
        logits, sk, sv = model.decoder_step(tok, torch.tensor([t]), ck, cv, mb, sk, sv)
        tok = logits.argmax(-1)
        tok = torch.where(done, torch.full_like(tok, PAD_ID), tok)
        out[:, t] = tok
        done = done | (tok == EOS_ID)
        if bool(done.all()):
            break
    res = []
    for row in out.tolist():
        ids = []
        for t in row:
            if t in (EOS_ID, PAD_ID):
                break
            ids.append(t)
        res.append(ids)
    return res
