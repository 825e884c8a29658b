namespace Eval.Torch.Model.Bloom;

/// <summary>
/// transformers' BloomForCausalLM: transformer (word_embeddings, word_embeddings_layernorm, blocks h, ln_f) and lm_head,
/// which only an untied checkpoint has (state_dict keys transformer.h.0.self_attention.query_key_value.weight, ...).
/// </summary>
public sealed class BloomForCausalLM(BloomArchitecture architecture)
    : DecoderCausalLM<BloomArchitecture, BloomModel>(nameof(BloomForCausalLM), architecture, "transformer", new BloomModel(architecture), "lm_head", architecture.TieWordEmbeddings);
