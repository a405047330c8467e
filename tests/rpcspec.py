"""The Starknet JSON-RPC spec (starknet-specs v0.10.3, api/) as JSON Schema validators, for tests.

The spec files live in shared/starknet-specs beside the repository (or $FOC_STARKNET_SPECS).
Schemas are checked with the jsonschema package (draft 2020-12). The write API refers to the
main API as ``./api/starknet_api_openrpc.json#/components/...`` (paths of the spec repository),
so both files are registered under URIs that make that relative reference land on the main file.
"""

import json
import os
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(os.environ.get(
    "FOC_STARKNET_SPECS", Path(__file__).resolve().parent.parent.parent / "shared" / "starknet-specs"))
_FILES = {  # file name -> URI it is registered under
    "starknet_api_openrpc.json": "file:///starknet-specs/api/starknet_api_openrpc.json",
    "starknet_write_api.json": "file:///starknet-specs/starknet_write_api.json",
}
# JSON-RPC 2.0 codes any method may answer with.
JSONRPC_CODES = {-32700, -32600, -32601, -32602, -32603}


class Spec:
    """Methods, params, results and error codes of the spec files."""

    def __init__(self, directory=SPEC_DIR):
        self.documents = {}
        self.methods = {}  # name -> (document URI, index in its "methods", method object)
        self._validators = {}
        resources = []
        for name, uri in _FILES.items():
            document = json.loads((Path(directory) / name).read_text())
            self.documents[uri] = document
            resources.append((uri, DRAFT202012.create_resource(document)))
            for index, method in enumerate(document["methods"]):
                self.methods[method["name"]] = (uri, index, method)
        self.registry = Registry().with_resources(resources)
        self.error_codes = {}  # code -> name, of both files
        for uri, document in self.documents.items():
            for error_name, error in document["components"]["errors"].items():
                self.error_codes[error["code"]] = error_name

    def _problem(self, uri, pointer, value):
        """The most relevant schema violation of ``value`` at ``uri#pointer``, or None."""
        key = (uri, pointer)
        if key not in self._validators:
            self._validators[key] = Draft202012Validator({"$ref": f"{uri}#{pointer}"}, registry=self.registry)
        error = best_match(self._validators[key].iter_errors(value))
        return None if error is None else f"{error.json_path}: {error.message}"

    def check_params(self, method, params):
        """Problems (strings) of ``params`` (a list by position or a dict by name) for ``method``."""
        if method not in self.methods:
            return [f"unknown method {method}"]
        uri, index, spec = self.methods[method]
        declared = [param["name"] for param in spec["params"]]
        structure = spec.get("paramStructure", "either")
        if isinstance(params, list) and structure != "by-name":
            if len(params) > len(declared):
                return [f"{method} takes at most {len(declared)} params, got {len(params)}"]
            params = dict(zip(declared, params))
        elif not isinstance(params, dict) or structure == "by-position":
            return [f"{method} params must be {'an object' if structure == 'by-name' else 'a list'}"]
        problems = [f"unknown param {name}" for name in params if name not in declared]
        for position, param in enumerate(spec["params"]):
            if param["name"] not in params:
                if param.get("required"):
                    problems.append(f"missing param {param['name']}")
                continue
            problem = self._problem(uri, f"/methods/{index}/params/{position}/schema", params[param["name"]])
            if problem:
                problems.append(f"param {param['name']}: {problem}")
        return problems

    def check_result(self, method, result):
        """The problem of ``result`` against ``method``'s result schema, or None."""
        uri, index, _ = self.methods[method]
        return self._problem(uri, f"/methods/{index}/result/schema", result)

    def method_error_codes(self, method):
        """Codes ``method`` may answer with: those its spec lists, and the JSON-RPC ones."""
        uri, _, spec = self.methods[method]
        codes = set(JSONRPC_CODES)
        for error in spec.get("errors", []):
            codes.add(self.registry.resolver(uri).lookup(error["$ref"]).contents["code"])
        return codes
