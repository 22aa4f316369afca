"""Each optimizer's first updates against values worked out by hand from its update rule.

One Dense(1, 1) layer, w = 0.5, b = 0, with fixed gradients dw = 0.2, db = -0.1.
"""

import math
from types import SimpleNamespace

import pytest

from nncore import SGD, Adagrad, Adam, Dense, RMSprop


def run(optimizer, steps):
    layer = Dense(1, 1, weights=[[0.5]], biases=[[0.0]])
    net = SimpleNamespace(dense_layers=[layer])
    out = []
    for _ in range(steps):
        layer.dweights[...] = 0.2
        layer.dbiases[...] = -0.1
        optimizer.step(net)
        out.append((float(layer.weights[0, 0]), float(layer.biases[0, 0])))
    return out


def test_sgd_with_decay():
    # lr_t = 1 / (1 + 0.5 t): 1, then 2/3.  w: 0.5 - 0.2 = 0.3, then 0.3 - 0.2*2/3.
    (w1, b1), (w2, b2) = run(SGD(learning_rate=1.0, decay=0.5), 2)
    assert w1 == pytest.approx(0.3, abs=1e-15) and b1 == pytest.approx(0.1, abs=1e-15)
    assert w2 == pytest.approx(0.3 - 0.4 / 3, abs=1e-15) and b2 == pytest.approx(0.1 + 0.2 / 3, abs=1e-15)


def test_sgd_with_momentum():
    # v1 = -0.1*0.2 = -0.02; v2 = 0.9*-0.02 - 0.02 = -0.038.
    (w1, _), (w2, b2) = run(SGD(learning_rate=0.1, momentum=0.9), 2)
    assert w1 == pytest.approx(0.48, abs=1e-15) and w2 == pytest.approx(0.442, abs=1e-15)
    assert b2 == pytest.approx(0.01 + 0.019, abs=1e-15)


def test_adagrad():
    # cache 0.04 then 0.08; w -= 0.2/(sqrt(cache)+1e-7).
    (w1, _), (w2, _) = run(Adagrad(learning_rate=1.0), 2)
    assert w1 == pytest.approx(0.5 - 0.2 / (0.2 + 1e-7), abs=1e-15)
    assert w2 == pytest.approx(w1 - 0.2 / (math.sqrt(0.08) + 1e-7), abs=1e-15)


def test_rmsprop():
    # cache = 0.1 * 0.04 = 0.004, then 0.9*0.004 + 0.004 = 0.0076.
    (w1, _), (w2, _) = run(RMSprop(learning_rate=0.01, rho=0.9), 2)
    assert w1 == pytest.approx(0.5 - 0.01 * 0.2 / (math.sqrt(0.004) + 1e-7), abs=1e-15)
    assert w2 == pytest.approx(w1 - 0.01 * 0.2 / (math.sqrt(0.0076) + 1e-7), abs=1e-15)


def test_adam_bias_correction_and_decay():
    # t=1: m = 0.02, c = 4e-5; m_hat = 0.02/0.1 = 0.2, c_hat = 4e-5/1e-3 = 0.04 -> step lr*0.2/(0.2+eps).
    # t=2: m = 0.038, c = 7.996e-5; m_hat = 0.038/0.19 = 0.2, c_hat = 7.996e-5/(1 - 0.999**2) = 0.04.
    (w1, b1), (w2, _) = run(Adam(learning_rate=0.001, decay=0.1), 2)
    assert w1 == pytest.approx(0.5 - 0.001 * 0.2 / (0.2 + 1e-7), abs=1e-15)
    assert b1 == pytest.approx(0.001 * 0.1 / (0.1 + 1e-7), abs=1e-15)
    lr2 = 0.001 / 1.1
    assert w2 == pytest.approx(w1 - lr2 * 0.2 / (math.sqrt(7.996e-5 / 0.001999) + 1e-7), abs=1e-15)


def test_current_learning_rate_and_defaults():
    opt = Adam()
    assert (opt.learning_rate, opt.decay, opt.epsilon, opt.beta_1, opt.beta_2) == (0.001, 0.0, 1e-7, 0.9, 0.999)
    assert (SGD().learning_rate, RMSprop().rho, Adagrad().epsilon) == (1.0, 0.9, 1e-7)
    opt = SGD(learning_rate=0.5, decay=0.25)
    run(opt, 3)
    assert opt.current_learning_rate == 0.5 / (1 + 0.25 * 3)
