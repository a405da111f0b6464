#!/usr/bin/python3
"""PyTorch CPU peer of the SSAH training step (MODELS.md; src/models/{ssah,common/label-guided.ts,common/supervised.ts}).

Same work as cmhash's LabelGuidedModel.trainStep with SSAH's configuration, layer for layer and in the same order:
  label net:  L -> fc(hidden) + ReLU -> fc(feat) = f (pre-ReLU) -> ReLU = a -> tanh(fc(bits)) = H, sigmoid(fc(c)) = L^
  image net:  x * inputScale -> fc(hidden) + ReLU -> dropout -> fc(feat) = f -> ReLU = a -> H, L^ as above
  text net:   x * inputScale -> multi-scale BoW fusion (per width s: avg-pool s/s -> 1x1 conv + ReLU -> linear
              upsample back to d; concatenated with x) -> fc(hidden) + ReLU -> LRN -> fc(feat) = f -> ReLU -> LRN
              -> H, L^
  pairs:      the batch against the u distinct training label vectors, column-weighted by count*u/n (exactly the
              mean over the batch x all n training items, as cmhash): S = sign(L Lu^T),
              NLL(S, A, B) = mean(W * (softplus(theta) - S theta)), theta = 1/2 A B^T
  (1) label:  alpha NLL(f^l, F^l) + gamma NLL(H^l, H^l_all) + beta mse(H^l, B_batch) + eta mse(L^, L); Adam step
  (2) gen.:   per modality alpha NLL(f, F^l) + beta mse(H, B) + gammaModality NLL(H, H^l_all) + etaModality mse(L^, L),
              with F^l, H^l from the updated label net (no grad); + adversarial * sum mean(softplus(-D(f)));
              Adam steps of the image and the text net (no discriminator gradients in this backward)
  (3) disc.:  mean(softplus(-D(f^l))) + mean(softplus(D(f))) per discriminator on detached inputs, D(f) reused
              from (2) (same weights and inputs); Adam step
  readback:   one per step (the total and the terms)
  epoch:      B = sign(H^x + H^y) over the training set in inference mode (sign(0) = +1), as prepare()/endEpoch().
The configuration comes from the bench, taken from the model's own defaults.

Usage: torch_ssah.py '<json>' — modes 'time' and 'parity' (as bench/peers/torch_jsghca.py). One JSON line.
"""
import math

import torch
import torch.nn.functional as F

from peer_common import load_matrix, run, setup


def effective_widths(widths, d):
    out = []
    for w in widths:
        c = min(w, d)
        if c not in out:
            out.append(c)
    return out


def upsample_matrix(L, d):
    """src/models/common/supervised.ts upsampleMatrix: linear resize L -> d, half-pixel centres, edges clamped."""
    u = torch.zeros(L, d, dtype=torch.float64)
    for j in range(d):
        src = min(max((j + 0.5) * (L / d) - 0.5, 0.0), L - 1)
        i0 = math.floor(src)
        i1 = min(i0 + 1, L - 1)
        t = src - i0
        u[i0, j] += 1 - t
        u[i1, j] += t
    return u.float()


