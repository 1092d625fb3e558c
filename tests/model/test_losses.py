import math

import torch
import torch.nn.functional as F

from vgslib.model.losses import group_infonce, symmetric_group_loss


def _unit(*shape):
    return F.normalize(torch.randn(*shape), dim=-1)


def test_group_infonce_matches_a_naive_loop():
    torch.manual_seed(0)
    q, k, scale = _unit(5, 8), _unit(5, 12, 8), torch.tensor(100.0)
    naive = 0.0
    for g in range(5):
        logits = [float(scale * q[g] @ k[g, j]) for j in range(12)]
        top = max(logits)
        naive += -(logits[0] - top - math.log(sum(math.exp(x - top) for x in logits)))
    assert torch.isclose(group_infonce(q, k, scale), torch.tensor(naive / 5), atol=1e-4)


def test_symmetric_loss_is_the_mean_of_both_directions():
    torch.manual_seed(1)
    a, p, na, npos = _unit(4, 6), _unit(4, 6), _unit(4, 11, 6), _unit(4, 11, 6)
    s = torch.tensor(10.0)
    expected = 0.5 * (
        group_infonce(a, torch.cat([p[:, None], npos], 1), s) + group_infonce(p, torch.cat([a[:, None], na], 1), s)
    )
    assert torch.isclose(symmetric_group_loss(a, p, na, npos, s), expected)


def test_loss_is_small_when_positives_align():
    torch.manual_seed(2)
    a = _unit(3, 16)
    negatives = -a[:, None].expand(3, 11, 16)
    assert symmetric_group_loss(a, a, negatives, negatives, torch.tensor(100.0)) < 1e-6
