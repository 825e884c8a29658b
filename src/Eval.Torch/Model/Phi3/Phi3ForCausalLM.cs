namespace Eval.Torch.Model.Phi3;

/// <summary>
/// transformers' Phi3ForCausalLM: model (embed_tokens, layers, norm) and lm_head, which only an untied checkpoint has
/// (state_dict keys model.layers.0.self_attn.qkv_proj.weight, ...).
/// </summary>
public sealed class Phi3ForCausalLM(Phi3Architecture architecture)
    : DecoderCausalLM<Phi3Architecture, Phi3Model>(nameof(Phi3ForCausalLM), architecture, "model", new Phi3Model(architecture), "lm_head", architecture.TieWordEmbeddings);