class Fusion(torch.nn.Module):
    def __init__(self, dim, widths):
        super().__init__()
        self.widths = effective_widths(widths, dim)
        for s in self.widths:  # named fusion.conv<s>.weight / .bias, as in cmhash
            setattr(self, f'conv{s}', torch.nn.Linear(1, 1))
        self.ups = [upsample_matrix(dim // s, dim) for s in self.widths]
        self.out_dim = (1 + len(self.widths)) * dim

    def forward(self, x):
        parts = [x]
        for s, up in zip(self.widths, self.ups):
            pooled = F.avg_pool1d(x.unsqueeze(1), s, s).squeeze(1)  # [m, L]
            conv = getattr(self, f'conv{s}')
            parts.append(F.relu(pooled * conv.weight[0, 0] + conv.bias[0]) @ up)
        return torch.cat(parts, 1)



class LabelNet(torch.nn.Module):
    def __init__(self, c, hidden, feat, bits):
        super().__init__()
        self.fc1 = torch.nn.Linear(c, hidden)
        self.fc2 = torch.nn.Linear(hidden, feat)
        self.hash = torch.nn.Linear(feat, bits)
        self.cls = torch.nn.Linear(feat, c)

    def run(self, x):
        f = self.fc2(F.relu(self.fc1(x)))
        a = F.relu(f)
        return f, torch.tanh(self.hash(a)), torch.sigmoid(self.cls(a))

    def features(self, x):
        return self.fc2(F.relu(self.fc1(x)))

    def features_and_codes(self, x):
        f = self.features(x)
        return f, torch.tanh(self.hash(F.relu(f)))


class ModalityNet(torch.nn.Module):
    def __init__(self, in_dim, hidden, feat, bits, c, dropout, fusion_widths, lrn, input_scale):
        super().__init__()
        self.input_scale = input_scale
        self.lrn = lrn
        self.fusion = Fusion(in_dim, fusion_widths) if fusion_widths else None
        d = self.fusion.out_dim if self.fusion else in_dim
        self.fc1 = torch.nn.Linear(d, hidden)
        self.drop = torch.nn.Dropout(dropout)
        self.fc2 = torch.nn.Linear(hidden, feat)
        self.hash = torch.nn.Linear(feat, bits)
        self.cls = torch.nn.Linear(feat, c)

    def norm(self, x):
        # cmhash's LRN: size 5, alpha 1e-4 (divided by size, as PyTorch), beta 0.75, k 2, over [m, c, 1, 1].
        return F.local_response_norm(x[:, :, None, None], 5, 1e-4, 0.75, 2.0)[:, :, 0, 0] if self.lrn else x

    def run(self, x):
        h = x if self.input_scale == 1 else x * self.input_scale
        if self.fusion is not None:
            h = self.fusion(h)
        h = self.drop(self.norm(F.relu(self.fc1(h))))
        f = self.fc2(h)
        a = self.norm(F.relu(f))
        return f, torch.tanh(self.hash(a)), torch.sigmoid(self.cls(a))


class Discriminator(torch.nn.Module):
    def __init__(self, in_dim):
        super().__init__()
        self.fc1 = torch.nn.Linear(in_dim, 512)
        self.fc2 = torch.nn.Linear(512, 256)
        self.out = torch.nn.Linear(256, 1)

    def forward(self, x):
        return self.out(F.relu(self.fc2(F.relu(self.fc1(x)))))


def nll(S, a, b, W):
    theta = 0.5 * (a @ b.t())
    return ((F.softplus(theta) - S * theta) * W).mean()


class Ssah:
    def __init__(self, c, xi, xt, labels):
        cfg = self.cfg = c['cfg']
        for k, want in [('hybridAttention', False), ('reconstruction', 0), ('crossAttention', 0), ('labelCode', 0),
                        ('discriminate', 'label-features'), ('codeMatrix', 'modalities')]:
            if cfg.get(k) != want:
                raise ValueError(f'torch_ssah.py implements SSAH only: {k} = {cfg.get(k)!r} (SSAH: {want!r})')
        if cfg.get('imageInput', 'features') != 'features':
            raise ValueError('torch_ssah.py: feature input only')
        bits, hidden, feat = c['bits'], cfg['hidden'], cfg['feat']
        self.xi, self.xt, self.labels = xi, xt, labels
        nl = labels.shape[1]
        self.label = LabelNet(nl, hidden, feat, bits)
        self.image = ModalityNet(xi.shape[1], hidden, feat, bits, nl, cfg['dropout'], None, False, c['inputScale']['image'])
        self.text = ModalityNet(xt.shape[1], hidden, feat, bits, nl, 0.0, cfg['fusionWidths'], cfg['textLrn'], c['inputScale']['text'])
        # As cmhash: the discriminators exist only with an adversarial weight > 0 (SSAH's default is 0).
        self.adv = cfg['adversarial'] > 0
        self.discImage = Discriminator(feat) if self.adv else None
        self.discText = Discriminator(feat) if self.adv else None
        # The distinct training label vectors and their column weights count*u/n.
        uniq, counts = torch.unique(labels, dim=0, return_counts=True)
        self.Lu = uniq
        self.W = (counts.float() * uniq.shape[0] / labels.shape[0])[None, :]
        scale = 0.5 ** math.floor(c.get('epoch', 0) / cfg['halveEvery']) if cfg['halveEvery'] > 0 else 1.0
        adam = lambda mods, lr: torch.optim.Adam([p for m in mods for p in m.parameters()], lr=lr * scale, weight_decay=cfg['weightDecay'])
        self.opt_label = adam([self.label], cfg['lrLabel'])
        self.opt_image = adam([self.image], cfg['lrImage'])
        self.opt_text = adam([self.text], cfg['lrText'])
        self.opt_disc = adam([self.discImage, self.discText], cfg['lrDisc']) if self.adv else None
        self.opts = [o for o in (self.opt_label, self.opt_image, self.opt_text, self.opt_disc) if o is not None]
        self.B = None

    def modules(self):
        mods = {'label': self.label, 'image': self.image, 'text': self.text}
        if self.adv:
            mods.update(discImage=self.discImage, discText=self.discText)
        return mods

    def set_mode(self, training):
        for m in self.modules().values():
            m.train(training)

    def refresh(self, chunk=1024):
        """B = sign(H^x + H^y) over the training set, inference mode, sign(0) = +1."""
        self.set_mode(False)
        with torch.no_grad():
            n = self.xi.shape[0]
            parts = []
            for lo in range(0, n, chunk):
                h = self.text.run(self.xt[lo:lo + chunk])[1] + self.image.run(self.xi[lo:lo + chunk])[1]
                parts.append(torch.where(h >= 0, torch.ones_like(h), -torch.ones_like(h)))
            self.B = torch.cat(parts)
        self.set_mode(True)

    def zero_all(self):
        for o in self.opts:
            o.zero_grad(set_to_none=True)

    def step(self, idx):
        cfg = self.cfg
        self.set_mode(True)
        L, xi, xt = self.labels[idx], self.xi[idx], self.xt[idx]
        with torch.no_grad():
            S = torch.sign(L @ self.Lu.t())
            Bb = self.B[idx]
        W = self.W
        out = {}
        # (1) label network
        fl, hl, pl = self.label.run(L)
        with torch.no_grad():
            Fa, Ha = self.label.features_and_codes(self.Lu)
        t = {'labelFeatNll': nll(S, fl, Fa, W), 'labelCodeNll': nll(S, hl, Ha, W), 'labelQuant': F.mse_loss(hl, Bb), 'labelPred': F.mse_loss(pl, L)}
        loss_label = cfg['alpha'] * t['labelFeatNll'] + cfg['gamma'] * t['labelCodeNll'] + (cfg['beta'] * t['labelQuant'] + cfg['eta'] * t['labelPred'])
        loss_label.backward()
        self.opt_label.step()
        self.zero_all()
        out.update(t, label=loss_label)
        # (2) image and text networks against the updated, frozen label net
        with torch.no_grad():
            # As cmhash: only the outputs read below (no label head; the batch's f^l only for the discriminators).
            sem_f = self.label.features(L) if cfg['adversarial'] > 0 else None
            FL, HL = self.label.features_and_codes(self.Lu)
        terms = []
        pairs = []
        for key, net, x, disc in [('image', self.image, xi, self.discImage), ('text', self.text, xt, self.discText)]:
            f, h, p = net.run(x)
            fn, q = nll(S, f, FL, W), F.mse_loss(h, Bb)
            out[f'{key}FeatNll'], out[f'{key}Quant'] = fn, q
            terms += [cfg['alpha'] * fn, cfg['beta'] * q]
            if cfg['gammaModality'] > 0:
                cn = nll(S, h, HL, W)
                out[f'{key}CodeNll'] = cn
                terms.append(cfg['gammaModality'] * cn)
            if cfg['etaModality'] > 0:
                pr = F.mse_loss(p, L)
                out[f'{key}Pred'] = pr
                terms.append(cfg['etaModality'] * pr)
            pairs.append((disc, sem_f, f))
        disc_params = [p for d in (self.discImage, self.discText) if d is not None for p in d.parameters()]
        gen_params = [p for m in (self.image, self.text) for p in m.parameters()]
        fake_logits = []
        if cfg['adversarial'] > 0:
            # As cmhash: D(fake) is computed once and reused by the discriminator update (D does not step in
            # between); the generator's backward computes no discriminator weight gradients (inputs=).
            fake_logits = [d(fake) for d, _, fake in pairs]
            adv = sum(F.softplus(-z).mean() for z in fake_logits)
            out['generatorAdv'] = adv
            terms.append(cfg['adversarial'] * adv)
        gen = terms[0]
        for x in terms[1:]:
            gen = gen + x
        gen.backward(inputs=gen_params, retain_graph=cfg['adversarial'] > 0)
        self.opt_image.step()
        self.opt_text.step()
        self.zero_all()
        out['generator'] = gen
        total = loss_label + gen
        # (3) discriminators on detached inputs
        if cfg['adversarial'] > 0:
            # D(fake) from the generator phase; inputs= stops the backward at D's input, as fake.detach() would.
            disc = sum(F.softplus(-d(real.detach())).mean() + F.softplus(z).mean() for (d, real, _), z in zip(pairs, fake_logits))
            disc.backward(inputs=disc_params)
            self.opt_disc.step()
            self.zero_all()
            out['discriminator'] = disc
            total = total + disc
        out['total'] = total
        keys = list(out)
        vals = torch.stack([out[k].detach() for k in keys]).tolist()  # one readback per step
        return dict(zip(keys, vals))


def main():
    c = setup()
    d = c['data']
    xi, xt = load_matrix(d, 'image', 'imageDim'), load_matrix(d, 'text', 'textDim')
    lab = load_matrix(d, 'labels', 'labelDim')
    model = Ssah(c, xi, xt, lab)
    own = {f'{p}.{k}': v for p, m in model.modules().items() for k, v in m.named_parameters()}
    run(c, xi.shape[0], own, model.refresh, model.step, end_epoch=model.refresh)  # prepare() = refresh


if __name__ == '__main__':
    main()
