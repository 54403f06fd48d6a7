"""Loads a SavedModel the way TF Serving's C++ loader does, without keras_gans.

Usage: python tf1_serving_client.py EXPORT_DIR REQUESTS.json OUT.npz [EXPORT_DIR REQUESTS.json OUT.npz ...]

``tf.compat.v1.saved_model.loader.load(sess, ["serve"], dir)``, then every
request ``{"signature": ..., "inputs": {key: value}}`` in REQUESTS.json is run
by feeding and fetching the SignatureDef's tensor names. Prints one JSON
object: each signature's method name and its inputs/outputs (dtype, shape);
writes the outputs of request i as ``i/<key>`` arrays to OUT.npz. A request
that TensorFlow rejects is recorded as ``{"error": message}``. Several triples are served one
after the other, each in its own graph and session, with one JSON line each (one process: the
test suite pays TensorFlow's import once for all the shipped exports).
"""

import json
import sys

sys.modules["keras_gans"] = None  # prove the SavedModel needs none of our Python code

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def describe(tensor_infos):
    return {key: {"dtype": tf.dtypes.as_dtype(info.dtype).name,
                  "shape": [d.size for d in info.tensor_shape.dim]}
            for key, info in tensor_infos.items()}


def main(export_dir, requests_path, out_path):
    with open(requests_path, encoding="utf-8") as file:
        requests = json.load(file)
    report = {"signatures": {}, "results": []}
    arrays = {}
    with tf.compat.v1.Session(graph=tf.Graph()) as session:
        meta_graph = tf.compat.v1.saved_model.loader.load(session, ["serve"], export_dir)
        signatures = meta_graph.signature_def
        for name, signature in signatures.items():
            if name.startswith("__"):  # the init op, not a serving signature
                continue
            report["signatures"][name] = {"method_name": signature.method_name,
                                          "inputs": describe(signature.inputs),
                                          "outputs": describe(signature.outputs)}
        for index, request in enumerate(requests):
            signature = signatures[request["signature"]]
            feed = {}
            for key, value in request["inputs"].items():
                info = signature.inputs[key]
                feed[info.name] = np.asarray(value, dtype=request.get("dtypes", {}).get(
                    key, tf.dtypes.as_dtype(info.dtype).as_numpy_dtype))
            fetches = {key: info.name for key, info in signature.outputs.items()}
            try:
                values = session.run(fetches, feed_dict=feed)
            except (ValueError, TypeError, tf.errors.OpError) as error:
                report["results"].append({"error": f"{type(error).__name__}: {error}"[:500]})
                continue
            report["results"].append({key: [str(v.dtype), list(v.shape)] for key, v in values.items()})
            arrays.update({f"{index}/{key}": value for key, value in values.items()})
    np.savez(out_path, **arrays)
    print(json.dumps(report))


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not arguments or len(arguments) % 3:
        sys.exit(f"Expected EXPORT_DIR REQUESTS.json OUT.npz triples, received {arguments!r}.")
    for start in range(0, len(arguments), 3):
        main(*arguments[start:start + 3])
