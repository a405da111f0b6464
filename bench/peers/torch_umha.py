#!/usr/bin/python3
"""PyTorch CPU peer of the UMHA training step (MODELS.md seed 000; src/models/umha, src/models/common/{nets,paired-model}.ts).

Same work as cmhash's UmhaModel, in the same order:
  prepare:  A = the top-K (K = round(topKFraction n)) per-row entries of DJSRH's joint similarity over the whole
            training set, S~ = beta r(cos(F_I,F_I)) + (1 - beta) r(cos(F_T,F_T)), S = (1 - eta) S~ + eta S~ S~^T / n,
            ties to the lower index, union-symmetrised (averaged where both rows kept the entry);
            B = sign(G + rho D^-1 A G), G = H_I + H_T of every training item (inference mode), D = row sums of |A|
  per net:  x * inputScale -> fc(hidden) + ReLU -> dropout -> tokens [m, T, hidden/T] -> x + MHA(x) (Q/K/V/O
            projections, softmax(q k^T / sqrt(dh)) v per head) -> flattened (pool 'flatten') or mean over tokens
            -> fc(bits) = h
  target:   mu A[batch, batch] on neighbour pairs, DJSRH's batch target elsewhere (fill 'batch'), no grad
  loss:     mse(S, cos(B_I, B_T)) + l1 mse(S, cos(B_I, B_I)) + l2 mse(S, cos(B_T, B_T))
            + gamma (mse(B_I, B_batch) + mse(B_T, B_batch)),  B_* = tanh(delta h)
  update:   two SGD optimisers (momentum, L2 weight decay); one readback per step
  epoch:    the B update above (endEpoch)
The configuration comes from the bench, taken from the model's own defaults.

Usage: torch_umha.py '<json>' — modes 'time' and 'parity' (as bench/peers/torch_jsghca.py). One JSON line.
"""
import math

import torch
import torch.nn.functional as F

from peer_common import load_matrix, run, setup
from torch_jsghca import cos, target


