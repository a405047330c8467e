"""Benchmark: BIP32 / BIP39 / Stark key derivation, foc_web against references, ops/s side by side.

References (each optional): python-ecdsa (secp256k1 public key), the `mnemonic` package (BIP39
seed and check, hashlib), and @scure/bip32 + @scure/bip39 + @scure/starknet timed inside Node
(run from the repository root so node_modules is found). starknet-py has no BIP32/BIP39 code.

    python bench/bench_derivation.py
"""

import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from foc_web.stark import secp256k1  # noqa: E402
from foc_web.stark.bip32 import HDKey  # noqa: E402
from foc_web.stark.bip39 import mnemonic_to_seed, validate_mnemonic  # noqa: E402
from foc_web.stark.derivation import derive_private_key, eip2645_path, grind_key, starknet_bip44_path  # noqa: E402

MNEMONIC = "glory promote mansion idle axis finger extra february uncover one trip resource lawn turtle enact " \
           "monster seven myth punch hobby comfort wild raise skin"
SEED = bytes(range(64))
KEY = 0x1F2E3D4C5B6A79880F1E2D3C4B5A69788796A5B4C3D2E1F00112233445566778
BIP44 = starknet_bip44_path(0)
EIP2645 = eip2645_path(0)

SCURE = r"""
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { grindKey } from '@scure/starknet';
import { secp256k1 } from '@noble/curves/secp256k1.js';
const [mnemonic, seedHex, keyHex, bip44, eip2645] = JSON.parse(process.argv[1]);
const seed = Buffer.from(seedHex, 'hex'), key = Buffer.from(keyHex, 'hex');
const rate = (fn, seconds = 1) => {
  for (let i = 0; i < 3; i++) fn();
  let n = 0; const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) { fn(); n++; }
  return n / ((performance.now() - t0) / 1000);
};
const stark = (s, scheme, path) => {
  let m = HDKey.fromMasterSeed(s);
  if (scheme === 'argentx') {
    let h = BigInt('0x' + Buffer.from(m.derive("m/44'/60'/0'/0/0").privateKey).toString('hex')).toString(16);
    m = HDKey.fromMasterSeed(Buffer.from(h.length % 2 ? '0' + h : h, 'hex'));
  }
  return grindKey(m.derive(path).privateKey);
};
console.log(JSON.stringify({
  'secp256k1 public key': rate(() => secp256k1.getPublicKey(key, true)),
  'BIP32 m/44\'/9004\'/0\'/0/0': rate(() => HDKey.fromMasterSeed(seed).derive(bip44).privateKey),
  'grind_key': rate(() => grindKey(key)),
  'derive bip44': rate(() => stark(seed, 'bip44', bip44)),
  'derive argentx': rate(() => stark(seed, 'argentx', bip44)),
  'derive eip2645': rate(() => stark(seed, 'eip2645', eip2645)),
  'BIP39 seed (PBKDF2 x2048)': rate(() => mnemonicToSeedSync(mnemonic)),
  'validate mnemonic': rate(() => validateMnemonic(mnemonic, wordlist)),
}));
"""


def rate(fn, seconds=1.0):
    """Calls per second of fn() over about `seconds` (after one warm-up call)."""
    fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - start)


def async_rate(make_coroutine, seconds=1.0):
    """Like ``rate`` for a coroutine function, all calls awaited in one event loop."""

    async def loop():
        await make_coroutine()
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            await make_coroutine()
            n += 1
        return n / (time.perf_counter() - start)

    return asyncio.run(loop())


def scure_rates():
    if not shutil.which("node") or not (ROOT / "node_modules" / "@scure" / "starknet").is_dir():
        return {}
    args = json.dumps([MNEMONIC, SEED.hex(), KEY.to_bytes(32, "big").hex(), BIP44, EIP2645])
    done = subprocess.run(["node", "--input-type=module", "-e", SCURE, args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    return json.loads(done.stdout) if done.returncode == 0 else {}


def reference_rates():
    refs = {}
    try:
        import ecdsa

        refs["secp256k1 public key"] = ("python-ecdsa", rate(
            lambda: ecdsa.SigningKey.from_secret_exponent(KEY, curve=ecdsa.SECP256k1)
            .get_verifying_key().to_string("compressed")))
    except ImportError:
        pass
    try:
        from mnemonic import Mnemonic

        english = Mnemonic("english")
        refs["BIP39 seed (PBKDF2 x2048)"] = ("mnemonic pkg", rate(lambda: Mnemonic.to_seed(MNEMONIC)))
        refs["validate mnemonic"] = ("mnemonic pkg", rate(lambda: english.check(MNEMONIC)))
    except ImportError:
        pass
    return refs


def main():
    start = time.perf_counter()
    secp256k1.point_from_private(1)
    print(f"first use: secp256k1 window table built in {1000 * (time.perf_counter() - start):.0f} ms")
    ours = {
        "secp256k1 public key": rate(lambda: secp256k1.point_from_private(KEY)),
        "BIP32 m/44'/9004'/0'/0/0": rate(lambda: HDKey.from_seed(SEED).derive(BIP44).private_key),
        "grind_key": rate(lambda: grind_key(KEY.to_bytes(32, "big"))),
        "derive bip44": rate(lambda: derive_private_key(SEED, BIP44, "bip44")),
        "derive argentx": rate(lambda: derive_private_key(SEED, BIP44, "argentx")),
        "derive eip2645": rate(lambda: derive_private_key(SEED, EIP2645, "eip2645")),
        "BIP39 seed (PBKDF2 x2048)": async_rate(lambda: mnemonic_to_seed(MNEMONIC)),
        "validate mnemonic": rate(lambda: validate_mnemonic(MNEMONIC)),
    }
    refs, scure = reference_rates(), scure_rates()
    print(f"{'operation':28} {'foc_web/s':>11} {'reference':>14} {'ref/s':>11} {'ratio':>7} "
          f"{'@scure/s':>11} {'ratio':>7}")
    for name, value in ours.items():
        ref_name, ref = refs.get(name, ("-", None))
        js = scure.get(name)
        print(f"{name:28} {value:11.0f} {ref_name:>14} "
              f"{ref if ref else float('nan'):11.0f} {value / ref if ref else float('nan'):7.2f} "
              f"{js if js else float('nan'):11.0f} {value / js if js else float('nan'):7.2f}")
    print("ratio = foc_web ops/s / reference ops/s (higher is better for foc_web)")


if __name__ == "__main__":
    main()
