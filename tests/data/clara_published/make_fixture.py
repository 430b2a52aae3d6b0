#!/usr/bin/python3
# Writes two checkpoints in the layout apple/ml-clara publishes
# (compression-<CR>/{config.json, adapters.pth, decoder_first_last_layers.pth},
# written by CLaRa.save_pretrained with torch.save) on the tiny Mistral of
# tests/data/golden/recipes/blockrank, and expected.safetensors beside each:
# the tensors a correct import into ragforge's layout (recipes.md §2.8) holds.
#
#   apt-get install python3-torch      # Debian's torch 1.13; the tests only read the output
#   /usr/bin/python3 tests/data/clara_published/make_fixture.py
#
# distinct-mem/  different_mem_tokens true (<MEM0..2>), stage2, all three adapters
# shared-mem/    different_mem_tokens false (one <MEM> row the import repeats), stage1_2
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = os.path.join(HERE, "..", "golden", "recipes", "blockrank", "model", "model.safetensors")
DOC_MAX_LENGTH, COMPR_RATE, LORA_R = 24, 8, 4
N_MEM = DOC_MAX_LENGTH // COMPR_RATE
HIDDEN, INTERMEDIATE, LAYERS, KV = 64, 128, 3, 32
BASE_VOCAB = 259  # len(tokenizer) of the base: CLaRa's tokens get rows 259..


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "BF16", info
        b, e = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.bfloat16).reshape(info["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].to(torch.float32).contiguous()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def lora_modules():
    shapes = {"self_attn.q_proj": (HIDDEN, HIDDEN), "self_attn.k_proj": (HIDDEN, KV), "self_attn.v_proj": (HIDDEN, KV),
              "self_attn.o_proj": (HIDDEN, HIDDEN), "mlp.gate_proj": (HIDDEN, INTERMEDIATE),
              "mlp.up_proj": (HIDDEN, INTERMEDIATE), "mlp.down_proj": (INTERMEDIATE, HIDDEN)}
    for layer in range(LAYERS):
        for module, (fan_in, fan_out) in shapes.items():
            yield f"model.layers.{layer}.{module}", fan_in, fan_out


def adapter(gen):
    # transformers' get_adapter_state_dict: module names without the PEFT
    # prefix or the adapter's name, as CLaRa._get_all_adapters_state_dict saves them.
    out = {}
    for module, fan_in, fan_out in lora_modules():
        out[f"{module}.lora_A.weight"] = (torch.randn(LORA_R, fan_in, generator=gen) / fan_in ** 0.5).bfloat16()
        out[f"{module}.lora_B.weight"] = (0.1 * torch.randn(fan_out, LORA_R, generator=gen)).bfloat16()
    return out


def resized(base, n_new, gen):
    # Every row moves a little (the published rows are what the model is), the new rows are fresh.
    grown = torch.cat([base.float(), 0.02 * torch.randn(n_new, HIDDEN, generator=gen)])
    return (grown + 0.001 * torch.randn(grown.shape, generator=gen)).bfloat16()


def write_checkpoint(name, stage, adapter_names, different_mem_tokens, seed):
    gen = torch.Generator().manual_seed(seed)
    out_dir = os.path.join(HERE, name)
    os.makedirs(out_dir, exist_ok=True)
    base = read_safetensors(BASE)
    mem = [f"<MEM{i}>" for i in range(N_MEM)] if different_mem_tokens else ["<MEM>"]
    added = mem + ["<AE>", "<ENC>", "<SEP>"]
    first_last = {"model.embed_tokens.weight": resized(base["model.embed_tokens.weight"], len(added), gen),
                  "lm_head.weight": resized(base["lm_head.weight"], len(added), gen)}
    adapters = {a: adapter(gen) for a in adapter_names}
    torch.save(adapters, os.path.join(out_dir, "adapters.pth"))
    torch.save(first_last, os.path.join(out_dir, "decoder_first_last_layers.pth"))
    config = {"architectures": ["CLaRa"], "auto_map": {"AutoConfig": "modeling_clara.CLaRaConfig",
                                                       "AutoModel": "modeling_clara.CLaRa"},
              "compr_base_model_name": "mistralai/Mistral-7B-Instruct-v0.2", "compr_model_name": None,
              "compr_rate": COMPR_RATE, "decoder_model_name": "mistralai/Mistral-7B-Instruct-v0.2",
              "different_mem_tokens": different_mem_tokens, "doc_max_length": DOC_MAX_LENGTH,
              "generation_top_k": 5, "kbtc_training": False, "load_adapters": True, "lora": True,
              "lora_r": LORA_R, "max_new_tokens": 128, "model_type": "CLaRa", "optimize_mem_tokens": True,
              "quantization": "no", "sep": True, "stage2_retrieval_top_n": 1, "training_form": "both",
              "training_stage": stage, "transformers_version": "4.56.2"}
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")

    # What the import must hold: PEFT's saved names, and the rows in
    # ragforge's order <MEM0..n-1>, <AE>, <ENC>, <SEP> (a shared <MEM> row repeated).
    expected = {}
    for a, tensors in adapters.items():
        for key, t in tensors.items():
            expected[f"adapters/{a}/base_model.model.{key}"] = t
    for key, t in first_last.items():
        rows = list(range(BASE_VOCAB))
        if different_mem_tokens:
            rows += [BASE_VOCAB + i for i in range(len(added))]
        else:
            rows += [BASE_VOCAB] * N_MEM + [BASE_VOCAB + 1 + i for i in range(3)]
        expected[key] = t[rows]
    write_safetensors(os.path.join(out_dir, "expected.safetensors"), expected)


write_checkpoint("distinct-mem", "stage2", ["encoder_adapter", "decoder_adapter", "query_reasoner_adapter"], True, 1)
write_checkpoint("shared-mem", "stage1_2", ["encoder_adapter", "decoder_adapter"], False, 2)


def write_damaged(path):
    # A well-formed zip whose tensor record is shorter than the tensor's shape needs.
    torch.save({"w": torch.arange(16, dtype=torch.float32).reshape(4, 4)}, path)
    import zipfile
    with zipfile.ZipFile(path) as z:
        records = {i.filename: z.read(i.filename) for i in z.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in records.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # byte-identical reruns
            z.writestr(info, data[:16] if name.endswith("/data/0") else data)


write_damaged(os.path.join(HERE, "damaged.pth"))
# Dicts of one entry: Python's pickler writes SETITEM for them (not MARK ... SETITEMS).
torch.save({"only": {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3)}}, os.path.join(HERE, "one-entry.pth"))


# What else torch.save writes for state dicts, beside plain dicts of tensors:
def write_state_dict_forms():
    import collections
    import pickle
    import types
    arange = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    linear = torch.nn.Linear(3, 2)
    with torch.no_grad():
        linear.weight.copy_(arange)
        linear.bias.copy_(torch.tensor([7.0, 8.0]))
    # an OrderedDict with the _metadata attribute (BUILD after the items)
    torch.save(linear.state_dict(), os.path.join(HERE, "ordered-state-dict.pth"))
    # OrderedDicts inside a dict: the class is memoized once and fetched again (BINGET)
    torch.save({"a": collections.OrderedDict(w=arange), "b": collections.OrderedDict(v=arange + 1)},
               os.path.join(HERE, "nested-ordered.pth"))
    # nn.Parameter (torch._utils._rebuild_parameter), as a model saved on the CPU holds
    torch.save({"w": torch.nn.Parameter(arange.clone())}, os.path.join(HERE, "parameters.pth"))

    # a view whose size x stride wraps around 64 bits into the storage
    class WrappingStride(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, torch.Tensor):
                return (torch._utils._rebuild_tensor_v2,
                        (obj.storage(), 0, (4, 64), ((2 ** 64 + 2) // 3, 1), False, collections.OrderedDict()))
            return NotImplemented
    torch.save({"w": torch.zeros(4, 64)}, os.path.join(HERE, "wrapping-stride.pth"),
               pickle_module=types.SimpleNamespace(Pickler=WrappingStride, __name__="pickle"))


write_state_dict_forms()
