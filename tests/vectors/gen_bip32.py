"""Extract BIP32 test vectors 1-4 from bip-0032.mediawiki into tests/vectors/bip32.json.

Usage: python tests/vectors/gen_bip32.py path/to/bip-0032.mediawiki
(the file from https://github.com/bitcoin/bips/blob/master/bip-0032.mediawiki). Vector 5 (invalid
extended keys) needs a parser foc_web does not have, so it is left out.
"""

import json
import pathlib
import re
import sys

COMMIT = "7fe0b034ec967b52a5a28276419117326df93263"  # bitcoin/bips commit the file was read from


def main(source):
    text = pathlib.Path(source).read_text(encoding="utf-8")
    vectors = []
    for number, body in re.findall(r"===Test vector (\d)===\n(.*?)(?====|\Z)", text, re.S):
        if int(number) > 4:
            continue
        seed = re.search(r"Seed \(hex\): ([0-9a-f]+)", body).group(1)
        chains = []
        for path, xpub, xprv in re.findall(
            r"\* Chain (\S+)\n\*\* ext pub: (\w+)\n\*\* ext prv: (\w+)", body
        ):
            chains.append({"path": path.replace("<sub>H</sub>", "H"), "xpub": xpub, "xprv": xprv})
        vectors.append({"vector": int(number), "seed": seed, "chains": chains})
    out = {
        "source": f"BIP32 test vectors 1-4, bitcoin/bips bip-0032.mediawiki at commit {COMMIT}, "
                  "extracted by tests/vectors/gen_bip32.py",
        "vectors": vectors,
    }
    target = pathlib.Path(__file__).resolve().parent / "bip32.json"
    target.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {sum(len(v['chains']) for v in vectors)} chains to {target}")


if __name__ == "__main__":
    main(sys.argv[1])
