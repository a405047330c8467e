"""Speed of foc_web's hashes next to starknet-py's (native poseidon-py, pycryptodome, crypto-cpp).

    python bench/bench_hashes.py [seconds per measurement, default 0.4]

Prints ops/s for each operation, foc_web and the reference side by side, and their ratio
(> 1 means foc_web is faster). Best of several rounds, so a busy machine skews less.
Runs without starknet-py too (then only foc_web's column is printed).
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from foc_web.stark.keccak import get_selector_from_name, keccak256  # noqa: E402
from foc_web.stark.poseidon import poseidon_hash, poseidon_hash_many  # noqa: E402
from foc_web.stark.transaction import (  # noqa: E402
    SN_MAIN,
    Call,
    ResourceBounds,
    ResourceBoundsMapping,
    calculate_invoke_v3_hash,
    execute_calldata,
)

try:
    from Crypto.Hash import keccak as ref_keccak
    from poseidon_py.poseidon_hash import poseidon_hash as ref_poseidon_hash
    from poseidon_py.poseidon_hash import poseidon_hash_many as ref_poseidon_hash_many
    from starknet_py.hash.selector import get_selector_from_name as ref_selector
    from starknet_py.hash.transaction import (
        CommonTransactionV3Fields,
        TransactionHashPrefix,
        compute_invoke_v3_transaction_hash,
    )
    from starknet_py.net.client_models import DAMode
    from starknet_py.net.client_models import ResourceBounds as RefBounds
    from starknet_py.net.client_models import ResourceBoundsMapping as RefMapping
except ImportError:
    ref_keccak = None

X = 0x3D937C035C878245CAF64531A5756109C53068DA139362728FEB561405371CB
Y = 0x208A0A10250E382E1E4BBE2880906C2791BF6275695E02FBBC6AEFF9CD8B31A
TEN = [(X * (i + 1)) % (2**251) for i in range(10)]
DATA = bytes(range(100))
SENDER = 0x07E00D496E324876BBC8531F2D9A82BF154D1A04A50218EE74CDD372F75A551A
ETH = 0x049D36570D4E46F48E99674BD3FCC84644DDD6B96F7C741B1562B82F9E004DC7
TRANSFER = 0x0083AFD3F4CAEDC6EEBF44246FE54E38C95E3179A5EC9EA81740ECA5B482D12E
CALLDATA = execute_calldata([Call(ETH, TRANSFER, [SENDER, 1000, 0])])
BOUNDS = ResourceBoundsMapping(ResourceBounds(0, 19525538945337), ResourceBounds(1413600, 6700971580),
                               ResourceBounds(528, 2413))


def ours_invoke():
    return calculate_invoke_v3_hash(SENDER, CALLDATA, SN_MAIN, 1, BOUNDS)


def ref_invoke():
    common = CommonTransactionV3Fields(
        tx_prefix=TransactionHashPrefix.INVOKE, version=3, address=SENDER, tip=0,
        resource_bounds=RefMapping(l1_gas=RefBounds(0, 19525538945337),
                                   l2_gas=RefBounds(1413600, 6700971580),
                                   l1_data_gas=RefBounds(528, 2413)),
        paymaster_data=[], chain_id=SN_MAIN, nonce=1,
        nonce_data_availability_mode=DAMode.L1, fee_data_availability_mode=DAMode.L1)
    return compute_invoke_v3_transaction_hash(account_deployment_data=[], calldata=CALLDATA,
                                              common_fields=common)


def ops_per_second(function, seconds):
    """Best rate over 5 rounds of about seconds/5 each."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            function()
        elapsed = time.perf_counter() - start
        if elapsed > seconds / 25:
            break
        number *= 2
    best = elapsed / number
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return 1 / best


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 0.4
    have_ref = ref_keccak is not None
    rows = [
        ("poseidon_hash", lambda: poseidon_hash(X, Y),
         have_ref and (lambda: ref_poseidon_hash(X, Y))),
        ("poseidon_hash_many (10)", lambda: poseidon_hash_many(TEN),
         have_ref and (lambda: ref_poseidon_hash_many(TEN))),
        ("keccak256 (100 bytes)", lambda: keccak256(DATA),
         have_ref and (lambda: ref_keccak.new(digest_bits=256, data=DATA).digest())),
        ("get_selector_from_name", lambda: get_selector_from_name("transfer"),
         have_ref and (lambda: ref_selector("transfer"))),
        ("invoke v3 hash (1 call)", ours_invoke, have_ref and ref_invoke),
    ]
    if have_ref:
        assert ours_invoke() == ref_invoke()
        assert poseidon_hash_many(TEN) == ref_poseidon_hash_many(TEN)
    print(f"{'operation':26} {'foc_web ops/s':>14} {'starknet-py ops/s':>18} {'ratio':>7}")
    for name, ours, reference in rows:
        our_rate = ops_per_second(ours, seconds)
        if reference:
            ref_rate = ops_per_second(reference, seconds)
            print(f"{name:26} {our_rate:14.0f} {ref_rate:18.0f} {our_rate / ref_rate:7.2f}")
        else:
            print(f"{name:26} {our_rate:14.0f}")


if __name__ == "__main__":
    main()
