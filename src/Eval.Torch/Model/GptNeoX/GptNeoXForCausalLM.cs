namespace Eval.Torch.Model.GptNeoX;

/// <summary>
/// transformers' GPTNeoXForCausalLM: gpt_neox (embed_in, layers, final_layer_norm) and embed_out, which only an untied
/// checkpoint has (state_dict keys gpt_neox.layers.0.attention.query_key_value.weight, ...).
/// </summary>
public sealed class GptNeoXForCausalLM(GptNeoXArchitecture architecture)
    : DecoderCausalLM<GptNeoXArchitecture, GptNeoXModel>(nameof(GptNeoXForCausalLM), architecture, "gpt_neox", new GptNeoXModel(architecture), "embed_out", architecture.TieWordEmbeddings);
