#!/usr/bin/python3
"""PyTorch CPU peer of the DCMH training step (MODELS.md; src/models/dcmh, feature-input form).

Same work as cmhash's DcmhModel.trainStep, in the same order:
  nets:     x * inputScale -> fc(hidden) + ReLU -> dropout (image net only) -> fc(bits)   (F for images, G for text)
  S:        label similarity of the batch against all n training items, 1 when they share a label
  image:    theta = 1/2 F_b G_all^T;  mean(softplus(theta) - S theta)  +  gamma ||B_b - F_b||^2 / (m n)
            + eta ||colsum(F_all without the batch rows) + colsum(F_b)||^2 / (m n);  backward; Adam step;
            the batch rows of the stored F are replaced by F_b
  text:     the same with G_b against the updated F; Adam step; G rows replaced
  readback: one per step (the summed loss and the six terms)
  epoch:    F, G over the training set in inference mode and B = sign(F + G) (sign(0) = +1), as in prepare().
The configuration (hidden width, dropout, learning rates, gamma, eta, input scales) comes from the bench,
taken from the model's own defaults.

Usage: torch_dcmh.py '<json>' — modes 'time' and 'parity' (as bench/peers/torch_jsghca.py). One JSON line.
"""
import torch
import torch.nn.functional as F

from peer_common import load_matrix, run, setup


class Net(torch.nn.Module):
    def __init__(self, in_dim, hidden, bits, dropout, input_scale):
        super().__init__()
        self.input_scale = input_scale
        self.fc1 = torch.nn.Linear(in_dim, hidden)
        self.drop = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(hidden, bits)

    def forward(self, x):
        h = x if self.input_scale == 1 else x * self.input_scale
        return self.head(self.drop(F.relu(self.fc1(h))))


def sign_codes(h):
    return torch.where(h >= 0, torch.ones_like(h), -torch.ones_like(h))


class Dcmh:
    def __init__(self, c, xi, xt, labels):
        cfg = c['cfg']
        self.cfg = cfg
        bits = c['bits']
        self.xi, self.xt, self.labels = xi, xt, labels
        self.image = Net(xi.shape[1], cfg['hidden'], bits, cfg['dropout'], c['inputScale']['image'])
        self.text = Net(xt.shape[1], cfg['hidden'], bits, 0.0, c['inputScale']['text'])
        self.opt_image = torch.optim.Adam(self.image.parameters(), lr=cfg['lrImage'], weight_decay=cfg['weightDecay'])
        self.opt_text = torch.optim.Adam(self.text.parameters(), lr=cfg['lrText'], weight_decay=cfg['weightDecay'])
        self.F = self.G = self.B = None

    def refresh(self, chunk=1024):
        self.image.eval()
        self.text.eval()
        with torch.no_grad():
            n = self.xi.shape[0]
            self.F = torch.cat([self.image(self.xi[lo:lo + chunk]) for lo in range(0, n, chunk)])
            self.G = torch.cat([self.text(self.xt[lo:lo + chunk]) for lo in range(0, n, chunk)])
            self.B = sign_codes(self.F + self.G)
        self.image.train()
        self.text.train()

    def terms(self, S, out, other, own, Bb, idx):
        m, n = out.shape[0], other.shape[0]
        theta = 0.5 * (out @ other.t())
        nll = (F.softplus(theta) - S * theta).mean()
        quant = ((Bb - out) ** 2).sum() / (m * n)
        with torch.no_grad():
            rest = own.sum(0) - own[idx].sum(0)
        balance = ((rest + out.sum(0)) ** 2).sum() / (m * n)
        total = nll + self.cfg['gamma'] * quant + self.cfg['eta'] * balance
        return total, nll, quant, balance

    def step(self, idx):
        with torch.no_grad():
            S = torch.sign(self.labels[idx] @ self.labels.t())
            Bb = self.B[idx]
        fb = self.image(self.xi[idx])
        li = self.terms(S, fb, self.G, self.F, Bb, idx)
        self.opt_image.zero_grad(set_to_none=True)
        li[0].backward()
        self.opt_image.step()
        with torch.no_grad():
            self.F = self.F.index_copy(0, idx, fb.detach())
        gb = self.text(self.xt[idx])
        lt = self.terms(S, gb, self.F, self.G, Bb, idx)
        self.opt_text.zero_grad(set_to_none=True)
        lt[0].backward()
        self.opt_text.step()
        with torch.no_grad():
            self.G = self.G.index_copy(0, idx, gb.detach())
        vals = torch.stack([li[0].detach() + lt[0].detach(), *[t.detach() for t in li[1:]], *[t.detach() for t in lt[1:]]]).tolist()
        return dict(zip(['total', 'imageNll', 'imageQuant', 'imageBalance', 'textNll', 'textQuant', 'textBalance'], vals))


def main():
    c = setup()
    d = c['data']
    xi, xt = load_matrix(d, 'image', 'imageDim'), load_matrix(d, 'text', 'textDim')
    lab = load_matrix(d, 'labels', 'labelDim')
    model = Dcmh(c, xi, xt, lab)
    own = {f'image.{k}': v for k, v in model.image.named_parameters()}
    own.update({f'text.{k}': v for k, v in model.text.named_parameters()})
    run(c, xi.shape[0], own, model.refresh, model.step, end_epoch=model.refresh)  # prepare() = refresh


if __name__ == '__main__':
    main()