class MultiHeadAttention(torch.nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.dh = heads, d // heads
        self.q, self.k, self.v, self.o = (torch.nn.Linear(d, d) for _ in range(4))

    def forward(self, x):
        B, T, d = x.shape
        H, dh = self.heads, self.dh
        split = lambda lin: lin(x).view(B, T, H, dh).transpose(1, 2)  # [B, H, T, dh]
        q, k, v = split(self.q), split(self.k), split(self.v)
        p = torch.softmax((q @ k.transpose(-1, -2)) * (1 / math.sqrt(dh)), dim=-1)
        return self.o((p @ v).transpose(1, 2).reshape(B, T, d))


class TokenAttention(torch.nn.Module):
    def __init__(self, hidden, tokens, heads, pool):
        super().__init__()
        self.tokens, self.pool, self.hidden = tokens, pool, hidden
        self.mha = MultiHeadAttention(hidden // tokens, heads)
        self.out_dim = hidden // tokens if pool == 'mean' else hidden

    def forward(self, x):
        t = x.view(x.shape[0], self.tokens, self.hidden // self.tokens)
        y = t + self.mha(t)
        return y.mean(1) if self.pool == 'mean' else y.reshape(x.shape[0], self.hidden)


class HashNet(torch.nn.Module):
    def __init__(self, in_dim, cfg, bits, dropout, input_scale):
        super().__init__()
        self.input_scale = input_scale
        self.fc1 = torch.nn.Linear(in_dim, cfg['hidden'])
        self.drop = torch.nn.Dropout(dropout)
        self.tokens = TokenAttention(cfg['hidden'], cfg['tokens'], cfg['heads'], cfg['pool'])
        self.head = torch.nn.Linear(self.tokens.out_dim, bits)

    def forward(self, x):
        h = x if self.input_scale == 1 else x * self.input_scale
        return self.head(self.tokens(self.drop(F.relu(self.fc1(h)))))


def affinity(xi, xt, t, k):
    """Dense A (zeros outside the neighbourhoods) and the mask of its stored entries."""
    with torch.no_grad():
        resc = lambda s, on: 2 * s - 1 if on else s
        st = t['beta'] * resc(cos(xi, xi), t['rescaleImage']) + (1 - t['beta']) * resc(cos(xt, xt), t['rescaleText'])
        n = st.shape[0]
        s = (1 - t['eta']) * st + t['eta'] * (st @ st.t()) / n
        # top-K per row, ties to the lower index (a stable descending sort keeps index order among equals)
        order = torch.sort(s, dim=1, descending=True, stable=True).indices[:, :k]
        kept = torch.zeros(n, n, dtype=torch.bool)
        kept.scatter_(1, order, True)
        both = kept & kept.t()
        a = torch.where(both, (s + s.t()) / 2, torch.where(kept, s, torch.where(kept.t(), s.t(), torch.zeros_like(s))))
        return a, kept | kept.t()


class Umha:
    def __init__(self, c, xi, xt):
        cfg = self.cfg = c['cfg']
        for key, want in [('neighbourhoods', True), ('fill', 'batch'), ('imageAttention', 'none'), ('textAttention', 'none')]:
            if cfg.get(key) != want:
                raise ValueError(f'torch_umha.py implements the default UMHA only: {key} = {cfg.get(key)!r} (default {want!r})')
        if cfg.get('imageInput', 'features') != 'features':
            raise ValueError('torch_umha.py: feature input only')
        self.xi, self.xt = xi, xt
        bits = c['bits']
        self.image = HashNet(xi.shape[1], cfg, bits, cfg['dropout'], c['inputScale']['image'])
        self.text = HashNet(xt.shape[1], cfg, bits, cfg['textDropout'], c['inputScale']['text'])
        sgd = lambda m, lr: torch.optim.SGD(m.parameters(), lr=lr, momentum=cfg['momentum'], weight_decay=cfg['weightDecay'])
        self.opt_image = sgd(self.image, cfg['lrImage'])
        self.opt_text = sgd(self.text, cfg['lrText'])
        self.delta = 1.0
        self.A = self.mask = self.B = None

    def prepare(self):
        n = self.xi.shape[0]
        k = max(1, min(n, round(self.cfg['topKFraction'] * n)))
        self.A, self.mask = affinity(self.xi, self.xt, self.cfg['target'], k)
        self.update_b()

    def update_b(self, chunk=512):
        """B = sign(G + rho N(A) G), G = H_I + H_T over the training set (inference mode), sign(0) = +1."""
        self.image.eval()
        self.text.eval()
        with torch.no_grad():
            enc = lambda net, x: torch.cat([torch.tanh(self.delta * net(x[lo:lo + chunk])) for lo in range(0, x.shape[0], chunk)])
            g = (enc(self.image, self.xi).double() + enc(self.text, self.xt).double())
            A = self.A.double()
            if self.cfg['collaborativeNorm'] == 'n':
                f = torch.full((A.shape[0], 1), self.cfg['rho'] / A.shape[0], dtype=torch.float64)
            else:
                deg = A.abs().sum(1, keepdim=True)
                f = torch.where(deg > 1e-12, self.cfg['rho'] / deg, torch.zeros_like(deg))
            h = g + f * (A @ g)
            self.B = torch.where(h >= 0, 1.0, -1.0).float()
        self.image.train()
        self.text.train()

    def step(self, idx):
        cfg = self.cfg
        xi, xt = self.xi[idx], self.xt[idx]
        with torch.no_grad():
            mu = cfg['target']['mu']
            keep = self.mask[idx][:, idx]
            S = torch.where(keep, mu * self.A[idx][:, idx], target(xi, xt, cfg['target']))
            Bb = self.B[idx]
        bi = torch.tanh(self.delta * self.image(xi))
        bt = torch.tanh(self.delta * self.text(xt))
        inter = F.mse_loss(cos(bi, bt), S)
        intra_i = F.mse_loss(cos(bi, bi), S)
        intra_t = F.mse_loss(cos(bt, bt), S)
        quant = cfg['gamma'] * (F.mse_loss(bi, Bb) + F.mse_loss(bt, Bb))
        total = inter + cfg['lambda1'] * intra_i + cfg['lambda2'] * intra_t + quant
        self.opt_image.zero_grad(set_to_none=True)
        self.opt_text.zero_grad(set_to_none=True)
        total.backward()
        self.opt_image.step()
        self.opt_text.step()
        vals = torch.stack([total.detach(), inter.detach(), intra_i.detach(), intra_t.detach(), quant.detach()]).tolist()
        return dict(zip(['total', 'inter', 'intraImage', 'intraText', 'quantization'], vals))


def main():
    c = setup()
    d = c['data']
    xi, xt = load_matrix(d, 'image', 'imageDim'), load_matrix(d, 'text', 'textDim')
    model = Umha(c, xi, xt)
    own = {f'image.{k}': v for k, v in model.image.named_parameters()}
    own.update({f'text.{k}': v for k, v in model.text.named_parameters()})
    delta = math.sqrt(c.get('epoch', 0) + 1)

    def prepare():
        model.delta = 1.0  # cmhash's prepare() builds B before startEpoch sets delta
        model.prepare()
        model.delta = delta
    run(c, xi.shape[0], own, prepare, model.step, end_epoch=model.update_b, extra=lambda: {'nonZeros': int(model.mask.sum())})


if __name__ == '__main__':
    main()
