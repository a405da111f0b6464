#!/usr/bin/python3
"""PyTorch CPU peer of the DJSRH / JSGHCA training step (MODELS.md; src/models/{djsrh,jsghca,common}).

Same work as cmhash's PairedHashModel.trainStep in the joint stage, layer for layer:
  per net:  x * inputScale -> [Si-Attention on the input: sigmoid(fc(x)) * x] -> fc(hidden) + ReLU
            -> dropout -> [Si-Attention on the hidden layer] -> fc(bits)                (pre-tanh Q)
  JSGHCA:   h_v = Q_v * (k * softmax(ReLU(fc_t(Q_t)))), h_t = Q_t * (k * softmax(ReLU(fc_v(Q_v))))
  codes:    B = tanh(delta * h), delta = sqrt(epoch + 1)
  target:   (no grad) S_I = cos(F_I, F_I), S_T = cos(F_T, F_T); beta-mix of the 2x-1 rescaled cosines
            (DJSRH) or adaptive weight mixing Eq. 5 / Alg. 1 (JSGHCA, minus 1 when both modalities are
            rescaled); S = mu((1 - eta) S~ + eta S~ S~^T / m)
  loss:     mse(S, cos(B_I, B_T)) + l1 mse(S, cos(B_I, B_I)) + l2 mse(S, cos(B_T, B_T))
  update:   two SGD optimisers (image net + its Jo fc, text net + its Jo fc), momentum, L2 weight decay
and one host readback per step (the loss terms), as cmhash does. The configuration (hidden width,
attention placement, fusion, lambda, mu, eta, beta, learning rates) is passed in by the bench from the
model's own config, so the two sides cannot drift apart.

Usage: torch_jsghca.py '<json>' — modes 'time' (median step and epoch wall time) and 'parity' (given
cmhash's initial weights and one batch, the loss before and after one SGD step, dropout off).
Prints one JSON line.
"""
import json
import math

import torch
import torch.nn.functional as F

from peer_common import info, load_matrix, load_weights, setup, time_training


def cos(a, b):
    return F.normalize(a, dim=1) @ F.normalize(b, dim=1).t()


class HashNet(torch.nn.Module):
    def __init__(self, in_dim, hidden, bits, dropout, attention, input_scale):
        super().__init__()
        self.attention = attention
        self.input_scale = input_scale
        self.att = None
        if attention == 'input':
            self.att = torch.nn.Linear(in_dim, in_dim)
        elif attention == 'hidden':
            self.att = torch.nn.Linear(hidden, hidden)
        self.fc1 = torch.nn.Linear(in_dim, hidden)
        self.drop = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(hidden, bits)

    def forward(self, x):
        h = x if self.input_scale == 1 else x * self.input_scale
        if self.att is not None and self.attention == 'input':
            h = torch.sigmoid(self.att(h)) * h
        h = self.drop(F.relu(self.fc1(h)))
        if self.att is not None and self.attention == 'hidden':
            h = torch.sigmoid(self.att(h)) * h
        return self.head(h)


class Paired(torch.nn.Module):
    def __init__(self, c, image_dim, text_dim):
        super().__init__()
        cfg = c['cfg']
        self.cfg = cfg
        self.bits = c['bits']
        self.image = HashNet(image_dim, cfg['hidden'], self.bits, cfg['dropout'], cfg['imageAttention'], c['inputScale']['image'])
        self.text = HashNet(text_dim, cfg['hidden'], self.bits, cfg['dropout'], cfg['textAttention'], c['inputScale']['text'])
        self.jo = bool(cfg.get('joAttention', False))
        if self.jo:
            self.jo_image = torch.nn.Linear(self.bits, self.bits)
            self.jo_text = torch.nn.Linear(self.bits, self.bits)

    def params(self, side):
        net = self.image if side == 'image' else self.text
        ps = list(net.parameters())
        if self.jo:
            ps += list((self.jo_image if side == 'image' else self.jo_text).parameters())
        return ps

    def jo_att(self, fc, q):
        return torch.softmax(F.relu(fc(q)), dim=1) * self.bits

    def forward(self, xi, xt):
        qi, qt = self.image(xi), self.text(xt)
        if self.jo:
            return qi * self.jo_att(self.jo_text, qt), qt * self.jo_att(self.jo_image, qi)
        return qi, qt


