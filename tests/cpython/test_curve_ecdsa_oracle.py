"""CPython-only oracles for STARK keys and ECDSA: starknet-py (crypto-cpp) and @scure/starknet.

Hypothesis draws keys and hashes; every expected value comes from the oracle at run time.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto_cpp_py.cpp_bindings import cpp_sign
from starknet_py.hash.utils import message_signature, private_to_stark_key, verify_message_signature

from foc_web.stark import curve, ecdsa, keys

N = curve.EC_ORDER
ROOT = Path(__file__).resolve().parents[2]
HAVE_SCURE = shutil.which("node") and (ROOT / "node_modules" / "@scure" / "starknet").is_dir()

private_keys = st.integers(1, N - 1) | st.integers(1, 2**20) | st.integers(N - 2**20, N - 1)
# every bit length class matters for the RFC 6979 nibble padding (249..251 bits are padded)
hashes = st.integers(0, 251).flatmap(lambda bits: st.integers(0, 2**bits - 1))


@settings(max_examples=40, deadline=None)
@given(key=private_keys)
def test_stark_key_matches_starknet_py(key):
    assert keys.get_stark_key(key) == private_to_stark_key(key)
    assert curve.unsafe_mul(curve.GENERATOR, key)[0] == private_to_stark_key(key)


@settings(max_examples=12, deadline=None)
@given(key=private_keys, msg_hash=hashes.filter(bool))
def test_sign_matches_starknet_py_both_ways(key, msg_hash):
    # starknet-py's own nonce mode (seed 32); its sign takes ~0.2 s, hence few examples
    expected = message_signature(msg_hash, key)
    assert ecdsa.sign(msg_hash, key, ecdsa.STARKNET_PY_SEED) == tuple(expected)
    # cairo-lang seed=None, through crypto-cpp directly (int seed 0: no additional data)
    ours = ecdsa.sign(msg_hash, key, 0)
    assert ours == tuple(cpp_sign(msg_hash, key, None))
    stark_key = private_to_stark_key(key)
    assert verify_message_signature(msg_hash, list(ours), stark_key)
    assert ecdsa.verify(msg_hash, *expected, stark_key)


@settings(max_examples=25, deadline=None)
@given(key=private_keys, msg_hash=hashes.filter(bool), tweak=st.integers(1, 2**251 - 1))
def test_verify_agrees_with_starknet_py_on_forgeries(key, msg_hash, tweak):
    r, s = ecdsa.sign(msg_hash, key)
    stark_key = keys.get_stark_key(key)
    for h, rr, ss in ((msg_hash, r, s), (msg_hash ^ tweak, r, s), (msg_hash, r ^ tweak, s),
                      (msg_hash, r, (s + tweak) % N or 1)):
        if rr >= 2**251 or pow(ss, -1, N) >= 2**251:
            continue
        assert ecdsa.verify(h, rr, ss, stark_key) == verify_message_signature(h, [rr, ss], stark_key)


@pytest.mark.skipif(not HAVE_SCURE, reason="node and node_modules/@scure/starknet are needed")
@settings(max_examples=3, deadline=None)
@given(cases=st.lists(st.tuples(private_keys, hashes), min_size=40, max_size=40))
def test_default_sign_and_public_key_match_scure(cases):
    script = r"""
    import { getPublicKey, sign } from '@scure/starknet';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const out = JSON.parse(input).map(([k, h]) => {
      const sig = sign(h, k);
      const pub = Buffer.from(getPublicKey(k, false)).toString('hex');
      return ['0x' + sig.r.toString(16), '0x' + sig.s.toString(16), '0x' + pub.slice(2, 66), '0x' + pub.slice(66)];
    });
    console.log(JSON.stringify(out));
    """
    done = subprocess.run(["node", "--input-type=module", "-e", script],
                          input=json.dumps([[hex(k), hex(h)] for k, h in cases]),
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
    for (key, msg_hash), (r, s, x, y) in zip(cases, json.loads(done.stdout)):
        assert ecdsa.sign(msg_hash, key) == (int(r, 16), int(s, 16))
        assert keys.get_public_key(key) == (int(x, 16), int(y, 16))


@settings(max_examples=40, deadline=None)
@given(key=private_keys)
def test_recover_y_gives_the_public_key_up_to_sign(key):
    x, y = keys.get_public_key(key)
    assert curve.recover_y(x) in (y, curve.FIELD_PRIME - y)
