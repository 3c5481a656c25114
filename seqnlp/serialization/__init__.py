"""Model files, pickle-free: atomic writes, model directories, tensors, descriptions.

- :mod:`~seqnlp.serialization.atomic`: files written so that readers see old or new, never half;
- :mod:`~seqnlp.serialization.models`: a model directory (config, weights, vocab, meta)
  loaded with every piece validated, defaults found in the package;
- :mod:`~seqnlp.serialization.saving`: a model directory saved and swapped in whole;
- :mod:`~seqnlp.serialization.tensors`: safetensors read without pickle, shapes checked,
  compact storage (float16, int8 rows);
- :mod:`~seqnlp.serialization.describe`: the summary ``seqnlp info`` prints.

Nothing here imports torch. The names below are the API the tasks use.
"""

from seqnlp import deprecation as _deprecation
from seqnlp.serialization.atomic import save_tensors_atomic, write_json_atomic
from seqnlp.serialization.describe import describe_model
from seqnlp.serialization.models import (
    CONFIG_FILE,
    DEFAULT_MODELS_DIR,
    MODEL_FILES,
    VOCAB_FILE,
    default_model,
    load_model,
    model_kind,
    read_model,
    resolve_model,
)
from seqnlp.serialization.saving import recover_interrupted_save, save_model
from seqnlp.serialization.tensors import (
    STORAGE_DTYPES,
    check_finite,
    check_shapes,
    check_storage_dtype,
    compact,
    dequantize_rows,
    expect_row_scales,
    load_tensors,
    quantize_rows,
)

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_MODELS_DIR",
    "MODEL_FILES",
    "STORAGE_DTYPES",
    "VOCAB_FILE",
    "check_finite",
    "check_shapes",
    "check_storage_dtype",
    "compact",
    "default_model",
    "dequantize_rows",
    "describe_model",
    "expect_row_scales",
    "load_model",
    "load_tensors",
    "model_kind",
    "quantize_rows",
    "read_model",
    "recover_interrupted_save",
    "resolve_model",
    "save_model",
    "save_tensors_atomic",
    "write_json_atomic",
]

# exported until issue 28; each still resolves, with a warning naming its module
__getattr__ = _deprecation.moved_names(
    __name__,
    {
        "DEFAULT_MODELS": "seqnlp.serialization.models",
        "FORMAT_VERSION": "seqnlp.serialization.models",
        "META_FILE": "seqnlp.serialization.models",
        "RESERVED_CONFIG_KEYS": "seqnlp.serialization.models",
        "SUPPORTED_FORMAT_VERSIONS": "seqnlp.serialization.models",
        "WEIGHTS_FILE": "seqnlp.serialization.models",
        "LoadedModel": "seqnlp.serialization.models",
        "TensorInfo": "seqnlp.serialization.tensors",
        "check_repeats": "seqnlp.serialization.models",
        "config_from_dict": "seqnlp.serialization.models",
        "read_tensor_info": "seqnlp.serialization.tensors",
        "write_bytes_atomic": "seqnlp.serialization.atomic",
    },
)