def target(xi, xt, t):
    with torch.no_grad():
        si, st = cos(xi, xi), cos(xt, xt)
        resc = lambda s, on: 2 * s - 1 if on else s
        fusion = t['fusion']
        if fusion == 'beta':
            f = t['beta'] * resc(si, t['rescaleImage']) + (1 - t['beta']) * resc(st, t['rescaleText'])
        elif fusion == 'image':
            f = resc(si, t['rescaleImage'])
        elif fusion == 'text':
            f = resc(st, t['rescaleText'])
        else:  # 'awm' (Eq. 5) or 'awm-alg1'
            ri, rt = si.mean(1), st.mean(1)
            ti, tt = ri.mean(), rt.mean()
            wi, wt = ri / ti, rt / tt
            if fusion == 'awm':
                g = (ti + tt) / (ri + rt)
                wi, wt = wi * g, wt * g
            # As cmhash's targets.ts (issue 12 fix): S_f = ½(w_I ⊙ r_I(S_I) + w_T ⊙ r_T(S_T)), each modality
            # rescaled on its own (the earlier "w_I·S_I + w_T·S_T − 1" was only centred when both were rescaled
            # and the weights summed to 2).
            f = 0.5 * (wi[:, None] * resc(si, t['rescaleImage']) + wt[:, None] * resc(st, t['rescaleText']))
        m = f.shape[0]
        return t['mu'] * ((1 - t['eta']) * f + t['eta'] * (f @ f.t()) / m)


class Trainer:
    def __init__(self, c, image_dim, text_dim):
        self.c = c
        cfg = c['cfg']
        self.model = Paired(c, image_dim, text_dim)
        sgd = lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=cfg['momentum'], weight_decay=cfg['weightDecay'])
        self.opt_image = sgd(self.model.params('image'), cfg['lrImage'])
        self.opt_text = sgd(self.model.params('text'), cfg['lrText'])
        self.delta = 1.0

    def step(self, xi, xt):
        cfg = self.c['cfg']
        self.model.train()
        S = target(xi, xt, cfg['target'])
        hi, ht = self.model(xi, xt)
        bi, bt = torch.tanh(self.delta * hi), torch.tanh(self.delta * ht)
        inter = F.mse_loss(cos(bi, bt), S)
        intra_i = F.mse_loss(cos(bi, bi), S)
        intra_t = F.mse_loss(cos(bt, bt), S)
        total = inter + cfg['lambda1'] * intra_i + cfg['lambda2'] * intra_t
        self.opt_image.zero_grad(set_to_none=True)
        self.opt_text.zero_grad(set_to_none=True)
        total.backward()
        self.opt_image.step()
        self.opt_text.step()
        # One readback per step, like cmhash's readScalars.
        vals = torch.stack([total.detach(), inter.detach(), intra_i.detach(), intra_t.detach()]).tolist()
        return dict(zip(['total', 'inter', 'intraImage', 'intraText'], vals))


def main():
    c = setup()
    d = c['data']
    xi, xt = load_matrix(d, 'image', 'imageDim'), load_matrix(d, 'text', 'textDim')
    tr = Trainer(c, xi.shape[1], xt.shape[1])
    tr.delta = math.sqrt(c.get('epoch', 0) + 1)
    meta = info(tr.model.parameters())
    if c['mode'] == 'parity':
        prefixes = {'image_extra0.': 'jo_image.', 'text_extra0.': 'jo_text.'}

        def rename(name):
            for a, b in prefixes.items():
                if name.startswith(a):
                    name = b + name[len(a):]
            return name.replace('.att.fc.', '.att.')  # cmhash's SiAttention wraps its fc in a module
        load_weights(dict(tr.model.named_parameters()), c['weights'], rename)
        idx = torch.tensor(c['indices'], dtype=torch.long)
        a = tr.step(xi[idx], xt[idx])
        b = tr.step(xi[idx], xt[idx])
        print(json.dumps({**meta, 'before': a, 'after': b}))
        return
    print(json.dumps({**meta, **time_training(c, xi.shape[0], lambda idx: tr.step(xi[idx], xt[idx]))}))


if __name__ == '__main__':
    main()
