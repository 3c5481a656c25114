"""Model files, pickle-free: atomic writes, model directories, tensors, descriptions.

- :mod:`~seqnlp.serialization.atomic`: files written so that readers see old or new, never half;
- :mod:`~seqnlp.serialization.models`: a model directory (config, weights, vocab, meta) saved
  and swapped in whole, loaded with every piece validated, defaults found in the package;
- :mod:`~seqnlp.serialization.tensors`: safetensors read without pickle, shapes checked,
  compact storage (float16, int8 rows);
- :mod:`~seqnlp.serialization.describe`: the summary ``seqnlp info`` prints.

Nothing here imports torch. The names below are the API the tasks use.
"""

from seqnlp.serialization.atomic import save_tensors_atomic, write_bytes_atomic, write_json_atomic
from seqnlp.serialization.describe import describe_model
from seqnlp.serialization.models import (
    CONFIG_FILE,
    DEFAULT_MODELS,
    DEFAULT_MODELS_DIR,
    FORMAT_VERSION,
    META_FILE,
    MODEL_FILES,
    RESERVED_CONFIG_KEYS,
    SUPPORTED_FORMAT_VERSIONS,
    VOCAB_FILE,
    WEIGHTS_FILE,
    LoadedModel,
    check_repeats,
    config_from_dict,
    default_model,
    load_model,
    model_kind,
    read_model,
    recover_interrupted_save,
    resolve_model,
    save_model,
)
from seqnlp.serialization.tensors import (
    STORAGE_DTYPES,
    TensorInfo,
    check_finite,
    check_shapes,
    check_storage_dtype,
    compact,
    dequantize_rows,
    expect_row_scales,
    load_tensors,
    quantize_rows,
    read_tensor_info,
)

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_MODELS",
    "DEFAULT_MODELS_DIR",
    "FORMAT_VERSION",
    "META_FILE",
    "MODEL_FILES",
    "RESERVED_CONFIG_KEYS",
    "STORAGE_DTYPES",
    "SUPPORTED_FORMAT_VERSIONS",
    "VOCAB_FILE",
    "WEIGHTS_FILE",
    "LoadedModel",
    "TensorInfo",
    "check_repeats",
    "check_finite",
    "check_shapes",
    "check_storage_dtype",
    "compact",
    "config_from_dict",
    "default_model",
    "dequantize_rows",
    "describe_model",
    "expect_row_scales",
    "load_model",
    "load_tensors",
    "model_kind",
    "quantize_rows",
    "read_model",
    "read_tensor_info",
    "recover_interrupted_save",
    "resolve_model",
    "save_model",
    "save_tensors_atomic",
    "write_bytes_atomic",
    "write_json_atomic",
]
